//! Analytic denoisers behind the [`Denoise`] interface the trained networks use, so that
//! every sampler, the CLI and the panels can run them in place of a network.
//!
//! All of them predict x̂0 ([`PredictionType::Sample`]) exactly at the noise level they are
//! asked for: at a training step t from the schedule's ᾱ_t, between steps (the ODE
//! samplers' levels) from ᾱ = 1/(1 + σ²).

use super::inference::{Denoise, InferenceError};
use crate::diffusion::analytic::{
    DiagonalGaussianDenoiser, Gaussian2dDenoiser, IdealDenoiser, IsotropicMixture2d,
};
use crate::diffusion::samplers::NoiseLevel;
use crate::diffusion::{PredictionType, Schedule};
use crate::model::data::DataDomain;

/// Which exact answer a denoiser gives.
#[derive(Clone, Debug, PartialEq)]
pub enum AnalyticKind {
    /// The ideal (empirical) denoiser of a training set (points or images).
    Ideal(IdealDenoiser),
    /// A 2-D Gaussian with full covariance.
    Gaussian2d(Gaussian2dDenoiser),
    /// A per-pixel (diagonal-covariance) Gaussian, for images.
    GaussianDiagonal(DiagonalGaussianDenoiser),
    /// The exact posterior mean of an isotropic 2-D Gaussian mixture.
    Mixture2d(IsotropicMixture2d),
}

impl AnalyticKind {
    /// Numbers per item.
    pub fn item_len(&self) -> usize {
        match self {
            AnalyticKind::Ideal(d) => d.dim(),
            AnalyticKind::GaussianDiagonal(d) => d.dim(),
            AnalyticKind::Gaussian2d(_) | AnalyticKind::Mixture2d(_) => 2,
        }
    }

    /// "ideal", "gaussian" or "mixture": as the CLI names them.
    pub fn name(&self) -> &'static str {
        match self {
            AnalyticKind::Ideal(_) => "ideal",
            AnalyticKind::Gaussian2d(_) | AnalyticKind::GaussianDiagonal(_) => "gaussian",
            AnalyticKind::Mixture2d(_) => "mixture",
        }
    }

    /// x̂0 of one item at ᾱ, into `out`.
    fn denoise_item(&self, x: &[f64], alpha_bar: f64, out: &mut [f64]) {
        match self {
            AnalyticKind::Ideal(d) => d.denoise(x, alpha_bar, out),
            AnalyticKind::GaussianDiagonal(d) => d.denoise(x, alpha_bar, out),
            AnalyticKind::Gaussian2d(d) => {
                let r = d.denoise([x[0], x[1]], alpha_bar);
                out.copy_from_slice(&r);
            }
            AnalyticKind::Mixture2d(m) => {
                let r = m.posterior_mean([x[0], x[1]], alpha_bar);
                out.copy_from_slice(&r);
            }
        }
    }
}

/// An analytic denoiser on a schedule.
#[derive(Clone, Debug)]
pub struct AnalyticDenoiser {
    pub kind: AnalyticKind,
    pub schedule: Schedule,
}

impl AnalyticDenoiser {
    pub fn new(kind: AnalyticKind, schedule: Schedule) -> Self {
        Self { kind, schedule }
    }

    /// x̂0 for a batch at noise level ᾱ.
    pub fn denoise_batch(&self, x_t: &[f32], alpha_bar: f64) -> Result<Vec<f32>, InferenceError> {
        let len = self.kind.item_len();
        if len == 0 || x_t.is_empty() || !x_t.len().is_multiple_of(len) {
            return Err(InferenceError::BadLength {
                got: x_t.len(),
                item_len: len,
            });
        }
        let mut x = vec![0.0_f64; len];
        let mut x0 = vec![0.0_f64; len];
        let mut out = Vec::with_capacity(x_t.len());
        for item in x_t.chunks_exact(len) {
            for (a, &b) in x.iter_mut().zip(item) {
                *a = b as f64;
            }
            self.kind.denoise_item(&x, alpha_bar, &mut x0);
            out.extend(x0.iter().map(|&v| v as f32));
        }
        if out.iter().any(|v| !v.is_finite()) {
            return Err(InferenceError::NonFinite { t: 0 });
        }
        Ok(out)
    }
}

impl Denoise for AnalyticDenoiser {
    fn predict(&self, x_t: &[f32], t: usize, batch: usize) -> Result<Vec<f32>, InferenceError> {
        let max = self.schedule.num_steps();
        if t == 0 || t > max {
            return Err(InferenceError::BadStart { t, max });
        }
        check_batch(x_t, batch, self.kind.item_len())?;
        self.denoise_batch(x_t, self.schedule.alpha_bar(t))
            .map_err(|e| with_t(e, t))
    }

    fn predict_level(
        &self,
        x_t: &[f32],
        level: NoiseLevel,
        num_steps: usize,
        batch: usize,
    ) -> Result<Vec<f32>, InferenceError> {
        check_batch(x_t, batch, self.kind.item_len())?;
        self.denoise_batch(x_t, level.alpha_bar())
            .map_err(|e| with_t(e, level.nearest_step(num_steps)))
    }

    fn prediction(&self) -> PredictionType {
        PredictionType::Sample
    }

    fn item_len(&self) -> usize {
        self.kind.item_len()
    }
}

fn check_batch(x_t: &[f32], batch: usize, item_len: usize) -> Result<(), InferenceError> {
    if batch == 0 || x_t.len() != batch * item_len {
        return Err(InferenceError::BadLength {
            got: x_t.len(),
            item_len,
        });
    }
    Ok(())
}

fn with_t(e: InferenceError, t: usize) -> InferenceError {
    match e {
        InferenceError::NonFinite { .. } => InferenceError::NonFinite { t },
        other => other,
    }
}

/// Flat f32 items as f64.
pub fn to_f64(items: &[f32]) -> Vec<f64> {
    items.iter().map(|&v| v as f64).collect()
}

/// How much of a denoiser's x̂0 an analytic denoiser explains at each timestep:
/// r²(t) = 1 − Σ‖x̂0_analytic − x̂0_model‖² / Σ‖x̂0_model − mean(x̂0_model)‖², over the same
/// noisy batch x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε (ε from `seed`). 1: the analytic denoiser says all
/// the model says; 0: no more than the model's batch mean. `NaN` never comes out: a model
/// whose x̂0 does not vary over the batch gives `None`.
///
/// # Shapes
/// `x0`: `n × item_len` clean items.
pub fn explained_fraction(
    model: &dyn Denoise,
    analytic: &AnalyticDenoiser,
    schedule: &Schedule,
    x0: &[f32],
    timesteps: &[usize],
    seed: u64,
) -> Result<Vec<(usize, Option<f64>)>, InferenceError> {
    let len = model.item_len();
    if len == 0 || len != analytic.item_len() || x0.is_empty() || !x0.len().is_multiple_of(len) {
        return Err(InferenceError::BadLength {
            got: x0.len(),
            item_len: len,
        });
    }
    let batch = x0.len() / len;
    let mut out = Vec::with_capacity(timesteps.len());
    for &t in timesteps {
        let (x_t, _) = super::inference::noise_to(schedule, t, x0, seed)?;
        let raw = model.predict(&x_t, t, batch)?;
        let alpha_bar = schedule.alpha_bar(t);
        let model_x0: Vec<f64> = x_t
            .iter()
            .zip(&raw)
            .map(|(&x, &m)| {
                let (x, m) = (x as f64, m as f64);
                match model.prediction() {
                    PredictionType::Epsilon => {
                        crate::diffusion::reverse::x0_from_eps(x, m, alpha_bar)
                    }
                    PredictionType::Sample => m,
                    PredictionType::VPrediction => {
                        crate::diffusion::reverse::x0_from_v(x, m, alpha_bar)
                    }
                }
            })
            .collect();
        let exact = analytic.predict(&x_t, t, batch)?;
        let mut mean = vec![0.0_f64; len];
        for item in model_x0.chunks_exact(len) {
            for (m, &v) in mean.iter_mut().zip(item) {
                *m += v / batch as f64;
            }
        }
        let mut residual = 0.0;
        let mut total = 0.0;
        for (i, (&m, &a)) in model_x0.iter().zip(&exact).enumerate() {
            residual += (m - a as f64).powi(2);
            total += (m - mean[i % len]).powi(2);
        }
        let r2 = (total > 0.0 && residual.is_finite()).then(|| 1.0 - residual / total);
        out.push((t, r2));
    }
    Ok(out)
}

/// Which exact denoiser of a data set: the ideal (empirical) one, or the Gaussian one of
/// the set's mean and covariance (points: full 2 × 2; images: per pixel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalyticFit {
    Ideal,
    Gaussian,
}

impl AnalyticFit {
    pub const ALL: [AnalyticFit; 2] = [AnalyticFit::Ideal, AnalyticFit::Gaussian];

    /// "ideal" or "gaussian": as the CLI names them.
    pub fn name(self) -> &'static str {
        match self {
            AnalyticFit::Ideal => "ideal",
            AnalyticFit::Gaussian => "gaussian",
        }
    }
}

/// Why an exact denoiser could not be built from a data set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error(transparent)]
    Ideal(#[from] crate::diffusion::analytic::IdealDenoiserError),
    #[error(transparent)]
    Gaussian(#[from] crate::diffusion::analytic::GaussianDenoiserError),
}

impl AnalyticKind {
    /// The exact denoiser `fit` of `items` (flat, `domain.item_len()` floats each).
    pub fn fit(fit: AnalyticFit, items: &[f32], domain: DataDomain) -> Result<Self, FitError> {
        let items64 = to_f64(items);
        let dim = domain.item_len();
        Ok(match (fit, domain) {
            (AnalyticFit::Ideal, _) => AnalyticKind::Ideal(IdealDenoiser::new(items64, dim)?),
            (AnalyticFit::Gaussian, DataDomain::Points2d) => {
                let pts: Vec<[f64; 2]> = items64.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
                AnalyticKind::Gaussian2d(Gaussian2dDenoiser::fit(&pts)?)
            }
            (AnalyticFit::Gaussian, DataDomain::Image { .. }) => {
                AnalyticKind::GaussianDiagonal(DiagonalGaussianDenoiser::fit(&items64, dim)?)
            }
        })
    }
}

/// r²(t) of one exact denoiser against a model ([`explained_fraction`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ExplainedCurve {
    pub fit: AnalyticFit,
    /// (t, r²); `None` where the model's x̂0 does not vary over the batch.
    pub points: Vec<(usize, Option<f64>)>,
}

/// Why the r² curves could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error(transparent)]
    Fit(#[from] FitError),
    #[error(transparent)]
    Inference(#[from] InferenceError),
}

/// The timesteps the r² curves are measured at: dense at small t, where the denoisers
/// differ most, then every tenth of T.
pub fn explain_timesteps(big_t: usize) -> Vec<usize> {
    let mut ts: Vec<usize> = [1, 2, 5, 10, 20, 50]
        .into_iter()
        .chain((1..=10).map(|k| (k * big_t).div_ceil(10)))
        .filter(|&t| (1..=big_t).contains(&t))
        .collect();
    ts.sort_unstable();
    ts.dedup();
    ts
}

/// How much of `model`'s x̂0 the ideal and the Gaussian denoiser of `train` explain at each
/// of `timesteps`, over the noised `held_out` batch (see [`explained_fraction`]).
///
/// # Shapes
/// `train`, `held_out`: flat items of `domain.item_len()` floats.
pub fn explained_curves(
    model: &dyn Denoise,
    schedule: &Schedule,
    train: &[f32],
    held_out: &[f32],
    domain: DataDomain,
    timesteps: &[usize],
    seed: u64,
) -> Result<Vec<ExplainedCurve>, ExplainError> {
    let mut run = ExplainRun::new(schedule, train, domain, timesteps)?;
    while !run.is_done() {
        run.step(model, schedule, held_out, seed)?;
    }
    Ok(run.into_curves())
}

/// The r² curves measured one point at a time (one denoiser at one t per
/// [`step`](Self::step)), so a caller can report progress and stop between points;
/// [`explained_curves`] is its loop. The points are the same as measured all at once: each
/// t's noise comes from `seed` alone.
pub struct ExplainRun {
    exact: Vec<(AnalyticFit, AnalyticDenoiser)>,
    timesteps: Vec<usize>,
    curves: Vec<ExplainedCurve>,
    next: usize,
}

impl ExplainRun {
    /// Fits every exact denoiser of `train` ([`AnalyticFit::ALL`]).
    pub fn new(
        schedule: &Schedule,
        train: &[f32],
        domain: DataDomain,
        timesteps: &[usize],
    ) -> Result<Self, ExplainError> {
        let mut exact = Vec::new();
        for fit in AnalyticFit::ALL {
            let kind = AnalyticKind::fit(fit, train, domain)?;
            exact.push((fit, AnalyticDenoiser::new(kind, schedule.clone())));
        }
        let curves = exact
            .iter()
            .map(|(fit, _)| ExplainedCurve {
                fit: *fit,
                points: Vec::with_capacity(timesteps.len()),
            })
            .collect();
        Ok(Self {
            exact,
            timesteps: timesteps.to_vec(),
            curves,
            next: 0,
        })
    }

    /// Points measured so far, and in all.
    pub fn points_done(&self) -> usize {
        self.next
    }

    pub fn total_points(&self) -> usize {
        self.exact.len() * self.timesteps.len()
    }

    pub fn is_done(&self) -> bool {
        self.next >= self.total_points()
    }

    /// Measures the next point (nothing once done).
    pub fn step(
        &mut self,
        model: &dyn Denoise,
        schedule: &Schedule,
        held_out: &[f32],
        seed: u64,
    ) -> Result<(), ExplainError> {
        if self.is_done() {
            return Ok(());
        }
        let (which, k) = (
            self.next / self.timesteps.len(),
            self.next % self.timesteps.len(),
        );
        let t = self.timesteps[k];
        let analytic = &self.exact[which].1;
        let point = explained_fraction(model, analytic, schedule, held_out, &[t], seed)?;
        self.curves[which].points.extend(point);
        self.next += 1;
        Ok(())
    }

    pub fn into_curves(self) -> Vec<ExplainedCurve> {
        self.curves
    }

    /// The curves measured so far, leaving none behind.
    pub fn take_curves(&mut self) -> Vec<ExplainedCurve> {
        std::mem::take(&mut self.curves)
    }
}
