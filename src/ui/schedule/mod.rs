//! The Schedule panel: tune β schedules by eye.
//!
//! Controls (presets, kind, T, β range, zero terminal SNR, a custom log-SNR curve) edit
//! the *current* schedule; up to three snapshots can be overlaid next to it. Plots over t
//! share one cursor; the by-eye strip noises one picture with one ε under every shown
//! schedule; the linter comments on the current schedule. The first shown schedule is
//! the active one that the other panels use.
//!
//! Inputs persist; everything drawn is derived ([`DerivedSchedules`]) and recomputed only
//! when a shown spec changes.

mod derived;
mod files;
mod inputs;
mod log_snr_view;
mod paths;
mod plots;
mod text;
mod view;

pub use derived::{
    Curves, DerivedEntry, DerivedSchedules, STRIP_FRAMES, STRIP_SIZE, StripBase, strip_frames,
    strip_times,
};
pub use files::crop_to_png;
pub use inputs::*;
pub use log_snr_view::LogSnrView;
pub use paths::{PathEntry, PathPurpose, SchedExport};
use plots::PendingScreenshot;
pub use plots::log10_tick_label;
pub use text::{
    SchedText, config_error_text, finding_text, import_warning_text, read_error_text,
    schedule_error_text,
};

use crate::app::{LabContext, Lang, jobs};
use crate::diffusion::diffusers::{self, DiffusersConfigError, ImportWarning, SamplerSettings};
use crate::diffusion::lint::{self, Finding, LintOptions, Severity, fmt_sig};
use crate::diffusion::log_snr_curve::{CurveError, DEFAULT_POINTS, LOG_SNR_LIMIT, LogSnrCurve};
use crate::diffusion::{Schedule, ScheduleError, ScheduleKind, ScheduleSpec};
use crate::egui::{self, Color32, ColorImage, Rect, RichText, TextureHandle, Vec2};
use crate::ui::i18n::Text;
use crate::ui::widgets::{PathFallback, PathLabels, Scrubber, math_job};
use egui_plot::{
    Corner, Legend, Line, LineStyle, MarkerShape, Plot, PlotBounds, PlotPoint, PlotPoints, Points,
    VLine,
};
use files::DialogJob;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use text::{curve_error_text, severity_text, tr_fill};

/// The smallest T the panel accepts.
pub const MIN_STEPS: usize = 2;
/// The largest T the panel accepts.
pub const MAX_STEPS: usize = 10_000;
/// Schedules overlaid at once (the current one included).
pub const MAX_SHOWN: usize = 4;
/// Snapshots kept next to the current schedule.
pub const MAX_COMPARED: usize = MAX_SHOWN - 1;
/// Every preset button's size: equal and fixed, so choosing one moves none of the others.
const PRESET_BUTTON: Vec2 = Vec2::new(150.0, 22.0);
/// The β sliders' range (typed values may go anywhere in (0, 1)).
pub const BETA_SLIDER_MIN: f64 = 1e-6;
pub const BETA_SLIDER_MAX: f64 = 0.5;
/// Largest config file the panel reads.
const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// One colour per slot: 0 is the current schedule, 1..=3 the compared ones. Chosen to stay
/// apart for common colour-vision deficiencies and to read on light and dark backgrounds.
pub const PALETTE: [Color32; MAX_SHOWN] = [
    Color32::from_rgb(66, 146, 230),
    Color32::from_rgb(238, 134, 40),
    Color32::from_rgb(60, 170, 90),
    Color32::from_rgb(210, 80, 160),
];

/// The result of the last import, shown in the panel.
#[derive(Clone, Debug)]
pub enum ImportStatus {
    Imported {
        file: String,
        summary: ScheduleSpec,
        warnings: Vec<ImportWarning>,
    },
    Failed {
        file: String,
        error: ImportError,
    },
}

/// Why a config was not imported.
#[derive(Clone, Debug)]
pub enum ImportError {
    Read(Arc<crate::fsutil::ReadError>),
    Config(Arc<DiffusersConfigError>),
    NotSchedulerConfig,
    StepsOutOfRange(usize),
    Build(ScheduleError),
}

impl ImportError {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            ImportError::Read(e) => {
                tr_fill(SchedText::ReadFailed, lang, &[&read_error_text(e, lang)])
            }
            ImportError::Config(e) => config_error_text(e, lang),
            ImportError::NotSchedulerConfig => SchedText::NotSchedulerConfig.tr(lang).to_string(),
            ImportError::StepsOutOfRange(n) => {
                tr_fill(SchedText::ImportStepsOutOfRange, lang, &[n])
            }
            ImportError::Build(e) => schedule_error_text(e, lang),
        }
    }
}

/// What a file job reports back.
#[derive(Clone, Debug)]
enum FileStatus {
    Saved(PathBuf),
    Cancelled,
    Failed(String),
}

/// The four plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotKind {
    Beta,
    AlphaBar,
    SignalNoise,
    LogSnr,
}

impl PlotKind {
    pub const ALL: [PlotKind; 4] = [
        PlotKind::Beta,
        PlotKind::AlphaBar,
        PlotKind::SignalNoise,
        PlotKind::LogSnr,
    ];

    /// Its place in [`Self::ALL`].
    fn index(self) -> usize {
        self as usize
    }

    /// The plot's egui id (where egui_plot keeps its bounds: a test can zoom through it).
    pub fn plot_id(self) -> egui::Id {
        egui::Id::unique(self.id())
    }

    fn id(self) -> &'static str {
        match self {
            PlotKind::Beta => "schedule-plot-beta",
            PlotKind::AlphaBar => "schedule-plot-alpha-bar",
            PlotKind::SignalNoise => "schedule-plot-signal-noise",
            PlotKind::LogSnr => "schedule-plot-log-snr",
        }
    }

    fn title(self, lang: Lang, editing: bool) -> &'static str {
        match self {
            PlotKind::Beta => SchedText::PlotBeta.tr(lang),
            PlotKind::AlphaBar => SchedText::PlotAlphaBar.tr(lang),
            PlotKind::SignalNoise => SchedText::PlotSignalNoise.tr(lang),
            PlotKind::LogSnr if editing => SchedText::PlotLogSnrEdit.tr(lang),
            PlotKind::LogSnr => SchedText::PlotLogSnr.tr(lang),
        }
    }
}

/// One shown schedule: its slot (colour), legend name and spec.
#[derive(Clone, Debug)]
pub struct Shown<'a> {
    pub slot: usize,
    pub name: String,
    pub spec: &'a ScheduleSpec,
}

/// Text fields as typed (not persisted: they are rebuilt from the inputs).
#[derive(Default)]
struct TypedTexts {
    steps: String,
    beta_start: String,
    beta_end: String,
    steps_problem: Option<InputProblem>,
    beta_start_problem: Option<InputProblem>,
    beta_end_problem: Option<InputProblem>,
}

/// The panel's state. Inputs persist; derived data is recomputed when inputs change.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct SchedulePanel {
    /// What the controls hold.
    pub inputs: ScheduleInputs,
    /// The current schedule: the last spec the inputs built (kept while they do not).
    pub spec: ScheduleSpec,
    pub current_visible: bool,
    /// Snapshots overlaid next to the current schedule (at most [`MAX_COMPARED`]).
    pub compared: Vec<ComparedSchedule>,
    /// The shared t cursor.
    pub cursor: Scrubber,
    /// Plot β and β̃ on a log axis.
    pub log_beta_axis: bool,
    /// The log-SNR view (shown instead of the four plots when on).
    pub log_snr_view: LogSnrView,
    #[serde(skip)]
    texts: TypedTexts,
    #[serde(skip)]
    initialized: bool,
    /// Why the inputs do not build (the typed-text problems live in `texts`).
    #[serde(skip)]
    pub build_problem: Option<InputProblem>,
    /// The linter's findings on the spec the inputs describe, and that spec.
    #[serde(skip)]
    lint: Option<(ScheduleSpec, Vec<Finding>)>,
    #[serde(skip)]
    derived: Option<DerivedSchedules>,
    #[serde(skip)]
    textures: Vec<(u64, Vec<TextureHandle>)>,
    /// Sampler settings of the last imported config, written back on export.
    #[serde(skip)]
    sampler: SamplerSettings,
    #[serde(skip)]
    pub import_status: Option<ImportStatus>,
    #[serde(skip)]
    file_status: Option<FileStatus>,
    #[serde(skip)]
    dialog: Option<(PathPurpose, DialogJob)>,
    /// Whether native file dialogs work here, and the path field offered where not.
    #[serde(skip)]
    paths: PathFallback<PathPurpose>,
    /// A config path typed into the path field, imported at the start of the next frame.
    #[serde(skip)]
    typed_import: Option<PathBuf>,
    #[serde(skip)]
    screenshot: Option<PendingScreenshot>,
    /// An asked-for PNG of the plots: `Some(None)` asks where to save it.
    #[serde(skip)]
    png_request: Option<Option<PathBuf>>,
    #[serde(skip)]
    plots_rect: Option<Rect>,
    #[serde(skip)]
    hover_t: Option<usize>,
    #[serde(skip)]
    drag_point: Option<usize>,
    /// Where the custom curve's control points were drawn last frame (screen points).
    #[serde(skip)]
    control_point_positions: Vec<egui::Pos2>,
    /// The custom curve drawn through its points, for the curve and T it was made for.
    #[serde(skip)]
    curve_line: Option<(LogSnrCurve, usize, Vec<PlotPoint>)>,
    #[serde(skip)]
    compare_full: bool,
    #[serde(skip)]
    publish_problem: Option<ScheduleError>,
    /// Plots the user panned or zoomed away from their automatic view (last frame).
    /// The schedule the file and import messages are about: they go when it changes.
    #[serde(skip)]
    status_for: Option<ScheduleSpec>,
    #[serde(skip)]
    view_moved: [bool; 4],
    /// Plots whose "reset view" was pressed: drawn with their automatic view this frame.
    #[serde(skip)]
    view_reset: [bool; 4],
}

impl Default for SchedulePanel {
    fn default() -> Self {
        let spec = ScheduleSpec::default();
        Self {
            inputs: ScheduleInputs::from_spec(&spec),
            spec,
            current_visible: true,
            compared: Vec::new(),
            cursor: Scrubber::new(1),
            log_beta_axis: true,
            log_snr_view: LogSnrView::default(),
            texts: TypedTexts::default(),
            initialized: false,
            build_problem: None,
            lint: None,
            derived: None,
            textures: Vec::new(),
            sampler: SamplerSettings::default(),
            import_status: None,
            file_status: None,
            dialog: None,
            paths: PathFallback::default(),
            typed_import: None,
            screenshot: None,
            png_request: None,
            plots_rect: None,
            hover_t: None,
            drag_point: None,
            control_point_positions: Vec::new(),
            curve_line: None,
            compare_full: false,
            publish_problem: None,
            status_for: None,
            view_moved: [false; 4],
            view_reset: [false; 4],
        }
    }
}

impl SchedulePanel {
    // ----- state -----------------------------------------------------------------------

    /// Makes the inputs agree with the persisted spec and fills the text fields (once).
    fn ensure_initialized(&mut self) {
        if self.initialized {
            return;
        }
        self.initialized = true;
        // A stored spec that no longer builds (an edited state file) is not a good state.
        if self.spec.build().is_err() {
            self.spec = ScheduleSpec::default();
        }
        if self.inputs.to_spec().ok().as_ref() != Some(&self.spec) {
            self.inputs = ScheduleInputs::from_spec(&self.spec);
        }
        self.compared.truncate(MAX_COMPARED);
        self.sync_all_texts();
        self.apply_inputs();
    }

    fn sync_steps_text(&mut self) {
        self.texts.steps = self.inputs.num_steps.to_string();
        self.texts.steps_problem = None;
    }

    fn sync_beta_start_text(&mut self) {
        self.texts.beta_start = format_beta(self.inputs.beta_start);
        self.texts.beta_start_problem = None;
    }

    fn sync_beta_end_text(&mut self) {
        self.texts.beta_end = format_beta(self.inputs.beta_end);
        self.texts.beta_end_problem = None;
    }

    fn sync_all_texts(&mut self) {
        self.sync_steps_text();
        self.sync_beta_start_text();
        self.sync_beta_end_text();
    }

    /// Builds the inputs: on success they become the current schedule; otherwise the
    /// problem is shown and the last good schedule stays.
    pub fn apply_inputs(&mut self) {
        match self.inputs.to_spec() {
            Ok(spec) => {
                if self.lint.as_ref().map(|(s, _)| s) != Some(&spec) {
                    let findings = lint::lint(&spec, &LintOptions::default());
                    self.lint = Some((spec.clone(), findings));
                }
                match spec.build() {
                    Ok(_) => {
                        self.spec = spec;
                        self.build_problem = None;
                    }
                    Err(e) => self.build_problem = Some(InputProblem::Build(e)),
                }
            }
            Err(p) => {
                self.lint = None;
                self.build_problem = Some(p);
            }
        }
    }

    /// Every problem with what is typed or set, in the order of the controls.
    pub fn input_problems(&self) -> Vec<&InputProblem> {
        [
            self.texts.steps_problem.as_ref(),
            self.texts.beta_start_problem.as_ref(),
            self.texts.beta_end_problem.as_ref(),
            self.build_problem.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The linter's findings on the current inputs (empty before the first frame).
    pub fn findings(&self) -> &[Finding] {
        self.lint.as_ref().map(|(_, f)| f.as_slice()).unwrap_or(&[])
    }

    /// Sets the controls to `spec` (a preset, an import, a compared schedule to edit).
    pub fn load_spec(&mut self, spec: &ScheduleSpec) {
        self.initialized = true;
        self.inputs = ScheduleInputs::from_spec(spec);
        self.sync_all_texts();
        self.apply_inputs();
    }

    pub fn apply_preset(&mut self, preset: Preset) {
        self.load_spec(&preset.spec());
    }

    /// Switches the kind; a custom curve starts from the schedule on screen.
    pub fn set_kind(&mut self, kind: ScheduleKind) {
        if kind == self.inputs.kind {
            return;
        }
        if kind == ScheduleKind::TrainedBetas {
            let plain = self.spec.clone().with_zero_snr(false);
            if let Ok(s) = plain.build() {
                self.inputs.curve = LogSnrCurve::from_schedule(&s, DEFAULT_POINTS);
            }
            self.inputs.imported_betas = None;
        }
        self.inputs.kind = kind;
        self.apply_inputs();
    }

    /// Moves control point `index` of the custom curve toward (u, λ). The move is taken
    /// only if the schedule it gives builds, so ᾱ stays strictly decreasing.
    pub fn move_control_point(&mut self, index: usize, u: f64, log_snr: f64) -> bool {
        let curve = self.inputs.curve.with_point_moved(index, u, log_snr);
        let Ok(betas) = curve.betas(self.inputs.num_steps) else {
            return false;
        };
        let spec = ScheduleSpec::trained(betas).with_zero_snr(self.inputs.zero_snr);
        if spec.build().is_err() {
            return false;
        }
        self.inputs.curve = curve;
        self.inputs.imported_betas = None;
        self.apply_inputs();
        true
    }

    /// Adds a snapshot of the current schedule to the comparison (false when full).
    pub fn add_current_to_comparison(&mut self) -> bool {
        if self.compared.len() >= MAX_COMPARED {
            self.compare_full = true;
            return false;
        }
        let slot = (1..=MAX_COMPARED)
            .find(|s| !self.compared.iter().any(|c| c.slot == *s))
            .unwrap_or(1);
        self.compared.push(ComparedSchedule {
            spec: self.spec.clone(),
            visible: true,
            slot,
        });
        self.compare_full = false;
        true
    }

    /// Removes the compared schedule with this slot number.
    pub fn remove_compared(&mut self, slot: usize) {
        self.compared.retain(|c| c.slot != slot);
        self.compare_full = false;
    }

    /// The schedules drawn, in order: the current one (if shown), then the compared ones.
    pub fn shown(&self, lang: Lang) -> Vec<Shown<'_>> {
        let mut out = Vec::with_capacity(MAX_SHOWN);
        if self.current_visible {
            out.push(Shown {
                slot: 0,
                name: SchedText::Current.tr(lang).to_string(),
                spec: &self.spec,
            });
        }
        for c in self.compared.iter().filter(|c| c.visible) {
            out.push(Shown {
                slot: c.slot.min(MAX_SHOWN - 1),
                name: tr_fill(SchedText::Compared, lang, &[&c.slot]),
                spec: &c.spec,
            });
        }
        out.truncate(MAX_SHOWN);
        out
    }

    /// The active schedule: the first shown one (the current one when none is shown).
    pub fn active_spec(&self) -> &ScheduleSpec {
        if self.current_visible {
            return &self.spec;
        }
        self.compared
            .iter()
            .find(|c| c.visible)
            .map(|c| &c.spec)
            .unwrap_or(&self.spec)
    }

    /// Publishes the active schedule to the other panels.
    pub fn publish(&mut self, lab: &mut LabContext) {
        let spec = self.active_spec();
        if lab.schedule.spec() == spec {
            self.publish_problem = None;
            return;
        }
        let cached = self.derived.as_ref().and_then(|d| {
            d.entries()
                .iter()
                .filter_map(|e| e.as_ref().ok())
                .find(|e| &e.spec == spec)
                .map(|e| e.schedule.clone())
        });
        match cached.map(Ok).unwrap_or_else(|| spec.build().map(Arc::new)) {
            Ok(s) => {
                lab.set_schedule(s);
                self.publish_problem = None;
            }
            Err(e) => self.publish_problem = Some(e),
        }
    }

    /// Recomputes what is drawn if the shown specs changed (only the entries whose spec
    /// changed). Returns true if anything did. Needs no `Ui`: this is the per-frame
    /// derived work the benchmark measures; uploading the strip textures comes after.
    pub fn refresh_derived(&mut self) -> bool {
        let derived = self.derived.get_or_insert_with(DerivedSchedules::default);
        let mut specs: Vec<&ScheduleSpec> = Vec::with_capacity(MAX_SHOWN);
        if self.current_visible {
            specs.push(&self.spec);
        }
        specs.extend(self.compared.iter().filter(|c| c.visible).map(|c| &c.spec));
        specs.truncate(MAX_SHOWN);
        let changed = derived.update(&specs);
        if changed {
            let live: Vec<u64> = derived
                .entries()
                .iter()
                .filter_map(|e| e.as_ref().ok().map(|e| e.revision))
                .collect();
            self.textures.retain(|(rev, _)| live.contains(rev));
        }
        changed
    }

    /// The derived data of what is shown (after the first frame).
    pub fn derived(&self) -> Option<&DerivedSchedules> {
        self.derived.as_ref()
    }

    // ----- files -----------------------------------------------------------------------

    /// Imports a diffusers config by path (the file dialog and a drop both end here). On
    /// error the current schedules stay and the message is shown in the panel.
    pub fn import_config_path(&mut self, path: &Path, lab: &mut LabContext) {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        self.ensure_initialized();
        match read_config(path) {
            Ok((spec, sampler, warnings)) => {
                self.load_spec(&spec);
                self.sampler = sampler;
                self.current_visible = true;
                self.import_status = Some(ImportStatus::Imported {
                    file,
                    summary: spec,
                    warnings,
                });
                self.publish(lab);
            }
            Err(error) => self.import_status = Some(ImportStatus::Failed { file, error }),
        }
        self.status_now();
    }

    /// The current schedule as the CLI's CSV.
    pub fn csv_text(&self) -> Result<String, ScheduleError> {
        Ok(self.spec.build()?.to_csv())
    }

    /// The current schedule as diffusers' `scheduler_config.json`.
    pub fn config_text(&self) -> String {
        diffusers::to_config_string(&self.spec, &self.sampler)
    }

    fn repaint(ctx: &egui::Context) -> jobs::Repaint {
        let ctx = ctx.clone();
        Arc::new(move || ctx.request_repaint())
    }

    /// Polls the file dialog job and a pending screenshot.
    fn poll_files(&mut self, ctx: &egui::Context, lab: &mut LabContext) {
        if let Some(path) = self.typed_import.take() {
            self.import_config_path(&path, lab);
        }
        if let Some((purpose, job)) = &mut self.dialog
            && let Some(outcome) = job.poll()
        {
            let purpose = *purpose;
            self.dialog = None;
            match (purpose, outcome) {
                (PathPurpose::Import, jobs::JobOutcome::Finished(Some(path))) => {
                    self.paths.dialog_done();
                    self.import_config_path(&path, lab);
                }
                (PathPurpose::Save(_), jobs::JobOutcome::Finished(Some(path))) => {
                    self.paths.dialog_done();
                    self.file_status = Some(FileStatus::Saved(path));
                    self.status_now();
                }
                (_, jobs::JobOutcome::Finished(None)) | (_, jobs::JobOutcome::Cancelled) => {
                    if let PathPurpose::Save(_) = purpose {
                        self.file_status = Some(FileStatus::Cancelled);
                        self.status_now();
                    }
                    // Back at once: no dialog ever showed; the path field opens.
                    self.paths.dialog_came_back_empty(purpose);
                }
                (PathPurpose::Import, jobs::JobOutcome::Failed(_)) => {
                    self.paths.dialog_failed(purpose);
                }
                (PathPurpose::Save(_), jobs::JobOutcome::Failed(e)) => {
                    self.file_status = Some(FileStatus::Failed(e));
                    self.status_now();
                }
            }
        }
        if let Some(pending) = &self.screenshot
            && let Ok(image) = pending.image.try_recv()
            && let Some(p) = self.screenshot.take()
        {
            let job = files::spawn_png_export(Self::repaint(ctx), image, p.rect, p.ppp, p.target);
            self.dialog = Some((PathPurpose::Save(SchedExport::Png), job));
        }
    }

    /// Notes that the file and import messages now describe the current schedule.
    fn status_now(&mut self) {
        self.status_for = Some(self.spec.clone());
    }

    /// "Saved …", "Imported …" and their failures describe the schedule they were about:
    /// once it changes they go.
    pub fn drop_stale_status(&mut self) {
        if self.status_for.as_ref().is_some_and(|s| *s != self.spec) {
            self.file_status = None;
            self.import_status = None;
            self.status_for = None;
        }
    }

    /// True while a file or import message is shown.
    pub fn has_status(&self) -> bool {
        self.file_status.is_some() || self.import_status.is_some()
    }

    /// Asks for a PNG of the plots: a screenshot of the next frame, cropped to the plots,
    /// saved to `path` (or where a save dialog says when `None`).
    pub fn export_plots_png(&mut self, path: Option<PathBuf>) {
        self.png_request = Some(path);
    }

    /// Sends the screenshot request of [`Self::export_plots_png`] once the plots are laid
    /// out this frame.
    fn request_png(&mut self, ctx: &egui::Context, lang: Lang) {
        let Some(target) = self.png_request.take() else {
            return;
        };
        let Some(rect) = self.plots_rect else {
            self.file_status = Some(FileStatus::Failed(
                SchedText::PngNoPlots.tr(lang).to_string(),
            ));
            self.status_now();
            return;
        };
        let (tx, rx) = channel();
        let repaint = ctx.clone();
        ctx.request_screenshot(move |image| {
            let _ = tx.send(image);
            repaint.request_repaint();
        });
        self.screenshot = Some(PendingScreenshot {
            image: rx,
            rect,
            ppp: ctx.pixels_per_point(),
            target,
        });
    }
}

/// Reads and checks a config: the spec must look like a scheduler config, fit the
/// panel's T range and build.
fn read_config(
    path: &Path,
) -> Result<(ScheduleSpec, SamplerSettings, Vec<ImportWarning>), ImportError> {
    let text = crate::fsutil::read_text_limited(path, "config", MAX_CONFIG_BYTES)
        .map_err(|e| ImportError::Read(Arc::new(e)))?;
    let imported =
        diffusers::from_config_str(&text).map_err(|e| ImportError::Config(Arc::new(e)))?;
    // from_config_str fills defaults for missing keys; a JSON with none of the schedule
    // keys is some other file (a model's config.json), not a schedule.
    let has_schedule_key = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .is_some_and(|m| {
            [
                "num_train_timesteps",
                "beta_schedule",
                "beta_start",
                "beta_end",
                "trained_betas",
            ]
            .iter()
            .any(|k| m.contains_key(*k))
        });
    if !has_schedule_key {
        return Err(ImportError::NotSchedulerConfig);
    }
    let steps = imported.spec.effective_steps();
    if !(MIN_STEPS..=MAX_STEPS).contains(&steps) {
        return Err(ImportError::StepsOutOfRange(steps));
    }
    imported.spec.build().map_err(ImportError::Build)?;
    Ok((imported.spec, imported.sampler, imported.warnings))
}
