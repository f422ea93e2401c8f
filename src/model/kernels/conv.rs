//! Convolution as im2col + GEMM, with its own input and weight gradients.

use gemm::Parallelism;
use rayon::prelude::*;
use std::cell::RefCell;

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

/// Runs `f` on the im2col matrix of one item `x`: `x` itself for a 1 × 1, stride-1,
/// unpadded convolution (whose im2col is the identity), else a per-thread buffer.
fn with_im2col<R>(x: &[f32], s: &ConvShape, f: impl FnOnce(&[f32]) -> R) -> R {
    if s.kernel == 1 && s.stride == 1 && s.padding == 0 {
        return f(x);
    }
    with_columns(s.col_rows() * s.out_pixels(), |cols| {
        im2col(x, s, cols);
        f(cols)
    })
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

/// The output columns `ox` whose input column `ox·stride + kx − padding` lies inside the
/// image: `[lo, hi)`, with `ix = ox·stride + shift`.
#[inline]
fn valid_columns(out_width: usize, width: usize, stride: usize, shift: isize) -> (usize, usize) {
    // ox·stride + shift ≥ 0  ⇔  ox ≥ ⌈−shift / stride⌉
    let lo = if shift >= 0 {
        0
    } else {
        (-shift as usize).div_ceil(stride)
    };
    // ox·stride + shift ≤ width − 1  ⇔  ox ≤ ⌊(width − 1 − shift) / stride⌋
    let last = width as isize - 1 - shift;
    let hi = if last < 0 {
        0
    } else {
        (last as usize / stride + 1).min(out_width)
    };
    (lo.min(hi), hi)
}

/// The im2col matrix of one item: row (ci, ky, kx) holds x[ci] shifted by (ky, kx) at each
/// output pixel (zero outside the image).
///
/// Each output row is one contiguous copy (stride 1) or strided gather of an input row
/// between zero-filled margins, so the inner loops carry no bounds tests (this was a
/// third of a training step when every element tested its own position).
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
                let shift = kx as isize - p as isize;
                let (lo, hi) = valid_columns(ow, w, st, shift);
                if st == 1 && ow == w {
                    same_shift(plane, ky as isize - p as isize, shift, h, w, (lo, hi), dst);
                    row += 1;
                    continue;
                }
                for oy in 0..oh {
                    let iy = (oy * st + ky) as isize - p as isize;
                    let out_row = &mut dst[oy * ow..(oy + 1) * ow];
                    if iy < 0 || iy >= h as isize || lo >= hi {
                        out_row.fill(0.0);
                        continue;
                    }
                    let src = &plane[iy as usize * w..(iy as usize + 1) * w];
                    out_row[..lo].fill(0.0);
                    out_row[hi..].fill(0.0);
                    let first = (lo * st) as isize + shift;
                    let first = first as usize;
                    if st == 1 {
                        out_row[lo..hi].copy_from_slice(&src[first..first + (hi - lo)]);
                    } else {
                        for (o, &v) in out_row[lo..hi]
                            .iter_mut()
                            .zip(src[first..].iter().step_by(st))
                        {
                            *o = v;
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// One im2col row of a stride-1 "same"-width convolution: the plane shifted by (dy, dx)
/// with zeros shifted in. As the rows are as wide as the picture, the shift is one
/// contiguous copy of the whole plane at offset dy·W + dx; what it wraps across row ends
/// (`dx` columns at one edge) and the rows shifted in from outside are then zeroed.
///
/// # Shapes
/// `plane`: [H, W] → `dst`: [OH, W], OH = H + 2p − k + 1.
fn same_shift(
    plane: &[f32],
    dy: isize,
    dx: isize,
    h: usize,
    w: usize,
    (lo, hi): (usize, usize),
    dst: &mut [f32],
) {
    let oh = dst.len() / w;
    // Output rows whose source row iy = oy + dy is inside the picture.
    let oy_lo = (-dy).clamp(0, oh as isize) as usize;
    let oy_hi = (h as isize - dy).clamp(oy_lo as isize, oh as isize) as usize;
    dst[..oy_lo * w].fill(0.0);
    dst[oy_hi * w..].fill(0.0);
    if oy_lo == oy_hi || lo >= hi {
        dst[oy_lo * w..oy_hi * w].fill(0.0);
        return;
    }
    // dst[i] = plane[i + offset] over the valid rows, clamped to the plane's ends (what
    // the clamp leaves out lies in the wrapped columns, zeroed below).
    let offset = dy * w as isize + dx;
    let start = ((oy_lo * w) as isize).max(-offset) as usize;
    let end = ((oy_hi * w) as isize).min(plane.len() as isize - offset) as usize;
    if start < end {
        let from = (start as isize + offset) as usize;
        dst[start..end].copy_from_slice(&plane[from..from + (end - start)]);
    }
    for row in dst[oy_lo * w..oy_hi * w].chunks_exact_mut(w) {
        row[..lo].fill(0.0);
        row[hi..].fill(0.0);
    }
    // Ends the clamp cut off that are not in a zeroed column cannot exist: a cut at the
    // start means offset < 0 reaching before the plane, i.e. row oy_lo's first −dx columns.
    debug_assert!(start <= oy_lo * w + lo && end + (w - hi) >= oy_hi * w);
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
                let shift = kx as isize - p as isize;
                let (lo, hi) = valid_columns(ow, w, st, shift);
                if lo >= hi {
                    row += 1;
                    continue;
                }
                let first = ((lo * st) as isize + shift) as usize;
                for oy in 0..oh {
                    let iy = (oy * st + ky) as isize - p as isize;
                    if iy < 0 || iy >= h as isize {
                        continue;
                    }
                    let dst = &mut plane[iy as usize * w..(iy as usize + 1) * w];
                    let col_row = &src[oy * ow + lo..oy * ow + hi];
                    if st == 1 {
                        for (d, &v) in dst[first..first + (hi - lo)].iter_mut().zip(col_row) {
                            *d += v;
                        }
                    } else {
                        for (d, &v) in dst[first..].iter_mut().step_by(st).zip(col_row) {
                            *d += v;
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
        with_im2col(x, s, |cols| {
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

/// ∂L/∂w and ∂L/∂bias of [`conv2d`] given ∂L/∂out: Σ_b grad_b · im2col(x_b)ᵀ (summed as
/// its transpose, see below).
///
/// # Shapes
/// `x`: [B, Ci, H, W]; `grad`: [B, Co, OH, OW] → ([Co, Ci, k, k], [Co]).
pub fn conv2d_weight_grad(x: &[f32], grad: &[f32], s: &ConvShape) -> (Vec<f32>, Vec<f32>) {
    let (rows, pix, co) = (s.col_rows(), s.out_pixels(), s.out_channels);
    let accumulate =
        |dw: &mut [f32], db: &mut [f32], x: &[f32], grad: &[f32], first: bool, parallel: bool| {
            with_im2col(x, s, |cols| {
                // dwᵀ [K, Co] (+)= cols [K, P] · gradᵀ [P, Co]. Accumulating the transpose
                // lets gemm read the big operand (cols) as it lies and repack only grad;
                // the other way round it transposed all of cols per item (4× the
                // forward's time at 32 ch, 32²).
                matmul(
                    rows,
                    co,
                    pix,
                    dw,
                    !first,
                    cols,
                    pix as isize,
                    1,
                    grad,
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
            transpose(&dw, rows, co)
        };
        (dw, db)
    } else {
        let mut dw = vec![0.0_f32; co * rows];
        let mut db = vec![0.0_f32; co];
        for (i, (x, g)) in items.iter().enumerate() {
            accumulate(&mut dw, &mut db, x, g, i == 0, true);
        }
        (transpose(&dw, rows, co), db)
    }
}

/// The transpose of a row-major `rows × cols` matrix.
fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0_f32; rows * cols];
    for (r, row) in m.chunks_exact(cols).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            t[c * rows + r] = v;
        }
    }
    t
}
