//! Isotropic 2-D Gaussian mixtures: the exact density, score and posterior mean of x_t.
//!
//! Data x_0 ~ Σ_k w_k N(μ_k, s_k² I). Under q(x_t | x_0) = N(√ᾱ·x_0, (1−ᾱ) I) the marginal
//! is again a mixture, p_t(x) = Σ_k w_k N(x; √ᾱ μ_k, v_k I) with v_k = ᾱ s_k² + 1 − ᾱ, so the
//! score and E[x_0 | x_t] have closed forms. Everything is computed from log-weights with a
//! log-sum-exp, so that far-out points do not underflow every component to 0.

use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The most components a mixture may have.
pub const MAX_COMPONENTS: usize = 256;
/// Largest |mean| and standard deviation accepted.
pub const MAX_ABS_VALUE: f64 = 1e6;
/// Smallest standard deviation accepted (0 would be a point mass: use a tiny s instead).
pub const MIN_STD: f64 = 1e-6;

/// Why a mixture was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Mixture2dError {
    #[error("a mixture needs at least one component")]
    Empty,
    #[error("a mixture may have at most {MAX_COMPONENTS} components (got {0})")]
    TooMany(usize),
    #[error("component {index}: `{text}` is not w:mx:my:s (four numbers separated by ':')")]
    Syntax { index: usize, text: String },
    #[error("component {index}: {name} = {value} is not a finite number in [{min}, {max}]")]
    OutOfRange {
        index: usize,
        name: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("the weights sum to 0")]
    ZeroWeight,
}

/// One component: weight (normalised), mean and standard deviation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Component2d {
    pub weight: f64,
    pub mean: [f64; 2],
    pub std: f64,
}

/// A validated isotropic 2-D Gaussian mixture with weights summing to 1.
#[derive(Clone, Debug, PartialEq)]
pub struct IsotropicMixture2d {
    components: Vec<Component2d>,
    log_weights: Vec<f64>,
}

fn check(
    index: usize,
    name: &'static str,
    value: f64,
    min: f64,
    max: f64,
) -> Result<(), Mixture2dError> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Mixture2dError::OutOfRange {
            index,
            name,
            value,
            min,
            max,
        })
    }
}

impl IsotropicMixture2d {
    /// From (weight, mean, std) triples; weights ≥ 0 are normalised to sum 1.
    pub fn new(parts: &[(f64, [f64; 2], f64)]) -> Result<Self, Mixture2dError> {
        if parts.is_empty() {
            return Err(Mixture2dError::Empty);
        }
        if parts.len() > MAX_COMPONENTS {
            return Err(Mixture2dError::TooMany(parts.len()));
        }
        for (i, &(w, m, s)) in parts.iter().enumerate() {
            check(i + 1, "weight", w, 0.0, MAX_ABS_VALUE)?;
            check(i + 1, "mean x", m[0], -MAX_ABS_VALUE, MAX_ABS_VALUE)?;
            check(i + 1, "mean y", m[1], -MAX_ABS_VALUE, MAX_ABS_VALUE)?;
            check(i + 1, "standard deviation", s, MIN_STD, MAX_ABS_VALUE)?;
        }
        let total: f64 = parts.iter().map(|p| p.0).sum();
        if total <= 0.0 {
            return Err(Mixture2dError::ZeroWeight);
        }
        let components: Vec<Component2d> = parts
            .iter()
            .filter(|p| p.0 > 0.0)
            .map(|&(w, mean, std)| Component2d {
                weight: w / total,
                mean,
                std,
            })
            .collect();
        let log_weights = components.iter().map(|c| c.weight.ln()).collect();
        Ok(Self {
            components,
            log_weights,
        })
    }

    pub fn components(&self) -> &[Component2d] {
        &self.components
    }

    /// The mixture's mean and (2 × 2) covariance.
    pub fn moments(&self) -> ([f64; 2], [[f64; 2]; 2]) {
        let mut mean = [0.0; 2];
        for c in &self.components {
            mean[0] += c.weight * c.mean[0];
            mean[1] += c.weight * c.mean[1];
        }
        let mut cov = [[0.0; 2]; 2];
        for c in &self.components {
            let d = [c.mean[0] - mean[0], c.mean[1] - mean[1]];
            for i in 0..2 {
                for j in 0..2 {
                    cov[i][j] += c.weight * d[i] * d[j];
                }
                cov[i][i] += c.weight * c.std * c.std;
            }
        }
        (mean, cov)
    }

    /// Per component k: ln w_k + ln N(x; √ᾱ μ_k, v_k I) and v_k, at noise level ᾱ.
    fn log_terms(&self, x: [f64; 2], alpha_bar: f64, out: &mut Vec<(f64, f64)>) {
        out.clear();
        let a = alpha_bar.sqrt();
        for (c, &lw) in self.components.iter().zip(&self.log_weights) {
            let v = alpha_bar * c.std * c.std + (1.0 - alpha_bar);
            let dx = x[0] - a * c.mean[0];
            let dy = x[1] - a * c.mean[1];
            let log_n = -(dx * dx + dy * dy) / (2.0 * v) - (2.0 * std::f64::consts::PI * v).ln();
            out.push((lw + log_n, v));
        }
    }

    /// ln p_t(x) of x_t at noise level ᾱ (ᾱ = 1: the data density).
    pub fn log_density(&self, x: [f64; 2], alpha_bar: f64) -> f64 {
        let mut terms = Vec::with_capacity(self.components.len());
        self.log_terms(x, alpha_bar, &mut terms);
        log_sum_exp(terms.iter().map(|t| t.0))
    }

    /// The score ∇ ln p_t(x) = Σ_k r_k (√ᾱ μ_k − x)/v_k, r = softmax of the log terms.
    pub fn score(&self, x: [f64; 2], alpha_bar: f64) -> [f64; 2] {
        let mut terms = Vec::with_capacity(self.components.len());
        self.log_terms(x, alpha_bar, &mut terms);
        let max = terms.iter().map(|t| t.0).fold(f64::NEG_INFINITY, f64::max);
        let a = alpha_bar.sqrt();
        let (mut total, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for (c, &(l, v)) in self.components.iter().zip(&terms) {
            let r = (l - max).exp();
            total += r;
            sx += r * (a * c.mean[0] - x[0]) / v;
            sy += r * (a * c.mean[1] - x[1]) / v;
        }
        [sx / total, sy / total]
    }

    /// E[x_0 | x_t = x] at noise level ᾱ: Σ_k r_k (μ_k + √ᾱ s_k²/v_k·(x − √ᾱ μ_k)), the
    /// minimum-MSE denoiser (equal to Tweedie's (x + (1−ᾱ)·score)/√ᾱ for ᾱ > 0).
    pub fn posterior_mean(&self, x: [f64; 2], alpha_bar: f64) -> [f64; 2] {
        let mut terms = Vec::with_capacity(self.components.len());
        self.log_terms(x, alpha_bar, &mut terms);
        let max = terms.iter().map(|t| t.0).fold(f64::NEG_INFINITY, f64::max);
        let a = alpha_bar.sqrt();
        let (mut total, mut mx, mut my) = (0.0, 0.0, 0.0);
        for (c, &(l, v)) in self.components.iter().zip(&terms) {
            let r = (l - max).exp();
            total += r;
            let gain = a * c.std * c.std / v;
            mx += r * (c.mean[0] + gain * (x[0] - a * c.mean[0]));
            my += r * (c.mean[1] + gain * (x[1] - a * c.mean[1]));
        }
        [mx / total, my / total]
    }

    /// A draw from the mixture, from a uniform u ∈ [0, 1) (picks the component) and two
    /// standard normals.
    pub fn draw(&self, u: f64, z: [f64; 2]) -> [f64; 2] {
        let mut acc = 0.0;
        let mut pick = self.components.len() - 1;
        for (k, c) in self.components.iter().enumerate() {
            acc += c.weight;
            if u < acc {
                pick = k;
                break;
            }
        }
        let c = self.components[pick];
        [c.mean[0] + c.std * z[0], c.mean[1] + c.std * z[1]]
    }
}

/// ln Σ exp(l_i), stable for any finite l_i.
pub fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.map(|l| (l - max).exp()).sum::<f64>().ln()
}

impl FromStr for IsotropicMixture2d {
    type Err = Mixture2dError;

    /// "w:mx:my:s,w:mx:my:s,…" (weight, mean x, mean y, standard deviation).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = Vec::new();
        for (i, text) in s.split(',').enumerate() {
            let syntax = || Mixture2dError::Syntax {
                index: i + 1,
                text: text.trim().chars().take(60).collect(),
            };
            let nums: Vec<f64> = text
                .split(':')
                .map(|p| p.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| syntax())?;
            let [w, mx, my, sd] = nums[..] else {
                return Err(syntax());
            };
            parts.push((w, [mx, my], sd));
            if parts.len() > MAX_COMPONENTS {
                return Err(Mixture2dError::TooMany(s.split(',').count()));
            }
        }
        Self::new(&parts)
    }
}

impl fmt::Display for IsotropicMixture2d {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.components.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}:{}:{}:{}", c.weight, c.mean[0], c.mean[1], c.std)?;
        }
        Ok(())
    }
}
