//! "Why small steps", measured: with the exact score of a 2-D mixture (no network, so no
//! model error), the sliced Wasserstein-2 distance between samples and the mixture against
//! the number of sampling steps, one curve per sampler.

use super::analytic::{AnalyticDenoiser, AnalyticKind};
use super::data::{normal, rng_for};
use super::inference::{Flow, InferenceError, ReverseOptions, Sampler, sample};
use crate::diffusion::Schedule;
use crate::diffusion::TimestepSpacing;
use crate::diffusion::analytic::{IsotropicMixture2d, SlicedW2Error, sliced_w2};
use rand::RngExt;
use std::sync::atomic::AtomicBool;
use thiserror::Error;

/// The most samples a curve point may use.
pub const MAX_SAMPLES: usize = 100_000;

/// Why a curve could not be computed.
#[derive(Debug, Error)]
pub enum StepErrorError {
    #[error(transparent)]
    Inference(#[from] InferenceError),
    #[error(transparent)]
    Distance(#[from] SlicedW2Error),
    #[error("the number of samples must be 1..={MAX_SAMPLES} (got {0})")]
    BadCount(usize),
    #[error("cancelled")]
    Cancelled,
}

/// One sampler's error at each step count.
#[derive(Clone, Debug, PartialEq)]
pub struct StepErrorCurve {
    pub sampler: Sampler,
    /// (sampling steps, SW2 to the mixture).
    pub points: Vec<(usize, f64)>,
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct StepErrorRequest {
    pub mixture: IsotropicMixture2d,
    pub schedule: Schedule,
    pub samplers: Vec<Sampler>,
    /// Step counts (each 1..=T; counts a sampler cannot take are left out of its curve).
    pub steps: Vec<usize>,
    pub n: usize,
    pub seed: u64,
    pub directions: usize,
}

/// The spacing each sampler uses by default: trailing for DDPM and DDIM (as the app's
/// other runs), diffusers' linspace for the ODE solvers.
pub fn default_spacing(sampler: &Sampler) -> TimestepSpacing {
    match sampler {
        Sampler::Ode { .. } => TimestepSpacing::Linspace,
        _ => TimestepSpacing::Trailing,
    }
}

/// `n` exact draws from the mixture for `seed` (the distance of these is the floor a
/// sampler's curve can reach at this n).
pub fn mixture_samples(mixture: &IsotropicMixture2d, n: usize, seed: u64) -> Vec<[f64; 2]> {
    let mut rng = rng_for(seed, 0x0003_A1CE);
    (0..n)
        .map(|_| {
            let u: f64 = rng.random();
            let z = [normal(&mut rng) as f64, normal(&mut rng) as f64];
            mixture.draw(u, z)
        })
        .collect()
}

/// Flat (x, y) f32 pairs as points.
pub fn as_points(x: &[f32]) -> Vec<[f64; 2]> {
    x.chunks_exact(2)
        .map(|p| [p[0] as f64, p[1] as f64])
        .collect()
}

/// Samples `n` points from the mixture's exact denoiser with `options` (starting noise
/// from `options.seed` and `n` only).
pub fn sample_mixture(
    mixture: &IsotropicMixture2d,
    schedule: &Schedule,
    n: usize,
    options: &ReverseOptions,
    cancel: Option<&AtomicBool>,
) -> Result<Vec<f32>, StepErrorError> {
    if n == 0 || n > MAX_SAMPLES {
        return Err(StepErrorError::BadCount(n));
    }
    let denoiser =
        AnalyticDenoiser::new(AnalyticKind::Mixture2d(mixture.clone()), schedule.clone());
    let result = sample(&denoiser, schedule, n, options, cancel, |_| Flow::Continue)?;
    if result.stopped {
        return Err(StepErrorError::Cancelled);
    }
    Ok(result.x)
}

/// One curve per sampler: SW2 of `n` samples against the mixture at each step count.
pub fn step_error_curves(
    request: &StepErrorRequest,
    cancel: Option<&AtomicBool>,
) -> Result<Vec<StepErrorCurve>, StepErrorError> {
    let mut run = StepErrorRun::new(request.clone());
    while !run.is_done() {
        run.step(cancel)?;
    }
    Ok(run.into_curves())
}

/// The step-error curves measured one point (one sampler at one step count) per
/// [`step`](Self::step), so a caller can report progress and do other work between points;
/// [`step_error_curves`] is its loop.
pub struct StepErrorRun {
    request: StepErrorRequest,
    curves: Vec<StepErrorCurve>,
    next: usize,
}

impl StepErrorRun {
    pub fn new(request: StepErrorRequest) -> Self {
        let curves = request
            .samplers
            .iter()
            .map(|&sampler| StepErrorCurve {
                sampler,
                points: Vec::new(),
            })
            .collect();
        Self {
            request,
            curves,
            next: 0,
        }
    }

    /// Points tried so far, and in all (a step count a sampler cannot take counts too).
    pub fn points_done(&self) -> usize {
        self.next
    }

    pub fn total_points(&self) -> usize {
        self.request.samplers.len() * self.request.steps.len()
    }

    pub fn is_done(&self) -> bool {
        self.next >= self.total_points()
    }

    /// Measures the next point (nothing once done).
    pub fn step(&mut self, cancel: Option<&AtomicBool>) -> Result<(), StepErrorError> {
        if self.is_done() {
            return Ok(());
        }
        let request = &self.request;
        let per_sampler = request.steps.len();
        let (which, k) = (self.next / per_sampler, self.next % per_sampler);
        self.next += 1;
        let sampler = request.samplers[which];
        let steps = request.steps[k];
        if steps == 0 || steps > request.schedule.num_steps() {
            return Ok(());
        }
        let options = ReverseOptions {
            sampler,
            steps: Some(steps),
            spacing: default_spacing(&sampler),
            clip_x0: false,
            seed: request.seed,
        };
        let x = match sample_mixture(
            &request.mixture,
            &request.schedule,
            request.n,
            &options,
            cancel,
        ) {
            Ok(x) => x,
            // A step count this sampler's schedule cannot take (repeated σ's).
            Err(StepErrorError::Inference(InferenceError::Sampling(_))) => return Ok(()),
            Err(e) => return Err(e),
        };
        let d = sliced_w2(&as_points(&x), &request.mixture, request.directions)?;
        self.curves[which].points.push((steps, d));
        Ok(())
    }

    pub fn into_curves(self) -> Vec<StepErrorCurve> {
        self.curves
    }

    /// The curves measured so far, leaving none behind.
    pub fn take_curves(&mut self) -> Vec<StepErrorCurve> {
        std::mem::take(&mut self.curves)
    }
}
