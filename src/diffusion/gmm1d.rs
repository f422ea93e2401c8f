//! 1-D Gaussian mixtures: data for which every density of the diffusion is exact.
//!
//! With data p(x0) = Σ w_k N(μ_k, s_k²), the marginal q(x_t) and the true reverse
//! posterior q(x_{t−1}|x_t) (marginalised over the data) are mixtures in closed form.
//! This is what makes the seed's backward-process figure exact: with many small steps
//! the posterior is nearly Gaussian and single-peaked; with few big steps it is not.

use super::gaussian::{Gaussian, LN_SQRT_2PI};
use super::quadrature::integrate;
use super::schedule::Schedule;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use thiserror::Error;

/// Local maxima whose density is below this fraction of the highest one are not reported:
/// no plot can show them and no sampler will visit them.
pub const MODE_RELATIVE_DENSITY: f64 = 1e-6;

/// Smallest component standard deviation accepted (a "point" is a very narrow Gaussian).
pub const MIN_STD: f64 = 1e-6;

/// Largest component standard deviation accepted: far wider than any data the lessons use,
/// and small enough that every variance, KL and quadrature range stays finite.
pub const MAX_STD: f64 = 1e6;

/// Largest |mean| of a component, and largest |x_t| and |x0| the posterior accepts: with
/// these bounds every squared distance over a variance stays far from overflow.
pub const MAX_ABS_VALUE: f64 = 1e6;

/// Most components a mixture may have: the exact posterior's KL is a quadrature whose cost
/// grows with the square of the component count (a few seconds at this size).
pub const MAX_COMPONENTS: usize = 64;

/// Why a mixture was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MixtureError {
    #[error("a mixture needs at least one component")]
    Empty,
    #[error("component {index}: weight {value} must be a finite number > 0")]
    BadWeight { index: usize, value: f64 },
    #[error(
        "component {index}: mean {value} must be a number in [-{MAX_ABS_VALUE:e}, {MAX_ABS_VALUE:e}]"
    )]
    BadMean { index: usize, value: f64 },
    #[error(
        "component {index}: standard deviation {value} must be a number in [{MIN_STD:e}, {MAX_STD:e}]"
    )]
    BadStd { index: usize, value: f64 },
    #[error("a mixture has at most {MAX_COMPONENTS} components (got {got})")]
    TooManyComponents { got: usize },
    #[error("{name} = {value} must be a number in [-{MAX_ABS_VALUE:e}, {MAX_ABS_VALUE:e}]")]
    ValueOutOfRange { name: &'static str, value: f64 },
    #[error("cannot read mixture component `{0}`: expected weight:mean:sd, e.g. 0.5:-1:0.1")]
    Parse(String),
    #[error("the reverse posterior needs t in 1..={max} (got {got})")]
    TimestepOutOfRange { got: usize, max: usize },
}

/// One weighted component, as the user writes it (`w:mu:sd`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentSpec {
    pub weight: f64,
    pub mean: f64,
    pub std: f64,
}

/// A validated mixture with weights normalised to 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Mixture {
    weights: Vec<f64>,
    components: Vec<Gaussian>,
}

/// One component of a mixture in the JSON the CLI prints.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct WeightedGaussian {
    pub weight: f64,
    pub mean: f64,
    pub variance: f64,
}

impl Mixture {
    /// Builds a mixture from (weight, Gaussian) pairs; weights need not sum to 1 and may
    /// span any finite positive range (1e-300 beside 1e300): they are normalised in log
    /// space.
    pub fn new(parts: impl IntoIterator<Item = (f64, Gaussian)>) -> Result<Self, MixtureError> {
        let mut log_weights = Vec::new();
        let mut components = Vec::new();
        for (index, (w, g)) in parts.into_iter().enumerate() {
            if index >= MAX_COMPONENTS {
                return Err(MixtureError::TooManyComponents { got: index + 1 });
            }
            // Subnormal weights lose precision in ln but stay > 0, so they are accepted.
            if !(w.is_finite() && w > 0.0) {
                return Err(MixtureError::BadWeight { index, value: w });
            }
            if !(g.mean.is_finite() && g.mean.abs() <= MAX_ABS_VALUE) {
                return Err(MixtureError::BadMean {
                    index,
                    value: g.mean,
                });
            }
            let sd = g.variance.sqrt();
            if !(sd.is_finite() && (MIN_STD..=MAX_STD).contains(&sd)) {
                return Err(MixtureError::BadStd { index, value: sd });
            }
            log_weights.push(w.ln());
            components.push(g);
        }
        if components.is_empty() {
            return Err(MixtureError::Empty);
        }
        Ok(Self::from_log_weights(log_weights, components))
    }

    /// From user-facing specs (weight, mean, standard deviation). The standard deviation
    /// itself is checked, so a negative one is refused rather than squared away.
    pub fn from_specs(specs: &[ComponentSpec]) -> Result<Self, MixtureError> {
        if specs.len() > MAX_COMPONENTS {
            return Err(MixtureError::TooManyComponents { got: specs.len() });
        }
        if let Some((index, c)) = specs
            .iter()
            .enumerate()
            .find(|(_, c)| !(c.std.is_finite() && (MIN_STD..=MAX_STD).contains(&c.std)))
        {
            return Err(MixtureError::BadStd {
                index,
                value: c.std,
            });
        }
        Self::new(
            specs
                .iter()
                .map(|c| (c.weight, Gaussian::new(c.mean, c.std * c.std))),
        )
    }

    /// Builds from log-weights (normalised with log-sum-exp, so tiny weights survive).
    fn from_log_weights(log_weights: Vec<f64>, components: Vec<Gaussian>) -> Self {
        let m = log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let mut weights: Vec<f64> = log_weights.iter().map(|lw| (lw - m).exp()).collect();
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        Self {
            weights,
            components,
        }
    }

    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    pub fn components(&self) -> &[Gaussian] {
        &self.components
    }

    /// Components with their normalised weights, as the CLI prints them.
    pub fn weighted(&self) -> Vec<WeightedGaussian> {
        self.weights
            .iter()
            .zip(&self.components)
            .map(|(&weight, g)| WeightedGaussian {
                weight,
                mean: g.mean,
                variance: g.variance,
            })
            .collect()
    }

    /// ln p(x), by log-sum-exp over components.
    pub fn log_pdf(&self, x: f64) -> f64 {
        let terms = self.log_terms(x);
        log_sum_exp(&terms)
    }

    fn log_terms(&self, x: f64) -> Vec<f64> {
        self.weights
            .iter()
            .zip(&self.components)
            .map(|(w, g)| w.ln() + g.log_pdf(x))
            .collect()
    }

    pub fn pdf(&self, x: f64) -> f64 {
        self.log_pdf(x).exp()
    }

    /// E[x] = Σ w_k μ_k.
    pub fn mean(&self) -> f64 {
        self.weights
            .iter()
            .zip(&self.components)
            .map(|(w, g)| w * g.mean)
            .sum()
    }

    /// Var[x] = Σ w_k (s_k² + μ_k²) − E[x]² (law of total variance, written stably).
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        self.weights
            .iter()
            .zip(&self.components)
            .map(|(w, g)| w * (g.variance + (g.mean - m).powi(2)))
            .sum()
    }

    /// The Gaussian with the same mean and variance.
    pub fn moment_matched(&self) -> Gaussian {
        Gaussian::new(self.mean(), self.variance())
    }

    /// The smallest and largest component mean: every mode of a 1-D Gaussian mixture
    /// lies between them (outside, every component's density slopes the same way).
    fn mean_hull(&self) -> (f64, f64) {
        self.components
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), g| {
                (lo.min(g.mean), hi.max(g.mean))
            })
    }

    /// p'(x)/p(x) = Σ r_k(x)(μ_k − x)/s_k², with responsibilities r_k by log-sum-exp: its
    /// sign is the sign of p'(x) even where p(x) underflows.
    pub fn score(&self, x: f64) -> f64 {
        let terms = self.log_terms(x);
        let lse = log_sum_exp(&terms);
        terms
            .iter()
            .zip(&self.components)
            .map(|(lt, g)| (lt - lse).exp() * (g.mean - x) / g.variance)
            .sum()
    }

    /// The x of every local maximum of p, ascending, each to ~1e-12 relative accuracy
    /// (bisection on the sign of p'); maxima fainter than [`MODE_RELATIVE_DENSITY`] of the
    /// highest are left out.
    pub fn modes(&self) -> Vec<f64> {
        let (lo, hi) = self.mean_hull();
        let min_sd = self
            .components
            .iter()
            .map(|g| g.std())
            .fold(f64::INFINITY, f64::min);
        let mut modes = Vec::new();
        if hi - lo <= 1e-12 * (1.0 + lo.abs()) {
            modes.push(0.5 * (lo + hi));
        } else {
            // A grid fine against the narrowest component finds every sign change of p'.
            let n = (((hi - lo) / (min_sd / 16.0)).ceil() as usize).clamp(64, 200_000);
            let h = (hi - lo) / n as f64;
            // Left of the hull every component slopes up, so p' > 0 there: starting from
            // that side catches a mode sitting exactly on the hull's lower end, where the
            // rounded p'(lo) may already read ≤ 0.
            let mut last_pos: Option<f64> = Some(lo - 8.0 * min_sd);
            for i in 0..=n {
                let x = if i == n { hi } else { lo + h * i as f64 };
                let s = self.score(x);
                if s > 0.0 {
                    last_pos = Some(x);
                } else if s < 0.0 {
                    if let Some(a) = last_pos.take() {
                        modes.push(self.bisect_mode(a, x));
                    }
                } else if last_pos.is_some() && self.score(x + h * 1e-3) < 0.0 {
                    // p'(x) = 0 exactly at a grid point with p' falling through it.
                    modes.push(x);
                    last_pos = None;
                }
            }
            // A mode sitting exactly on the hull's upper end (p' ≥ 0 up to hi).
            if let Some(a) = last_pos {
                modes.push(self.bisect_mode(a, hi + 8.0 * min_sd));
            }
        }
        let best = modes
            .iter()
            .map(|&m| self.log_pdf(m))
            .fold(f64::NEG_INFINITY, f64::max);
        let floor = best + MODE_RELATIVE_DENSITY.ln();
        modes.retain(|&m| self.log_pdf(m) >= floor);
        modes.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * (1.0 + b.abs()));
        modes
    }

    /// Bisects p' between a (p' > 0) and b (p' ≤ 0).
    fn bisect_mode(&self, mut a: f64, mut b: f64) -> f64 {
        for _ in 0..200 {
            let m = 0.5 * (a + b);
            if m <= a || m >= b {
                break;
            }
            if self.score(m) > 0.0 {
                a = m;
            } else {
                b = m;
            }
        }
        0.5 * (a + b)
    }

    /// Intervals holding all but ~1e-20 of the mass: the union of μ_k ± 10 s_k,
    /// with breakpoints at each component's centre and shoulders so the quadrature sees
    /// every narrow peak.
    fn quadrature_breakpoints(&self) -> Vec<(f64, f64)> {
        const SPREADS: [f64; 9] = [-10.0, -6.0, -3.0, -1.5, 0.0, 1.5, 3.0, 6.0, 10.0];
        let mut spans: Vec<(f64, f64)> = self
            .components
            .iter()
            .map(|g| (g.mean - 10.0 * g.std(), g.mean + 10.0 * g.std()))
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let mut points: Vec<f64> = self
            .components
            .iter()
            .flat_map(|g| SPREADS.iter().map(move |k| g.mean + k * g.std()))
            .collect();
        points.sort_by(f64::total_cmp);
        let mut pieces = Vec::new();
        for (a, b) in merged {
            let mut cuts = vec![a];
            cuts.extend(points.iter().copied().filter(|&p| p > a && p < b));
            cuts.push(b);
            cuts.dedup();
            pieces.extend(cuts.windows(2).map(|w| (w[0], w[1])));
        }
        pieces
    }

    /// ∫ f(x) p(x) dx by adaptive Gauss–Kronrod over the mixture's support.
    pub fn expect(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.quadrature_breakpoints()
            .into_iter()
            .map(|(a, b)| integrate(|x| self.pdf(x) * f(x), a, b, 1e-13))
            .sum()
    }

    /// KL(p ‖ q) = ∫ p (ln p − ln q), by quadrature. ≥ 0; 0 when p is q.
    pub fn kl_to(&self, q: Gaussian) -> f64 {
        let kl: f64 = self
            .quadrature_breakpoints()
            .into_iter()
            .map(|(a, b)| {
                integrate(
                    |x| {
                        let lp = self.log_pdf(x);
                        if lp == f64::NEG_INFINITY {
                            0.0
                        } else {
                            lp.exp() * (lp - q.log_pdf(x))
                        }
                    },
                    a,
                    b,
                    1e-13,
                )
            })
            .sum();
        // Quadrature noise can dip a hair below the true minimum of 0.
        kl.max(0.0)
    }

    /// KL(p ‖ moment-matched Gaussian): how far from Gaussian p is (0 iff p is Gaussian).
    pub fn kl_to_gaussian(&self) -> f64 {
        self.kl_to(self.moment_matched())
    }

    /// A range that shows the whole density: the mean hull widened by 4 s.d. each side.
    pub fn plot_range(&self) -> (f64, f64) {
        self.components
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), g| {
                (
                    lo.min(g.mean - 4.0 * g.std()),
                    hi.max(g.mean + 4.0 * g.std()),
                )
            })
    }
}

impl FromStr for Mixture {
    type Err = MixtureError;

    /// Parses `w:mu:sd,w:mu:sd,…` (e.g. `0.5:-1:0.1,0.5:1:0.1`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut specs = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let fields: Vec<&str> = part.split(':').map(str::trim).collect();
            let [w, mu, sd] = fields.as_slice() else {
                return Err(MixtureError::Parse(part.to_string()));
            };
            let parse = |v: &str| {
                v.parse::<f64>()
                    .map_err(|_| MixtureError::Parse(part.to_string()))
            };
            specs.push(ComponentSpec {
                weight: parse(w)?,
                mean: parse(mu)?,
                std: parse(sd)?,
            });
        }
        Mixture::from_specs(&specs)
    }
}

pub(crate) fn log_sum_exp(terms: &[f64]) -> f64 {
    let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
}

/// The marginal q(x_t) = Σ w_k N(√ᾱ_t μ_k, ᾱ_t s_k² + 1 − ᾱ_t) (t = 0 gives the data).
pub fn marginal(data: &Mixture, schedule: &Schedule, t: usize) -> Mixture {
    let ab = schedule.alpha_bar(t);
    let om = schedule.one_minus_alpha_bar(t);
    Mixture {
        weights: data.weights.clone(),
        components: data
            .components
            .iter()
            .map(|g| Gaussian::new(ab.sqrt() * g.mean, ab * g.variance + om))
            .collect(),
    }
}

/// The true reverse posterior q(x_{t−1}|x_t) with the data marginalised out, t in 1..=T.
///
/// # Formula
/// For component k, prior q_k(x_{t−1}) = N(m_k, v_k) with m_k = √ᾱ_{t−1}μ_k,
/// v_k = ᾱ_{t−1}s_k² + 1 − ᾱ_{t−1}; likelihood N(x_t; √α_t x_{t−1}, β_t).
/// Each product is Gaussian: precision P_k = 1/v_k + α_t/β_t, mean (m_k/v_k + √α_t x_t/β_t)/P_k,
/// weight ∝ w_k N(x_t; √α_t m_k, α_t v_k + β_t).
pub fn true_posterior(
    data: &Mixture,
    schedule: &Schedule,
    t: usize,
    x_t: f64,
) -> Result<Mixture, MixtureError> {
    if t == 0 || t > schedule.num_steps() {
        return Err(MixtureError::TimestepOutOfRange {
            got: t,
            max: schedule.num_steps(),
        });
    }
    check_value("x_t", x_t)?;
    let prior = marginal(data, schedule, t - 1);
    let beta = schedule.beta(t);
    let alpha = schedule.alpha(t);
    let sqrt_alpha = alpha.sqrt();
    let mut log_weights = Vec::with_capacity(prior.components.len());
    let mut components = Vec::with_capacity(prior.components.len());
    for (w, g) in prior.weights.iter().zip(&prior.components) {
        // The precision form (1/v + α/β) overflows for a subnormal β; multiplied through
        // by vβ every term stays finite: mean = (mβ + √α x_t v)/(β + αv), var = vβ/(β + αv).
        let denom = beta + alpha * g.variance;
        let mean = (g.mean * beta + sqrt_alpha * x_t * g.variance) / denom;
        let variance = g.variance * (beta / denom);
        components.push(Gaussian::new(mean, variance));
        let evidence = Gaussian::new(sqrt_alpha * g.mean, alpha * g.variance + beta);
        log_weights.push(w.ln() + evidence.log_pdf(x_t));
    }
    Ok(Mixture::from_log_weights(log_weights, components))
}

/// The density of the true posterior computed the slow way, for checking: prior at t−1
/// times the forward likelihood, normalised over a grid (brute-force Bayes).
pub fn brute_force_posterior_on_grid(
    data: &Mixture,
    schedule: &Schedule,
    t: usize,
    x_t: f64,
    grid: &[f64],
) -> Vec<f64> {
    let prior = marginal(data, schedule, t - 1);
    let beta = schedule.beta(t);
    let sqrt_alpha = schedule.alpha(t).sqrt();
    let unnorm: Vec<f64> = grid
        .iter()
        .map(|&x| {
            let lik = -0.5 * (x_t - sqrt_alpha * x).powi(2) / beta - 0.5 * beta.ln() - LN_SQRT_2PI;
            (prior.log_pdf(x) + lik).exp()
        })
        .collect();
    // Trapezoid normalisation on the (possibly non-uniform) grid.
    let z: f64 = grid
        .windows(2)
        .zip(unnorm.windows(2))
        .map(|(g, u)| 0.5 * (g[1] - g[0]) * (u[0] + u[1]))
        .sum();
    unnorm.into_iter().map(|u| u / z).collect()
}

/// Everything the CLI's `posterior` command and the Posterior panel read off at one
/// (t, x_t).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PosteriorReport {
    pub components: Vec<WeightedGaussian>,
    pub mean: f64,
    pub variance: f64,
    pub modes: Vec<f64>,
    pub kl_to_gaussian: f64,
    /// β̃_t, the variance of the x0-conditioned posterior.
    pub posterior_variance: f64,
    /// N(μ̃_t, β̃_t) for the given x0, when one is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x0_posterior: Option<Gaussian>,
}

/// Checks a point the posterior is evaluated at (x_t or x0) against [`MAX_ABS_VALUE`].
pub fn check_value(name: &'static str, value: f64) -> Result<(), MixtureError> {
    if value.is_finite() && value.abs() <= MAX_ABS_VALUE {
        Ok(())
    } else {
        Err(MixtureError::ValueOutOfRange { name, value })
    }
}

/// Computes a [`PosteriorReport`].
pub fn posterior_report(
    data: &Mixture,
    schedule: &Schedule,
    t: usize,
    x_t: f64,
    x0: Option<f64>,
) -> Result<PosteriorReport, MixtureError> {
    if let Some(x0) = x0 {
        check_value("x0", x0)?;
    }
    let post = true_posterior(data, schedule, t, x_t)?;
    Ok(PosteriorReport {
        components: post.weighted(),
        mean: post.mean(),
        variance: post.variance(),
        modes: post.modes(),
        kl_to_gaussian: post.kl_to_gaussian(),
        posterior_variance: schedule.posterior_variance(t),
        x0_posterior: x0.map(|x0| super::reverse::posterior(schedule, t, x0, x_t)),
    })
}
