//! The forward chain simulated with particles: many seeded samples pushed one step at a
//! time through a schedule, summarised per t (moments and a histogram) so the closed form
//! q(x_t|x_0) and the variance recursion can be checked against the chain itself.

use super::forward::{LengthMismatch, forward_step_in_place, forward_step_variance};
use super::schedule::Schedule;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use thiserror::Error;

/// Where the particles start (the data distribution p(x0)).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum ChainStart {
    /// Every particle at the same x0 (the seed notes' example): q(x_t) = q(x_t|x0).
    Point(f64),
    /// x0 ~ N(0, 1): Var = 1, and Var(x_t) = 1 at every t.
    StandardNormal,
    /// x0 = ±1 with probability ½ each: also Var = 1, but two modes.
    PlusMinusOne,
}

impl ChainStart {
    pub fn mean(self) -> f64 {
        match self {
            ChainStart::Point(x0) => x0,
            ChainStart::StandardNormal | ChainStart::PlusMinusOne => 0.0,
        }
    }

    pub fn variance(self) -> f64 {
        match self {
            ChainStart::Point(_) => 0.0,
            ChainStart::StandardNormal | ChainStart::PlusMinusOne => 1.0,
        }
    }

    fn fill(self, rng: &mut StdRng, out: &mut [f32]) {
        match self {
            ChainStart::Point(x0) => out.fill(x0 as f32),
            ChainStart::StandardNormal => {
                out.iter_mut().for_each(|v| *v = rng.sample(StandardNormal));
            }
            ChainStart::PlusMinusOne => out
                .iter_mut()
                .for_each(|v| *v = if rng.random::<bool>() { 1.0 } else { -1.0 }),
        }
    }
}

/// Why a chain did not run to the end.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainError {
    #[error("the chain needs at least 2 particles (got {0})")]
    TooFewParticles(usize),
    #[error("a histogram needs at least 1 bin")]
    NoBins,
    #[error("stopped")]
    Stopped,
    #[error(transparent)]
    Length(#[from] LengthMismatch),
}

/// Equal-width bins over [lo, lo + bins·width].
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub lo: f64,
    pub bin_width: f64,
    pub counts: Vec<u32>,
    /// Number of samples counted (every particle: the range is the sample's min..max).
    pub total: u64,
}

impl Histogram {
    /// Bins `values` over their own min..max (widened when they are all equal).
    fn of(values: &[f32], min: f64, max: f64, bins: usize) -> Self {
        let span = max - min;
        let (lo, width) = if span > 0.0 && span.is_finite() {
            (min, span / bins as f64)
        } else {
            // All particles in one place: a bin of width 1e-6 around it.
            (min - 0.5e-6 * bins as f64, 1e-6)
        };
        let mut counts = vec![0u32; bins];
        let last = bins - 1;
        for &v in values {
            let k = ((v as f64 - lo) / width).floor();
            // NaN (impossible for finite inputs) and the far edge land in the end bins.
            let k = if k.is_nan() || k < 0.0 {
                0
            } else {
                (k as usize).min(last)
            };
            if let Some(c) = counts.get_mut(k) {
                *c += 1;
            }
        }
        Self {
            lo,
            bin_width: width,
            counts,
            total: values.len() as u64,
        }
    }

    /// (bin centre, density) pairs: count/(total·width), so the bars integrate to 1 and
    /// sit on the same axis as a probability density.
    pub fn densities(&self) -> Vec<(f64, f64)> {
        let norm = self.total as f64 * self.bin_width;
        self.counts
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let centre = self.lo + (i as f64 + 0.5) * self.bin_width;
                let d = if norm > 0.0 { c as f64 / norm } else { 0.0 };
                (centre, d)
            })
            .collect()
    }

    pub fn hi(&self) -> f64 {
        self.lo + self.bin_width * self.counts.len() as f64
    }
}

/// What the chain looked like after step t.
#[derive(Clone, Debug, PartialEq)]
pub struct StepSummary {
    /// Sample mean of the particles.
    pub mean: f64,
    /// Unbiased sample variance (divides by N − 1).
    pub variance: f64,
    /// `None` when the run was asked for no histograms.
    pub histogram: Option<Histogram>,
}

/// A finished chain: `steps[t]` summarises the particles after step t (t = 0 is the start).
#[derive(Clone, Debug, PartialEq)]
pub struct ChainRun {
    pub start: ChainStart,
    pub particles: usize,
    pub seed: u64,
    pub steps: Vec<StepSummary>,
}

impl ChainRun {
    /// The summary after step t (clamped to 0..=T).
    pub fn at(&self, t: usize) -> Option<&StepSummary> {
        self.steps.get(t.min(self.steps.len().saturating_sub(1)))
    }

    /// T, the number of steps taken.
    pub fn num_steps(&self) -> usize {
        self.steps.len().saturating_sub(1)
    }
}

/// Options of [`run_chain`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChainOptions {
    pub start: ChainStart,
    pub particles: usize,
    pub seed: u64,
    /// Bins of the per-t histogram; `None` keeps moments only.
    pub bins: Option<usize>,
}

/// Pushes `particles` samples from `start` through every step of `schedule` with
/// [`forward_step_in_place`], one seeded ε per particle and step, and summarises each t.
/// `on_step(t)` is called after step t; returning `Break` stops the run
/// ([`ChainError::Stopped`]).
///
/// Memory is O(particles + T·bins): particles are overwritten in place, only summaries kept.
pub fn run_chain(
    schedule: &Schedule,
    options: ChainOptions,
    mut on_step: impl FnMut(usize) -> ControlFlow<()>,
) -> Result<ChainRun, ChainError> {
    let mut chain = ChainSteps::new(schedule, options)?;
    while !chain.is_done() {
        let t = chain.step(schedule)?;
        if on_step(t).is_break() {
            return Err(ChainError::Stopped);
        }
    }
    Ok(chain.finish())
}

/// A particle chain pushed one step at a time, so a caller can do other work between
/// steps (a web page draws between them); [`run_chain`] is its loop. The schedule is
/// passed to every [`step`](Self::step), the same one each time.
pub struct ChainSteps {
    options: ChainOptions,
    rng: StdRng,
    x: Vec<f32>,
    eps: Vec<f32>,
    steps: Vec<StepSummary>,
    t_max: usize,
}

impl ChainSteps {
    /// Draws the particles at t = 0.
    pub fn new(schedule: &Schedule, options: ChainOptions) -> Result<Self, ChainError> {
        let n = options.particles;
        if n < 2 {
            return Err(ChainError::TooFewParticles(n));
        }
        if options.bins == Some(0) {
            return Err(ChainError::NoBins);
        }
        let mut rng = StdRng::seed_from_u64(options.seed);
        let mut x = vec![0f32; n];
        options.start.fill(&mut rng, &mut x);
        let t_max = schedule.num_steps();
        let mut steps = Vec::with_capacity(t_max + 1);
        steps.push(summarise(&x, options.bins));
        Ok(Self {
            options,
            rng,
            x,
            eps: vec![0f32; n],
            steps,
            t_max,
        })
    }

    /// The last t reached (0 before the first step).
    pub fn t(&self) -> usize {
        self.steps.len() - 1
    }

    pub fn is_done(&self) -> bool {
        self.t() >= self.t_max
    }

    /// Pushes the particles from t − 1 to t and returns t (nothing once done).
    pub fn step(&mut self, schedule: &Schedule) -> Result<usize, ChainError> {
        if self.is_done() {
            return Ok(self.t());
        }
        let t = self.t() + 1;
        let rng = &mut self.rng;
        self.eps
            .iter_mut()
            .for_each(|e| *e = rng.sample(StandardNormal));
        forward_step_in_place(schedule, t, &mut self.x, &self.eps)?;
        self.steps.push(summarise(&self.x, self.options.bins));
        Ok(t)
    }

    /// The chain's summaries (all steps taken so far).
    pub fn finish(self) -> ChainRun {
        ChainRun {
            start: self.options.start,
            particles: self.options.particles,
            seed: self.options.seed,
            steps: self.steps,
        }
    }
}

fn summarise(x: &[f32], bins: Option<usize>) -> StepSummary {
    let n = x.len() as f64;
    let (mut sum, mut min, mut max) = (0.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for &v in x {
        let v = v as f64;
        sum += v;
        min = min.min(v);
        max = max.max(v);
    }
    let mean = sum / n;
    // Two passes: the centred sum of squares keeps its digits when the mean is large.
    let ss: f64 = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum();
    StepSummary {
        mean,
        variance: ss / (n - 1.0),
        histogram: bins.map(|b| Histogram::of(x, min, max, b)),
    }
}

/// The exact Var(x_t) for t = 0..=T when Var(x_0) = `var0`, by the seed notes' recursion
/// Var(x_t) = (1 − β_t)·Var(x_{t−1}) + β_t ([`forward_step_variance`]). With var0 = 1 it is
/// 1 at every t; in closed form it is ᾱ_t·var0 + 1 − ᾱ_t.
pub fn exact_variance_path(schedule: &Schedule, var0: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(schedule.num_steps() + 1);
    let mut v = var0;
    out.push(v);
    for &beta in schedule.betas() {
        v = forward_step_variance(v, beta);
        out.push(v);
    }
    out
}

/// The exact E[x_t] = √ᾱ_t·E[x_0].
pub fn exact_mean(schedule: &Schedule, t: usize, mean0: f64) -> f64 {
    schedule.sqrt_alpha_bar(t) * mean0
}

/// The standard error of a sample mean of n draws with variance `variance`: σ/√n.
pub fn mean_standard_error(variance: f64, n: usize) -> f64 {
    (variance / n.max(1) as f64).sqrt()
}

/// The standard error of the unbiased sample variance of n Gaussian draws:
/// σ²·√(2/(n − 1)).
pub fn variance_standard_error(variance: f64, n: usize) -> f64 {
    variance * (2.0 / (n.max(2) - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::ScheduleSpec;
    use crate::diffusion::forward::q_xt_given_x0;

    #[test]
    fn point_start_matches_the_closed_form_and_var_one_stays_one() {
        let s = ScheduleSpec::linear(200, 1e-4, 0.05).build().unwrap();
        let n = 20_000;
        let run = run_chain(
            &s,
            ChainOptions {
                start: ChainStart::Point(0.8),
                particles: n,
                seed: 7,
                bins: Some(40),
            },
            |_| ControlFlow::Continue(()),
        )
        .unwrap();
        for t in [1, 10, 100, 200] {
            let q = q_xt_given_x0(&s, t, 0.8);
            let st = run.at(t).unwrap();
            assert!((st.mean - q.mean).abs() < 4.0 * mean_standard_error(q.variance, n));
            assert!(
                (st.variance - q.variance).abs() < 4.0 * variance_standard_error(q.variance, n)
            );
            let h = st.histogram.as_ref().unwrap();
            assert_eq!(h.counts.iter().map(|&c| c as u64).sum::<u64>(), n as u64);
            let mass: f64 = h.densities().iter().map(|(_, d)| d * h.bin_width).sum();
            assert!((mass - 1.0).abs() < 1e-9);
        }
        let exact = exact_variance_path(&s, 1.0);
        assert!(exact.iter().all(|v| (v - 1.0).abs() < 1e-12));
        let run = run_chain(
            &s,
            ChainOptions {
                start: ChainStart::PlusMinusOne,
                particles: n,
                seed: 8,
                bins: None,
            },
            |_| ControlFlow::Continue(()),
        )
        .unwrap();
        assert!(run.steps.iter().all(|st| (st.variance - 1.0).abs() < 0.06));
        // Stopping is honoured.
        let stopped = run_chain(
            &s,
            ChainOptions {
                start: ChainStart::StandardNormal,
                particles: 10,
                seed: 1,
                bins: None,
            },
            |t| {
                if t == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        assert_eq!(stopped, Err(ChainError::Stopped));
    }
}
