//! A 1-D normal distribution: the building block of every density the app draws.

use serde::{Deserialize, Serialize};

/// ln √(2π).
pub const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// N(mean, variance). A variance of 0 is a point mass (its pdf is 0 away from the mean
/// and +∞ at it); negative or non-finite variances are the caller's bug.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gaussian {
    pub mean: f64,
    pub variance: f64,
}

impl Gaussian {
    pub const STANDARD: Gaussian = Gaussian {
        mean: 0.0,
        variance: 1.0,
    };

    pub fn new(mean: f64, variance: f64) -> Self {
        Self { mean, variance }
    }

    pub fn std(&self) -> f64 {
        self.variance.sqrt()
    }

    /// ln N(x; μ, σ²).
    pub fn log_pdf(&self, x: f64) -> f64 {
        let d = x - self.mean;
        -0.5 * d * d / self.variance - 0.5 * self.variance.ln() - LN_SQRT_2PI
    }

    /// N(x; μ, σ²).
    pub fn pdf(&self, x: f64) -> f64 {
        if self.variance == 0.0 {
            return if x == self.mean { f64::INFINITY } else { 0.0 };
        }
        self.log_pdf(x).exp()
    }

    /// The sample μ + σ·ε for a given standard-normal ε.
    pub fn sample_with(&self, eps: f64) -> f64 {
        self.mean + self.std() * eps
    }
}

/// KL(N(m1, v1) ‖ N(m2, v2)), closed form.
pub fn kl_gaussians(p: Gaussian, q: Gaussian) -> f64 {
    let d = p.mean - q.mean;
    0.5 * ((q.variance / p.variance).ln() + (p.variance + d * d) / q.variance - 1.0)
}
