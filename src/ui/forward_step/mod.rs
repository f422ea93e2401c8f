//! The Forward-step panel: one step of q(x_t|x_{t−1}), the seed notes' worked example as
//! live numbers, and the closed form q(x_t|x_0) checked against a chain of particles.
//!
//! Sections are pub so the Lesson panel can embed them: [`ForwardStepPanel::inputs_ui`],
//! [`ForwardStepPanel::density_plot_ui`], [`worked_example_ui`] (a free function over a
//! [`WorkedExample`]), [`ForwardStepPanel::chain_controls_ui`],
//! [`ForwardStepPanel::chain_histogram_ui`] and [`ForwardStepPanel::variance_plot_ui`].
//! The chain sections draw the latest particle run; an embedder starts it with
//! [`ForwardStepPanel::request_chain`] once per frame.

use crate::app::LabContext;
use crate::app::jobs::{Cancelled, JobContext, Repaint, Step};
use crate::app::keyed_job::{KeyedJob, ProgressThrottle};
use crate::diffusion::chain::{
    ChainOptions, ChainRun, ChainStart, ChainSteps, exact_mean, exact_variance_path,
    mean_standard_error, variance_standard_error,
};
use crate::diffusion::forward::{forward_step, q_xt_given_x0};
use crate::diffusion::{Gaussian, Schedule, WorkedExample, WorkedExampleResult};
use crate::egui;
use crate::ui::i18n::{Lang, Text, fill};
use crate::ui::widgets::Scrubber;
use crate::ui::widgets::density::{
    self, colors, curve, dashed, density_plot, gaussian_curve, histogram_chart, keep_in_view,
    marker,
};
use egui_plot::{Corner, LineStyle, MarkerShape, Points};
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::sync::Arc;

mod text;
mod view;

pub use text::FwdText;
pub use view::worked_example_ui;

/// Particle counts offered (the chain needs ≥ 10 000 to make the histogram smooth).
pub const PARTICLE_CHOICES: [usize; 3] = [10_000, 50_000, 100_000];
/// Bins of each per-t histogram.
pub const HISTOGRAM_BINS: usize = 60;

/// Which Var = 1 data the variance-preservation chain starts from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnitStart {
    #[default]
    StandardNormal,
    PlusMinusOne,
}

impl UnitStart {
    pub fn chain_start(self) -> ChainStart {
        match self {
            UnitStart::StandardNormal => ChainStart::StandardNormal,
            UnitStart::PlusMinusOne => ChainStart::PlusMinusOne,
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            UnitStart::StandardNormal => FwdText::StartNormal.tr(lang),
            UnitStart::PlusMinusOne => FwdText::StartPlusMinus.tr(lang),
        }
    }
}

/// The chain's inputs (persisted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChainSettings {
    pub particles: usize,
    pub seed: u64,
    /// Where the histogram chain starts: every particle at x0.
    pub x0: f64,
    pub unit_start: UnitStart,
}

impl Default for ChainSettings {
    fn default() -> Self {
        Self {
            particles: PARTICLE_CHOICES[0],
            seed: 2025,
            x0: 0.8,
            unit_start: UnitStart::default(),
        }
    }
}

/// Everything a particle run depends on: a run is cached per key and recomputed only
/// when one of these changes.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainKey {
    pub schedule_revision: u64,
    pub particles: usize,
    pub seed: u64,
    pub x0_bits: u64,
    pub unit_start: UnitStart,
}

/// A finished particle run: the histogram chain from x0 and the Var = 1 chain.
pub struct ChainResult {
    /// The schedule it ran on (the closed form is drawn from the same one).
    pub schedule: Arc<Schedule>,
    pub x0: f64,
    /// Every particle starts at x0; per-t moments and histograms.
    pub point: ChainRun,
    /// Var = 1 data; per-t moments.
    pub unit: ChainRun,
    /// (t, Var(x_t)) of the Var = 1 chain.
    pub var_empirical: Vec<[f64; 2]>,
    /// (t, exact Var(x_t)) by the recursion.
    pub var_exact: Vec<[f64; 2]>,
    /// max over t of |Var(x_t) − exact|.
    pub max_var_deviation: f64,
    pub elapsed_ms: f64,
}

/// The two particle chains pushed one step per [`step`](Self::step): the chain from x0
/// (with histograms), then the unit-variance chain, then the summary. A job runs it step
/// by step, so in a web page it shares the page's thread without freezing it.
pub struct ChainComputation {
    schedule: Arc<Schedule>,
    settings: ChainSettings,
    started: web_time::Instant,
    /// The chain from x0, once it is done.
    point: Option<ChainRun>,
    /// The chain under way (`None` once both are summarised).
    current: Option<ChainSteps>,
}

impl ChainComputation {
    pub fn new(schedule: Arc<Schedule>, settings: &ChainSettings) -> anyhow::Result<Self> {
        let current = ChainSteps::new(
            &schedule,
            ChainOptions {
                start: ChainStart::Point(settings.x0),
                particles: settings.particles,
                seed: settings.seed,
                bins: Some(HISTOGRAM_BINS),
            },
        )?;
        Ok(Self {
            schedule,
            settings: settings.clone(),
            started: web_time::Instant::now(),
            point: None,
            current: Some(current),
        })
    }

    /// Steps done of both chains, and 2T in all.
    pub fn progress(&self) -> (usize, usize) {
        let t_max = self.schedule.num_steps();
        let before = if self.point.is_some() { t_max } else { 0 };
        let now = self.current.as_ref().map_or(t_max, |c| c.t());
        (before + now, 2 * t_max)
    }

    /// One step of the chain under way; the result once both are done.
    pub fn step(&mut self) -> anyhow::Result<Option<ChainResult>> {
        let Some(current) = self.current.as_mut() else {
            anyhow::bail!("the particle chains were already summarised");
        };
        if !current.is_done() {
            current.step(&self.schedule)?;
            if !current.is_done() {
                return Ok(None);
            }
        }
        let Some(done) = self.current.take() else {
            return Ok(None);
        };
        let unit_start = self.settings.unit_start.chain_start();
        let Some(point) = self.point.take() else {
            // The chain from x0 is done: the unit-variance chain comes next.
            self.point = Some(done.finish());
            self.current = Some(ChainSteps::new(
                &self.schedule,
                ChainOptions {
                    start: unit_start,
                    particles: self.settings.particles,
                    // A different stream: the two chains must not share their noise.
                    seed: self.settings.seed ^ 0x9e37_79b9_7f4a_7c15,
                    bins: None,
                },
            )?);
            return Ok(None);
        };
        let unit = done.finish();
        let exact = exact_variance_path(&self.schedule, unit_start.variance());
        let var_empirical: Vec<[f64; 2]> = density::finite_points(
            unit.steps
                .iter()
                .enumerate()
                .map(|(t, s)| [t as f64, s.variance]),
        );
        let var_exact: Vec<[f64; 2]> =
            density::finite_points(exact.iter().enumerate().map(|(t, &v)| [t as f64, v]));
        let max_var_deviation = unit
            .steps
            .iter()
            .zip(&exact)
            .map(|(s, e)| (s.variance - e).abs())
            .fold(0.0, f64::max);
        Ok(Some(ChainResult {
            x0: self.settings.x0,
            schedule: self.schedule.clone(),
            point,
            unit,
            var_empirical,
            var_exact,
            max_var_deviation,
            elapsed_ms: self.started.elapsed().as_secs_f64() * 1e3,
        }))
    }
}

impl ChainResult {
    /// Runs both chains (what the background job does). `on_step(done, total)` reports
    /// progress; `Break` stops. The loop over [`ChainComputation::step`].
    pub fn compute(
        schedule: Arc<Schedule>,
        settings: &ChainSettings,
        mut on_step: impl FnMut(usize, usize) -> ControlFlow<()>,
    ) -> anyhow::Result<Self> {
        let mut run = ChainComputation::new(schedule, settings)?;
        loop {
            if let Some(result) = run.step()? {
                return Ok(result);
            }
            let (done, total) = run.progress();
            if on_step(done, total).is_break() {
                return Err(crate::diffusion::chain::ChainError::Stopped.into());
            }
        }
    }
    /// The histogram chain's moments at t against the closed form N(√ᾱ_t·x0, 1 − ᾱ_t).
    pub fn moments_at(&self, t: usize) -> Option<MomentCheck> {
        let t = t.clamp(1, self.point.num_steps().max(1));
        let s = self.point.at(t)?;
        let q = q_xt_given_x0(&self.schedule, t, self.x0);
        let n = self.point.particles;
        Some(MomentCheck {
            t,
            mean: s.mean,
            variance: s.variance,
            exact: Gaussian::new(exact_mean(&self.schedule, t, self.x0), q.variance),
            mean_tolerance: 4.0 * mean_standard_error(q.variance, n),
            variance_tolerance: 4.0 * variance_standard_error(q.variance, n),
        })
    }
}

/// The particles' mean and variance at t next to the closed form, with 4-standard-error
/// tolerances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MomentCheck {
    pub t: usize,
    pub mean: f64,
    pub variance: f64,
    pub exact: Gaussian,
    pub mean_tolerance: f64,
    pub variance_tolerance: f64,
}

impl MomentCheck {
    pub fn within(&self) -> bool {
        (self.mean - self.exact.mean).abs() <= self.mean_tolerance
            && (self.variance - self.exact.variance).abs() <= self.variance_tolerance
    }
}

/// Plot points of one forward step, cached on its inputs.
#[derive(Clone, Debug)]
struct StepPlot {
    key: [u64; 3],
    curve: Vec<[f64; 2]>,
    step: Gaussian,
    sample: f64,
}

impl Default for StepPlot {
    fn default() -> Self {
        Self {
            key: [0; 3],
            curve: Vec::new(),
            step: Gaussian::STANDARD,
            sample: 0.0,
        }
    }
}

/// Plot points of the histogram at one t, cached on (run, t).
#[derive(Clone, Debug, Default)]
struct HistPlot {
    key: Option<(u64, usize, usize)>,
    curve: Vec<[f64; 2]>,
}

/// The panel's state. Inputs persist; plot points and particle runs are caches.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct ForwardStepPanel {
    pub x_prev: f64,
    pub beta: f64,
    pub eps: f64,
    /// β of the worked example's second step.
    pub beta_next: f64,
    /// Take β_t and β_{t+1} from the current schedule at the scrubber's t.
    pub beta_from_schedule: bool,
    /// The t of the schedule: the β source and the histogram's step.
    pub scrubber: Scrubber,
    pub chain: ChainSettings,
    #[serde(skip)]
    step_plot: StepPlot,
    #[serde(skip)]
    hist_plot: HistPlot,
    #[serde(skip)]
    chain_job: KeyedJob<ChainKey, ChainResult>,
    /// Bumped each time a new run arrives (part of the histogram cache key).
    #[serde(skip)]
    run_generation: u64,
    #[serde(skip)]
    last_seen_key: Option<ChainKey>,
}

impl Default for ForwardStepPanel {
    fn default() -> Self {
        let example = WorkedExample::default();
        Self {
            x_prev: example.x0,
            beta: example.beta1,
            eps: example.eps,
            beta_next: example.beta2,
            beta_from_schedule: false,
            scrubber: Scrubber::new(100),
            chain: ChainSettings::default(),
            step_plot: StepPlot::default(),
            hist_plot: HistPlot::default(),
            chain_job: KeyedJob::new("forward-chain"),
            run_generation: 0,
            last_seen_key: None,
        }
    }
}

/// Formats a number for the panel: 4 decimals (the notes' precision), 4 significant
/// digits below 0.1 (β is often 0.002…), scientific notation when tiny or huge; "—" for
/// a non-finite value.
pub fn num(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "—".to_string()
    } else if v != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.3e}")
    } else if v != 0.0 && a < 0.1 {
        let decimals = (3.0 - a.log10().floor()).clamp(4.0, 6.0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.4}")
    }
}

fn repaint_of(ui: &egui::Ui) -> Repaint {
    let ctx = ui.ctx().clone();
    Arc::new(move || ctx.request_repaint())
}

/// A new seed from the old one (splitmix64): re-rolling is reproducible.
fn next_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % 1_000_000
}

/// The ranges the panel's sliders offer (and the inputs are kept in).
pub const X_PREV_RANGE: std::ops::RangeInclusive<f64> = -3.0..=3.0;
pub const BETA_RANGE: std::ops::RangeInclusive<f64> = 1e-5..=0.999;
pub const EPS_RANGE: std::ops::RangeInclusive<f64> = -4.0..=4.0;

impl ForwardStepPanel {
    /// Brings x_{t−1}, β and ε into the sliders' ranges (a non-finite one back to the
    /// worked example's). The sliders clamp what is typed, but a hand-edited state file, or
    /// a view that shows the plot without its sliders (the lesson's first step), could
    /// otherwise draw β = 5e-324 at x = 1e300: a curve too narrow for f64 to place.
    pub fn keep_inputs_in_range(&mut self) {
        let example = WorkedExample::default();
        let keep = |v: &mut f64, range: &std::ops::RangeInclusive<f64>, default: f64| {
            *v = if v.is_finite() {
                v.clamp(*range.start(), *range.end())
            } else {
                default
            };
        };
        keep(&mut self.x_prev, &X_PREV_RANGE, example.x0);
        keep(&mut self.beta, &BETA_RANGE, example.beta1);
        keep(&mut self.beta_next, &BETA_RANGE, example.beta2);
        keep(&mut self.eps, &EPS_RANGE, example.eps);
    }

    /// The worked example the panel's inputs describe: x0 = x_{t−1}, β1 = β_t, ε, and β2
    /// (β_{t+1} when β comes from the schedule).
    pub fn worked_example(&self, schedule: &Schedule) -> WorkedExample {
        let (beta1, beta2) = self.betas(schedule);
        WorkedExample {
            x0: self.x_prev,
            beta1,
            eps: self.eps,
            beta2,
        }
    }

    /// (β_t, β for the second step) as used: typed, or read off the schedule at t.
    pub fn betas(&self, schedule: &Schedule) -> (f64, f64) {
        if self.beta_from_schedule {
            let t = self.scrubber.t.clamp(1, schedule.num_steps());
            (schedule.beta(t), schedule.beta(t + 1))
        } else {
            (self.beta, self.beta_next)
        }
    }

    /// The key of the particle run the current inputs ask for.
    pub fn chain_key(&self, lab: &LabContext) -> ChainKey {
        ChainKey {
            schedule_revision: lab.schedule_revision,
            particles: self.chain.particles,
            seed: self.chain.seed,
            x0_bits: self.chain.x0.to_bits(),
            unit_start: self.chain.unit_start,
        }
    }

    /// The latest finished particle run (possibly for older inputs while a new one runs).
    pub fn chain_result(&self) -> Option<&Arc<ChainResult>> {
        self.chain_job.latest()
    }

    /// True when the latest run matches the current inputs.
    pub fn chain_is_current(&self, lab: &LabContext) -> bool {
        self.chain_job.is_current(&self.chain_key(lab))
    }

    /// Blocks until the particle run in flight ends. Tests and benches only.
    pub fn finish_background_work(&mut self) {
        self.chain_job.wait();
    }

    /// Starts the particle run for the current inputs unless it exists or is running.
    pub fn request_chain(&mut self, lab: &LabContext, repaint: Repaint) {
        let key = self.chain_key(lab);
        let schedule = lab.schedule.clone();
        let settings = self.chain.clone();
        // One chain step per call: in a web page the run shares the page's thread.
        self.chain_job.request_steps(
            &key,
            repaint,
            move |_ctx: &JobContext<()>| {
                let run = ChainComputation::new(schedule, &settings)?;
                Ok((run, ProgressThrottle::default()))
            },
            |(run, throttle): &mut (ChainComputation, ProgressThrottle), ctx: &JobContext<()>| {
                if ctx.is_cancelled() {
                    return Err(Cancelled.into());
                }
                if let Some(result) = run.step()? {
                    return Ok(Step::Done(result));
                }
                if throttle.due() {
                    let (done, total) = run.progress();
                    ctx.set_progress(done as u64, total as u64, "");
                }
                Ok(Step::More)
            },
        );
        if self.chain_job.latest_key() != self.last_seen_key.as_ref() {
            self.last_seen_key = self.chain_job.latest_key().cloned();
            self.run_generation += 1;
        }
    }
}

/// Where the particle run is: it pushes two chains of T steps one after the other (the
/// job counts 1..2T), so the count shown is the chain and its step of T.
pub fn chain_progress(done: usize, total: usize) -> (usize, usize, usize) {
    let t_max = (total / 2).max(1);
    let chain = if done <= t_max { 1 } else { 2 };
    let step = (done - (chain - 1) * t_max).min(t_max);
    (chain, step, t_max)
}

/// The progress bar's text for [`chain_progress`].
pub fn chain_progress_text(done: usize, total: usize, lang: Lang) -> String {
    let (chain, step, t_max) = chain_progress(done, total);
    let which = if chain == 1 {
        FwdText::ChainFromX0
    } else {
        FwdText::ChainUnit
    };
    fill(
        FwdText::Running.tr(lang),
        &[&chain, &which.tr(lang), &step, &t_max],
    )
}

/// 10000 → "10 000" (no-break spaces: the number never wraps).
pub fn group_thousands(n: usize) -> String {
    crate::ui::i18n::group_thousands(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_steps_of_one_chain() {
        // T = 1000 runs two chains: the job's 1591st step is chain 2's step 591.
        assert_eq!(chain_progress(591, 2000), (1, 591, 1000));
        assert_eq!(chain_progress(1000, 2000), (1, 1000, 1000));
        assert_eq!(chain_progress(1591, 2000), (2, 591, 1000));
        assert_eq!(chain_progress(2000, 2000), (2, 1000, 1000));
        let text = chain_progress_text(1591, 2000, Lang::En);
        assert!(text.contains("step 591 of 1000"), "{text}");
        assert!(text.contains("chain 2 of 2"), "{text}");
    }

    #[test]
    fn formats_numbers_and_thousands() {
        assert_eq!(num(0.758946638), "0.7589");
        assert_eq!(num(1.2e-4), "1.200e-4");
        assert_eq!(num(0.0020720720), "0.002072");
        assert_eq!(num(0.05), "0.05000");
        assert_eq!(num(0.1), "0.1000");
        assert_eq!(num(0.0), "0.0000");
        assert_eq!(num(f64::NAN), "—");
        assert_eq!(group_thousands(10_000), "10\u{A0}000");
        assert_eq!(group_thousands(100_000), "100\u{A0}000");
        assert_eq!(group_thousands(999), "999");
        assert_ne!(next_seed(1), 1);
    }
}
