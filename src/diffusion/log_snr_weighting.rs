//! The log-SNR view of a schedule and of a training objective (Kingma & Gao 2023,
//! "Understanding diffusion objectives").
//!
//! λ = log SNR = ln(ᾱ/(1−ᾱ)). Sampling t uniformly implies a density p(λ) of noise levels;
//! each objective weighs the ε-error at λ by a factor, ‖x̂0 − x0‖² = e^{−λ}‖ε̂ − ε‖²,
//! ‖v̂ − v‖² = (1 + e^{−λ})‖ε̂ − ε‖², min-SNR-γ multiplies the ε-loss by min(1, γ/SNR).
//! The effective weighting of the noise levels is w(λ) = p(λ)·factor(λ).

use super::schedule::Schedule;

/// A training objective, as a weighting of the ε-prediction error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// ‖ε̂ − ε‖².
    Epsilon,
    /// ‖x̂0 − x0‖².
    Sample,
    /// ‖v̂ − v‖².
    VPrediction,
    /// The ε-loss weighted by min(SNR, γ)/SNR (Hang et al. 2023).
    MinSnr { gamma: f64 },
}

impl Objective {
    /// The factor on ‖ε̂ − ε‖² at log-SNR λ.
    pub fn factor(self, log_snr: f64) -> f64 {
        let inv_snr = (-log_snr).exp();
        match self {
            Objective::Epsilon => 1.0,
            Objective::Sample => inv_snr,
            Objective::VPrediction => 1.0 + inv_snr,
            Objective::MinSnr { gamma } => (gamma * inv_snr).min(1.0),
        }
    }
}

/// (λ_t, p(λ_t)) for t = 1..T with finite λ: the density of λ when t is uniform on 1..T,
/// p = 1/(T·|dλ/dt|), dλ/dt by central differences (one-sided at the ends).
pub fn log_snr_density(schedule: &Schedule) -> Vec<(f64, f64)> {
    let big_t = schedule.num_steps();
    let lambdas: Vec<(usize, f64)> = (1..=big_t)
        .filter_map(|t| schedule.log_snr_finite(t).map(|l| (t, l)))
        .collect();
    if lambdas.len() < 2 {
        return Vec::new();
    }
    let n = lambdas.len();
    (0..n)
        .filter_map(|i| {
            let (lo, hi) = (i.saturating_sub(1), (i + 1).min(n - 1));
            let dt = (lambdas[hi].0 - lambdas[lo].0) as f64;
            let slope = ((lambdas[hi].1 - lambdas[lo].1) / dt).abs();
            (slope > 0.0).then(|| (lambdas[i].1, 1.0 / (big_t as f64 * slope)))
        })
        .collect()
}

/// (λ, p(λ)·factor(λ)): the weight `objective` puts on each noise level of `schedule`.
pub fn effective_weighting(schedule: &Schedule, objective: Objective) -> Vec<(f64, f64)> {
    log_snr_density(schedule)
        .into_iter()
        .map(|(l, p)| (l, p * objective.factor(l)))
        .collect()
}
