//! How well an image model denoises real photographs it never saw, beside a classical
//! baseline that is given an unfair advantage.
//!
//! For a clean photo x0 (values in [−1, 1]) and a timestep t, the photo is noised with the
//! model's schedule, x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε, and three estimates of x0 are scored by
//! PSNR against x0:
//! - **noisy**: x_t/√ᾱ_t itself (what a denoiser starts from);
//! - **best blur**: a Gaussian blur of x_t/√ᾱ_t, with the blur width chosen *knowing the
//!   clean image* (the width that maximises PSNR for that photo and t) — an oracle-tuned
//!   linear filter;
//! - **model**: the network's one-step estimate x̂0 from (x_t, t).
//!
//! All three are clipped to [−1, 1] before scoring (a pixel cannot leave that range), and
//! PSNR uses the range's peak-to-peak of 2: PSNR = 10·log10(4 / MSE).

use super::data::{fill_normal, rng_for};
use super::inference::{Denoise, InferenceError};
use crate::diffusion::reverse::{x0_from_eps, x0_from_v};
use crate::diffusion::{PredictionType, Schedule};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The noise stream of photo evaluation (training draws streams 1..=steps).
const PHOTO_STREAM: u64 = u64::MAX - (1 << 40);

/// The blur widths (in pixels) the baseline tries: 0 and 0.2 … 6.0 in steps of 0.1.
pub fn blur_sigmas() -> Vec<f64> {
    std::iter::once(0.0)
        .chain((2..=60).map(|k| k as f64 / 10.0))
        .collect()
}

/// Why a photo evaluation could not run.
#[derive(Debug, Error)]
pub enum PhotoEvalError {
    #[error("no photos to evaluate")]
    NoPhotos,
    #[error("photo {index} has {got} numbers, not {expected} (3 × size × size)")]
    BadPhoto {
        index: usize,
        got: usize,
        expected: usize,
    },
    #[error("t = {t} is outside 1..={max}")]
    BadT { t: usize, max: usize },
    #[error(transparent)]
    Inference(#[from] InferenceError),
}

/// The scores of one photo at one t.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoRow {
    pub photo: String,
    pub t: usize,
    /// PSNR (dB) of x_t/√ᾱ_t.
    pub psnr_noisy: f64,
    /// PSNR (dB) of the best Gaussian blur of x_t/√ᾱ_t.
    pub psnr_blur: f64,
    /// The blur width (px) that gave `psnr_blur`.
    pub blur_sigma: f64,
    /// PSNR (dB) of the model's one-step x̂0.
    pub psnr_model: f64,
}

/// PSNR in dB of `estimate` against `clean`, both in [−1, 1] (peak-to-peak 2). Identical
/// inputs give a finite 100 dB cap rather than +∞, so no table shows `inf`.
pub fn psnr(clean: &[f32], estimate: &[f32]) -> f64 {
    let n = clean.len().min(estimate.len()).max(1) as f64;
    let mse: f64 = clean
        .iter()
        .zip(estimate)
        .map(|(&a, &b)| {
            let d = a as f64 - b as f64;
            d * d
        })
        .sum::<f64>()
        / n;
    if mse <= 4e-10 {
        100.0
    } else {
        10.0 * (4.0 / mse).log10()
    }
}

/// A separable Gaussian blur of each `size × size` plane of `planes` (channel-first),
/// with standard deviation `sigma` pixels and mirrored edges. `sigma` ≤ 0 copies.
///
/// # Formula
/// out(i) = Σ_k w_k · in(reflect(i + k)), w_k ∝ exp(−k² / (2σ²)), |k| ≤ ⌈3σ⌉, Σ w = 1.
pub fn gaussian_blur(planes: &[f32], size: usize, sigma: f64) -> Vec<f32> {
    if !(sigma > 0.0) || size == 0 {
        return planes.to_vec();
    }
    let radius = (3.0 * sigma).ceil() as isize;
    let weights: Vec<f64> = (-radius..=radius)
        .map(|k| (-((k * k) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f64 = weights.iter().sum();
    let weights: Vec<f32> = weights.iter().map(|w| (w / total) as f32).collect();
    let n = size as isize;
    // Mirror without repeating the edge pixel (…2 1 0 1 2…), folded until inside.
    let reflect = |mut i: isize| -> usize {
        if n == 1 {
            return 0;
        }
        loop {
            if i < 0 {
                i = -i;
            } else if i >= n {
                i = 2 * (n - 1) - i;
            } else {
                return i as usize;
            }
        }
    };
    let mut out = vec![0.0_f32; planes.len()];
    let mut tmp = vec![0.0_f32; size * size];
    for (plane, dst) in planes
        .chunks_exact(size * size)
        .zip(out.chunks_exact_mut(size * size))
    {
        for y in 0..size {
            for x in 0..size {
                let mut acc = 0.0_f32;
                for (j, w) in weights.iter().enumerate() {
                    let xx = reflect(x as isize + j as isize - radius);
                    acc += w * plane[y * size + xx];
                }
                tmp[y * size + x] = acc;
            }
        }
        for y in 0..size {
            for x in 0..size {
                let mut acc = 0.0_f32;
                for (j, w) in weights.iter().enumerate() {
                    let yy = reflect(y as isize + j as isize - radius);
                    acc += w * tmp[yy * size + x];
                }
                dst[y * size + x] = acc;
            }
        }
    }
    out
}

fn clipped(v: &mut [f32]) {
    for x in v {
        *x = x.clamp(-1.0, 1.0);
    }
}

/// The oracle-tuned blur: the best PSNR over [`blur_sigmas`] and the width that gave it.
pub fn best_blur(clean: &[f32], scaled_noisy: &[f32], size: usize) -> (f64, f64) {
    let mut best = (f64::MIN, 0.0);
    for sigma in blur_sigmas() {
        let mut b = gaussian_blur(scaled_noisy, size, sigma);
        clipped(&mut b);
        let p = psnr(clean, &b);
        if p > best.0 {
            best = (p, sigma);
        }
    }
    best
}

/// Scores `model` on `photos` (each `3 × size × size`, channel-first, in [−1, 1]) at each
/// of `timesteps`; the noise of photo i at t comes from `seed`, i and t only.
pub fn evaluate_photos(
    model: &dyn Denoise,
    schedule: &Schedule,
    photos: &[(String, Vec<f32>)],
    size: usize,
    timesteps: &[usize],
    seed: u64,
) -> Result<Vec<PhotoRow>, PhotoEvalError> {
    if photos.is_empty() {
        return Err(PhotoEvalError::NoPhotos);
    }
    let item_len = model.item_len();
    for (index, (_, p)) in photos.iter().enumerate() {
        if p.len() != item_len || item_len != 3 * size * size {
            return Err(PhotoEvalError::BadPhoto {
                index,
                got: p.len(),
                expected: 3 * size * size,
            });
        }
    }
    let big_t = schedule.num_steps();
    let mut rows = Vec::new();
    for &t in timesteps {
        if t == 0 || t > big_t {
            return Err(PhotoEvalError::BadT { t, max: big_t });
        }
        let alpha_bar = schedule.alpha_bar(t);
        let (a, s) = (alpha_bar.sqrt(), (1.0 - alpha_bar).sqrt());
        let mut x_t = Vec::with_capacity(photos.len() * item_len);
        for (i, (_, x0)) in photos.iter().enumerate() {
            let mut rng = rng_for(seed, PHOTO_STREAM ^ ((i as u64) << 32) ^ t as u64);
            let mut eps = vec![0.0_f32; item_len];
            fill_normal(&mut rng, &mut eps);
            x_t.extend(
                x0.iter()
                    .zip(&eps)
                    .map(|(&x, &e)| (a * x as f64 + s * e as f64) as f32),
            );
        }
        let out = model.predict(&x_t, t, photos.len())?;
        for (i, (name, x0)) in photos.iter().enumerate() {
            let span = i * item_len..(i + 1) * item_len;
            let xt_i = &x_t[span.clone()];
            let mut scaled: Vec<f32> = xt_i.iter().map(|&v| (v as f64 / a) as f32).collect();
            let (psnr_blur, blur_sigma) = best_blur(x0, &scaled, size);
            let mut x0_hat: Vec<f32> = xt_i
                .iter()
                .zip(&out[span])
                .map(|(&x, &m)| {
                    let (x, m) = (x as f64, m as f64);
                    (match model.prediction() {
                        PredictionType::Epsilon => x0_from_eps(x, m, alpha_bar),
                        PredictionType::Sample => m,
                        PredictionType::VPrediction => x0_from_v(x, m, alpha_bar),
                    }) as f32
                })
                .collect();
            clipped(&mut x0_hat);
            clipped(&mut scaled);
            rows.push(PhotoRow {
                photo: name.clone(),
                t,
                psnr_noisy: psnr(x0, &scaled),
                psnr_blur,
                blur_sigma,
                psnr_model: psnr(x0, &x0_hat),
            });
        }
    }
    Ok(rows)
}
