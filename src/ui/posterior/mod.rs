//! The Posterior panel: the seed's backward process made exact for 1-D mixture data.
//!
//! With data p(x0) a Gaussian mixture, q(x_{t−1}|x_t) is a mixture in closed form
//! (`gmm1d::true_posterior`), so the notes' claim — small steps give a narrow,
//! single-peaked, nearly Gaussian posterior; big steps do not — can be seen and measured.
//!
//! Sections are pub so the Lesson panel can embed them: [`PosteriorPanel::mixture_editor_ui`],
//! [`PosteriorPanel::walk_controls_ui`], [`PosteriorPanel::posterior_plot_ui`],
//! [`PosteriorPanel::readouts_ui`], [`PosteriorPanel::width_plot_ui`] and
//! [`PosteriorPanel::kl_plot_ui`]. An embedder calls [`PosteriorPanel::update`] once per
//! frame (after its inputs changed) so the sections draw current data.

use crate::app::LabContext;
use crate::app::jobs::Repaint;
use crate::app::keyed_job::{KeyedJob, ProgressThrottle};
use crate::diffusion::gmm1d::{
    ComponentSpec, Mixture, MixtureError, PosteriorReport, marginal, posterior_report,
    true_posterior,
};
use crate::diffusion::posterior_sweep::{SweepPoint, WalkedSchedule, posterior_sweep, sweep_steps};
use crate::diffusion::{Gaussian, ScheduleError};
use crate::egui;
use crate::ui::forward_step::num;
use crate::ui::i18n::{Lang, Text, fill};
use crate::ui::schedule::schedule_error_text;
use crate::ui::widgets::density::{
    self, colors, curve, dashed, density_plot, gaussian_curve, keep_in_view, marker, mixture_curve,
};
use crate::ui::widgets::{Scrubber, math_job};
use egui_plot::{Corner, LineStyle, MarkerShape, Points};
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::sync::Arc;

mod text;
mod view;

pub use text::PostText;

/// Steps per walked step offered for the T override (1 = the schedule as it is).
pub const FACTOR_CHOICES: [usize; 7] = [1, 2, 5, 10, 20, 50, 100];
/// How much coarser the comparison walk is.
pub const COMPARE_CHOICES: [usize; 5] = [2, 5, 10, 20, 100];
/// The comparison walks that exist for a walk of `t_max / factor` steps: each has at
/// least two steps (a one-step "walk" jumps from T to 0 and compares nothing).
pub fn compare_choices(t_max: usize, factor: usize) -> Vec<usize> {
    let walked = t_max / factor.max(1);
    COMPARE_CHOICES
        .iter()
        .copied()
        .filter(|&c| walked / c >= 2)
        .collect()
}

/// The T overrides offered: those that leave a coarser walk to compare with.
pub fn factor_choices(t_max: usize) -> Vec<usize> {
    FACTOR_CHOICES
        .iter()
        .copied()
        .filter(|&f| f == 1 || !compare_choices(t_max, f).is_empty())
        .collect()
}

/// At most this many steps per curve over t (each costs a KL quadrature).
pub const SWEEP_POINTS: usize = 200;
/// KL values below this are drawn at it on the log axis (quadrature noise lives there).
pub const KL_FLOOR: f64 = 1e-12;

/// A preset data distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// The notes' x0 = 0.8, as a narrow Gaussian (sd 0.05).
    Point,
    /// Two modes at ±1 (sd 0.1).
    TwoModes,
    /// Three modes at −1, 0, 1 (sd 0.1).
    ThreeModes,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Point, Preset::TwoModes, Preset::ThreeModes];

    pub fn components(self) -> Vec<ComponentSpec> {
        let c = |weight, mean, std| ComponentSpec { weight, mean, std };
        match self {
            Preset::Point => vec![c(1.0, 0.8, 0.05)],
            Preset::TwoModes => vec![c(0.5, -1.0, 0.1), c(0.5, 1.0, 0.1)],
            Preset::ThreeModes => vec![c(0.3, -1.0, 0.1), c(0.4, 0.0, 0.1), c(0.3, 1.0, 0.1)],
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            Preset::Point => PostText::PresetPoint.tr(lang),
            Preset::TwoModes => PostText::PresetTwo.tr(lang),
            Preset::ThreeModes => PostText::PresetThree.tr(lang),
        }
    }
}

/// What the posterior plot fits its x range to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlotView {
    Posterior,
    /// The seed's figure: q(x_{t−1}) wide, x_t on it, the posterior a narrow peak.
    #[default]
    Marginals,
}

/// The walked schedules, cached per (schedule revision, factor, compare factor).
struct Walks {
    key: (u64, usize, usize),
    fine: WalkedSchedule,
    coarse: WalkedSchedule,
    /// (original t, √β̃) for every step of each walk.
    width_fine: Vec<[f64; 2]>,
    width_coarse: Vec<[f64; 2]>,
}

impl Walks {
    fn build(lab: &LabContext, factor: usize, compare: usize) -> Result<Self, ScheduleError> {
        let fine = WalkedSchedule::new(&lab.schedule, factor)?;
        let coarse = WalkedSchedule::new(&lab.schedule, factor.max(1) * compare.max(2))?;
        let widths = |w: &WalkedSchedule| {
            density::finite_points((1..=w.num_steps()).map(|s| {
                [
                    w.original_t(s) as f64,
                    w.schedule.posterior_variance(s).max(0.0).sqrt(),
                ]
            }))
        };
        Ok(Self {
            key: (lab.schedule_revision, factor, compare),
            width_fine: widths(&fine),
            width_coarse: widths(&coarse),
            fine,
            coarse,
        })
    }
}

/// Everything drawn and read out at one (step, x_t, x0), cached on those inputs.
pub struct PosteriorSnapshot {
    key: SnapshotKey,
    pub step: usize,
    pub original_t: usize,
    pub report: PosteriorReport,
    /// The same t on the coarser walk (its nearest step): modes, KL and sd there.
    pub coarse_t: usize,
    pub coarse_modes: usize,
    pub coarse_kl: f64,
    pub coarse_std: f64,
    true_curve: Vec<[f64; 2]>,
    matched_curve: Vec<[f64; 2]>,
    x0_curve: Vec<[f64; 2]>,
    prev_marginal: Vec<[f64; 2]>,
    marginal: Vec<[f64; 2]>,
    x0_posterior: Gaussian,
    pub compute_ms: f64,
}

impl PosteriorSnapshot {
    /// q(xₜ₋₁|xₜ, x₀) as drawn (the purple dotted curve; empty when it is a point).
    pub fn x0_curve(&self) -> &[[f64; 2]] {
        &self.x0_curve
    }

    /// The true posterior q(xₜ₋₁|xₜ) as drawn.
    pub fn true_curve(&self) -> &[[f64; 2]] {
        &self.true_curve
    }

    /// Its moment-matched Gaussian as drawn.
    pub fn matched_curve(&self) -> &[[f64; 2]] {
        &self.matched_curve
    }

    /// The Gaussian q(xₜ₋₁|xₜ, x₀) the purple curve draws.
    pub fn x0_posterior(&self) -> Gaussian {
        self.x0_posterior
    }
}

#[derive(Clone, Debug, PartialEq)]
struct SnapshotKey {
    data: Vec<ComponentSpec>,
    walks: (u64, usize, usize),
    step: usize,
    x_t: u64,
    x0: u64,
    view: PlotView,
}

/// The inputs of the curves over t.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepKey {
    data: Vec<ComponentSpec>,
    walks: (u64, usize, usize),
    x_t: u64,
}

/// The curves over t (computed on a background job).
pub struct SweepResult {
    pub fine: Vec<SweepPoint>,
    pub coarse: Vec<SweepPoint>,
    true_std_fine: Vec<[f64; 2]>,
    true_std_coarse: Vec<[f64; 2]>,
    kl_fine: Vec<[f64; 2]>,
    kl_coarse: Vec<[f64; 2]>,
    pub x_t: f64,
    pub elapsed_ms: f64,
}

/// The panel's state. Inputs persist; derived data are caches.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct PosteriorPanel {
    /// The mixture as edited (may be invalid).
    pub components: Vec<ComponentSpec>,
    /// The last valid mixture: what every plot uses.
    pub good_components: Vec<ComponentSpec>,
    /// The T override: walk every `factor`-th step of the schedule (1 = as it is).
    pub factor: usize,
    /// The comparison walk takes `compare` times bigger steps still.
    pub compare: usize,
    /// The step of the walked schedule (1..=T').
    pub scrubber: Scrubber,
    pub x_t: f64,
    pub x0: f64,
    pub view: PlotView,
    /// Why the edited mixture was rejected (worded in the language of the frame).
    #[serde(skip)]
    pub error: Option<MixtureError>,
    #[serde(skip)]
    validated: Option<Vec<ComponentSpec>>,
    #[serde(skip)]
    data: Option<(Vec<ComponentSpec>, Arc<Mixture>)>,
    #[serde(skip)]
    walks: Option<Walks>,
    #[serde(skip)]
    walk_error: Option<WalkProblem>,
    #[serde(skip)]
    snapshot: Option<PosteriorSnapshot>,
    #[serde(skip)]
    sweep: KeyedJob<SweepKey, SweepResult>,
}

impl Default for PosteriorPanel {
    fn default() -> Self {
        let components = Preset::TwoModes.components();
        Self {
            good_components: components.clone(),
            components,
            factor: 1,
            compare: 10,
            scrubber: Scrubber::new(100),
            x_t: 0.3,
            x0: 0.8,
            view: PlotView::default(),
            error: None,
            validated: None,
            data: None,
            walks: None,
            walk_error: None,
            snapshot: None,
            sweep: KeyedJob::new("posterior-sweep"),
        }
    }
}

fn repaint_of(ui: &egui::Ui) -> Repaint {
    let ctx = ui.ctx().clone();
    Arc::new(move || ctx.request_repaint())
}

/// The panel's words for a rejected mixture.
pub fn mixture_error_text(e: &MixtureError, lang: Lang) -> String {
    match e {
        MixtureError::BadWeight { index, value } => {
            fill(PostText::BadWeight.tr(lang), &[&(index + 1), &value])
        }
        MixtureError::BadMean { index, value } => {
            fill(PostText::BadMean.tr(lang), &[&(index + 1), &value])
        }
        MixtureError::BadStd { index, value } => {
            fill(PostText::BadSd.tr(lang), &[&(index + 1), &value])
        }
        MixtureError::Empty => PostText::Empty.tr(lang).to_string(),
        MixtureError::Parse(text) => fill(PostText::BadComponent.tr(lang), &[text]),
        MixtureError::TimestepOutOfRange { got, max } => {
            fill(PostText::BadStep.tr(lang), &[max, got])
        }
        MixtureError::TooManyComponents { got } => fill(
            PostText::TooManyComponents.tr(lang),
            &[&crate::diffusion::gmm1d::MAX_COMPONENTS, got],
        ),
        MixtureError::ValueOutOfRange { name, value } => {
            fill(PostText::ValueOutOfRange.tr(lang), &[name, value])
        }
    }
}

/// Why the walk or the posterior at a step could not be computed, kept as a value so it
/// is worded in the frame's language.
#[derive(Clone, Debug, PartialEq)]
pub enum WalkProblem {
    Schedule(ScheduleError),
    Mixture(MixtureError),
}

impl WalkProblem {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            WalkProblem::Schedule(e) => schedule_error_text(e, lang),
            WalkProblem::Mixture(e) => mixture_error_text(e, lang),
        }
    }
}

fn modes_text(modes: &[f64]) -> String {
    modes.iter().map(|m| num(*m)).collect::<Vec<_>>().join(", ")
}

impl PosteriorPanel {
    /// Replaces the data with a preset (always valid).
    pub fn apply_preset(&mut self, preset: Preset) {
        self.components = preset.components();
    }

    /// Validates the edited mixture when it changed: a valid one becomes the data; an
    /// invalid one leaves the last good mixture in place and sets the message.
    pub fn validate(&mut self) {
        if self.validated.as_ref() == Some(&self.components) {
            return;
        }
        match Mixture::from_specs(&self.components) {
            Ok(_) => {
                self.good_components = self.components.clone();
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
        self.validated = Some(self.components.clone());
    }

    /// The message for a rejected mixture, if any, in `lang`.
    pub fn error_text(&self, lang: Lang) -> Option<String> {
        self.error.as_ref().map(|e| mixture_error_text(e, lang))
    }

    /// The data in use (the last valid mixture).
    pub fn data(&mut self) -> Option<Arc<Mixture>> {
        if let Some((specs, m)) = &self.data
            && specs == &self.good_components
        {
            return Some(m.clone());
        }
        match Mixture::from_specs(&self.good_components) {
            Ok(m) => {
                let m = Arc::new(m);
                self.data = Some((self.good_components.clone(), m.clone()));
                Some(m)
            }
            Err(_) => {
                // Only reachable with a hand-edited state file: fall back to the default.
                self.good_components = Preset::TwoModes.components();
                None
            }
        }
    }

    /// The walked schedules for the current schedule and T override.
    fn ensure_walks(&mut self, lab: &LabContext) {
        // Only walks that exist: a hand-edited state, a shorter schedule or a finer T'
        // can leave a choice that is no longer offered; take the nearest one that is.
        let t_max = lab.schedule.num_steps();
        if !factor_choices(t_max).contains(&self.factor) {
            self.factor = factor_choices(t_max)
                .into_iter()
                .filter(|&f| f <= self.factor)
                .max()
                .unwrap_or(1);
        }
        let compares = compare_choices(t_max, self.factor);
        if !compares.is_empty() && !compares.contains(&self.compare) {
            self.compare = compares
                .iter()
                .copied()
                .filter(|&c| c <= self.compare)
                .max()
                .unwrap_or(compares[0]);
        }
        let key = (lab.schedule_revision, self.factor, self.compare);
        if self.walks.as_ref().is_some_and(|w| w.key == key) {
            return;
        }
        // Keep t at the same noise level when the walk changes.
        let original_t = self
            .walks
            .as_ref()
            .map(|w| w.fine.original_t(self.scrubber.t));
        match Walks::build(lab, self.factor, self.compare) {
            Ok(w) => {
                if let Some(t) = original_t
                    && self.walks.as_ref().is_some_and(|old| old.key.0 == key.0)
                {
                    self.scrubber.t = w.fine.step_nearest(t);
                }
                self.walks = Some(w);
                self.walk_error = None;
            }
            Err(e) => {
                self.walk_error = Some(WalkProblem::Schedule(e));
                // Fall back to the schedule as it is, which always walks.
                self.factor = 1;
                if let Ok(w) = Walks::build(lab, 1, self.compare) {
                    self.walks = Some(w);
                }
            }
        }
    }

    /// The snapshot at the current inputs (recomputed only when they change).
    pub fn snapshot(&self) -> Option<&PosteriorSnapshot> {
        self.snapshot.as_ref()
    }

    /// The latest curves over t (possibly for older inputs while new ones compute).
    pub fn sweep_result(&self) -> Option<&Arc<SweepResult>> {
        self.sweep.latest()
    }

    /// True when the latest curves over t match the current inputs.
    pub fn sweep_is_current(&self) -> bool {
        self.sweep_key().is_some_and(|k| self.sweep.is_current(&k))
    }

    /// T' of the walk in use.
    pub fn walked_steps(&self) -> Option<usize> {
        self.walks.as_ref().map(|w| w.fine.num_steps())
    }

    /// Blocks until the curves over t in flight are done. Tests and benches only.
    pub fn finish_background_work(&mut self) {
        self.sweep.wait();
    }

    fn sweep_key(&self) -> Option<SweepKey> {
        Some(SweepKey {
            data: self.good_components.clone(),
            walks: self.walks.as_ref()?.key,
            x_t: self.x_t.to_bits(),
        })
    }

    /// Brings every derived value up to date with the inputs: validation, walks, the
    /// snapshot at (t, x_t) and the background job for the curves over t.
    pub fn update(&mut self, lab: &LabContext, repaint: Repaint) {
        self.validate();
        self.ensure_walks(lab);
        let Some(data) = self.data() else {
            return;
        };
        let Some(walks) = &self.walks else {
            return;
        };
        let t_max = walks.fine.num_steps().max(1);
        self.scrubber.t = self.scrubber.t.clamp(1, t_max);
        let key = SnapshotKey {
            data: self.good_components.clone(),
            walks: walks.key,
            step: self.scrubber.t,
            x_t: self.x_t.to_bits(),
            x0: self.x0.to_bits(),
            view: self.view,
        };
        if self.snapshot.as_ref().map(|s| &s.key) != Some(&key) {
            match compute_snapshot(&data, walks, key, self.x_t, self.x0) {
                Ok(s) => self.snapshot = Some(s),
                Err(e) => self.walk_error = Some(WalkProblem::Mixture(e)),
            }
        }
        let Some(sweep_key) = self.sweep_key() else {
            return;
        };
        let fine = walks.fine.clone();
        let coarse = walks.coarse.clone();
        let x_t = self.x_t;
        self.sweep.request(&sweep_key, repaint, move |ctx| {
            let started = web_time::Instant::now();
            let fine_steps = sweep_steps(fine.num_steps(), SWEEP_POINTS);
            let coarse_steps = sweep_steps(coarse.num_steps(), SWEEP_POINTS);
            let total = (fine_steps.len() + coarse_steps.len()) as u64;
            let throttle = std::cell::RefCell::new(ProgressThrottle::default());
            let tick = |done: usize| {
                if throttle.borrow_mut().due() {
                    ctx.set_progress(done as u64, total, "");
                }
                if ctx.is_cancelled() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            };
            let fine_points = posterior_sweep(&data, &fine, &fine_steps, x_t, tick)?;
            let offset = fine_steps.len();
            let coarse_points =
                posterior_sweep(&data, &coarse, &coarse_steps, x_t, |i| tick(offset + i))?;
            Ok(SweepResult::new(
                fine_points,
                coarse_points,
                x_t,
                started.elapsed().as_secs_f64() * 1e3,
            ))
        });
    }
}

impl SweepResult {
    fn new(fine: Vec<SweepPoint>, coarse: Vec<SweepPoint>, x_t: f64, elapsed_ms: f64) -> Self {
        let std_points =
            |v: &[SweepPoint]| density::finite_points(v.iter().map(|p| [p.t as f64, p.true_std]));
        let kl_points = |v: &[SweepPoint]| {
            density::finite_points(
                v.iter()
                    .map(|p| [p.t as f64, p.kl_to_gaussian.max(KL_FLOOR).log10()]),
            )
        };
        Self {
            true_std_fine: std_points(&fine),
            true_std_coarse: std_points(&coarse),
            kl_fine: kl_points(&fine),
            kl_coarse: kl_points(&coarse),
            fine,
            coarse,
            x_t,
            elapsed_ms,
        }
    }
}

/// What the readouts say about the posterior at this step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// One mode and KL ≤ 0.01: a Gaussian step fits.
    OneGaussian,
    /// One mode, but KL > 0.01: lopsided.
    Skewed,
    /// More than one mode.
    Multimodal,
}

/// The verdict from the numbers the panel shows (modes, then KL), so it never says "not
/// one Gaussian" beside "modes: 1" without saying why.
pub fn verdict(r: &PosteriorReport) -> Verdict {
    if r.modes.len() > 1 {
        Verdict::Multimodal
    } else if r.kl_to_gaussian > 1e-2 {
        Verdict::Skewed
    } else {
        Verdict::OneGaussian
    }
}

/// The posterior and its curves at one step of the walk.
fn compute_snapshot(
    data: &Mixture,
    walks: &Walks,
    key: SnapshotKey,
    x_t: f64,
    x0: f64,
) -> Result<PosteriorSnapshot, MixtureError> {
    let started = web_time::Instant::now();
    let step = key.step;
    let schedule = &walks.fine.schedule;
    let report = posterior_report(data, schedule, step, x_t, Some(x0))?;
    let post = true_posterior(data, schedule, step, x_t)?;
    let matched = post.moment_matched();
    let x0_posterior = report.x0_posterior.unwrap_or(Gaussian::new(x0, 0.0));
    let prev = marginal(data, schedule, step - 1);
    let now = marginal(data, schedule, step);
    // Components too faint to draw do not set the range.
    let visible = |m: &Mixture| -> Vec<Gaussian> {
        m.weights()
            .iter()
            .zip(m.components())
            .filter(|(w, _)| **w > 1e-4)
            .map(|(_, g)| *g)
            .collect()
    };
    let range = match key.view {
        PlotView::Posterior => {
            let mut gs = visible(&post);
            gs.push(matched);
            gs.push(x0_posterior);
            density::span_of(gs, 5.0, 1e-3)
        }
        PlotView::Marginals => {
            let mut gs = visible(&prev);
            gs.extend(visible(&now));
            // Every curve drawn reaches zero inside the plot: the posteriors too (with
            // one narrow component they can sit past the marginals' span and be cut).
            gs.extend(visible(&post));
            gs.push(matched);
            gs.push(x0_posterior);
            density::span_of(gs, 4.0, 1e-3)
        }
    };
    let range = density::pad(density::include(range, x_t), 0.03);
    let original_t = walks.fine.original_t(step);
    let coarse_step = walks.coarse.step_nearest(original_t);
    let coarse_post = true_posterior(data, &walks.coarse.schedule, coarse_step, x_t)?;
    Ok(PosteriorSnapshot {
        step,
        original_t,
        coarse_t: walks.coarse.original_t(coarse_step),
        coarse_modes: coarse_post.modes().len(),
        coarse_kl: coarse_post.kl_to_gaussian(),
        coarse_std: coarse_post.variance().max(0.0).sqrt(),
        true_curve: mixture_curve(&post, range),
        matched_curve: gaussian_curve(matched, range),
        x0_curve: gaussian_curve(x0_posterior, range),
        prev_marginal: mixture_curve(&prev, range),
        marginal: mixture_curve(&now, range),
        x0_posterior,
        report,
        key,
        compute_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// Two areas side by side: `fraction` of the width on the left, the rest on the right,
/// both `height` tall.
fn split(
    ui: &mut egui::Ui,
    fraction: f32,
    height: f32,
    left: impl FnOnce(&mut egui::Ui),
    right: impl FnOnce(&mut egui::Ui),
) {
    let width = ui.available_width();
    let gap = ui.spacing().item_spacing.x * 2.0;
    let left_w = (width - gap) * fraction;
    let right_w = (width - gap - left_w).max(0.0);
    ui.horizontal_top(|ui| {
        ui.allocate_ui_with_layout(
            egui::vec2(left_w, height),
            egui::Layout::top_down(egui::Align::Min),
            left,
        );
        ui.add_space(gap * 0.5);
        ui.allocate_ui_with_layout(
            egui::vec2(right_w, height),
            egui::Layout::top_down(egui::Align::Min),
            right,
        );
    });
}
