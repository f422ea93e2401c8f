//! CPU kernels for the denoisers' hot layers, on plain `f32` slices (no burn types): fused
//! GroupNorm + SiLU forward and backward, and a 2-D convolution with its input and weight
//! gradients as im2col + GEMM.
//!
//! Why they exist: on burn's `flex` backend a training step spent most of its time in
//! three places (see the README's Performance section): GroupNorm built from ~8 separate
//! tensor ops, SiLU with a scalar `expf` per element and a fresh buffer per op, and the
//! convolution backward through burn's generic path (a transposed convolution for the
//! input gradient, and for the weight gradient a convolution over batch/channel-swapped
//! tensors whose "kernel" is the whole feature map). Here each is one or two passes over
//! memory, parallel over the batch, with scratch buffers kept per thread.
//!
//! Layouts are channel-first and contiguous: `x[b][c][y][x]`, weights `[co][ci][ky][kx]`.

use gemm::Parallelism;
use rayon::prelude::*;
use std::cell::RefCell;

// ---------------------------------------------------------------------------------------
// Fast exp / sigmoid

/// e^x to ~2 ulp over the range where it is finite, in a form the compiler vectorises
/// (no branches, no table): e^x = 2^n · p(r), n = round(x·log2 e), r = x − n·ln 2.
///
/// # Formula
/// Cephes' `expf`: a degree-6 polynomial for e^r on |r| ≤ ln2/2, 2^n built in the exponent
/// bits; inputs are clamped to [−87.3, 88.37] (so 2^n stays a normal f32).
#[inline(always)]
pub fn exp_fast(x: f32) -> f32 {
    let x = x.clamp(-87.336_54, 88.376_26);
    // Round to nearest by the 1.5·2^23 trick: a plain add and subtract the compiler keeps
    // in SIMD registers (`f32::round` is a libm call that stops the loop vectorising).
    const ROUNDER: f32 = 12_582_912.0;
    let n = (x * std::f32::consts::LOG2_E + ROUNDER) - ROUNDER;
    // Two-part ln 2 keeps r exact to f32 precision.
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let r2 = r * r;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5e-1;
    let e = p * r2 + r + 1.0;
    let bits = ((n as i32 + 127) as u32) << 23;
    e * f32::from_bits(bits)
}

/// σ(x) = 1 / (1 + e^(−x)).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp_fast(-x))
}

// ---------------------------------------------------------------------------------------
// GroupNorm + SiLU

/// The shape of a GroupNorm input and its groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NormShape {
    pub batch: usize,
    pub channels: usize,
    /// H·W.
    pub pixels: usize,
    pub groups: usize,
}

impl NormShape {
    fn channels_per_group(&self) -> usize {
        self.channels / self.groups
    }
    fn item_len(&self) -> usize {
        self.channels * self.pixels
    }
}

const LANES: usize = 8;

/// Defines `$name` as `$inner` compiled three times — for AVX-512, for AVX2 + FMA, and for
/// the baseline x86-64 the binary targets — and picks the widest the CPU has at run time.
/// `$inner` must be `#[inline(always)]` so its body (and the closures and helpers it
/// inlines) is generated under each target's features. Results are the same bit for bit
/// on every path: only the vector width changes, never the order of the arithmetic (Rust
/// does not contract a·b + c into an FMA on its own).
macro_rules! widest_simd {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? = $inner:ident;) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                fn v4($($arg: $ty),*) $(-> $ret)? {
                    $inner($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                fn v3($($arg: $ty),*) $(-> $ret)? {
                    $inner($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512vl")
                {
                    // SAFETY: the CPU has every feature `v4` is compiled for.
                    return unsafe { v4($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU has every feature `v3` is compiled for.
                    return unsafe { v3($($arg),*) };
                }
            }
            $inner($($arg),*)
        }
    };
}

/// Σ f(v) over `values` in eight independent f32 accumulators (so the compiler vectorises
/// the loop; one accumulator would be a serial chain of adds), combined in f64.
#[inline(always)]
fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f64 {
    let mut acc = [0.0_f32; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f(v);
        }
    }
    acc.iter().map(|&a| a as f64).sum::<f64>() + tail.iter().map(|&v| f(v) as f64).sum::<f64>()
}

/// Mean and 1/√(var + eps) of one group's values (two passes: the variance of the
/// centred values stays accurate when the mean is large; the group is in cache for the
/// second).
#[inline(always)]
fn group_stats(values: &[f32], eps: f64) -> (f32, f32) {
    let n = values.len().max(1) as f64;
    let mean = (lane_sum(values, |v| v) / n) as f32;
    let var = lane_sum(values, |v| (v - mean) * (v - mean)) / n;
    (mean, (1.0 / (var + eps).sqrt()) as f32)
}

/// z = SiLU(GroupNorm(x)·γ + β), per item.
///
/// # Shapes
/// `x`, `out`: [B, C, H·W]; `gamma`, `beta`: [C].
///
/// # Formula
/// x̂ = (x − μ_g)/√(σ²_g + eps) over each group g of C/G channels × H·W pixels;
/// y = γ_c·x̂ + β_c; z = y·σ(y).
pub fn group_norm_silu(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    shape: NormShape,
    eps: f64,
    silu: bool,
    out: &mut [f32],
) {
    let item = shape.item_len();
    out.par_chunks_mut(item)
        .zip(x.par_chunks(item))
        .for_each(|(out, x)| group_norm_silu_item(x, gamma, beta, shape, eps, silu, out));
}

widest_simd! {
    /// [`group_norm_silu`] of one item.
    fn group_norm_silu_item(
        x: &[f32],
        gamma: &[f32],
        beta: &[f32],
        shape: NormShape,
        eps: f64,
        silu: bool,
        out: &mut [f32],
    ) = group_norm_silu_item_body;
}

#[inline(always)]
fn group_norm_silu_item_body(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    shape: NormShape,
    eps: f64,
    silu: bool,
    out: &mut [f32],
) {
    let span = shape.channels_per_group() * shape.pixels;
    for (g, (out_g, x_g)) in out.chunks_mut(span).zip(x.chunks(span)).enumerate() {
        let (mean, rstd) = group_stats(x_g, eps);
        let c0 = g * shape.channels_per_group();
        for (k, (o, xv)) in out_g
            .chunks_mut(shape.pixels)
            .zip(x_g.chunks(shape.pixels))
            .enumerate()
        {
            let scale = gamma[c0 + k] * rstd;
            let shift = beta[c0 + k] - mean * scale;
            if silu {
                for (o, &v) in o.iter_mut().zip(xv) {
                    let y = v * scale + shift;
                    *o = y * sigmoid(y);
                }
            } else {
                for (o, &v) in o.iter_mut().zip(xv) {
                    *o = v * scale + shift;
                }
            }
        }
    }
}

/// Gradients of [`group_norm_silu`] with respect to x, γ and β, given ∂L/∂z.
///
/// # Shapes
/// `x`, `grad`, `dx`: [B, C, H·W]; `gamma`, `beta`, `dgamma`, `dbeta`: [C].
///
/// # Formula
/// g_y = ∂L/∂z · σ(y)(1 + y(1 − σ(y))) (or ∂L/∂z without SiLU); ∂L/∂γ_c = Σ g_y·x̂;
/// ∂L/∂β_c = Σ g_y; with g = g_y·γ_c, ∂L/∂x = r·(g − mean_g(g) − x̂·mean_g(g·x̂)).
#[allow(clippy::too_many_arguments)]
pub fn group_norm_silu_backward(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    grad: &[f32],
    shape: NormShape,
    eps: f64,
    silu: bool,
    dx: &mut [f32],
) -> (Vec<f32>, Vec<f32>) {
    let item = shape.item_len();
    let c = shape.channels;
    let partials: Vec<(Vec<f64>, Vec<f64>)> = dx
        .par_chunks_mut(item)
        .zip(x.par_chunks(item))
        .zip(grad.par_chunks(item))
        .fold(
            || (vec![0.0_f64; c], vec![0.0_f64; c]),
            |(mut dgamma, mut dbeta), ((dx, x), grad)| {
                group_norm_silu_backward_item(
                    x,
                    gamma,
                    beta,
                    grad,
                    shape,
                    eps,
                    silu,
                    dx,
                    &mut dgamma,
                    &mut dbeta,
                );
                (dgamma, dbeta)
            },
        )
        .collect();
    let mut dgamma = vec![0.0_f64; c];
    let mut dbeta = vec![0.0_f64; c];
    for (dg, db) in partials {
        for i in 0..c {
            dgamma[i] += dg[i];
            dbeta[i] += db[i];
        }
    }
    (
        dgamma.into_iter().map(|v| v as f32).collect(),
        dbeta.into_iter().map(|v| v as f32).collect(),
    )
}

widest_simd! {
    /// [`group_norm_silu_backward`] of one item: writes its ∂L/∂x and adds its ∂L/∂γ and
    /// ∂L/∂β into the accumulators.
    fn group_norm_silu_backward_item(
        x: &[f32],
        gamma: &[f32],
        beta: &[f32],
        grad: &[f32],
        shape: NormShape,
        eps: f64,
        silu: bool,
        dx: &mut [f32],
        dgamma: &mut [f64],
        dbeta: &mut [f64],
    ) = group_norm_silu_backward_item_body;
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn group_norm_silu_backward_item_body(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    grad: &[f32],
    shape: NormShape,
    eps: f64,
    silu: bool,
    dx: &mut [f32],
    dgamma: &mut [f64],
    dbeta: &mut [f64],
) {
    let cpg = shape.channels_per_group();
    let span = cpg * shape.pixels;
    for g in 0..shape.groups {
        let range = g * span..(g + 1) * span;
        let (x_g, grad_g) = (&x[range.clone()], &grad[range.clone()]);
        let dx_g = &mut dx[range];
        let (mean, rstd) = group_stats(x_g, eps);
        // First pass: g_y into dx (as scratch), channel sums, group means.
        let (mut sum_g, mut sum_gx) = (0.0_f64, 0.0_f64);
        for k in 0..cpg {
            let ch = g * cpg + k;
            let (gm, bt) = (gamma[ch], beta[ch]);
            let px = k * shape.pixels..(k + 1) * shape.pixels;
            // Four sums per channel, each in eight lanes (vectorised).
            let mut acc = [[0.0_f32; LANES]; 4];
            let d_px = &mut dx_g[px.clone()];
            let (x_px, up_px) = (&x_g[px.clone()], &grad_g[px]);
            let step = |v: f32, up: f32| -> (f32, f32, f32) {
                let xh = (v - mean) * rstd;
                let gy = if silu {
                    let y = gm * xh + bt;
                    let s = sigmoid(y);
                    up * s * (1.0 + y * (1.0 - s))
                } else {
                    up
                };
                (gy, gy * gm, xh)
            };
            let mut d_chunks = d_px.chunks_exact_mut(LANES);
            let mut x_chunks = x_px.chunks_exact(LANES);
            let mut u_chunks = up_px.chunks_exact(LANES);
            for ((dc, xc), uc) in (&mut d_chunks).zip(&mut x_chunks).zip(&mut u_chunks) {
                for l in 0..LANES {
                    let (gy, gx, xh) = step(xc[l], uc[l]);
                    acc[0][l] += gy * xh;
                    acc[1][l] += gy;
                    acc[2][l] += gx;
                    acc[3][l] += gx * xh;
                    dc[l] = gx;
                }
            }
            let tails = d_chunks
                .into_remainder()
                .iter_mut()
                .zip(x_chunks.remainder())
                .zip(u_chunks.remainder());
            for (l, ((d, &v), &up)) in tails.enumerate() {
                let (gy, gx, xh) = step(v, up);
                acc[0][l] += gy * xh;
                acc[1][l] += gy;
                acc[2][l] += gx;
                acc[3][l] += gx * xh;
                *d = gx;
            }
            let total = |k: usize| acc[k].iter().map(|&a| a as f64).sum::<f64>();
            let (dg, db, sg, sgx) = (total(0), total(1), total(2), total(3));
            dgamma[ch] += dg;
            dbeta[ch] += db;
            sum_g += sg;
            sum_gx += sgx;
        }
        let n = span as f64;
        let (m_g, m_gx) = ((sum_g / n) as f32, (sum_gx / n) as f32);
        // Second pass: dx = r·(g − mean(g) − x̂·mean(g·x̂)).
        for (d, &v) in dx_g.iter_mut().zip(x_g) {
            let xh = (v - mean) * rstd;
            *d = rstd * (*d - m_g - xh * m_gx);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Convolution as im2col + GEMM

/// A square 2-D convolution's geometry (dilation 1, one group).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    pub batch: usize,
    pub in_channels: usize,
    pub out_channels: usize,
    pub height: usize,
    pub width: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl ConvShape {
    pub fn out_height(&self) -> usize {
        (self.height + 2 * self.padding - self.kernel) / self.stride + 1
    }
    pub fn out_width(&self) -> usize {
        (self.width + 2 * self.padding - self.kernel) / self.stride + 1
    }
    /// Rows of the im2col matrix: Ci·k·k.
    fn col_rows(&self) -> usize {
        self.in_channels * self.kernel * self.kernel
    }
    fn out_pixels(&self) -> usize {
        self.out_height() * self.out_width()
    }
    fn in_item(&self) -> usize {
        self.in_channels * self.height * self.width
    }
    fn out_item(&self) -> usize {
        self.out_channels * self.out_pixels()
    }
    /// Whether the output is at least one pixel and the numbers make sense.
    pub fn is_valid(&self) -> bool {
        self.kernel > 0
            && self.stride > 0
            && self.height + 2 * self.padding >= self.kernel
            && self.width + 2 * self.padding >= self.kernel
    }
}

thread_local! {
    /// One im2col buffer per thread, grown as needed and reused across calls (a training
    /// step would otherwise fault in megabytes of fresh pages per convolution).
    static COLUMNS: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

fn with_columns<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    COLUMNS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
            f(&mut buf[..len])
        }
        // A rayon worker that picked up a second convolution while it waits inside the
        // first one: that one gets a buffer of its own.
        Err(_) => f(&mut vec![0.0; len]),
    })
}

/// The im2col matrix of one item: row (ci, ky, kx) holds x[ci] shifted by (ky, kx) at each
/// output pixel (zero outside the image).
///
/// # Shapes
/// `x`: [Ci, H, W] → `cols`: [Ci·k·k, OH·OW].
fn im2col(x: &[f32], s: &ConvShape, cols: &mut [f32]) {
    let (oh, ow) = (s.out_height(), s.out_width());
    let (h, w, k, st, p) = (s.height, s.width, s.kernel, s.stride, s.padding);
    let mut row = 0;
    for ci in 0..s.in_channels {
        let plane = &x[ci * h * w..(ci + 1) * h * w];
        for ky in 0..k {
            for kx in 0..k {
                let dst = &mut cols[row * oh * ow..(row + 1) * oh * ow];
                for oy in 0..oh {
                    let iy = (oy * st + ky) as isize - p as isize;
                    let out_row = &mut dst[oy * ow..(oy + 1) * ow];
                    if iy < 0 || iy >= h as isize {
                        out_row.fill(0.0);
                        continue;
                    }
                    let src = &plane[iy as usize * w..(iy as usize + 1) * w];
                    if st == 1 {
                        // A shifted copy of one input row, zero-padded at both ends.
                        let shift = kx as isize - p as isize;
                        for (ox, o) in out_row.iter_mut().enumerate() {
                            let ix = ox as isize + shift;
                            *o = if ix >= 0 && ix < w as isize {
                                src[ix as usize]
                            } else {
                                0.0
                            };
                        }
                    } else {
                        for (ox, o) in out_row.iter_mut().enumerate() {
                            let ix = (ox * st + kx) as isize - p as isize;
                            *o = if ix >= 0 && ix < w as isize {
                                src[ix as usize]
                            } else {
                                0.0
                            };
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// Adds the columns back onto the image they came from (the adjoint of [`im2col`]).
///
/// # Shapes
/// `cols`: [Ci·k·k, OH·OW] → `dx`: [Ci, H, W] (overwritten).
fn col2im(cols: &[f32], s: &ConvShape, dx: &mut [f32]) {
    dx.fill(0.0);
    let (oh, ow) = (s.out_height(), s.out_width());
    let (h, w, k, st, p) = (s.height, s.width, s.kernel, s.stride, s.padding);
    let mut row = 0;
    for ci in 0..s.in_channels {
        let plane = &mut dx[ci * h * w..(ci + 1) * h * w];
        for ky in 0..k {
            for kx in 0..k {
                let src = &cols[row * oh * ow..(row + 1) * oh * ow];
                for oy in 0..oh {
                    let iy = (oy * st + ky) as isize - p as isize;
                    if iy < 0 || iy >= h as isize {
                        continue;
                    }
                    let dst = &mut plane[iy as usize * w..(iy as usize + 1) * w];
                    let col_row = &src[oy * ow..(oy + 1) * ow];
                    for (ox, &v) in col_row.iter().enumerate() {
                        let ix = (ox * st + kx) as isize - p as isize;
                        if ix >= 0 && ix < w as isize {
                            dst[ix as usize] += v;
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// dst (m × n, row-major, leading dimension n) = lhs · rhs (+ dst when `accumulate`), with
/// each operand given by its row and column strides.
#[allow(clippy::too_many_arguments)]
fn matmul(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    accumulate: bool,
    lhs: &[f32],
    lhs_rs: isize,
    lhs_cs: isize,
    rhs: &[f32],
    rhs_rs: isize,
    rhs_cs: isize,
    parallel: bool,
) {
    debug_assert!(dst.len() >= m * n);
    let parallelism = if parallel {
        Parallelism::Rayon(0)
    } else {
        Parallelism::None
    };
    // SAFETY: every operand is a live slice large enough for the strides given (checked by
    // the callers' shape arithmetic); dst does not alias lhs or rhs.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.as_ptr(),
            lhs_cs,
            lhs_rs,
            rhs.as_ptr(),
            rhs_cs,
            rhs_rs,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// Whether to spread a batch over threads item by item (else one item at a time with a
/// parallel GEMM: batch 1, the app's predictions).
fn per_item_parallel(batch: usize) -> bool {
    batch >= rayon::current_num_threads().max(2)
}

/// out = conv(x, w) + bias.
///
/// # Shapes
/// `x`: [B, Ci, H, W]; `w`: [Co, Ci, k, k]; `bias`: [Co] → `out`: [B, Co, OH, OW].
pub fn conv2d(x: &[f32], w: &[f32], bias: &[f32], s: &ConvShape, out: &mut [f32]) {
    let (rows, pix) = (s.col_rows(), s.out_pixels());
    let run = |x: &[f32], out: &mut [f32], parallel: bool| {
        with_columns(rows * pix, |cols| {
            im2col(x, s, cols);
            // out [Co, P] = w [Co, K] · cols [K, P]
            matmul(
                s.out_channels,
                pix,
                rows,
                out,
                false,
                w,
                rows as isize,
                1,
                cols,
                pix as isize,
                1,
                parallel,
            );
        });
        for (co, plane) in out.chunks_mut(pix).enumerate() {
            let b = bias[co];
            plane.iter_mut().for_each(|v| *v += b);
        }
    };
    if per_item_parallel(s.batch) {
        out.par_chunks_mut(s.out_item())
            .zip(x.par_chunks(s.in_item()))
            .for_each(|(out, x)| run(x, out, false));
    } else {
        for (out, x) in out.chunks_mut(s.out_item()).zip(x.chunks(s.in_item())) {
            run(x, out, true);
        }
    }
}

/// ∂L/∂x of [`conv2d`] given ∂L/∂out: col2im(wᵀ · grad).
///
/// # Shapes
/// `w`: [Co, Ci, k, k]; `grad`: [B, Co, OH, OW] → `dx`: [B, Ci, H, W].
pub fn conv2d_input_grad(w: &[f32], grad: &[f32], s: &ConvShape, dx: &mut [f32]) {
    if s.stride == 1 && 2 * s.padding + 1 == s.kernel {
        // With stride 1 and "same" padding the input gradient is itself a "same"
        // convolution of the output gradient with the kernel flipped and its channels
        // swapped: one GEMM with K = Co·k·k instead of a K = Co GEMM and a col2im scatter.
        let k = s.kernel;
        let (ci, co) = (s.in_channels, s.out_channels);
        let mut flipped = vec![0.0_f32; w.len()];
        for o in 0..co {
            for i in 0..ci {
                for ky in 0..k {
                    for kx in 0..k {
                        flipped[((i * co + o) * k + ky) * k + kx] =
                            w[((o * ci + i) * k + (k - 1 - ky)) * k + (k - 1 - kx)];
                    }
                }
            }
        }
        let transposed = ConvShape {
            in_channels: co,
            out_channels: ci,
            ..*s
        };
        conv2d(grad, &flipped, &vec![0.0; ci], &transposed, dx);
        return;
    }
    let (rows, pix) = (s.col_rows(), s.out_pixels());
    let run = |grad: &[f32], dx: &mut [f32], parallel: bool| {
        with_columns(rows * pix, |cols| {
            // cols [K, P] = wᵀ [K, Co] · grad [Co, P]
            matmul(
                rows,
                pix,
                s.out_channels,
                cols,
                false,
                w,
                1,
                rows as isize,
                grad,
                pix as isize,
                1,
                parallel,
            );
            col2im(cols, s, dx);
        });
    };
    if per_item_parallel(s.batch) {
        dx.par_chunks_mut(s.in_item())
            .zip(grad.par_chunks(s.out_item()))
            .for_each(|(dx, grad)| run(grad, dx, false));
    } else {
        for (dx, grad) in dx.chunks_mut(s.in_item()).zip(grad.chunks(s.out_item())) {
            run(grad, dx, true);
        }
    }
}

/// ∂L/∂w and ∂L/∂bias of [`conv2d`] given ∂L/∂out: Σ_b grad_b · im2col(x_b)ᵀ.
///
/// # Shapes
/// `x`: [B, Ci, H, W]; `grad`: [B, Co, OH, OW] → ([Co, Ci, k, k], [Co]).
pub fn conv2d_weight_grad(x: &[f32], grad: &[f32], s: &ConvShape) -> (Vec<f32>, Vec<f32>) {
    let (rows, pix, co) = (s.col_rows(), s.out_pixels(), s.out_channels);
    let accumulate =
        |dw: &mut [f32], db: &mut [f32], x: &[f32], grad: &[f32], first: bool, parallel: bool| {
            with_columns(rows * pix, |cols| {
                im2col(x, s, cols);
                // dw [Co, K] (+)= grad [Co, P] · colsᵀ [P, K]
                matmul(
                    co,
                    rows,
                    pix,
                    dw,
                    !first,
                    grad,
                    pix as isize,
                    1,
                    cols,
                    1,
                    pix as isize,
                    parallel,
                );
            });
            for (c, plane) in grad.chunks(pix).enumerate() {
                db[c] += plane.iter().sum::<f32>();
            }
        };
    let items: Vec<(&[f32], &[f32])> = x
        .chunks(s.in_item())
        .zip(grad.chunks(s.out_item()))
        .collect();
    if per_item_parallel(s.batch) {
        // One accumulator per rayon split, summed at the end.
        let (dw, db) = items
            .par_iter()
            .fold(
                || (Vec::new(), vec![0.0_f32; co]),
                |(mut dw, mut db): (Vec<f32>, Vec<f32>), (x, g)| {
                    let first = dw.is_empty();
                    if first {
                        dw = vec![0.0_f32; co * rows];
                    }
                    accumulate(&mut dw, &mut db, x, g, first, false);
                    (dw, db)
                },
            )
            .reduce(
                || (Vec::new(), vec![0.0_f32; co]),
                |(a, mut da), (b, db)| {
                    for (x, y) in da.iter_mut().zip(&db) {
                        *x += y;
                    }
                    if a.is_empty() {
                        return (b, da);
                    }
                    if b.is_empty() {
                        return (a, da);
                    }
                    let mut a = a;
                    for (x, y) in a.iter_mut().zip(&b) {
                        *x += y;
                    }
                    (a, da)
                },
            );
        let dw = if dw.is_empty() {
            vec![0.0; co * rows]
        } else {
            dw
        };
        (dw, db)
    } else {
        let mut dw = vec![0.0_f32; co * rows];
        let mut db = vec![0.0_f32; co];
        for (i, (x, g)) in items.iter().enumerate() {
            accumulate(&mut dw, &mut db, x, g, i == 0, true);
        }
        (dw, db)
    }
}

// ---------------------------------------------------------------------------------------
// GELU

/// erf(x) to ~1.5e-7 (Abramowitz & Stegun 7.1.26), branch-free so loops vectorise.
#[inline(always)]
pub fn erf_fast(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * exp_fast(-a * a);
    y.copysign(x)
}

const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// 1/√(2π).
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// GELU(x) = x·Φ(x) = ½x(1 + erf(x/√2)), the exact (not tanh) form burn and PyTorch use.
///
/// # Shapes
/// `x`, `out`: any length, the same.
pub fn gelu(x: &[f32], out: &mut [f32]) {
    const CHUNK: usize = 16 * 1024;
    out.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(o, x)| gelu_chunk(x, o));
}

widest_simd! {
    fn gelu_chunk(x: &[f32], out: &mut [f32]) = gelu_chunk_body;
}

#[inline(always)]
fn gelu_chunk_body(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = 0.5 * v * (1.0 + erf_fast(v * FRAC_1_SQRT_2));
    }
}

/// ∂L/∂x of [`gelu`] given ∂L/∂out.
///
/// # Formula
/// d GELU/dx = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
pub fn gelu_backward(x: &[f32], grad: &[f32], dx: &mut [f32]) {
    const CHUNK: usize = 16 * 1024;
    dx.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK).zip(grad.par_chunks(CHUNK)))
        .for_each(|(d, (x, g))| gelu_backward_chunk(x, g, d));
}

widest_simd! {
    fn gelu_backward_chunk(x: &[f32], grad: &[f32], dx: &mut [f32]) = gelu_backward_chunk_body;
}

#[inline(always)]
fn gelu_backward_chunk_body(x: &[f32], grad: &[f32], dx: &mut [f32]) {
    for ((d, &v), &g) in dx.iter_mut().zip(x).zip(grad) {
        let cdf = 0.5 * (1.0 + erf_fast(v * FRAC_1_SQRT_2));
        let pdf = FRAC_1_SQRT_2PI * exp_fast(-0.5 * v * v);
        *d = g * (cdf + v * pdf);
    }
}
