//! What the two trained-denoiser panels (Image and Points) share: the forward/reverse
//! view switch and its scrubbers, the reverse run a panel keeps (polled each frame,
//! followed by the step scrubber), the sampler settings, and the small model and status
//! widgets both draw.
//!
//! The logic is the same in both panels; only the words differ. Each panel keeps its own
//! i18n table and names in it, through [`DenoiserText`], the keys these widgets draw.

use crate::app::Lang;
use crate::app::denoiser::{ReverseJob, ReverseSummary, Trajectory};
use crate::app::jobs::{JobOutcome, Repaint};
use crate::app::keyed_job::KeyedJob;
use crate::diffusion::samplers::{OdeSampler, SigmaOptions};
use crate::diffusion::{TimestepSpacing, VarianceType};
use crate::egui;
use crate::model::inference::{ReverseOptions, Sampler};
use crate::ui::i18n::{Text, fill};
use crate::ui::widgets::Scrubber;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// Which process the scrubber walks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ViewMode {
    #[default]
    Forward,
    Reverse,
}

/// DDPM, DDIM, or a probability-flow ODE solver (Euler, Heun, DPM-Solver++(2M)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SamplerKind {
    #[default]
    Ddim,
    Ddpm,
    Euler,
    Heun,
    DpmSolverPlusPlus2M,
}

impl SamplerKind {
    pub const ALL: [SamplerKind; 5] = [
        Self::Ddim,
        Self::Ddpm,
        Self::Euler,
        Self::Heun,
        Self::DpmSolverPlusPlus2M,
    ];

    /// The ODE solver, for the three that are one.
    pub fn ode(self) -> Option<OdeSampler> {
        match self {
            Self::Euler => Some(OdeSampler::Euler),
            Self::Heun => Some(OdeSampler::Heun),
            Self::DpmSolverPlusPlus2M => Some(OdeSampler::DpmSolverPlusPlus2M),
            Self::Ddim | Self::Ddpm => None,
        }
    }
}

/// How a reverse run steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReverseSettings {
    pub sampler: SamplerKind,
    pub eta: f64,
    /// Model evaluations over the whole 1..T range for DDIM (a run from t < T uses the
    /// part of that grid below t).
    pub ddim_steps: usize,
    /// The same for DDPM (T visits every t).
    pub ddpm_steps: usize,
    /// Steps of the ODE solvers (Heun evaluates the network 2N − 1 times).
    pub ode_steps: usize,
    /// Karras σ's for the ODE solvers.
    pub karras: bool,
    pub seed: u64,
}

impl Default for ReverseSettings {
    fn default() -> Self {
        Self {
            sampler: SamplerKind::Ddim,
            eta: 0.0,
            ddim_steps: 50,
            ddpm_steps: 1000,
            ode_steps: 25,
            karras: false,
            seed: 0,
        }
    }
}

impl ReverseSettings {
    /// The run's options on a schedule of `big_t` steps.
    pub fn options(&self, big_t: usize) -> ReverseOptions {
        if let Some(solver) = self.sampler.ode() {
            // DPM-Solver++ rounds its linspace onto whole steps: at most T − 1 stay apart.
            let max = match solver {
                OdeSampler::DpmSolverPlusPlus2M => big_t.saturating_sub(1),
                _ => big_t,
            };
            return ReverseOptions {
                sampler: Sampler::Ode {
                    solver,
                    sigmas: SigmaOptions {
                        karras: self.karras,
                        shift: 1.0,
                    },
                },
                steps: Some(self.ode_steps.clamp(1, max.max(1))),
                spacing: TimestepSpacing::Linspace,
                clip_x0: true,
                seed: self.seed,
            };
        }
        let (sampler, steps) = match self.sampler {
            SamplerKind::Ddim => (
                Sampler::Ddim {
                    eta: self.eta.clamp(0.0, 1.0),
                },
                self.ddim_steps,
            ),
            _ => (
                Sampler::Ddpm {
                    variance: VarianceType::FixedSmall,
                },
                self.ddpm_steps,
            ),
        };
        let steps = steps.clamp(1, big_t.max(1));
        ReverseOptions {
            sampler,
            steps: (steps < big_t).then_some(steps),
            spacing: TimestepSpacing::Trailing,
            clip_x0: true,
            seed: self.seed,
        }
    }

    /// "DDIM-50, η = 0.00" or "DDPM-1000": the sampler and its steps, as a run is named.
    pub fn label(&self, big_t: usize) -> String {
        let o = self.options(big_t);
        let steps = o.steps.unwrap_or(big_t);
        match o.sampler {
            Sampler::Ddim { eta } => format!("DDIM-{steps}, η = {eta:.2}"),
            Sampler::Ddpm { .. } => format!("DDPM-{steps}"),
            ode @ Sampler::Ode { .. } => format!("{}-{steps}", ode.label()),
        }
    }
}

/// A repaint callback for jobs started from a frame of `ctx`.
pub(crate) fn repaint_of(ctx: &egui::Context) -> Repaint {
    let ctx = ctx.clone();
    Arc::new(move || ctx.request_repaint())
}

// ---------------------------------------------------------------------- the reverse run

/// How a reverse run ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RunOutcome {
    Done(ReverseSummary),
    Cancelled,
    Failed(String),
}

/// A reverse run and the steps it has produced so far. `Extra` is what a panel keeps
/// with the run (the Image panel: the clean item it started from; the Points panel: the
/// points whose paths are drawn).
pub(crate) struct ReverseRun<Extra> {
    pub traj: Trajectory,
    pub job: Option<ReverseJob>,
    /// The steps the run plans to take: the one count its progress bar and its step
    /// scrubber both use.
    pub total: usize,
    /// The sampler and its steps ([`ReverseSettings::label`]).
    pub label: String,
    pub outcome: Option<RunOutcome>,
    /// Follow the newest step while the run goes (until the user scrubs).
    pub follow: bool,
    pub extra: Extra,
}

impl<Extra> ReverseRun<Extra> {
    /// A run from `start_t` whose steps `job` delivers; it follows its newest step.
    pub fn new(start_t: usize, total: usize, job: ReverseJob, label: String, extra: Extra) -> Self {
        Self {
            traj: Trajectory::new(start_t),
            job: Some(job),
            total,
            label,
            outcome: None,
            follow: true,
            extra,
        }
    }

    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Asks the job to stop; the steps it delivered stay.
    pub fn cancel(&self) {
        if let Some(job) = &self.job {
            job.cancel();
        }
    }

    /// Takes the steps delivered since the last call and, once the job has ended, its
    /// outcome. Never blocks.
    pub(crate) fn poll(&mut self) {
        let Some(job) = self.job.as_mut() else {
            return;
        };
        self.traj.frames.extend(job.drain_events());
        if let Some(outcome) = job.poll() {
            // Every step is sent before the outcome, so after it they are all queued.
            self.traj.frames.extend(job.drain_events());
            self.job = None;
            self.accept_outcome(outcome);
        }
    }

    /// Blocks until the job ends and takes all its steps (tests and benches only).
    pub fn finish_blocking(&mut self) {
        if let Some(job) = self.job.take() {
            let (steps, outcome) = job.wait_with_events();
            self.traj.frames.extend(steps);
            self.accept_outcome(outcome);
        }
    }

    fn accept_outcome(&mut self, outcome: JobOutcome<ReverseSummary>) {
        self.outcome = Some(match outcome {
            JobOutcome::Finished(s) => {
                self.traj.finished = s.t_reached == 0;
                RunOutcome::Done(s)
            }
            JobOutcome::Cancelled => RunOutcome::Cancelled,
            JobOutcome::Failed(m) => RunOutcome::Failed(m),
        });
    }

    /// True once the run has a step to show.
    pub fn has_steps(&self) -> bool {
        self.traj.positions() > 0
    }
}

/// Once a frame: takes the run's new steps, moves the step scrubber to the newest one
/// while the run is followed, and goes back to the forward view while there is nothing
/// to show in reverse (no run, or a run that ended before its first step).
pub(crate) fn poll_reverse_run<Extra>(
    run: &mut Option<ReverseRun<Extra>>,
    mode: &mut ViewMode,
    reverse_scrubber: &mut Scrubber,
) {
    // Only a run still going moves the scrubber (on the frame it ends too, to show its
    // last step); once it has ended, the scrubber is the user's.
    if let Some(run) = run.as_mut()
        && run.is_running()
    {
        run.poll();
        if run.follow && run.has_steps() {
            reverse_scrubber.t = run.traj.positions() - 1;
        }
    }
    if run
        .as_ref()
        .is_none_or(|r| !r.has_steps() && !r.is_running())
    {
        *mode = ViewMode::Forward;
    }
}

/// Shows a run just started: the reverse view at its first step.
pub(crate) fn show_new_run<Extra>(
    slot: &mut Option<ReverseRun<Extra>>,
    run: ReverseRun<Extra>,
    mode: &mut ViewMode,
    reverse_scrubber: &mut Scrubber,
) {
    *slot = Some(run);
    reverse_scrubber.t = 0;
    reverse_scrubber.playing = false;
    *mode = ViewMode::Reverse;
}

// ---------------------------------------------------------------------- words

/// The keys of a panel's i18n table that the shared widgets draw (the panels word some
/// of them differently, so each keeps its own). Implement it with
/// [`impl_denoiser_text!`], which takes the table's keys of the same names.
pub(crate) trait DenoiserText: Text {
    /// The forward view's button.
    const FORWARD: Self;
    /// The reverse view's button.
    const REVERSE: Self;
    /// Hover text of the reverse button while there is no run.
    const NO_RUN_YET: Self;
    /// The t scrubber's label.
    const T: Self;
    /// The step scrubber's label.
    const STEP: Self;
    /// "step {0} of {1} · t = {2}".
    const STEP_AT: Self;
    /// The run's progress: "…: step {0} of {1}".
    const RUNNING: Self;
    /// "cancelled after {0} steps…".
    const RUN_CANCELLED: Self;
    /// "… failed: {0}".
    const RUN_FAILED: Self;
    const MODEL_LOADING: Self;
    /// "… could not be loaded: {0}".
    const MODEL_FAILED: Self;
    const LOAD_FOLDER: Self;
    /// While a file dialog is open.
    const WAITING: Self;
    /// "saved {0}".
    const SAVED: Self;
    /// "could not save: {0}".
    const SAVE_FAILED: Self;
    /// The sampler combo's label and its two choices.
    const SAMPLER: Self;
    const DDIM: Self;
    const DDPM: Self;
    const EULER: Self;
    const HEUN: Self;
    const DPM_SOLVER: Self;
    /// The Karras σ's check box of the ODE solvers.
    const KARRAS: Self;
    /// The label of the number of steps.
    const STEPS: Self;
}

/// Implements [`DenoiserText`] for a panel's table from its keys of the same names.
macro_rules! impl_denoiser_text {
    ($table:ident) => {
        impl $crate::ui::denoiser_view::DenoiserText for $table {
            const FORWARD: Self = $table::Forward;
            const REVERSE: Self = $table::Reverse;
            const NO_RUN_YET: Self = $table::NoRunYet;
            const T: Self = $table::T;
            const STEP: Self = $table::Step;
            const STEP_AT: Self = $table::StepAt;
            const RUNNING: Self = $table::Running;
            const RUN_CANCELLED: Self = $table::RunCancelled;
            const RUN_FAILED: Self = $table::RunFailed;
            const MODEL_LOADING: Self = $table::ModelLoading;
            const MODEL_FAILED: Self = $table::ModelFailed;
            const LOAD_FOLDER: Self = $table::LoadFolder;
            const WAITING: Self = $table::Waiting;
            const SAVED: Self = $table::Saved;
            const SAVE_FAILED: Self = $table::SaveFailed;
            const SAMPLER: Self = $table::Sampler;
            const DDIM: Self = $table::Ddim;
            const DDPM: Self = $table::Ddpm;
            const EULER: Self = $table::Euler;
            const HEUN: Self = $table::Heun;
            const DPM_SOLVER: Self = $table::DpmSolver;
            const KARRAS: Self = $table::Karras;
            const STEPS: Self = $table::Steps;
        }
    };
}
pub(crate) use impl_denoiser_text;

// ---------------------------------------------------------------------- widgets

/// The sampler combo and the number of steps of the chosen sampler (each sampler keeps its
/// own count), drawn into the caller's row. `big_t` bounds the steps.
pub(crate) fn sampler_and_steps_ui<K: DenoiserText>(
    ui: &mut egui::Ui,
    reverse: &mut ReverseSettings,
    big_t: usize,
    lang: Lang,
) {
    let name = |kind: SamplerKind| match kind {
        SamplerKind::Ddim => K::DDIM.tr(lang),
        SamplerKind::Ddpm => K::DDPM.tr(lang),
        SamplerKind::Euler => K::EULER.tr(lang),
        SamplerKind::Heun => K::HEUN.tr(lang),
        SamplerKind::DpmSolverPlusPlus2M => K::DPM_SOLVER.tr(lang),
    };
    egui::ComboBox::from_label(K::SAMPLER.tr(lang))
        .selected_text(name(reverse.sampler))
        .show_ui(ui, |ui| {
            for kind in SamplerKind::ALL {
                ui.selectable_value(&mut reverse.sampler, kind, name(kind));
            }
        });
    if reverse.sampler.ode().is_some() {
        ui.checkbox(&mut reverse.karras, K::KARRAS.tr(lang));
    }
    let steps = match reverse.sampler {
        SamplerKind::Ddim => &mut reverse.ddim_steps,
        SamplerKind::Ddpm => &mut reverse.ddpm_steps,
        SamplerKind::Euler | SamplerKind::Heun | SamplerKind::DpmSolverPlusPlus2M => {
            &mut reverse.ode_steps
        }
    };
    // The label and its field wrap as one: a long sampler name must not leave the field
    // alone on the next line.
    ui.horizontal(|ui| {
        let steps_label = ui.label(K::STEPS.tr(lang));
        ui.add(
            egui::DragValue::new(steps)
                .custom_parser(crate::ui::widgets::finite_number)
                .range(1..=big_t.max(1))
                .speed(1.0),
        )
        .labelled_by(steps_label.id);
    });
}

/// The forward/reverse switch; reverse is offered once a run has a step to show.
pub(crate) fn view_mode_switch<K: DenoiserText>(
    ui: &mut egui::Ui,
    mode: &mut ViewMode,
    has_run: bool,
    lang: Lang,
) {
    ui.selectable_value(mode, ViewMode::Forward, K::FORWARD.tr(lang));
    let rev = ui.add_enabled(
        has_run,
        egui::Button::selectable(*mode == ViewMode::Reverse, K::REVERSE.tr(lang)),
    );
    if rev.clicked() {
        *mode = ViewMode::Reverse;
    }
    if !has_run {
        rev.on_disabled_hover_text(K::NO_RUN_YET.tr(lang));
    }
}

/// The t scrubber over 0..=`big_t` (forward) or the step scrubber over the run (reverse,
/// with the t of the step shown); `scrubbers` are the panel's (forward, reverse) pair.
/// Scrubbing a run stops following its newest step.
pub(crate) fn scrubber_row<K: DenoiserText, Extra>(
    ui: &mut egui::Ui,
    mode: ViewMode,
    scrubbers: (&mut Scrubber, &mut Scrubber),
    run: Option<&mut ReverseRun<Extra>>,
    big_t: usize,
    lang: Lang,
) {
    let (scrubber, reverse_scrubber) = scrubbers;
    match mode {
        ViewMode::Forward => {
            scrubber.ui(ui, K::T.tr(lang), 0, big_t, lang);
        }
        ViewMode::Reverse => {
            let Some(run) = run else {
                return;
            };
            let last = run.traj.positions().saturating_sub(1);
            let before = reverse_scrubber.t;
            // The shared scrubber leaves room for a one-letter label; "step" is longer.
            let changed = ui
                .scope(|ui| {
                    ui.set_max_width(ui.available_width() - 24.0);
                    reverse_scrubber.ui(ui, K::STEP.tr(lang), 0, last, lang)
                })
                .inner;
            if changed || reverse_scrubber.playing || before != reverse_scrubber.t {
                run.follow = false;
            }
            let k = reverse_scrubber.t.min(last);
            if let Some(t) = run.traj.t_at(k) {
                // Position k is the sample after k steps, counted out of the run's planned
                // steps, as the progress bar counts them.
                ui.label(fill(K::STEP_AT.tr(lang), &[&k, &run.total.max(last), &t]));
            }
        }
    }
}

/// The model combo box: `choices` named by `name`, `current` marked. Returns the one
/// clicked this frame.
pub(crate) fn model_combo<T: PartialEq + Clone>(
    ui: &mut egui::Ui,
    label: &str,
    selected_text: String,
    choices: &[T],
    current: Option<&T>,
    name: impl Fn(&T) -> String,
) -> Option<T> {
    let mut picked = None;
    egui::ComboBox::from_label(label)
        .selected_text(selected_text)
        .show_ui(ui, |ui| {
            for c in choices {
                if ui.selectable_label(current == Some(c), name(c)).clicked() {
                    picked = Some(c.clone());
                }
            }
        });
    picked
}

/// "Load model folder…": true when clicked (the caller opens the dialog, or its path
/// field where no dialog can open).
pub(crate) fn load_folder_button<K: DenoiserText>(
    ui: &mut egui::Ui,
    enabled: bool,
    lang: Lang,
) -> bool {
    ui.add_enabled(enabled, egui::Button::new(K::LOAD_FOLDER.tr(lang)))
        .clicked()
}

/// A spinner while the model loads, and why it could not be loaded.
pub(crate) fn model_load_status_ui<K: DenoiserText, Key: PartialEq + Clone, T: Send + 'static>(
    ui: &mut egui::Ui,
    model_job: &KeyedJob<Key, T>,
    lang: Lang,
) {
    if model_job.is_running() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(K::MODEL_LOADING.tr(lang));
        });
    }
    if let Some(e) = model_job.error() {
        let message = fill(K::MODEL_FAILED.tr(lang), &[&e]);
        ui.colored_label(ui.visuals().error_fg_color, message);
    }
}

/// The run's progress bar while it goes, then how it ended; `done` words a finished
/// run (the panels say different things about it). Nothing without a run.
pub(crate) fn run_status_ui<K: DenoiserText, Extra>(
    ui: &mut egui::Ui,
    run: Option<&ReverseRun<Extra>>,
    lang: Lang,
    done: impl FnOnce(&ReverseRun<Extra>, &ReverseSummary) -> String,
) {
    let Some(run) = run else {
        return;
    };
    if run.job.is_some() {
        // The steps received so far, out of the planned steps: the same numbers the step
        // scrubber shows (the job's own progress lags by up to its throttle).
        let (done, total) = run_progress(run);
        ui.add(
            egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                .desired_width(ui.available_width().min(320.0))
                .text(fill(K::RUNNING.tr(lang), &[&done, &total])),
        );
    }
    match &run.outcome {
        Some(RunOutcome::Done(s)) => {
            ui.weak(done(run, s));
        }
        Some(RunOutcome::Cancelled) => {
            ui.weak(fill(K::RUN_CANCELLED.tr(lang), &[&run.traj.frames.len()]));
        }
        Some(RunOutcome::Failed(m)) => {
            let message = fill(K::RUN_FAILED.tr(lang), &[m]);
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        None => {}
    }
}

/// (steps received, steps planned) of a run: what its progress bar and step line say.
pub(crate) fn run_progress<Extra>(run: &ReverseRun<Extra>) -> (usize, usize) {
    let done = run.traj.frames.len();
    (done, run.total.max(done))
}

/// A spinner while a save (its dialog or its writing) is under way, then where the file
/// went or why it could not be written.
pub(crate) fn save_status_ui<K: DenoiserText>(
    ui: &mut egui::Ui,
    busy: bool,
    status: Option<&Result<PathBuf, String>>,
    lang: Lang,
) {
    if busy {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.weak(K::WAITING.tr(lang));
        });
    }
    match status {
        Some(Ok(p)) => {
            ui.weak(fill(K::SAVED.tr(lang), &[&p.display()]));
        }
        Some(Err(e)) => {
            let message = fill(K::SAVE_FAILED.tr(lang), &[e]);
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        None => {}
    }
}
