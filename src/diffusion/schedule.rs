//! Noise schedules: β_t for t = 1..T and everything derived from it.
//!
//! Kinds and formulas follow Hugging Face diffusers (`DDPMScheduler.__init__`), so a
//! schedule tuned here can be pasted into a real training run. All arithmetic is f64.
//! Paper notation throughout: t = 1..T, with ᾱ_0 = 1.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Largest T a spec may ask for. The tables are O(T) f64s, so this is ~100 MB at most.
pub const MAX_STEPS: usize = 1_000_000;

/// diffusers' `max_beta` for `squaredcos_cap_v2` (`betas_for_alpha_bar`).
pub const COSINE_MAX_BETA: f64 = 0.999;

/// The cosine schedule's offset s (Nichol & Dhariwal 2021).
pub const COSINE_S: f64 = 0.008;

/// Below this ᾱ (before the last step) zero-SNR rescaling is refused: √ᾱ would be
/// subnormal and lose the digits the rescaling divides by.
pub const RESCALE_MIN_ALPHA_BAR: f64 = 1e-280;

/// Floor used for the log of a zero variance, as in Ho et al.'s reference code.
pub const LOG_VARIANCE_FLOOR: f64 = 1e-20;

/// The β schedule families of diffusers' `DDPMScheduler`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScheduleKind {
    /// β linearly spaced from β_start to β_end (Ho et al. 2020).
    #[default]
    #[serde(rename = "linear")]
    Linear,
    /// √β linearly spaced, then squared (Stable Diffusion).
    #[serde(rename = "scaled_linear")]
    ScaledLinear,
    /// Cosine ᾱ (Nichol & Dhariwal 2021), s = 0.008, β clipped at 0.999.
    #[serde(rename = "squaredcos_cap_v2", alias = "cosine")]
    SquaredcosCapV2,
    /// sigmoid(linspace(−6, 6, T))·(β_end − β_start) + β_start.
    #[serde(rename = "sigmoid")]
    Sigmoid,
    /// An explicit list of β (diffusers' `trained_betas`).
    #[serde(rename = "trained_betas")]
    TrainedBetas,
}

impl ScheduleKind {
    /// Every kind, in the order the UI lists them.
    pub const ALL: [ScheduleKind; 5] = [
        ScheduleKind::Linear,
        ScheduleKind::ScaledLinear,
        ScheduleKind::SquaredcosCapV2,
        ScheduleKind::Sigmoid,
        ScheduleKind::TrainedBetas,
    ];

    /// The name diffusers uses in `beta_schedule` (`trained_betas` is ours: diffusers
    /// takes the list in its own key).
    pub fn diffusers_name(self) -> &'static str {
        match self {
            ScheduleKind::Linear => "linear",
            ScheduleKind::ScaledLinear => "scaled_linear",
            ScheduleKind::SquaredcosCapV2 => "squaredcos_cap_v2",
            ScheduleKind::Sigmoid => "sigmoid",
            ScheduleKind::TrainedBetas => "trained_betas",
        }
    }

    /// Whether β_start and β_end mean anything for this kind.
    pub fn uses_beta_range(self) -> bool {
        matches!(
            self,
            ScheduleKind::Linear | ScheduleKind::ScaledLinear | ScheduleKind::Sigmoid
        )
    }
}

impl fmt::Display for ScheduleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.diffusers_name())
    }
}

/// An unknown schedule name.
#[derive(Debug, Clone, PartialEq, Error)]
#[error(
    "unknown schedule kind `{0}` (expected linear, scaled_linear, squaredcos_cap_v2 (or cosine), sigmoid or trained_betas)"
)]
pub struct UnknownKind(pub String);

impl FromStr for ScheduleKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "linear" => Ok(ScheduleKind::Linear),
            "scaled_linear" => Ok(ScheduleKind::ScaledLinear),
            "squaredcos_cap_v2" | "cosine" => Ok(ScheduleKind::SquaredcosCapV2),
            "sigmoid" => Ok(ScheduleKind::Sigmoid),
            "trained_betas" => Ok(ScheduleKind::TrainedBetas),
            other => Err(UnknownKind(other.to_string())),
        }
    }
}

/// Why a schedule spec was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScheduleError {
    #[error("the number of steps T must be at least 1 (got 0)")]
    ZeroSteps,
    #[error("the number of steps T = {got} is above the limit of {max}")]
    TooManySteps { got: usize, max: usize },
    #[error("{name} must be a finite number (got {value})")]
    NonFinite { name: &'static str, value: f64 },
    #[error("{name} = {value} is outside (0, 1]")]
    ParameterOutOfRange { name: &'static str, value: f64 },
    #[error("trained_betas is empty")]
    EmptyBetas,
    #[error("β_{t} = {value} is outside (0, 1]")]
    BetaOutOfRange { t: usize, value: f64 },
    #[error(
        "β_{t} = 1 destroys all signal before the last step (only β_T may be 1, as with zero-terminal SNR)"
    )]
    BetaOneBeforeEnd { t: usize },
    #[error(
        "ᾱ is not strictly decreasing at t = {t} (ᾱ_{t} = ᾱ_{prev} = {value}): β_{t} is too small to change ᾱ in f64"
    )]
    NotStrictlyDecreasing { t: usize, prev: usize, value: f64 },
    #[error(
        "ᾱ underflows to 0 at t = {t}, long before T: the signal is gone after a fraction of the steps; lower β or T"
    )]
    AlphaBarUnderflow { t: usize },
    #[error("rescaling to zero terminal SNR needs at least 2 steps")]
    RescaleNeedsTwoSteps,
}

/// A validated-on-build description of a schedule. Serialisable: this is what the app
/// persists and what `config.json` of a trained model records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleSpec {
    pub kind: ScheduleKind,
    /// T, the number of diffusion steps.
    pub num_steps: usize,
    pub beta_start: f64,
    pub beta_end: f64,
    /// Rescale to zero terminal SNR (Lin et al. 2023, Algorithm 1).
    pub rescale_zero_snr: bool,
    /// β_1..β_T for `trained_betas` (ignored by the other kinds).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trained_betas: Vec<f64>,
}

impl Default for ScheduleSpec {
    /// The DDPM paper's schedule: linear, T = 1000, β from 1e-4 to 0.02.
    fn default() -> Self {
        Self::linear(1000, 1e-4, 0.02)
    }
}

impl ScheduleSpec {
    pub fn new(kind: ScheduleKind, num_steps: usize, beta_start: f64, beta_end: f64) -> Self {
        Self {
            kind,
            num_steps,
            beta_start,
            beta_end,
            rescale_zero_snr: false,
            trained_betas: Vec::new(),
        }
    }

    pub fn linear(num_steps: usize, beta_start: f64, beta_end: f64) -> Self {
        Self::new(ScheduleKind::Linear, num_steps, beta_start, beta_end)
    }

    pub fn scaled_linear(num_steps: usize, beta_start: f64, beta_end: f64) -> Self {
        Self::new(ScheduleKind::ScaledLinear, num_steps, beta_start, beta_end)
    }

    pub fn cosine(num_steps: usize) -> Self {
        Self::new(ScheduleKind::SquaredcosCapV2, num_steps, 1e-4, 0.02)
    }

    pub fn sigmoid(num_steps: usize, beta_start: f64, beta_end: f64) -> Self {
        Self::new(ScheduleKind::Sigmoid, num_steps, beta_start, beta_end)
    }

    pub fn trained(betas: Vec<f64>) -> Self {
        Self {
            kind: ScheduleKind::TrainedBetas,
            num_steps: betas.len(),
            trained_betas: betas,
            ..Self::default()
        }
    }

    pub fn with_zero_snr(mut self, on: bool) -> Self {
        self.rescale_zero_snr = on;
        self
    }

    /// T as the spec will build it (the list's length for `trained_betas`).
    pub fn effective_steps(&self) -> usize {
        match self.kind {
            ScheduleKind::TrainedBetas => self.trained_betas.len(),
            _ => self.num_steps,
        }
    }

    /// Checks the parameters that come before any β is computed.
    fn validate_parameters(&self) -> Result<usize, ScheduleError> {
        let steps = self.effective_steps();
        if steps == 0 {
            return Err(if self.kind == ScheduleKind::TrainedBetas {
                ScheduleError::EmptyBetas
            } else {
                ScheduleError::ZeroSteps
            });
        }
        if steps > MAX_STEPS {
            return Err(ScheduleError::TooManySteps {
                got: steps,
                max: MAX_STEPS,
            });
        }
        if self.kind.uses_beta_range() {
            for (name, value) in [("beta_start", self.beta_start), ("beta_end", self.beta_end)] {
                if !value.is_finite() {
                    return Err(ScheduleError::NonFinite { name, value });
                }
                if value <= 0.0 || value > 1.0 {
                    return Err(ScheduleError::ParameterOutOfRange { name, value });
                }
            }
        }
        if self.rescale_zero_snr && steps < 2 {
            return Err(ScheduleError::RescaleNeedsTwoSteps);
        }
        Ok(steps)
    }

    /// β_1..β_T exactly as diffusers computes them (before any validation of the values
    /// themselves). Used by the linter, which reports on specs that do not build.
    pub fn raw_betas(&self) -> Result<Vec<f64>, ScheduleError> {
        let steps = self.validate_parameters()?;
        let mut betas = match self.kind {
            ScheduleKind::Linear => linspace(self.beta_start, self.beta_end, steps),
            ScheduleKind::ScaledLinear => {
                linspace(self.beta_start.sqrt(), self.beta_end.sqrt(), steps)
                    .into_iter()
                    .map(|b| b * b)
                    .collect()
            }
            ScheduleKind::SquaredcosCapV2 => cosine_betas(steps, COSINE_MAX_BETA),
            ScheduleKind::Sigmoid => linspace(-6.0, 6.0, steps)
                .into_iter()
                .map(|x| sigmoid(x) * (self.beta_end - self.beta_start) + self.beta_start)
                .collect(),
            ScheduleKind::TrainedBetas => self.trained_betas.clone(),
        };
        if self.rescale_zero_snr {
            // Rescaling divides by differences of √ᾱ: refuse a curve that reaches the
            // subnormal range first, where neighbouring √ᾱ stop being distinct, and one
            // whose ᾱ does not fall at every step (β too small to change it in f64: the
            // rescale would divide 0 by 0 when ᾱ never moves).
            let mut ab = 1.0_f64;
            for (i, b) in betas.iter().enumerate() {
                let prev = ab;
                ab *= 1.0 - b;
                if i > 0 && ab >= prev {
                    return Err(ScheduleError::NotStrictlyDecreasing {
                        t: i + 1,
                        prev: i,
                        value: ab,
                    });
                }
                if ab < RESCALE_MIN_ALPHA_BAR && i + 1 < betas.len() {
                    return Err(ScheduleError::AlphaBarUnderflow { t: i + 1 });
                }
            }
            betas = rescale_zero_terminal_snr(&betas);
        }
        Ok(betas)
    }

    /// Builds the schedule, validating every β.
    pub fn build(&self) -> Result<Schedule, ScheduleError> {
        Schedule::new(self.clone())
    }
}

/// `torch.linspace(start, end, n)` in f64: n points, both ends included.
pub fn linspace(start: f64, end: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![start],
        _ => {
            let step = (end - start) / (n - 1) as f64;
            (0..n)
                .map(|i| {
                    if i == n - 1 {
                        end
                    } else {
                        start + step * i as f64
                    }
                })
                .collect()
        }
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// ᾱ(τ) of the cosine schedule before normalisation: cos²((τ + s)/(1 + s) · π/2).
fn cosine_alpha_bar_fn(tau: f64) -> f64 {
    let c = ((tau + COSINE_S) / (1.0 + COSINE_S) * std::f64::consts::FRAC_PI_2).cos();
    c * c
}

/// diffusers' `betas_for_alpha_bar(T, max_beta, "cosine")`:
/// β_t = min(1 − ᾱ(t/T)/ᾱ((t−1)/T), max_beta).
fn cosine_betas(steps: usize, max_beta: f64) -> Vec<f64> {
    (0..steps)
        .map(|i| {
            let t1 = i as f64 / steps as f64;
            let t2 = (i + 1) as f64 / steps as f64;
            (1.0 - cosine_alpha_bar_fn(t2) / cosine_alpha_bar_fn(t1)).min(max_beta)
        })
        .collect()
}

/// Lin et al. 2023, Algorithm 1 (diffusers' `rescale_zero_terminal_snr`): shift and scale
/// √ᾱ so that √ᾱ_1 is kept and √ᾱ_T becomes 0, then recover β. Needs T ≥ 2.
pub fn rescale_zero_terminal_snr(betas: &[f64]) -> Vec<f64> {
    let mut sqrt_ab = Vec::with_capacity(betas.len());
    let mut ab = 1.0;
    for &b in betas {
        ab *= 1.0 - b;
        sqrt_ab.push(ab.sqrt());
    }
    let (Some(&first), Some(&last)) = (sqrt_ab.first(), sqrt_ab.last()) else {
        return Vec::new();
    };
    let scale = first / (first - last);
    let rescaled: Vec<f64> = sqrt_ab.iter().map(|s| (s - last) * scale).collect();
    let alpha_bars: Vec<f64> = rescaled.iter().map(|s| s * s).collect();
    let mut out = Vec::with_capacity(betas.len());
    out.push(1.0 - alpha_bars[0]);
    for w in alpha_bars.windows(2) {
        out.push(1.0 - w[1] / w[0]);
    }
    out
}

/// All per-t quantities of one step, as the CLI table and the UI hover show them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRow {
    pub t: usize,
    pub beta: f64,
    pub alpha: f64,
    pub alpha_bar: f64,
    pub sqrt_alpha_bar: f64,
    pub sqrt_one_minus_alpha_bar: f64,
    pub posterior_variance: f64,
    pub posterior_mean_coef1: f64,
    pub posterior_mean_coef2: f64,
    pub snr: f64,
}

impl ScheduleRow {
    /// The CLI's CSV header, in the order of [`ScheduleRow::csv_values`].
    pub const CSV_HEADER: &'static str = "t,beta,alpha,alpha_bar,sqrt_alpha_bar,sqrt_one_minus_alpha_bar,posterior_variance,posterior_mean_coef1,posterior_mean_coef2,snr";

    pub fn csv_values(&self) -> [f64; 9] {
        [
            self.beta,
            self.alpha,
            self.alpha_bar,
            self.sqrt_alpha_bar,
            self.sqrt_one_minus_alpha_bar,
            self.posterior_variance,
            self.posterior_mean_coef1,
            self.posterior_mean_coef2,
            self.snr,
        ]
    }
}

/// A built schedule: β_1..β_T and the cumulative products, stored so every per-t
/// quantity is O(1).
///
/// Indexing: every accessor takes paper t (1..=T; 0 where ᾱ_0 = 1 makes sense) and clamps
/// out-of-range t into range, so a slider can never make it panic.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    spec: ScheduleSpec,
    betas: Vec<f64>,
    /// ᾱ_t for t = 1..T.
    alpha_bars: Vec<f64>,
    /// 1 − ᾱ_t for t = 1..T, computed as −expm1(Σ log1p(−β)) so it keeps its digits
    /// when ᾱ is close to 1.
    one_minus_alpha_bars: Vec<f64>,
}

impl Schedule {
    pub fn new(spec: ScheduleSpec) -> Result<Self, ScheduleError> {
        let betas = spec.raw_betas()?;
        Self::from_betas(spec, betas)
    }

    fn from_betas(spec: ScheduleSpec, betas: Vec<f64>) -> Result<Self, ScheduleError> {
        let steps = betas.len();
        let mut alpha_bars = Vec::with_capacity(steps);
        let mut one_minus = Vec::with_capacity(steps);
        let mut log_alpha_bar = 0.0_f64;
        let mut prev_alpha_bar = 1.0_f64;
        for (i, &beta) in betas.iter().enumerate() {
            let t = i + 1;
            if !beta.is_finite() || beta <= 0.0 || beta > 1.0 {
                return Err(ScheduleError::BetaOutOfRange { t, value: beta });
            }
            if beta == 1.0 && t != steps {
                return Err(ScheduleError::BetaOneBeforeEnd { t });
            }
            let (alpha_bar, om) = if beta == 1.0 {
                (0.0, 1.0)
            } else {
                log_alpha_bar += (-beta).ln_1p();
                (log_alpha_bar.exp(), -log_alpha_bar.exp_m1())
            };
            if alpha_bar < f64::MIN_POSITIVE && beta != 1.0 {
                return Err(ScheduleError::AlphaBarUnderflow { t });
            }
            if alpha_bar >= prev_alpha_bar || om <= 0.0 {
                return Err(ScheduleError::NotStrictlyDecreasing {
                    t,
                    prev: t - 1,
                    value: alpha_bar,
                });
            }
            prev_alpha_bar = alpha_bar;
            alpha_bars.push(alpha_bar);
            one_minus.push(om);
        }
        Ok(Self {
            spec,
            betas,
            alpha_bars,
            one_minus_alpha_bars: one_minus,
        })
    }

    pub fn spec(&self) -> &ScheduleSpec {
        &self.spec
    }

    /// T.
    pub fn num_steps(&self) -> usize {
        self.betas.len()
    }

    /// β_1..β_T.
    pub fn betas(&self) -> &[f64] {
        &self.betas
    }

    /// ᾱ_1..ᾱ_T.
    pub fn alpha_bars(&self) -> &[f64] {
        &self.alpha_bars
    }

    fn idx(&self, t: usize) -> usize {
        t.clamp(1, self.num_steps()) - 1
    }

    /// β_t (t clamped to 1..=T).
    pub fn beta(&self, t: usize) -> f64 {
        self.betas[self.idx(t)]
    }

    /// α_t = 1 − β_t.
    pub fn alpha(&self, t: usize) -> f64 {
        1.0 - self.beta(t)
    }

    /// ᾱ_t = Π_{s≤t} α_s, with ᾱ_0 = 1 (t clamped to 0..=T).
    pub fn alpha_bar(&self, t: usize) -> f64 {
        if t == 0 {
            1.0
        } else {
            self.alpha_bars[self.idx(t)]
        }
    }

    /// 1 − ᾱ_t, accurate near t = 0 (0 at t = 0).
    pub fn one_minus_alpha_bar(&self, t: usize) -> f64 {
        if t == 0 {
            0.0
        } else {
            self.one_minus_alpha_bars[self.idx(t)]
        }
    }

    pub fn sqrt_alpha_bar(&self, t: usize) -> f64 {
        self.alpha_bar(t).sqrt()
    }

    pub fn sqrt_one_minus_alpha_bar(&self, t: usize) -> f64 {
        self.one_minus_alpha_bar(t).sqrt()
    }

    /// β̃_t = β_t(1 − ᾱ_{t−1})/(1 − ᾱ_t): the variance of q(x_{t−1}|x_t, x_0).
    /// Exactly 0 at t = 1, since x_0 is then known.
    pub fn posterior_variance(&self, t: usize) -> f64 {
        let t = t.clamp(1, self.num_steps());
        self.beta(t) * self.one_minus_alpha_bar(t - 1) / self.one_minus_alpha_bar(t)
    }

    /// ln β̃_t with the t = 1 entry replaced by t = 2's (β̃_1 = 0), as in Ho et al.'s code.
    pub fn posterior_log_variance_clipped(&self, t: usize) -> f64 {
        let t = t.clamp(1, self.num_steps());
        let v = if t == 1 && self.num_steps() >= 2 {
            self.posterior_variance(2)
        } else {
            self.posterior_variance(t)
        };
        v.max(LOG_VARIANCE_FLOOR).ln()
    }

    /// coef1 = β_t √ᾱ_{t−1}/(1 − ᾱ_t): the weight of x_0 in the posterior mean μ̃_t.
    pub fn posterior_mean_coef1(&self, t: usize) -> f64 {
        let t = t.clamp(1, self.num_steps());
        self.beta(t) * self.sqrt_alpha_bar(t - 1) / self.one_minus_alpha_bar(t)
    }

    /// coef2 = (1 − ᾱ_{t−1})√α_t/(1 − ᾱ_t): the weight of x_t in the posterior mean μ̃_t.
    pub fn posterior_mean_coef2(&self, t: usize) -> f64 {
        let t = t.clamp(1, self.num_steps());
        self.one_minus_alpha_bar(t - 1) * self.alpha(t).sqrt() / self.one_minus_alpha_bar(t)
    }

    /// SNR_t = ᾱ_t/(1 − ᾱ_t) (0 at a zero-terminal-SNR last step).
    pub fn snr(&self, t: usize) -> f64 {
        self.alpha_bar(t) / self.one_minus_alpha_bar(t)
    }

    /// ln SNR_t; −∞ where ᾱ_t = 0. Plots use [`Schedule::log_snr_finite`].
    pub fn log_snr(&self, t: usize) -> f64 {
        self.snr(t).ln()
    }

    /// ln SNR_t, or `None` where it is −∞ (ᾱ_T = 0): what plots draw.
    pub fn log_snr_finite(&self, t: usize) -> Option<f64> {
        Some(self.log_snr(t)).filter(|v| v.is_finite())
    }

    /// Every quantity at t (t clamped to 1..=T).
    pub fn row(&self, t: usize) -> ScheduleRow {
        let t = t.clamp(1, self.num_steps());
        ScheduleRow {
            t,
            beta: self.beta(t),
            alpha: self.alpha(t),
            alpha_bar: self.alpha_bar(t),
            sqrt_alpha_bar: self.sqrt_alpha_bar(t),
            sqrt_one_minus_alpha_bar: self.sqrt_one_minus_alpha_bar(t),
            posterior_variance: self.posterior_variance(t),
            posterior_mean_coef1: self.posterior_mean_coef1(t),
            posterior_mean_coef2: self.posterior_mean_coef2(t),
            snr: self.snr(t),
        }
    }

    /// The table as CSV (header [`ScheduleRow::CSV_HEADER`], one row per t), every number
    /// printed as the shortest text that parses back to the same f64.
    pub fn to_csv(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::with_capacity(self.num_steps() * 200);
        s.push_str(ScheduleRow::CSV_HEADER);
        s.push('\n');
        for row in self.rows() {
            let _ = write!(s, "{}", row.t);
            for v in row.csv_values() {
                let _ = write!(s, ",{v:?}");
            }
            s.push('\n');
        }
        s
    }

    /// Rows for t = 1..T.
    pub fn rows(&self) -> impl Iterator<Item = ScheduleRow> + '_ {
        (1..=self.num_steps()).map(|t| self.row(t))
    }

    /// The same ᾱ curve walked in fewer, bigger steps: T' = ⌊T/factor⌋ steps landing on
    /// t_s = round(s·T/T'), with β'_s = 1 − ᾱ_{t_s}/ᾱ_{t_{s−1}} (as `trained_betas`). Step s of
    /// the result ends at the same noise level as step t_s of `self`.
    pub fn coarsened(&self, factor: usize) -> Result<(Schedule, Vec<usize>), ScheduleError> {
        let t_max = self.num_steps();
        let coarse = (t_max / factor.max(1)).max(1);
        let times: Vec<usize> = (1..=coarse)
            .map(|s| ((s as f64 * t_max as f64 / coarse as f64).round() as usize).clamp(1, t_max))
            .collect();
        let mut betas = Vec::with_capacity(coarse);
        let mut prev = 0;
        for &t in &times {
            let ab = self.alpha_bar(t);
            betas.push(if ab == 0.0 {
                1.0
            } else {
                1.0 - ab / self.alpha_bar(prev)
            });
            prev = t;
        }
        Ok((Schedule::new(ScheduleSpec::trained(betas))?, times))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_and_cosine_alias() {
        for kind in ScheduleKind::ALL {
            assert_eq!(kind.diffusers_name().parse::<ScheduleKind>(), Ok(kind));
        }
        assert_eq!("cosine".parse(), Ok(ScheduleKind::SquaredcosCapV2));
        assert!("quadratic".parse::<ScheduleKind>().is_err());
    }

    #[test]
    fn rejects_bad_specs_with_typed_errors() {
        assert_eq!(
            ScheduleSpec::linear(0, 1e-4, 0.02).build().unwrap_err(),
            ScheduleError::ZeroSteps
        );
        assert!(matches!(
            ScheduleSpec::linear(10, f64::NAN, 0.02).build(),
            Err(ScheduleError::NonFinite {
                name: "beta_start",
                ..
            })
        ));
        assert!(matches!(
            ScheduleSpec::linear(10, 1e-4, 1.5).build(),
            Err(ScheduleError::ParameterOutOfRange {
                name: "beta_end",
                ..
            })
        ));
        assert!(matches!(
            ScheduleSpec::trained(vec![0.1, 1.0, 0.2]).build(),
            Err(ScheduleError::BetaOneBeforeEnd { t: 2 })
        ));
        assert!(matches!(
            ScheduleSpec::trained(vec![0.1, -0.2]).build(),
            Err(ScheduleError::BetaOutOfRange { t: 2, .. })
        ));
        assert!(matches!(
            ScheduleSpec::trained(vec![1e-30, 0.1]).build(),
            Err(ScheduleError::NotStrictlyDecreasing { t: 1, .. })
        ));
        assert_eq!(
            ScheduleSpec::linear(1, 1e-4, 0.02)
                .with_zero_snr(true)
                .build()
                .unwrap_err(),
            ScheduleError::RescaleNeedsTwoSteps
        );
    }
}
