//! Gaussian (Wiener) denoisers: the exact E[x_0 | x_t] when x_0 is Gaussian.
//!
//! With y = x_t/√ᾱ = x_0 + σ·ε, σ² = (1−ᾱ)/ᾱ: x̂0 = μ + Σ(Σ + σ² I)⁻¹(y − μ). Written as
//! x̂0 = μ + √ᾱ Σ(ᾱΣ + (1−ᾱ) I)⁻¹(x_t − √ᾱ μ), which stays finite at ᾱ = 0 (x̂0 = μ).

use thiserror::Error;

/// Why Gaussian moments were refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GaussianDenoiserError {
    #[error("the {what} holds a non-finite number")]
    NonFinite { what: &'static str },
    #[error("the covariance is not symmetric positive semi-definite ({0})")]
    NotPsd(String),
    #[error("the mean has {mean} numbers but the variances {var}")]
    LengthMismatch { mean: usize, var: usize },
    #[error("no data to estimate the moments from")]
    Empty,
}

/// A 2-D Gaussian with full 2 × 2 covariance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gaussian2dDenoiser {
    pub mean: [f64; 2],
    pub cov: [[f64; 2]; 2],
}

impl Gaussian2dDenoiser {
    pub fn new(mean: [f64; 2], cov: [[f64; 2]; 2]) -> Result<Self, GaussianDenoiserError> {
        if mean.iter().any(|v| !v.is_finite()) {
            return Err(GaussianDenoiserError::NonFinite { what: "mean" });
        }
        if cov.iter().flatten().any(|v| !v.is_finite()) {
            return Err(GaussianDenoiserError::NonFinite { what: "covariance" });
        }
        let (a, b, c, d) = (cov[0][0], cov[0][1], cov[1][0], cov[1][1]);
        let scale = a.abs().max(d.abs()).max(1e-300);
        if (b - c).abs() > 1e-12 * scale {
            return Err(GaussianDenoiserError::NotPsd(format!(
                "Σ₁₂ = {b} ≠ Σ₂₁ = {c}"
            )));
        }
        if a < 0.0 || d < 0.0 || a * d - b * b < -1e-12 * scale * scale {
            return Err(GaussianDenoiserError::NotPsd(format!(
                "variances {a}, {d}, determinant {}",
                a * d - b * b
            )));
        }
        Ok(Self { mean, cov })
    }

    /// The sample mean and (population) covariance of `points`.
    pub fn fit(points: &[[f64; 2]]) -> Result<Self, GaussianDenoiserError> {
        if points.is_empty() {
            return Err(GaussianDenoiserError::Empty);
        }
        let n = points.len() as f64;
        let mut mean = [0.0; 2];
        for p in points {
            mean[0] += p[0] / n;
            mean[1] += p[1] / n;
        }
        let mut cov = [[0.0; 2]; 2];
        for p in points {
            let d = [p[0] - mean[0], p[1] - mean[1]];
            for i in 0..2 {
                for j in 0..2 {
                    cov[i][j] += d[i] * d[j] / n;
                }
            }
        }
        Self::new(mean, cov)
    }

    /// x̂0 at noise level ᾱ.
    pub fn denoise(&self, x: [f64; 2], alpha_bar: f64) -> [f64; 2] {
        let a = alpha_bar.sqrt();
        let noise = 1.0 - alpha_bar;
        // M = ᾱΣ + (1−ᾱ)I, symmetric positive definite for ᾱ < 1 (or Σ > 0).
        let m = [
            [
                alpha_bar * self.cov[0][0] + noise,
                alpha_bar * self.cov[0][1],
            ],
            [
                alpha_bar * self.cov[1][0],
                alpha_bar * self.cov[1][1] + noise,
            ],
        ];
        let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
        let r = [x[0] - a * self.mean[0], x[1] - a * self.mean[1]];
        if det <= 0.0 {
            // ᾱ = 1 with a singular Σ: the projection is the identity on Σ's range.
            return [x[0], x[1]];
        }
        let sol = [
            (m[1][1] * r[0] - m[0][1] * r[1]) / det,
            (-m[1][0] * r[0] + m[0][0] * r[1]) / det,
        ];
        [
            self.mean[0] + a * (self.cov[0][0] * sol[0] + self.cov[0][1] * sol[1]),
            self.mean[1] + a * (self.cov[1][0] * sol[0] + self.cov[1][1] * sol[1]),
        ]
    }
}

/// A Gaussian with diagonal covariance in pixel space (per-pixel mean and variance), the
/// denoiser used for images: each pixel is filtered on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct DiagonalGaussianDenoiser {
    pub mean: Vec<f64>,
    pub variance: Vec<f64>,
}

impl DiagonalGaussianDenoiser {
    pub fn new(mean: Vec<f64>, variance: Vec<f64>) -> Result<Self, GaussianDenoiserError> {
        if mean.len() != variance.len() {
            return Err(GaussianDenoiserError::LengthMismatch {
                mean: mean.len(),
                var: variance.len(),
            });
        }
        if mean.is_empty() {
            return Err(GaussianDenoiserError::Empty);
        }
        if mean.iter().any(|v| !v.is_finite()) {
            return Err(GaussianDenoiserError::NonFinite { what: "mean" });
        }
        if variance.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(GaussianDenoiserError::NotPsd(
                "a negative or non-finite variance".into(),
            ));
        }
        Ok(Self { mean, variance })
    }

    /// Per-coordinate sample mean and variance of `count` items of `dim` numbers.
    pub fn fit(items: &[f64], dim: usize) -> Result<Self, GaussianDenoiserError> {
        if dim == 0 || items.len() < dim {
            return Err(GaussianDenoiserError::Empty);
        }
        let n = (items.len() / dim) as f64;
        let mut mean = vec![0.0; dim];
        for item in items.chunks_exact(dim) {
            for (m, &v) in mean.iter_mut().zip(item) {
                *m += v / n;
            }
        }
        let mut variance = vec![0.0; dim];
        for item in items.chunks_exact(dim) {
            for ((s, &m), &v) in variance.iter_mut().zip(&mean).zip(item) {
                *s += (v - m) * (v - m) / n;
            }
        }
        Self::new(mean, variance)
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// x̂0 of one item at noise level ᾱ, into `out`.
    pub fn denoise(&self, x: &[f64], alpha_bar: f64, out: &mut [f64]) {
        let a = alpha_bar.sqrt();
        let noise = 1.0 - alpha_bar;
        for (((o, &xv), &m), &v) in out.iter_mut().zip(x).zip(&self.mean).zip(&self.variance) {
            let denom = alpha_bar * v + noise;
            *o = if denom > 0.0 {
                m + a * v / denom * (xv - a * m)
            } else {
                xv
            };
        }
    }
}
