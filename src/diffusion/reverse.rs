//! The reverse (denoising) process: prediction conversions, the posterior
//! q(x_{t−1}|x_t, x_0), DDPM and DDIM steps, and inference timestep spacings.
//!
//! Steps are written for a general jump t → prev (prev < t), as diffusers does when
//! sampling with fewer steps than T; for prev = t − 1 they are the paper's formulas.

use super::forward::{LengthMismatch, check_len};
use super::gaussian::Gaussian;
use super::schedule::Schedule;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// What a denoiser predicts (diffusers' `prediction_type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PredictionType {
    /// The noise ε.
    #[default]
    Epsilon,
    /// The clean sample x0 (diffusers calls it `sample`).
    Sample,
    /// v = √ᾱ·ε − √(1−ᾱ)·x0 (Salimans & Ho 2022).
    VPrediction,
}

impl PredictionType {
    pub const ALL: [PredictionType; 3] = [Self::Epsilon, Self::Sample, Self::VPrediction];

    pub fn diffusers_name(self) -> &'static str {
        match self {
            Self::Epsilon => "epsilon",
            Self::Sample => "sample",
            Self::VPrediction => "v_prediction",
        }
    }
}

impl fmt::Display for PredictionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.diffusers_name())
    }
}

impl FromStr for PredictionType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "epsilon" | "eps" => Ok(Self::Epsilon),
            "sample" | "x0" => Ok(Self::Sample),
            "v_prediction" | "v" => Ok(Self::VPrediction),
            other => Err(format!(
                "unknown prediction type `{other}` (expected epsilon, sample/x0 or v_prediction/v)"
            )),
        }
    }
}

/// The variance of the DDPM reverse step (Ho et al. §3.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VarianceType {
    /// σ² = β̃_t: optimal when x0 is a point.
    #[default]
    FixedSmall,
    /// σ² = β_t: optimal when x0 ~ N(0, I).
    FixedLarge,
}

impl VarianceType {
    pub fn diffusers_name(self) -> &'static str {
        match self {
            Self::FixedSmall => "fixed_small",
            Self::FixedLarge => "fixed_large",
        }
    }
}

/// x0 from ε: x0 = (x_t − √(1−ᾱ)·ε)/√ᾱ. At ᾱ = 0 (zero terminal SNR) x_t carries no
/// signal and x0 cannot be recovered from ε; 0, the mean of centred data, is returned.
pub fn x0_from_eps(x_t: f64, eps: f64, alpha_bar: f64) -> f64 {
    if alpha_bar <= 0.0 {
        return 0.0;
    }
    (x_t - (1.0 - alpha_bar).sqrt() * eps) / alpha_bar.sqrt()
}

/// ε from x0: ε = (x_t − √ᾱ·x0)/√(1−ᾱ) (ᾱ < 1, which holds for t ≥ 1).
pub fn eps_from_x0(x_t: f64, x0: f64, alpha_bar: f64) -> f64 {
    (x_t - alpha_bar.sqrt() * x0) / (1.0 - alpha_bar).sqrt()
}

/// v = √ᾱ·ε − √(1−ᾱ)·x0.
pub fn v_from_x0_eps(x0: f64, eps: f64, alpha_bar: f64) -> f64 {
    alpha_bar.sqrt() * eps - (1.0 - alpha_bar).sqrt() * x0
}

/// x0 = √ᾱ·x_t − √(1−ᾱ)·v.
pub fn x0_from_v(x_t: f64, v: f64, alpha_bar: f64) -> f64 {
    alpha_bar.sqrt() * x_t - (1.0 - alpha_bar).sqrt() * v
}

/// ε = √(1−ᾱ)·x_t + √ᾱ·v.
pub fn eps_from_v(x_t: f64, v: f64, alpha_bar: f64) -> f64 {
    (1.0 - alpha_bar).sqrt() * x_t + alpha_bar.sqrt() * v
}

/// The x0-conditioned posterior q(x_{t−1}|x_t, x_0) = N(μ̃_t, β̃_t).
///
/// # Formula
/// μ̃_t = coef1·x0 + coef2·x_t, coef1 = β_t√ᾱ_{t−1}/(1−ᾱ_t), coef2 = (1−ᾱ_{t−1})√α_t/(1−ᾱ_t),
/// β̃_t = β_t(1−ᾱ_{t−1})/(1−ᾱ_t).
pub fn posterior(schedule: &Schedule, t: usize, x0: f64, x_t: f64) -> Gaussian {
    Gaussian::new(
        schedule.posterior_mean_coef1(t) * x0 + schedule.posterior_mean_coef2(t) * x_t,
        schedule.posterior_variance(t),
    )
}

/// The coefficients of one jump t → prev (prev < t; prev = 0 lands on x_0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JumpCoefficients {
    pub alpha_bar_t: f64,
    pub alpha_bar_prev: f64,
    /// 1 − ᾱ_t, accurate near 0.
    pub one_minus_alpha_bar_t: f64,
    pub one_minus_alpha_bar_prev: f64,
    /// α' = ᾱ_t/ᾱ_prev (α_t when prev = t − 1).
    pub alpha: f64,
    /// β' = 1 − α' (β_t when prev = t − 1).
    pub beta: f64,
}

impl JumpCoefficients {
    pub fn new(schedule: &Schedule, t: usize, prev: usize) -> Self {
        let t = t.clamp(1, schedule.num_steps());
        let prev = prev.min(t - 1);
        let alpha_bar_t = schedule.alpha_bar(t);
        let alpha_bar_prev = schedule.alpha_bar(prev);
        let (alpha, beta) = if prev + 1 == t {
            (schedule.alpha(t), schedule.beta(t))
        } else {
            let a = alpha_bar_t / alpha_bar_prev;
            (a, 1.0 - a)
        };
        Self {
            alpha_bar_t,
            alpha_bar_prev,
            one_minus_alpha_bar_t: schedule.one_minus_alpha_bar(t),
            one_minus_alpha_bar_prev: schedule.one_minus_alpha_bar(prev),
            alpha,
            beta,
        }
    }

    /// The posterior mean's weight on x0.
    pub fn coef_x0(&self) -> f64 {
        self.alpha_bar_prev.sqrt() * self.beta / self.one_minus_alpha_bar_t
    }

    /// The posterior mean's weight on x_t.
    pub fn coef_xt(&self) -> f64 {
        self.alpha.sqrt() * self.one_minus_alpha_bar_prev / self.one_minus_alpha_bar_t
    }

    /// β̃ of the jump.
    pub fn posterior_variance(&self) -> f64 {
        self.beta * self.one_minus_alpha_bar_prev / self.one_minus_alpha_bar_t
    }
}

/// Options shared by the DDPM and DDIM steps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepOptions {
    pub prediction: PredictionType,
    /// Clip the predicted x0 to [−1, 1] before it is used (diffusers' `clip_sample`).
    pub clip_x0: bool,
}

impl Default for StepOptions {
    fn default() -> Self {
        Self {
            prediction: PredictionType::Epsilon,
            clip_x0: true,
        }
    }
}

/// Everything one reverse step produces, for display as well as for the next step.
///
/// # Shapes
/// Every buffer has the length of x_t.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepOutput {
    /// x_prev, the new sample.
    pub prev_sample: Vec<f32>,
    /// x̂0 (after clipping when clipping is on).
    pub pred_x0: Vec<f32>,
    /// ε̂ as the model implies it (before clipping).
    pub pred_eps: Vec<f32>,
    /// The mean of p(x_prev|x_t) the step drew from (without the added noise).
    pub mean: Vec<f32>,
}

impl StepOutput {
    pub(crate) fn resize(&mut self, n: usize) {
        for v in [
            &mut self.prev_sample,
            &mut self.pred_x0,
            &mut self.pred_eps,
            &mut self.mean,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
    }
}

/// Fills `out.pred_x0` and `out.pred_eps` from the model's output.
pub(crate) fn predictions(
    x_t: &[f32],
    model_output: &[f32],
    alpha_bar_t: f64,
    one_minus_alpha_bar_t: f64,
    options: StepOptions,
    out: &mut StepOutput,
) {
    let a = alpha_bar_t.sqrt() as f32;
    let s = one_minus_alpha_bar_t.sqrt() as f32;
    // Zero terminal SNR: no signal left, x0 is unknowable from ε; use the data mean 0.
    let inv_a = if a > 0.0 { 1.0 / a } else { 0.0 };
    let inv_s = 1.0 / s;
    for i in 0..x_t.len() {
        let (x, m) = (x_t[i], model_output[i]);
        let (x0, eps) = match options.prediction {
            PredictionType::Epsilon => ((x - s * m) * inv_a, m),
            PredictionType::Sample => (m, (x - a * m) * inv_s),
            PredictionType::VPrediction => (a * x - s * m, s * x + a * m),
        };
        out.pred_x0[i] = if options.clip_x0 {
            x0.clamp(-1.0, 1.0)
        } else {
            x0
        };
        out.pred_eps[i] = eps;
    }
}

/// One DDPM ancestral step t → prev (Ho et al. Algorithm 2, generalised to jumps as in
/// diffusers' `DDPMScheduler.step`).
///
/// # Formula
/// x_prev = μ̃(x̂0, x_t) + σ·z with μ̃ = coef_x0·x̂0 + coef_xt·x_t, σ² = β̃' (fixed_small) or
/// β' (fixed_large); no noise is added when prev = 0.
///
/// # Shapes
/// `x_t`, `model_output` and `noise` have one length; `out` is resized to it.
#[allow(clippy::too_many_arguments)]
pub fn ddpm_step(
    schedule: &Schedule,
    t: usize,
    prev: usize,
    x_t: &[f32],
    model_output: &[f32],
    noise: &[f32],
    variance: VarianceType,
    options: StepOptions,
    out: &mut StepOutput,
) -> Result<(), LengthMismatch> {
    check_len("model_output", model_output.len(), x_t.len())?;
    check_len("noise", noise.len(), x_t.len())?;
    out.resize(x_t.len());
    let c = JumpCoefficients::new(schedule, t, prev);
    predictions(
        x_t,
        model_output,
        c.alpha_bar_t,
        c.one_minus_alpha_bar_t,
        options,
        out,
    );
    let prev = prev.min(t.saturating_sub(1));
    let sigma = if prev == 0 {
        0.0
    } else {
        match variance {
            VarianceType::FixedSmall => c
                .posterior_variance()
                .max(super::schedule::LOG_VARIANCE_FLOOR)
                .sqrt(),
            VarianceType::FixedLarge => c.beta.sqrt(),
        }
    } as f32;
    let (cx0, cxt) = (c.coef_x0() as f32, c.coef_xt() as f32);
    for i in 0..x_t.len() {
        let mean = cx0 * out.pred_x0[i] + cxt * x_t[i];
        out.mean[i] = mean;
        out.prev_sample[i] = mean + sigma * noise[i];
    }
    Ok(())
}

/// The σ of a DDIM step t → prev for a given η (Song et al. 2021, eq. 16):
/// σ = η·√((1−ᾱ_prev)/(1−ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev).
pub fn ddim_sigma(schedule: &Schedule, t: usize, prev: usize, eta: f64) -> f64 {
    let c = JumpCoefficients::new(schedule, t, prev);
    eta * c.posterior_variance().max(0.0).sqrt()
}

/// One DDIM step t → prev with stochasticity η (η = 0: deterministic; η = 1: DDPM-like).
///
/// # Formula
/// x_prev = √ᾱ_prev·x̂0 + √(1−ᾱ_prev−σ²)·ε̂ + σ·z. When x̂0 is clipped, ε̂ is re-derived
/// from the clipped x̂0 so the step stays consistent.
#[allow(clippy::too_many_arguments)]
pub fn ddim_step(
    schedule: &Schedule,
    t: usize,
    prev: usize,
    x_t: &[f32],
    model_output: &[f32],
    noise: &[f32],
    eta: f64,
    options: StepOptions,
    out: &mut StepOutput,
) -> Result<(), LengthMismatch> {
    check_len("model_output", model_output.len(), x_t.len())?;
    check_len("noise", noise.len(), x_t.len())?;
    out.resize(x_t.len());
    let c = JumpCoefficients::new(schedule, t, prev);
    predictions(
        x_t,
        model_output,
        c.alpha_bar_t,
        c.one_minus_alpha_bar_t,
        options,
        out,
    );
    let sigma = ddim_sigma(schedule, t, prev, eta);
    let dir = (c.one_minus_alpha_bar_prev - sigma * sigma).max(0.0).sqrt() as f32;
    let a_prev = c.alpha_bar_prev.sqrt() as f32;
    let a_t = c.alpha_bar_t.sqrt() as f32;
    let inv_s = 1.0 / c.one_minus_alpha_bar_t.sqrt() as f32;
    let sigma = sigma as f32;
    for i in 0..x_t.len() {
        let x0 = out.pred_x0[i];
        let eps = if options.clip_x0 {
            (x_t[i] - a_t * x0) * inv_s
        } else {
            out.pred_eps[i]
        };
        let mean = a_prev * x0 + dir * eps;
        out.mean[i] = mean;
        out.prev_sample[i] = mean + sigma * noise[i];
    }
    Ok(())
}

/// How inference timesteps are chosen when sampling with fewer steps than T
/// (diffusers' `timestep_spacing`; see Lin et al. 2023, Table 2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestepSpacing {
    #[default]
    Leading,
    Trailing,
    Linspace,
}

impl TimestepSpacing {
    pub const ALL: [TimestepSpacing; 3] = [Self::Leading, Self::Trailing, Self::Linspace];

    pub fn name(self) -> &'static str {
        match self {
            Self::Leading => "leading",
            Self::Trailing => "trailing",
            Self::Linspace => "linspace",
        }
    }
}

impl fmt::Display for TimestepSpacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TimestepSpacing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "leading" => Ok(Self::Leading),
            "trailing" => Ok(Self::Trailing),
            "linspace" => Ok(Self::Linspace),
            other => Err(format!(
                "unknown timestep spacing `{other}` (expected leading, trailing or linspace)"
            )),
        }
    }
}

/// Why inference timesteps could not be chosen.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpacingError {
    #[error("the number of inference steps must be between 1 and T = {max} (got {got})")]
    StepsOutOfRange { got: usize, max: usize },
    #[error("steps_offset = {offset} pushes timestep {t} past T = {max}")]
    OffsetTooLarge { offset: usize, t: usize, max: usize },
}

/// The inference timesteps diffusers' `set_timesteps` picks, in paper notation (1..=T),
/// descending. diffusers works 0-based; paper t = diffusers t + 1.
///
/// - `linspace`: round(linspace(0, T−1, n)) reversed;
/// - `leading`: (0..n)·⌊T/n⌋ reversed, plus `steps_offset`;
/// - `trailing`: round(arange(T, 0, −T/n)) − 1.
///
/// Rounding is numpy's (half to even).
pub fn inference_timesteps(
    num_train_steps: usize,
    num_inference_steps: usize,
    spacing: TimestepSpacing,
    steps_offset: usize,
) -> Result<Vec<usize>, SpacingError> {
    let (t_max, n) = (num_train_steps, num_inference_steps);
    if n == 0 || n > t_max {
        return Err(SpacingError::StepsOutOfRange { got: n, max: t_max });
    }
    let zero_based: Vec<i64> = match spacing {
        TimestepSpacing::Linspace => {
            let last = (t_max - 1) as f64;
            let mut v: Vec<i64> = (0..n)
                .map(|i| {
                    let x = if n == 1 {
                        0.0
                    } else {
                        last * i as f64 / (n - 1) as f64
                    };
                    x.round_ties_even() as i64
                })
                .collect();
            v.reverse();
            v
        }
        TimestepSpacing::Leading => {
            let ratio = (t_max / n) as i64;
            (0..n as i64)
                .rev()
                .map(|i| i * ratio + steps_offset as i64)
                .collect()
        }
        TimestepSpacing::Trailing => {
            // numpy's arange(T, 0, -r): ceil(T / r) elements, T − i·r each.
            let ratio = t_max as f64 / n as f64;
            let count = (t_max as f64 / ratio).ceil() as usize;
            (0..count)
                .map(|i| (t_max as f64 - i as f64 * ratio).round_ties_even() as i64 - 1)
                .collect()
        }
    };
    let mut out = Vec::with_capacity(zero_based.len());
    for t0 in zero_based {
        if t0 < 0 || t0 as usize >= t_max {
            return Err(SpacingError::OffsetTooLarge {
                offset: steps_offset,
                t: (t0 + 1).max(0) as usize,
                max: t_max,
            });
        }
        out.push(t0 as usize + 1);
    }
    Ok(out)
}

/// The (t, prev) pairs a sampler walks for a descending list of timesteps: each t jumps
/// to the next one in the list, and the last to 0 (x_0).
pub fn jumps(timesteps: &[usize]) -> Vec<(usize, usize)> {
    timesteps
        .iter()
        .enumerate()
        .map(|(i, &t)| (t, timesteps.get(i + 1).copied().unwrap_or(0)))
        .collect()
}
