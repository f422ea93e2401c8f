//! Sampling schedules of the probability-flow ODE samplers: the σ's and the timesteps the
//! denoiser is evaluated at, computed as diffusers' `EulerDiscreteScheduler`,
//! `HeunDiscreteScheduler` and `DPMSolverMultistepScheduler` compute them in `set_timesteps`.
//!
//! σ is the variance-exploding noise level of a step: σ_t = √((1 − ᾱ_t)/ᾱ_t), so that
//! x_t/√ᾱ_t = x_0 + σ_t·ε and log-SNR λ_t = −2 ln σ_t. diffusers indexes its training
//! steps 0..T−1; the timesteps here are in paper notation (1..=T, diffusers' + 1) and may
//! be fractional (Euler and Heun interpolate between training steps).

use super::super::reverse::{SpacingError, TimestepSpacing, inference_timesteps};
use super::super::schedule::Schedule;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The ρ of Karras et al. (2022) σ spacing, as diffusers hard-codes it.
pub const KARRAS_RHO: f64 = 7.0;

/// ᾱ_T that diffusers substitutes for a zero-terminal-SNR schedule's ᾱ_T = 0, so that the
/// first σ is finite (`alphas_cumprod[-1] = 2**-24`).
pub const ZERO_SNR_ALPHA_BAR: f64 = 1.0 / 16_777_216.0;

/// The smallest and largest resolution shift s accepted.
pub const MIN_SHIFT: f64 = 1e-3;
pub const MAX_SHIFT: f64 = 1e3;

/// A solver of the probability-flow ODE (deterministic samplers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OdeSampler {
    /// Euler's method in σ (diffusers' `EulerDiscreteScheduler`, s_churn = 0).
    #[default]
    Euler,
    /// Heun's second-order method; the last step, which ends at σ = 0, is an Euler step
    /// (diffusers' `HeunDiscreteScheduler`). 2N − 1 denoiser evaluations for N steps.
    Heun,
    /// DPM-Solver++ of order 2, multistep, midpoint form, first order at the first and the
    /// last step (diffusers' `DPMSolverMultistepScheduler`, `algorithm_type="dpmsolver++"`,
    /// `solver_order=2`, `lower_order_final=True`, `final_sigmas_type="zero"`).
    #[serde(rename = "dpmpp_2m")]
    DpmSolverPlusPlus2M,
}

impl OdeSampler {
    pub const ALL: [OdeSampler; 3] = [Self::Euler, Self::Heun, Self::DpmSolverPlusPlus2M];

    /// The short name the CLI takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Euler => "euler",
            Self::Heun => "heun",
            Self::DpmSolverPlusPlus2M => "dpmpp2m",
        }
    }

    /// The diffusers class that defines it.
    pub fn diffusers_class(self) -> &'static str {
        match self {
            Self::Euler => "EulerDiscreteScheduler",
            Self::Heun => "HeunDiscreteScheduler",
            Self::DpmSolverPlusPlus2M => "DPMSolverMultistepScheduler",
        }
    }

    /// Denoiser evaluations for `steps` steps.
    pub fn evaluations(self, steps: usize) -> usize {
        match self {
            Self::Heun => (2 * steps).saturating_sub(1),
            _ => steps,
        }
    }
}

impl fmt::Display for OdeSampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OdeSampler {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "euler" => Ok(Self::Euler),
            "heun" => Ok(Self::Heun),
            "dpmpp2m" | "dpmpp_2m" | "dpm++2m" => Ok(Self::DpmSolverPlusPlus2M),
            other => Err(format!(
                "unknown ODE sampler `{other}` (expected euler, heun or dpmpp2m)"
            )),
        }
    }
}

/// How the sampling σ's are placed, beyond the timestep spacing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SigmaOptions {
    /// Karras et al. σ's: (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, ρ = 7,
    /// σ_min and σ_max from the training schedule (`use_karras_sigmas=True`).
    pub karras: bool,
    /// Resolution shift s of log-SNR: λ' = λ − 2 ln s, i.e. σ' = s·σ (1 = none).
    pub shift: f64,
}

impl Default for SigmaOptions {
    fn default() -> Self {
        Self {
            karras: false,
            shift: 1.0,
        }
    }
}

/// Why a sampling schedule could not be made.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SamplingError {
    #[error("the ODE samplers need a schedule of at least 2 steps (T = {0})")]
    TooFewTrainingSteps(usize),
    #[error("the number of sampling steps must be between 1 and T = {max} (got {got})")]
    StepsOutOfRange { got: usize, max: usize },
    #[error("the shift s must be a number in [{MIN_SHIFT}, {MAX_SHIFT}] (got {0})")]
    BadShift(f64),
    #[error(
        "{steps} steps of {sampler} with {spacing} spacing repeat a noise level (σ_{index} = σ_{next}); use fewer steps",
        next = index + 1
    )]
    RepeatedSigma {
        sampler: OdeSampler,
        steps: usize,
        spacing: TimestepSpacing,
        index: usize,
    },
    #[error(transparent)]
    Spacing(#[from] SpacingError),
}

/// A point of the noise-level axis the samplers walk: a paper timestep (fractional, 0 at
/// the clean end) and its σ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseLevel {
    /// The timestep a trained network is given (paper notation; 0 only with σ = 0).
    pub t: f64,
    /// σ = √((1 − ᾱ)/ᾱ) ≥ 0.
    pub sigma: f64,
}

impl NoiseLevel {
    /// The level of training step `t` (0 is the clean end, σ = 0).
    pub fn of_step(schedule: &Schedule, t: usize) -> Self {
        Self {
            t: t as f64,
            sigma: step_sigma(schedule, t),
        }
    }

    /// ᾱ = 1/(1 + σ²).
    pub fn alpha_bar(&self) -> f64 {
        1.0 / (1.0 + self.sigma * self.sigma)
    }

    /// 1 − ᾱ = σ²/(1 + σ²), without cancellation near σ = 0.
    pub fn one_minus_alpha_bar(&self) -> f64 {
        let s2 = self.sigma * self.sigma;
        s2 / (1.0 + s2)
    }

    /// λ = log SNR = −2 ln σ (+∞ at σ = 0).
    pub fn log_snr(&self) -> f64 {
        -2.0 * self.sigma.ln()
    }

    /// The training step nearest to `t`, at least 1 (for denoisers that take whole steps).
    pub fn nearest_step(&self, num_steps: usize) -> usize {
        (self.t.round().max(1.0) as usize).min(num_steps.max(1))
    }
}

/// σ of training step t (paper notation, 0..=T); ᾱ_T = 0 is replaced as diffusers does.
pub fn step_sigma(schedule: &Schedule, t: usize) -> f64 {
    if t == 0 {
        return 0.0;
    }
    let alpha_bar = schedule.alpha_bar(t);
    if alpha_bar <= 0.0 {
        ((1.0 - ZERO_SNR_ALPHA_BAR) / ZERO_SNR_ALPHA_BAR).sqrt()
    } else {
        (schedule.one_minus_alpha_bar(t) / alpha_bar).sqrt()
    }
}

/// σ of every training step, diffusers-indexed: entry j is paper t = j + 1.
pub fn training_sigmas(schedule: &Schedule) -> Vec<f64> {
    (1..=schedule.num_steps())
        .map(|t| step_sigma(schedule, t))
        .collect()
}

/// numpy's `interp(x, arange(len(ys)), ys)`: linear between integer abscissae, clamped.
fn interp_index(x: f64, ys: &[f64]) -> f64 {
    let last = ys.len() - 1;
    if x <= 0.0 {
        return ys[0];
    }
    if x >= last as f64 {
        return ys[last];
    }
    let i = x.floor() as usize;
    let w = x - i as f64;
    ys[i] + w * (ys[i + 1] - ys[i])
}

/// diffusers' `_sigma_to_t`: the (0-based, fractional) training timestep of σ, by linear
/// interpolation of ln σ between the two neighbouring training steps, clamped to 0..T−1.
///
/// `log_sigmas` are ln σ of the training steps, ascending (at least two).
pub fn sigma_to_t(sigma: f64, log_sigmas: &[f64]) -> f64 {
    let log_sigma = sigma.max(1e-10).ln();
    let n = log_sigmas.len();
    // cumsum(dists >= 0).argmax(): the last index whose ln σ is ≤ ln σ (0 if none).
    let count = log_sigmas.iter().filter(|&&l| log_sigma - l >= 0.0).count();
    let low_idx = count.saturating_sub(1).min(n - 2);
    let high_idx = low_idx + 1;
    let (low, high) = (log_sigmas[low_idx], log_sigmas[high_idx]);
    let w = ((low - log_sigma) / (low - high)).clamp(0.0, 1.0);
    (1.0 - w) * low_idx as f64 + w * high_idx as f64
}

/// Karras et al. (2022) σ's from σ_max down to σ_min, `n` of them (diffusers'
/// `_convert_to_karras`, ρ = 7).
pub fn karras_sigmas(sigma_min: f64, sigma_max: f64, n: usize) -> Vec<f64> {
    let min_inv_rho = sigma_min.powf(1.0 / KARRAS_RHO);
    let max_inv_rho = sigma_max.powf(1.0 / KARRAS_RHO);
    (0..n)
        .map(|i| {
            let ramp = if n == 1 {
                0.0
            } else {
                i as f64 / (n - 1) as f64
            };
            (max_inv_rho + ramp * (min_inv_rho - max_inv_rho)).powf(KARRAS_RHO)
        })
        .collect()
}

/// The σ's and timesteps one sampling run walks.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplingSchedule {
    pub sampler: OdeSampler,
    /// σ_0 > σ_1 > … > σ_{N−1} > σ_N = 0: N steps, N + 1 levels (Heun's repeated
    /// σ's are not repeated here; its second evaluation is at the next level).
    pub sigmas: Vec<f64>,
    /// The paper timestep of each σ_i, i < N, then 0 for σ_N = 0.
    pub timesteps: Vec<f64>,
    /// diffusers' `init_noise_sigma`: the standard deviation of the starting latent, in
    /// the σ-scaled (variance-exploding) frame for Euler and Heun, in the VP frame (1) for
    /// DPM-Solver++.
    pub init_noise_sigma: f64,
}

impl SamplingSchedule {
    /// Number of steps N.
    pub fn steps(&self) -> usize {
        self.sigmas.len() - 1
    }

    /// Level i (0..=N).
    pub fn level(&self, i: usize) -> NoiseLevel {
        NoiseLevel {
            t: self.timesteps[i],
            sigma: self.sigmas[i],
        }
    }

    /// All N + 1 levels.
    pub fn levels(&self) -> Vec<NoiseLevel> {
        (0..self.sigmas.len()).map(|i| self.level(i)).collect()
    }

    /// The factor that turns unit noise ε into the starting x_T of a sampling run in the
    /// variance-preserving frame the samplers here step in: diffusers starts Euler and
    /// Heun at `init_noise_sigma`·ε in the σ-scaled frame, i.e. at
    /// init_noise_sigma/√(1 + σ_0²)·ε here (≈ 1 − 1/(2σ_0²)); DPM-Solver++ starts at ε.
    pub fn initial_noise_scale(&self) -> f64 {
        match self.sampler {
            OdeSampler::DpmSolverPlusPlus2M => self.init_noise_sigma,
            OdeSampler::Euler | OdeSampler::Heun => {
                let s0 = self.sigmas[0];
                self.init_noise_sigma / (1.0 + s0 * s0).sqrt()
            }
        }
    }
}

/// The sampling schedule diffusers' `set_timesteps(steps)` makes for `sampler` on
/// `schedule`, with `timestep_spacing = spacing` (diffusers' default for all three is
/// `linspace`), Karras σ's and a resolution shift as `options` ask.
///
/// - Euler, Heun: timesteps from the spacing, as floats (`linspace` is not rounded), σ by
///   linear interpolation of the training σ's at those timesteps; Karras σ's between the
///   first and last of those, timesteps from [`sigma_to_t`].
/// - DPM-Solver++: `linspace` is round(linspace(0, T−1, N+1)) without its last point,
///   `leading` uses ⌊T/(N+1)⌋; σ's are the training σ's at those steps; Karras σ's span
///   all training σ's, and their timesteps are rounded (truncated for squaredcos_cap_v2:
///   diffusers does not round those and then casts to int64).
/// - A shift s multiplies every σ by s (λ' = λ − 2 ln s) and maps each back to a timestep
///   with [`sigma_to_t`] (made whole for DPM-Solver++, as with Karras); s = 1 changes nothing.
/// - The final σ is 0 (`final_sigmas_type="zero"`).
pub fn sampling_schedule(
    schedule: &Schedule,
    sampler: OdeSampler,
    steps: usize,
    spacing: TimestepSpacing,
    options: SigmaOptions,
) -> Result<SamplingSchedule, SamplingError> {
    let big_t = schedule.num_steps();
    if big_t < 2 {
        return Err(SamplingError::TooFewTrainingSteps(big_t));
    }
    if steps == 0 || steps > big_t {
        return Err(SamplingError::StepsOutOfRange {
            got: steps,
            max: big_t,
        });
    }
    let shift = options.shift;
    if !(shift.is_finite() && (MIN_SHIFT..=MAX_SHIFT).contains(&shift)) {
        return Err(SamplingError::BadShift(shift));
    }
    let train = training_sigmas(schedule);
    let log_sigmas: Vec<f64> = train.iter().map(|s| s.ln()).collect();
    let round_model_t = sampler == OdeSampler::DpmSolverPlusPlus2M
        && schedule.spec().kind != super::super::ScheduleKind::SquaredcosCapV2;
    // 0-based diffusers timesteps, descending.
    let zero_based: Vec<f64> = match sampler {
        OdeSampler::Euler | OdeSampler::Heun => match spacing {
            TimestepSpacing::Linspace => (0..steps)
                .rev()
                .map(|i| {
                    if steps == 1 {
                        0.0
                    } else {
                        (big_t - 1) as f64 * i as f64 / (steps - 1) as f64
                    }
                })
                .collect(),
            _ => inference_timesteps(big_t, steps, spacing, 0)?
                .into_iter()
                .map(|t| (t - 1) as f64)
                .collect(),
        },
        OdeSampler::DpmSolverPlusPlus2M => match spacing {
            TimestepSpacing::Linspace => (0..=steps)
                .rev()
                .map(|i| ((big_t - 1) as f64 * i as f64 / steps as f64).round_ties_even())
                .take(steps)
                .collect(),
            TimestepSpacing::Leading => {
                let ratio = (big_t / (steps + 1)) as f64;
                (0..=steps)
                    .rev()
                    .map(|i| i as f64 * ratio)
                    .take(steps)
                    .collect()
            }
            TimestepSpacing::Trailing => inference_timesteps(big_t, steps, spacing, 0)?
                .into_iter()
                .map(|t| (t - 1) as f64)
                .collect(),
        },
    };
    let (mut sigmas, mut zero_based) = if options.karras {
        let (lo, hi) = match sampler {
            OdeSampler::DpmSolverPlusPlus2M => (train[0], train[big_t - 1]),
            _ => {
                let first = interp_index(zero_based[0], &train);
                let last = interp_index(zero_based[zero_based.len() - 1], &train);
                (last, first)
            }
        };
        let sigmas = karras_sigmas(lo, hi, steps);
        let ts = sigmas.iter().map(|&s| sigma_to_t(s, &log_sigmas)).collect();
        (sigmas, ts)
    } else {
        let sigmas = zero_based
            .iter()
            .map(|&t| interp_index(t, &train))
            .collect();
        (sigmas, zero_based)
    };
    if shift != 1.0 {
        for s in &mut sigmas {
            *s *= shift;
        }
        zero_based = sigmas.iter().map(|&s| sigma_to_t(s, &log_sigmas)).collect();
    }
    if sampler == OdeSampler::DpmSolverPlusPlus2M {
        // diffusers rounds Karras timesteps (except for squaredcos_cap_v2), then stores
        // every timestep as int64, which truncates.
        for t in &mut zero_based {
            *t = if round_model_t {
                t.round_ties_even()
            } else {
                t.trunc()
            };
        }
    }
    if let Some(index) = sigmas.windows(2).position(|w| w[1] >= w[0]) {
        return Err(SamplingError::RepeatedSigma {
            sampler,
            steps,
            spacing,
            index,
        });
    }
    let max_sigma = sigmas.iter().copied().fold(0.0, f64::max);
    let init_noise_sigma = match (sampler, spacing) {
        (OdeSampler::DpmSolverPlusPlus2M, _) => 1.0,
        (_, TimestepSpacing::Linspace | TimestepSpacing::Trailing) => max_sigma,
        _ => (max_sigma * max_sigma + 1.0).sqrt(),
    };
    sigmas.push(0.0);
    let mut timesteps: Vec<f64> = zero_based.into_iter().map(|t| t + 1.0).collect();
    timesteps.push(0.0);
    Ok(SamplingSchedule {
        sampler,
        sigmas,
        timesteps,
        init_noise_sigma,
    })
}
