//! The reverse posterior read off along t: its width and how far from Gaussian it is, for
//! a schedule walked in T steps or in fewer, bigger ones. This is the figure behind the
//! seed's "why small steps": with many small steps q(x_{t−1}|x_t) is a narrow, single-peaked
//! Gaussian; walk the same ᾱ curve in big steps and it stops being one.

use super::gmm1d::{Mixture, MixtureError, true_posterior};
use super::schedule::{Schedule, ScheduleError};
use std::ops::ControlFlow;
use std::sync::Arc;
use thiserror::Error;

/// A schedule walked along another one's ᾱ curve: step s of `schedule` ends where step
/// `times[s − 1]` of the original does.
#[derive(Clone, Debug, PartialEq)]
pub struct WalkedSchedule {
    pub schedule: Arc<Schedule>,
    /// The original t each step ends on, ascending, one per step.
    pub times: Vec<usize>,
    /// The factor it was coarsened by (1: the original).
    pub factor: usize,
}

impl WalkedSchedule {
    /// `base` walked in ⌊T/factor⌋ steps ([`Schedule::coarsened`]); factor 1 (or 0) is
    /// `base` itself, shared, with times 1..=T.
    pub fn new(base: &Arc<Schedule>, factor: usize) -> Result<Self, ScheduleError> {
        if factor <= 1 {
            return Ok(Self {
                schedule: base.clone(),
                times: (1..=base.num_steps()).collect(),
                factor: 1,
            });
        }
        let (schedule, times) = base.coarsened(factor)?;
        Ok(Self {
            schedule: Arc::new(schedule),
            times,
            factor,
        })
    }

    /// T of the walked schedule.
    pub fn num_steps(&self) -> usize {
        self.schedule.num_steps()
    }

    /// The original t step s ends on (s clamped to 1..=T').
    pub fn original_t(&self, step: usize) -> usize {
        let i = step.clamp(1, self.times.len().max(1)) - 1;
        self.times.get(i).copied().unwrap_or(step)
    }

    /// The step whose end is nearest to original t (ties go to the earlier step).
    pub fn step_nearest(&self, original_t: usize) -> usize {
        let i = self.times.partition_point(|&t| t < original_t);
        let after = i.min(self.times.len().saturating_sub(1));
        let before = i.saturating_sub(1);
        let dist = |k: usize| {
            self.times
                .get(k)
                .map_or(usize::MAX, |&t| t.abs_diff(original_t))
        };
        let k = if dist(before) <= dist(after) {
            before
        } else {
            after
        };
        k + 1
    }
}

/// The posterior at one step of a sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    /// The step of the walked schedule.
    pub step: usize,
    /// The original t this step ends on (the x axis the curves share).
    pub t: usize,
    /// √β̃ of the walked schedule at this step: the width of q(x_{t−1}|x_t, x_0).
    pub posterior_std: f64,
    /// Standard deviation of the true posterior q(x_{t−1}|x_t).
    pub true_std: f64,
    /// KL(true posterior ‖ its moment-matched Gaussian).
    pub kl_to_gaussian: f64,
}

/// Why a sweep did not finish.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SweepError {
    #[error(transparent)]
    Mixture(#[from] MixtureError),
    #[error("stopped")]
    Stopped,
}

/// At most `max_points` steps out of 1..=T, evenly spaced, always with the first and last:
/// a sweep over every step of a long schedule would cost a quadrature per step.
pub fn sweep_steps(num_steps: usize, max_points: usize) -> Vec<usize> {
    if num_steps == 0 {
        return Vec::new();
    }
    let points = max_points.max(2);
    if num_steps <= points {
        return (1..=num_steps).collect();
    }
    let mut steps: Vec<usize> = (0..points)
        .map(|i| 1 + ((i as f64) * (num_steps - 1) as f64 / (points - 1) as f64).round() as usize)
        .collect();
    steps.dedup();
    steps
}

/// The true posterior q(x_{t−1}|x_t = `x_t`) at each of `steps` of `walk`: its standard
/// deviation and KL to its moment-matched Gaussian, with √β̃ beside it. `on_point(i)` runs
/// after each point; `Break` stops the sweep.
pub fn posterior_sweep(
    data: &Mixture,
    walk: &WalkedSchedule,
    steps: &[usize],
    x_t: f64,
    mut on_point: impl FnMut(usize) -> ControlFlow<()>,
) -> Result<Vec<SweepPoint>, SweepError> {
    let mut out = Vec::with_capacity(steps.len());
    for (i, &step) in steps.iter().enumerate() {
        let post = true_posterior(data, &walk.schedule, step, x_t)?;
        out.push(SweepPoint {
            step,
            t: walk.original_t(step),
            posterior_std: walk.schedule.posterior_variance(step).max(0.0).sqrt(),
            true_std: post.variance().max(0.0).sqrt(),
            kl_to_gaussian: post.kl_to_gaussian(),
        });
        if on_point(i).is_break() {
            return Err(SweepError::Stopped);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::ScheduleSpec;

    #[test]
    fn steps_are_subsampled_with_both_ends() {
        assert_eq!(sweep_steps(5, 200), vec![1, 2, 3, 4, 5]);
        let s = sweep_steps(1000, 200);
        assert_eq!(s.len(), 200);
        assert_eq!(s.first(), Some(&1));
        assert_eq!(s.last(), Some(&1000));
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert!(sweep_steps(0, 10).is_empty());
    }

    #[test]
    fn coarse_walks_are_less_gaussian() {
        let base = Arc::new(ScheduleSpec::default().build().unwrap());
        let data: Mixture = "0.5:-1:0.1,0.5:1:0.1".parse().unwrap();
        let fine = WalkedSchedule::new(&base, 1).unwrap();
        let coarse = WalkedSchedule::new(&base, 100).unwrap();
        assert_eq!(coarse.num_steps(), 10);
        assert_eq!(coarse.original_t(10), 1000);
        assert_eq!(coarse.step_nearest(540), 5);
        assert_eq!(fine.step_nearest(540), 540);
        let go = |_| ControlFlow::Continue(());
        // x_t = 0.5: a likely value at every t, between and at the modes.
        let f = posterior_sweep(&data, &fine, &sweep_steps(1000, 100), 0.5, go).unwrap();
        let c = posterior_sweep(&data, &coarse, &sweep_steps(10, 100), 0.5, go).unwrap();
        let max_kl = |v: &[SweepPoint]| v.iter().map(|p| p.kl_to_gaussian).fold(0.0, f64::max);
        assert!(max_kl(&f) < 1e-5, "fine {}", max_kl(&f));
        assert!(max_kl(&c) > 1e-3, "coarse {}", max_kl(&c));
        // Both walks follow the same ᾱ curve: √β̃ grows with the step size.
        assert!(c[4].posterior_std > f[50].posterior_std);
    }
}
