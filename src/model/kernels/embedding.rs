//! Sinusoidal embeddings with a vectorisable sine and cosine.

use super::widest_simd;
use rayon::prelude::*;

/// Past this |argument| the Cody–Waite reduction below loses accuracy; a row with such an
/// argument is computed with the standard library's `sin`/`cos` instead.
const FAST_ARG_LIMIT: f32 = 8192.0;

/// (sin x, cos x) to ~2 ulp for |x| ≤ 8192, without branches or tables (so the loops
/// around it vectorise).
///
/// # Formula
/// Cephes' `sinf`/`cosf`: k = round(x·2/π), r = x − k·π/2 in three parts (exact to f32
/// precision for |k| < 2^13), degree-7 and degree-6 polynomials for sin r and cos r on
/// |r| ≤ π/4, and the quadrant k mod 4 picks and signs them.
#[inline(always)]
pub fn sin_cos_fast(x: f32) -> (f32, f32) {
    const ROUNDER: f32 = 12_582_912.0;
    let shifted = x * std::f32::consts::FRAC_2_PI + ROUNDER;
    let k = shifted - ROUNDER;
    let quadrant = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    // π/2 = DP1 + DP2 + DP3, each with few enough bits that k·DPi is exact.
    let r = ((x - k * 1.570_312_5) - k * 4.837_513e-4) - k * 7.549_79e-8;
    let r2 = r * r;
    let sin_r = r + r * r2 * (-1.666_665_5e-1 + r2 * (8.332_161e-3 + r2 * -1.951_529_6e-4));
    let cos_r =
        1.0 - 0.5 * r2 + r2 * r2 * (4.166_664_6e-2 + r2 * (-1.388_731_6e-3 + r2 * 2.443_315_7e-5));
    let swap = quadrant & 1 == 1;
    let (s, c) = if swap {
        (cos_r, -sin_r)
    } else {
        (sin_r, cos_r)
    };
    // Quadrants 2 and 3 negate both.
    if quadrant & 2 == 2 { (-s, -c) } else { (s, c) }
}

/// The frequencies ω_i = 10000^(−i/(half−1)), i = 0..half (as in DDPM's reference code).
pub fn embedding_frequencies(half: usize) -> Vec<f32> {
    let denom = (half.max(2) - 1) as f64;
    (0..half)
        .map(|i| (-(10_000f64.ln()) * i as f64 / denom).exp() as f32)
        .collect()
}

/// Each of a row's K values embedded as [sin(v·ω), cos(v·ω)], side by side.
///
/// # Shapes
/// `values`: [B, K] → `out`: [B, K·dim] (`dim` even; value k fills columns
/// k·dim .. (k+1)·dim, sines first).
///
/// # Formula
/// e(v) = [sin(v·ω_i)]_{i<dim/2} ‖ [cos(v·ω_i)]_{i<dim/2}, ω_i = 10000^(−i/(dim/2 − 1)).
pub fn sinusoidal_embedding(values: &[f32], k: usize, dim: usize, out: &mut [f32]) {
    let freqs = embedding_frequencies(dim / 2);
    let row = k * dim;
    if row == 0 {
        return;
    }
    const ROWS: usize = 64;
    out.par_chunks_mut(ROWS * row)
        .zip(values.par_chunks(ROWS * k))
        .for_each(|(out, values)| embed_rows(values, &freqs, out));
}

widest_simd! {
    fn embed_rows(values: &[f32], freqs: &[f32], out: &mut [f32]) = embed_rows_body;
}

#[inline(always)]
fn embed_rows_body(values: &[f32], freqs: &[f32], out: &mut [f32]) {
    let half = freqs.len();
    for (&v, e) in values.iter().zip(out.chunks_exact_mut(2 * half)) {
        let (sines, cosines) = e.split_at_mut(half);
        let big =
            v.abs() * freqs.first().copied().unwrap_or(0.0) > FAST_ARG_LIMIT || !v.is_finite();
        if big {
            for ((s, c), &f) in sines.iter_mut().zip(cosines.iter_mut()).zip(freqs) {
                let (a, b) = (v * f).sin_cos();
                (*s, *c) = (a, b);
            }
            continue;
        }
        for ((s, c), &f) in sines.iter_mut().zip(cosines.iter_mut()).zip(freqs) {
            (*s, *c) = sin_cos_fast(v * f);
        }
    }
}

/// ∂L/∂values of [`sinusoidal_embedding`] given ∂L/∂out.
///
/// # Formula
/// ∂L/∂v = Σ_i ω_i·(g_sin,i·cos(v·ω_i) − g_cos,i·sin(v·ω_i)).
pub fn sinusoidal_embedding_backward(
    values: &[f32],
    grad: &[f32],
    k: usize,
    dim: usize,
    dv: &mut [f32],
) {
    let freqs = embedding_frequencies(dim / 2);
    let half = dim / 2;
    if k == 0 || dim == 0 {
        return;
    }
    dv.par_iter_mut()
        .zip(values.par_iter())
        .zip(grad.par_chunks_exact(dim))
        .for_each(|((d, &v), g)| {
            let (g_sin, g_cos) = g.split_at(half);
            let mut acc = 0.0_f64;
            for ((&gs, &gc), &f) in g_sin.iter().zip(g_cos).zip(&freqs) {
                let (s, c) = (v * f).sin_cos();
                acc += (f * (gs * c - gc * s)) as f64;
            }
            *d = acc as f32;
        });
}
