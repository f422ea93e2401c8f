//! The ideal (empirical) denoiser of a finite training set: the exact minimum-MSE x̂0 when
//! the data distribution is the training set itself.
//!
//! x̂0(x_t) = Σ_i w_i x_i, w = softmax_i(−‖x_t − √ᾱ x_i‖² / (2(1−ᾱ))). Sampling with it
//! can only return training items: a perfect denoiser of the training set memorises it.

use thiserror::Error;

/// Why a training set was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum IdealDenoiserError {
    #[error("the training set is empty")]
    Empty,
    #[error("items have {dim} numbers each, but the set holds {len} numbers (not a multiple)")]
    Ragged { dim: usize, len: usize },
    #[error("item {index} holds a non-finite number")]
    NonFinite { index: usize },
}

/// A training set of `count` items of `dim` numbers each.
#[derive(Clone, Debug, PartialEq)]
pub struct IdealDenoiser {
    items: Vec<f64>,
    dim: usize,
}

/// The training item nearest to a sample and its Euclidean distance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nearest {
    pub index: usize,
    pub distance: f64,
}

impl IdealDenoiser {
    /// `items`: `count × dim` numbers, item-major.
    pub fn new(items: Vec<f64>, dim: usize) -> Result<Self, IdealDenoiserError> {
        if dim == 0 || items.is_empty() {
            return Err(IdealDenoiserError::Empty);
        }
        if !items.len().is_multiple_of(dim) {
            return Err(IdealDenoiserError::Ragged {
                dim,
                len: items.len(),
            });
        }
        if let Some(i) = items.iter().position(|v| !v.is_finite()) {
            return Err(IdealDenoiserError::NonFinite { index: i / dim });
        }
        Ok(Self { items, dim })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.items.len() / self.dim
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn item(&self, i: usize) -> &[f64] {
        &self.items[i * self.dim..(i + 1) * self.dim]
    }

    /// x̂0 for one noisy item `x` (length `dim`) at noise level ᾱ, into `out`.
    /// ᾱ = 0 (no signal left) gives the training mean; ᾱ = 1 the nearest item.
    pub fn denoise(&self, x: &[f64], alpha_bar: f64, out: &mut [f64]) {
        let n = self.len();
        let a = alpha_bar.sqrt();
        let noise_var = 1.0 - alpha_bar;
        let mut logits = Vec::with_capacity(n);
        for i in 0..n {
            let d2: f64 = x
                .iter()
                .zip(self.item(i))
                .map(|(&xv, &iv)| (xv - a * iv) * (xv - a * iv))
                .sum();
            logits.push(d2);
        }
        if noise_var <= 0.0 {
            // The limit ᾱ → 1: all weight on the nearest item(s).
            let best = logits.iter().copied().fold(f64::INFINITY, f64::min);
            for l in &mut logits {
                *l = if *l == best { 0.0 } else { f64::NEG_INFINITY };
            }
        } else {
            for l in &mut logits {
                *l = -*l / (2.0 * noise_var);
            }
        }
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        out.iter_mut().for_each(|o| *o = 0.0);
        let mut total = 0.0;
        for (i, &l) in logits.iter().enumerate() {
            let w = (l - max).exp();
            if w == 0.0 {
                continue;
            }
            total += w;
            for (o, &v) in out.iter_mut().zip(self.item(i)) {
                *o += w * v;
            }
        }
        for o in out.iter_mut() {
            *o /= total;
        }
    }

    /// The training item nearest to `x`.
    pub fn nearest(&self, x: &[f64]) -> Nearest {
        let mut best = Nearest {
            index: 0,
            distance: f64::INFINITY,
        };
        for i in 0..self.len() {
            let d2: f64 = x
                .iter()
                .zip(self.item(i))
                .map(|(&a, &b)| (a - b) * (a - b))
                .sum();
            if d2 < best.distance {
                best = Nearest {
                    index: i,
                    distance: d2,
                };
            }
        }
        best.distance = best.distance.sqrt();
        best
    }
}
