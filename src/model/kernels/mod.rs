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

use rayon::prelude::*;

mod conv;
pub use conv::*;
mod embedding;
pub use embedding::*;

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
    let shifted = x * std::f32::consts::LOG2_E + ROUNDER;
    let n = shifted - ROUNDER;
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
    // n as an integer from the bits of `shifted` (ROUNDER's ulp is 1, so they differ from
    // ROUNDER's by exactly n): integer lanes, where `n as i32` (saturating) was a scalar
    // conversion per lane that kept every loop around this one from fully vectorising.
    let n_int = shifted.to_bits() as i32 - ROUNDER.to_bits() as i32;
    let bits = ((n_int + 127) as u32) << 23;
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
pub(crate) use widest_simd;

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
