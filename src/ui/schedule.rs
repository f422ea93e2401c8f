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
mod log_snr_view;
mod text;

pub use derived::{
    Curves, DerivedEntry, DerivedSchedules, STRIP_FRAMES, STRIP_SIZE, StripBase, strip_frames,
    strip_times,
};
pub use files::crop_to_png;
pub use log_snr_view::LogSnrView;
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
use crate::ui::widgets::{Scrubber, math_job};
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

/// The named schedules one click away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    DdpmLinear,
    StableDiffusion,
    ImprovedCosine,
    Sigmoid,
    ZeroSnrLinear,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::DdpmLinear,
        Preset::StableDiffusion,
        Preset::ImprovedCosine,
        Preset::Sigmoid,
        Preset::ZeroSnrLinear,
    ];

    /// The spec the preset sets.
    pub fn spec(self) -> ScheduleSpec {
        match self {
            Preset::DdpmLinear => ScheduleSpec::linear(1000, 1e-4, 0.02),
            Preset::StableDiffusion => ScheduleSpec::scaled_linear(1000, 0.00085, 0.012),
            Preset::ImprovedCosine => ScheduleSpec::cosine(1000),
            Preset::Sigmoid => ScheduleSpec::sigmoid(1000, 1e-4, 0.02),
            Preset::ZeroSnrLinear => ScheduleSpec::linear(1000, 1e-4, 0.02).with_zero_snr(true),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Preset::DdpmLinear => SchedText::PresetDdpm.tr(lang),
            Preset::StableDiffusion => SchedText::PresetSd.tr(lang),
            Preset::ImprovedCosine => SchedText::PresetCosine.tr(lang),
            Preset::Sigmoid => SchedText::PresetSigmoid.tr(lang),
            Preset::ZeroSnrLinear => SchedText::PresetZeroSnr.tr(lang),
        }
    }

    fn hint(self, lang: Lang) -> &'static str {
        match self {
            Preset::DdpmLinear => SchedText::PresetDdpmHint.tr(lang),
            Preset::StableDiffusion => SchedText::PresetSdHint.tr(lang),
            Preset::ImprovedCosine => SchedText::PresetCosineHint.tr(lang),
            Preset::Sigmoid => SchedText::PresetSigmoidHint.tr(lang),
            Preset::ZeroSnrLinear => SchedText::PresetZeroSnrHint.tr(lang),
        }
    }
}

fn kind_label(kind: ScheduleKind, lang: Lang) -> &'static str {
    match kind {
        ScheduleKind::Linear => SchedText::KindLinear.tr(lang),
        ScheduleKind::ScaledLinear => SchedText::KindScaledLinear.tr(lang),
        ScheduleKind::SquaredcosCapV2 => SchedText::KindCosine.tr(lang),
        ScheduleKind::Sigmoid => SchedText::KindSigmoid.tr(lang),
        ScheduleKind::TrainedBetas => SchedText::KindCustom.tr(lang),
    }
}

/// The short description of a spec shown in lists, legends and messages.
pub fn spec_summary(spec: &ScheduleSpec, lang: Lang) -> String {
    let steps = spec.effective_steps();
    let base = match spec.kind {
        ScheduleKind::Linear | ScheduleKind::ScaledLinear | ScheduleKind::Sigmoid => tr_fill(
            SchedText::SummaryRange,
            lang,
            &[
                &spec.kind.diffusers_name(),
                &format_beta(spec.beta_start),
                &format_beta(spec.beta_end),
                &steps,
            ],
        ),
        ScheduleKind::SquaredcosCapV2 => tr_fill(
            SchedText::SummaryNoRange,
            lang,
            &[&SchedText::CosineName.tr(lang), &steps],
        ),
        ScheduleKind::TrainedBetas => tr_fill(
            SchedText::SummaryNoRange,
            lang,
            &[&SchedText::CustomName.tr(lang), &steps],
        ),
    };
    if spec.rescale_zero_snr {
        tr_fill(SchedText::SummaryZeroSnr, lang, &[&base])
    } else {
        base
    }
}

/// β as typed text: the shortest decimal that reads back as the same f64.
pub fn format_beta(v: f64) -> String {
    format!("{v}")
}

/// `v` rounded to three significant digits (what a slider sets, so specs stay readable).
fn round_sig3(v: f64) -> f64 {
    format!("{v:.2e}").parse().unwrap_or(v)
}

/// Why the inputs do not give a schedule. Shown in the panel; the last good schedule
/// stays on screen meanwhile.
#[derive(Clone, Debug, PartialEq)]
pub enum InputProblem {
    StepsNotNumber(String),
    StepsOutOfRange(String),
    BetaNotNumber { name: &'static str, text: String },
    BetaOutOfRange { name: &'static str, value: f64 },
    Curve(CurveError),
    Build(ScheduleError),
}

impl InputProblem {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            InputProblem::StepsNotNumber(t) => tr_fill(SchedText::StepsNotNumber, lang, &[t]),
            InputProblem::StepsOutOfRange(v) => tr_fill(SchedText::StepsOutOfRange, lang, &[v]),
            InputProblem::BetaNotNumber { name, text } => {
                tr_fill(SchedText::BetaNotNumber, lang, &[name, text])
            }
            InputProblem::BetaOutOfRange { name, value } => {
                tr_fill(SchedText::BetaOutOfRange, lang, &[name, value])
            }
            InputProblem::Curve(e) => {
                tr_fill(SchedText::DoesNotBuild, lang, &[&curve_error_text(e, lang)])
            }
            InputProblem::Build(e) => tr_fill(
                SchedText::DoesNotBuild,
                lang,
                &[&schedule_error_text(e, lang)],
            ),
        }
    }
}

/// Parses a typed T: a whole number in [`MIN_STEPS`]..=[`MAX_STEPS`] (spaces and `_`
/// between digits allowed).
pub fn parse_steps(text: &str) -> Result<usize, InputProblem> {
    let clean: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ' ')
        .collect();
    let value = clean.parse::<i64>().ok().or_else(|| {
        clean
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15)
            .map(|v| v as i64)
    });
    match value {
        None => Err(InputProblem::StepsNotNumber(text.trim().to_string())),
        Some(v) if v < MIN_STEPS as i64 || v > MAX_STEPS as i64 => {
            Err(InputProblem::StepsOutOfRange(v.to_string()))
        }
        Some(v) => Ok(v as usize),
    }
}

/// Parses a typed β: a number strictly between 0 and 1.
pub fn parse_beta(name: &'static str, text: &str) -> Result<f64, InputProblem> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_nan() => Err(InputProblem::BetaNotNumber {
            name,
            text: text.trim().to_string(),
        }),
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        Ok(v) => Err(InputProblem::BetaOutOfRange { name, value: v }),
        Err(_) => Err(InputProblem::BetaNotNumber {
            name,
            text: text.trim().to_string(),
        }),
    }
}

/// What the controls hold. Always individually valid numbers (typed text that does not
/// parse never gets here); the combination may still fail to build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleInputs {
    pub kind: ScheduleKind,
    pub num_steps: usize,
    pub beta_start: f64,
    pub beta_end: f64,
    pub zero_snr: bool,
    /// The custom schedule's log-SNR curve (used by `trained_betas`).
    pub curve: LogSnrCurve,
    /// An imported β list, used as it is for `trained_betas` until the curve is edited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported_betas: Option<Vec<f64>>,
}

impl Default for ScheduleInputs {
    fn default() -> Self {
        Self::from_spec(&ScheduleSpec::default())
    }
}

impl ScheduleInputs {
    /// The inputs that give `spec` (a `trained_betas` spec keeps its list as imported and
    /// seeds the curve from it).
    pub fn from_spec(spec: &ScheduleSpec) -> Self {
        let mut inputs = Self {
            kind: spec.kind,
            num_steps: spec.effective_steps(),
            beta_start: spec.beta_start,
            beta_end: spec.beta_end,
            zero_snr: spec.rescale_zero_snr,
            curve: LogSnrCurve::default(),
            imported_betas: None,
        };
        if spec.kind == ScheduleKind::TrainedBetas {
            inputs.imported_betas = Some(spec.trained_betas.clone());
            if let Ok(s) = ScheduleSpec::trained(spec.trained_betas.clone()).build() {
                inputs.curve = LogSnrCurve::from_schedule(&s, DEFAULT_POINTS);
            }
        }
        inputs
    }

    /// The spec these inputs describe (not yet built).
    pub fn to_spec(&self) -> Result<ScheduleSpec, InputProblem> {
        if !(MIN_STEPS..=MAX_STEPS).contains(&self.num_steps) {
            return Err(InputProblem::StepsOutOfRange(self.num_steps.to_string()));
        }
        match self.kind {
            ScheduleKind::TrainedBetas => {
                let betas = match &self.imported_betas {
                    Some(b) => b.clone(),
                    None => self
                        .curve
                        .betas(self.num_steps)
                        .map_err(InputProblem::Curve)?,
                };
                let mut spec = ScheduleSpec::trained(betas);
                spec.beta_start = self.beta_start;
                spec.beta_end = self.beta_end;
                Ok(spec.with_zero_snr(self.zero_snr))
            }
            kind => {
                for (name, value) in [("β_start", self.beta_start), ("β_end", self.beta_end)] {
                    if !(value > 0.0 && value < 1.0) {
                        return Err(InputProblem::BetaOutOfRange { name, value });
                    }
                }
                Ok(
                    ScheduleSpec::new(kind, self.num_steps, self.beta_start, self.beta_end)
                        .with_zero_snr(self.zero_snr),
                )
            }
        }
    }
}

/// A snapshot overlaid next to the current schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComparedSchedule {
    pub spec: ScheduleSpec,
    pub visible: bool,
    /// 1..=3: its number (#slot) and colour ([`PALETTE`]`[slot]`).
    pub slot: usize,
}

impl Default for ComparedSchedule {
    fn default() -> Self {
        Self {
            spec: ScheduleSpec::default(),
            visible: true,
            slot: 1,
        }
    }
}

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DialogPurpose {
    Import,
    Save,
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
    dialog: Option<(DialogPurpose, DialogJob)>,
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
        if let Some((purpose, job)) = &mut self.dialog
            && let Some(outcome) = job.poll()
        {
            let purpose = *purpose;
            self.dialog = None;
            match (purpose, outcome) {
                (DialogPurpose::Import, jobs::JobOutcome::Finished(Some(path))) => {
                    self.import_config_path(&path, lab);
                }
                (DialogPurpose::Save, jobs::JobOutcome::Finished(Some(path))) => {
                    self.file_status = Some(FileStatus::Saved(path));
                    self.status_now();
                }
                (_, jobs::JobOutcome::Finished(None)) | (_, jobs::JobOutcome::Cancelled) => {
                    if purpose == DialogPurpose::Save {
                        self.file_status = Some(FileStatus::Cancelled);
                        self.status_now();
                    }
                }
                (_, jobs::JobOutcome::Failed(e)) => {
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
            self.dialog = Some((DialogPurpose::Save, job));
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

    // ----- drawing ---------------------------------------------------------------------

    pub fn schedule_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        self.ensure_initialized();
        self.poll_files(ui.ctx(), lab);
        self.drop_stale_status();
        egui::Panel::left("schedule-controls")
            .resizable(true)
            .default_size(340.0)
            .min_size(260.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.controls_section(ui, lang);
                    ui.separator();
                    self.lint_section(ui, lang);
                    ui.separator();
                    self.compare_section(ui, lang);
                    ui.separator();
                    self.files_section(ui, lang);
                });
            });
        self.refresh_derived();
        self.publish(lab);
        egui::CentralPanel::default().show(ui, |ui| {
            let avail = ui.available_size();
            egui::ScrollArea::vertical().show(ui, |ui| {
                self.main_area(ui, lang, avail);
            });
        });
        self.request_png(ui.ctx(), lang);
    }

    /// Scrubber, readout, plots and strip, sized to fit `avail`.
    fn main_area(&mut self, ui: &mut egui::Ui, lang: Lang, avail: Vec2) {
        let top = ui.cursor().top();
        let shown_count = self.shown(lang).len();
        if shown_count == 0 {
            ui.colored_label(ui.visuals().warn_fg_color, SchedText::NoneShown.tr(lang));
        }
        let max_t = self.max_shown_steps();
        self.cursor
            .ui(ui, SchedText::CursorT.tr(lang), 1, max_t, lang);
        self.readout_section(ui, lang);
        // What is left is shared by two rows of plots (each with a title) and the strip.
        let spacing = ui.spacing().item_spacing;
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + spacing.y;
        let remaining = avail.y - (ui.cursor().top() - top);
        let rows = shown_count.max(1) as f32;
        let strip_h = |tile: f32| 3.0 * row_h + rows * (tile + spacing.y) + 8.0;
        let plots_extra = 3.0 * row_h + 12.0;
        let mut tile = ((avail.x - 120.0) / STRIP_FRAMES as f32 - spacing.x).clamp(36.0, 72.0);
        let plot_h_for = |tile: f32| (remaining - strip_h(tile) - plots_extra) / 2.0;
        while tile > 40.0 && plot_h_for(tile) < 150.0 {
            tile -= 2.0;
        }
        let plot_h = plot_h_for(tile).clamp(130.0, 360.0);
        let plot_w = ((avail.x - spacing.x * 3.0) / 2.0).max(200.0);
        self.plots_section(ui, lang, Vec2::new(plot_w, plot_h));
        ui.separator();
        self.strip_section(ui, lang, tile);
    }

    fn max_shown_steps(&self) -> usize {
        let derived_max = self.derived.as_ref().map(|d| {
            d.entries()
                .iter()
                .filter_map(|e| e.as_ref().ok())
                .map(|e| e.schedule.num_steps())
                .max()
                .unwrap_or(0)
        });
        derived_max
            .filter(|m| *m > 0)
            .unwrap_or(self.spec.effective_steps())
            .max(1)
    }

    /// Presets, kind, T, β range, zero SNR, the custom curve, and any input problem.
    pub fn controls_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(SchedText::Presets.tr(lang));
        // Two columns of equal, fixed-size buttons: choosing one never re-wraps the rest,
        // so the next click lands where the eye expects.
        egui::Grid::new("schedule-presets")
            .num_columns(2)
            .spacing([4.0, 4.0])
            .show(ui, |ui| {
                for (i, p) in Preset::ALL.into_iter().enumerate() {
                    let selected = self.spec == p.spec();
                    let button = egui::Button::selectable(selected, p.label(lang));
                    if ui
                        .add_sized(PRESET_BUTTON, button)
                        .on_hover_text(p.hint(lang))
                        .clicked()
                    {
                        self.apply_preset(p);
                    }
                    if i % 2 == 1 {
                        ui.end_row();
                    }
                }
            });
        ui.add_space(4.0);
        let mut kind = self.inputs.kind;
        egui::ComboBox::from_label(SchedText::Kind.tr(lang))
            .selected_text(kind_label(kind, lang))
            .width(230.0)
            .show_ui(ui, |ui| {
                for k in ScheduleKind::ALL {
                    ui.selectable_value(&mut kind, k, kind_label(k, lang));
                }
            });
        if kind != self.inputs.kind {
            self.set_kind(kind);
        }
        let uses_range = self.inputs.kind.uses_beta_range();
        egui::Grid::new("schedule-inputs")
            .num_columns(3)
            .spacing([6.0, 4.0])
            .show(ui, |ui| {
                self.steps_row(ui, lang);
                ui.end_row();
                self.beta_row(ui, lang, true, uses_range);
                ui.end_row();
                self.beta_row(ui, lang, false, uses_range);
                ui.end_row();
            });
        if !uses_range {
            ui.weak(SchedText::BetaRangeUnused.tr(lang));
        }
        let mut zero = self.inputs.zero_snr;
        if ui
            .checkbox(&mut zero, SchedText::ZeroSnr.tr(lang))
            .on_hover_text(SchedText::ZeroSnrHint.tr(lang))
            .changed()
        {
            self.inputs.zero_snr = zero;
            self.apply_inputs();
        }
        if self.inputs.kind == ScheduleKind::TrainedBetas {
            self.custom_curve_section(ui, lang);
        }
        let problems = self.input_problems();
        if !problems.is_empty() {
            let color = ui.visuals().error_fg_color;
            for p in &problems {
                ui.colored_label(color, p.text(lang));
            }
            ui.colored_label(color, SchedText::KeptLastGood.tr(lang));
        }
    }

    /// The T label, log slider and typed value (one grid row).
    fn steps_row(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let label = ui.label(SchedText::Steps.tr(lang));
        let mut steps = self.inputs.num_steps.clamp(MIN_STEPS, MAX_STEPS);
        let slider = ui
            .add(
                egui::Slider::new(&mut steps, MIN_STEPS..=MAX_STEPS)
                    .logarithmic(true)
                    .show_value(false),
            )
            .accessible_name(tr_fill(
                SchedText::SliderName,
                lang,
                &[&SchedText::Steps.tr(lang)],
            ));
        if slider.changed() && steps != self.inputs.num_steps {
            self.inputs.num_steps = steps;
            // A slider move leaves an imported list: the curve is resampled at the new T.
            self.inputs.imported_betas = None;
            self.sync_steps_text();
            self.apply_inputs();
        }
        let edit = ui
            .add(egui::TextEdit::singleline(&mut self.texts.steps).desired_width(80.0))
            .labelled_by(label.id);
        if edit.changed() {
            match parse_steps(&self.texts.steps) {
                Ok(n) => {
                    self.texts.steps_problem = None;
                    if n != self.inputs.num_steps {
                        self.inputs.num_steps = n;
                        self.inputs.imported_betas = None;
                        self.apply_inputs();
                    }
                }
                Err(p) => self.texts.steps_problem = Some(p),
            }
        }
        if edit.lost_focus() && self.texts.steps_problem.is_none() {
            self.sync_steps_text();
        }
    }

    /// A β label, log slider and typed value (one grid row).
    fn beta_row(&mut self, ui: &mut egui::Ui, lang: Lang, start: bool, enabled: bool) {
        let name = if start {
            SchedText::BetaStart
        } else {
            SchedText::BetaEnd
        };
        let label = ui.add_enabled(enabled, egui::Label::new(name.tr(lang)));
        let mut value = if start {
            self.inputs.beta_start
        } else {
            self.inputs.beta_end
        };
        let mut slider_value = value.clamp(BETA_SLIDER_MIN, BETA_SLIDER_MAX);
        let slider = ui
            .add_enabled(
                enabled,
                egui::Slider::new(&mut slider_value, BETA_SLIDER_MIN..=BETA_SLIDER_MAX)
                    .logarithmic(true)
                    .show_value(false),
            )
            .accessible_name(tr_fill(SchedText::SliderName, lang, &[&name.tr(lang)]));
        let mut changed_by_slider = false;
        if slider.changed() {
            let v = round_sig3(slider_value);
            if v != value {
                value = v;
                changed_by_slider = true;
            }
        }
        let text = if start {
            &mut self.texts.beta_start
        } else {
            &mut self.texts.beta_end
        };
        let edit = ui
            .add_enabled(
                enabled,
                egui::TextEdit::singleline(text).desired_width(80.0),
            )
            .labelled_by(label.id);
        let mut typed: Option<Result<f64, InputProblem>> = None;
        if edit.changed() {
            let key = if start { "β_start" } else { "β_end" };
            typed = Some(parse_beta(key, text));
        }
        let lost_focus = edit.lost_focus();
        if changed_by_slider {
            if start {
                self.inputs.beta_start = value;
                self.sync_beta_start_text();
            } else {
                self.inputs.beta_end = value;
                self.sync_beta_end_text();
            }
            self.apply_inputs();
        }
        match typed {
            Some(Ok(v)) => {
                if start {
                    self.texts.beta_start_problem = None;
                    self.inputs.beta_start = v;
                } else {
                    self.texts.beta_end_problem = None;
                    self.inputs.beta_end = v;
                }
                self.apply_inputs();
            }
            Some(Err(p)) => {
                if start {
                    self.texts.beta_start_problem = Some(p);
                } else {
                    self.texts.beta_end_problem = Some(p);
                }
            }
            None => {}
        }
        if lost_focus {
            if start && self.texts.beta_start_problem.is_none() {
                self.sync_beta_start_text();
            } else if !start && self.texts.beta_end_problem.is_none() {
                self.sync_beta_end_text();
            }
        }
    }

    /// Notes and a reset for the custom log-SNR curve; the β it gives.
    fn custom_curve_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let note = if self.inputs.imported_betas.is_some() {
            SchedText::CustomImported
        } else {
            SchedText::CustomHint
        };
        ui.label(note.tr(lang));
        if let Some(entry) = self.current_entry() {
            let betas = entry.schedule.betas();
            let largest = betas.iter().copied().fold(0.0_f64, f64::max);
            ui.label(tr_fill(
                SchedText::DerivedBetas,
                lang,
                &[
                    &fmt_sig(entry.schedule.beta(1)),
                    &fmt_sig(entry.schedule.beta(entry.schedule.num_steps())),
                    &fmt_sig(largest),
                ],
            ));
        }
        if ui
            .button(SchedText::CustomReset.tr(lang))
            .on_hover_text(SchedText::CustomResetHint.tr(lang))
            .clicked()
        {
            self.inputs.curve = LogSnrCurve::default();
            self.inputs.imported_betas = None;
            self.apply_inputs();
        }
    }

    /// The derived entry of the current schedule when it is shown and built.
    fn current_entry(&self) -> Option<&DerivedEntry> {
        let d = self.derived.as_ref()?;
        d.entries()
            .iter()
            .filter_map(|e| e.as_ref().ok())
            .find(|e| e.spec == self.spec)
    }

    /// The linter's findings on the current inputs, coloured by severity.
    pub fn lint_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(SchedText::Linter.tr(lang));
        let findings = self.findings();
        if findings.is_empty() && self.lint.is_some() {
            ui.label(SchedText::NoFindings.tr(lang));
        }
        for f in findings {
            let color = severity_color(ui.visuals(), f.severity);
            ui.label(
                RichText::new(format!(
                    "{}: {}",
                    severity_text(f.severity, lang),
                    finding_text(&f.kind, lang)
                ))
                .color(color),
            );
        }
    }

    /// The shown schedules: visibility, colour, edit, remove; "add current".
    pub fn compare_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(SchedText::Shown.tr(lang))
            .on_hover_text(SchedText::ActiveHint.tr(lang));
        let active_slot = self.shown(lang).first().map(|s| s.slot);
        // Above the list, so it stays put as rows are added.
        let full = self.compared.len() >= MAX_COMPARED;
        if ui
            .add_enabled(!full, egui::Button::new(SchedText::AddToCompare.tr(lang)))
            .clicked()
        {
            self.add_current_to_comparison();
        }
        if full || self.compare_full {
            ui.weak(SchedText::CompareFull.tr(lang));
        }
        // The current schedule.
        ui.horizontal_wrapped(|ui| {
            swatch(ui, PALETTE[0]).on_hover_text(SchedText::ColourHint.tr(lang));
            let label = format!(
                "{}: {}",
                SchedText::Current.tr(lang),
                spec_summary(&self.spec, lang)
            );
            let active = active_slot == Some(0);
            wrapped_checkbox(ui, &mut self.current_visible, label);
            if active {
                active_badge(ui, lang);
            }
        });
        let mut remove = None;
        let mut edit = None;
        for c in &mut self.compared {
            ui.horizontal_wrapped(|ui| {
                swatch(ui, PALETTE[c.slot.min(MAX_SHOWN - 1)])
                    .on_hover_text(SchedText::ColourHint.tr(lang));
                let name = tr_fill(SchedText::Compared, lang, &[&c.slot]);
                let active = active_slot == Some(c.slot);
                wrapped_checkbox(
                    ui,
                    &mut c.visible,
                    format!("{name}: {}", spec_summary(&c.spec, lang)),
                );
                if active {
                    active_badge(ui, lang);
                }
                if ui
                    .small_button("✎")
                    .on_hover_text(SchedText::EditHint.tr(lang))
                    .accessible_name(tr_fill(SchedText::EditNamed, lang, &[&name]))
                    .clicked()
                {
                    edit = Some(c.spec.clone());
                }
                if ui
                    .small_button("✖")
                    .accessible_name(tr_fill(SchedText::RemoveNamed, lang, &[&name]))
                    .on_hover_text(tr_fill(SchedText::RemoveNamed, lang, &[&name]))
                    .clicked()
                {
                    remove = Some(c.slot);
                }
            });
        }
        if let Some(slot) = remove {
            self.remove_compared(slot);
        }
        if let Some(spec) = edit {
            self.load_spec(&spec);
            self.current_visible = true;
        }
        // Entries that could not be built (e.g. from an older state file).
        if let Some(d) = &self.derived {
            for e in d.entries() {
                if let Err((spec, err)) = e {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        tr_fill(
                            SchedText::NotBuilt,
                            lang,
                            &[&spec_summary(spec, lang), &schedule_error_text(err, lang)],
                        ),
                    );
                }
            }
        }
        if let Some(e) = &self.publish_problem {
            ui.colored_label(ui.visuals().error_fg_color, schedule_error_text(e, lang));
        }
    }

    /// Import and export buttons, and what the last file action did.
    pub fn files_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(SchedText::Files.tr(lang));
        let busy = self.dialog.is_some() || self.screenshot.is_some() || self.png_request.is_some();
        let repaint = Self::repaint(ui.ctx());
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new(SchedText::Import.tr(lang)))
                .clicked()
            {
                let job = files::spawn_open_config_dialog(repaint.clone());
                self.dialog = Some((DialogPurpose::Import, job));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(SchedText::ExportCsv.tr(lang)))
                .clicked()
            {
                match self.csv_text() {
                    Ok(csv) => {
                        let job = files::spawn_save_dialog(
                            repaint.clone(),
                            "schedule.csv",
                            ("CSV", &["csv"]),
                            csv.into_bytes(),
                        );
                        self.dialog = Some((DialogPurpose::Save, job));
                    }
                    Err(e) => {
                        self.file_status = Some(FileStatus::Failed(schedule_error_text(&e, lang)));
                        self.status_now();
                    }
                }
            }
            if ui
                .add_enabled(!busy, egui::Button::new(SchedText::ExportConfig.tr(lang)))
                .clicked()
            {
                let job = files::spawn_save_dialog(
                    repaint.clone(),
                    diffusers::CONFIG_FILE_NAME,
                    ("scheduler_config.json", &["json"]),
                    self.config_text().into_bytes(),
                );
                self.dialog = Some((DialogPurpose::Save, job));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(SchedText::ExportPng.tr(lang)))
                .clicked()
            {
                self.export_plots_png(None);
            }
        });
        ui.weak(SchedText::DropHint.tr(lang));
        if busy {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(SchedText::DialogOpen.tr(lang));
            });
        }
        match &self.file_status {
            Some(FileStatus::Saved(p)) => {
                ui.label(tr_fill(SchedText::Saved, lang, &[&p.display()]));
            }
            Some(FileStatus::Cancelled) => {
                ui.weak(SchedText::Cancelled.tr(lang));
            }
            Some(FileStatus::Failed(e)) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    tr_fill(SchedText::SaveFailed, lang, &[e]),
                );
            }
            None => {}
        }
        match &self.import_status {
            Some(ImportStatus::Imported {
                file,
                summary,
                warnings,
            }) => {
                ui.label(tr_fill(
                    SchedText::Imported,
                    lang,
                    &[file, &spec_summary(summary, lang)],
                ));
                if !warnings.is_empty() {
                    let color = ui.visuals().warn_fg_color;
                    ui.colored_label(color, SchedText::ImportWarnings.tr(lang));
                    for w in warnings {
                        ui.colored_label(color, format!("• {}", import_warning_text(w, lang)));
                    }
                }
            }
            Some(ImportStatus::Failed { file, error }) => {
                let color = ui.visuals().error_fg_color;
                ui.colored_label(
                    color,
                    tr_fill(SchedText::ImportFailed, lang, &[file, &error.text(lang)]),
                );
                ui.colored_label(color, SchedText::ImportKeptPrevious.tr(lang));
            }
            None => {}
        }
    }

    /// The t shown in the readout: the hovered t, else the cursor's.
    pub fn readout_t(&self) -> usize {
        self.hover_t.unwrap_or(self.cursor.t)
    }

    /// Every quantity at the readout t for every shown schedule.
    pub fn readout_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let t = self.readout_t();
        let shown = self.shown(lang);
        let Some(derived) = &self.derived else {
            return;
        };
        egui::Grid::new("schedule-readout")
            .num_columns(8)
            .spacing([14.0, 2.0])
            .striped(true)
            .show(ui, |ui| {
                let strong = ui.visuals().strong_text_color();
                for h in [
                    SchedText::ColSchedule.tr(lang),
                    "t",
                    "βₜ",
                    "β̃ₜ",
                    "ᾱₜ",
                    "√ᾱₜ",
                    "√(1−ᾱₜ)",
                    "λₜ (log-SNR)",
                ] {
                    ui.label(math_job(ui, h, egui::TextStyle::Body, Some(strong)));
                }
                ui.end_row();
                for (i, s) in shown.iter().enumerate() {
                    let Some(entry) = derived.get(i) else {
                        continue;
                    };
                    let schedule = &entry.schedule;
                    ui.horizontal(|ui| {
                        swatch(ui, PALETTE[s.slot]);
                        ui.label(&s.name);
                    });
                    if t > schedule.num_steps() {
                        ui.label(format!("{t} > T"));
                        ui.end_row();
                        continue;
                    }
                    let row = schedule.row(t);
                    ui.label(row.t.to_string());
                    ui.label(fmt_sig(row.beta));
                    ui.label(fmt_sig(row.posterior_variance));
                    ui.label(fmt_sig(row.alpha_bar));
                    ui.label(fmt_sig(row.sqrt_alpha_bar));
                    ui.label(fmt_sig(row.sqrt_one_minus_alpha_bar));
                    ui.label(
                        schedule
                            .log_snr_finite(t)
                            .map(fmt_sig)
                            .unwrap_or_else(|| "−∞".to_string()),
                    );
                    ui.end_row();
                }
            });
    }

    /// The four plots in a 2 × 2 grid, each `size`.
    pub fn plots_section(&mut self, ui: &mut egui::Ui, lang: Lang, size: Vec2) {
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.log_snr_view.on, SchedText::LogSnrView.tr(lang));
            if !self.log_snr_view.on {
                ui.checkbox(&mut self.log_beta_axis, SchedText::LogBeta.tr(lang));
                ui.weak(SchedText::PlotHint.tr(lang));
            }
        });
        if self.log_snr_view.on {
            let shown: Vec<Shown<'_>> = self.shown(lang);
            let shown: Vec<(usize, String, ScheduleSpec)> = shown
                .into_iter()
                .map(|s| (s.slot, s.name, s.spec.clone()))
                .collect();
            let shown: Vec<Shown<'_>> = shown
                .iter()
                .map(|(slot, name, spec)| Shown {
                    slot: *slot,
                    name: name.clone(),
                    spec,
                })
                .collect();
            let top = ui.cursor().top();
            // Four plots and a row of controls in the space of the four plots.
            let plot_size = Vec2::new(size.x, (size.y - 24.0).max(100.0));
            self.log_snr_view.ui(ui, lang, &shown, plot_size);
            self.plots_rect = Some(Rect::from_min_max(
                egui::pos2(ui.min_rect().left(), top),
                egui::pos2(ui.min_rect().right(), ui.cursor().top()),
            ));
            self.hover_t = None;
            return;
        }
        let mut rect: Option<Rect> = None;
        let mut hover_t = None;
        let mut clicked_t = None;
        for pair in PlotKind::ALL.chunks(2) {
            ui.horizontal(|ui| {
                for &kind in pair {
                    let block = ui.vertical(|ui| {
                        let title = kind.title(lang, self.editing_curve());
                        ui.horizontal(|ui| {
                            // The row keeps its height whether the button shows or not.
                            ui.set_min_height(ui.spacing().interact_size.y);
                            ui.label(math_job(ui, title, egui::TextStyle::Body, None));
                            if self.view_moved[kind.index()]
                                && ui
                                    .small_button(SchedText::ResetView.tr(lang))
                                    .on_hover_text(SchedText::ResetViewHint.tr(lang))
                                    .clicked()
                            {
                                self.view_reset[kind.index()] = true;
                            }
                        });
                        self.plot(ui, lang, kind, size)
                    });
                    let r = block.inner;
                    // The PNG takes titles and axes too.
                    let whole = block.response.rect.expand(4.0);
                    if r.rect.is_positive() {
                        rect = Some(rect.map_or(whole, |a| a.union(whole)));
                    }
                    if let Some(t) = r.hover_t {
                        hover_t = Some(t);
                    }
                    if let Some(t) = r.clicked_t {
                        clicked_t = Some(t);
                    }
                }
            });
        }
        self.plots_rect = rect;
        self.hover_t = hover_t;
        if let Some(t) = clicked_t {
            self.cursor.t = t.clamp(1, self.max_shown_steps());
        }
    }

    /// Where the custom curve's control points are on screen (empty unless the log-SNR
    /// plot is editing the curve).
    pub fn control_point_screen_positions(&self) -> &[egui::Pos2] {
        &self.control_point_positions
    }

    /// Recomputes the drawn custom curve when the curve or T changed.
    fn refresh_curve_line(&mut self, steps: usize) {
        let fresh = self
            .curve_line
            .as_ref()
            .is_some_and(|(c, n, _)| *n == steps && *c == self.inputs.curve);
        if fresh {
            return;
        }
        // A few hundred points draw the smooth curve at any T.
        let samples = steps.clamp(2, 400);
        let line = self
            .inputs
            .curve
            .log_snrs(samples)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let u = i as f64 / (samples - 1) as f64;
                PlotPoint::new(1.0 + u * (steps - 1) as f64, *l)
            })
            .collect();
        self.curve_line = Some((self.inputs.curve.clone(), steps, line));
    }

    /// The screen rect of the plot grid (titles and axes included) last frame.
    pub fn plots_rect(&self) -> Option<Rect> {
        self.plots_rect
    }

    /// True when the log-SNR plot edits the custom curve.
    fn editing_curve(&self) -> bool {
        self.inputs.kind == ScheduleKind::TrainedBetas && self.current_visible
    }

    fn plot(&mut self, ui: &mut egui::Ui, lang: Lang, kind: PlotKind, size: Vec2) -> PlotOutcome {
        let editing = kind == PlotKind::LogSnr && self.editing_curve();
        if editing {
            self.refresh_curve_line(self.inputs.num_steps.max(2));
        }
        let reset_view = std::mem::take(&mut self.view_reset[kind.index()]);
        let shown = self.shown(lang);
        let log_beta = self.log_beta_axis;
        let cursor_t = self.cursor.t as f64;
        let steps = self.inputs.num_steps.max(2);
        let curve_points: Vec<PlotPoint> = self
            .inputs
            .curve
            .points()
            .iter()
            .map(|p| PlotPoint::new(1.0 + p.u * (steps - 1) as f64, p.log_snr))
            .collect();
        let Some(derived) = &self.derived else {
            return PlotOutcome {
                rect: Rect::NOTHING,
                hover_t: None,
                clicked_t: None,
            };
        };
        let entries: Vec<(usize, &str, &DerivedEntry)> = shown
            .iter()
            .enumerate()
            .filter_map(|(i, s)| derived.get(i).map(|e| (s.slot, s.name.as_str(), e)))
            .collect();
        let tooltip_rows: Vec<(usize, String, Arc<Schedule>)> = entries
            .iter()
            .map(|(slot, name, e)| (*slot, name.to_string(), e.schedule.clone()))
            .collect();
        let cursor_color = ui.visuals().text_color().gamma_multiply(0.7);
        // Hovering right of t = T (the plot's margin) reads T, not a t that does not exist.
        let max_t = self.max_shown_steps();
        let mut plot = Plot::new(kind.id())
            .width(size.x)
            .height(size.y)
            .allow_scroll(false)
            .link_cursor(egui::Id::unique("schedule-plots-cursor"), [true, false])
            .y_axis_min_width(36.0);
        if kind == PlotKind::AlphaBar {
            plot = plot.legend(
                Legend::default()
                    .position(Corner::RightTop)
                    .follow_insertion_order(true),
            );
        }
        if kind == PlotKind::Beta && log_beta {
            plot = plot.y_axis_formatter(|mark, _| log10_tick_label(mark.value, mark.step_size));
        }
        if reset_view {
            plot = plot.reset();
        }
        if editing {
            plot = plot
                .allow_drag(false)
                .allow_zoom(false)
                .allow_boxed_zoom(false)
                .allow_double_click_reset(false);
        }
        let editing_color = PALETTE[0];
        let curve_line: Option<&[PlotPoint]> = if editing {
            self.curve_line.as_ref().map(|(_, _, l)| l.as_slice())
        } else {
            None
        };
        let response = plot.show(ui, |pui| {
            for (slot, name, e) in &entries {
                let color = PALETTE[*slot];
                let c = &e.curves;
                let (solid, dashed): (&[PlotPoint], Option<&[PlotPoint]>) = match kind {
                    PlotKind::Beta if log_beta => {
                        (&c.beta_log10, Some(&c.posterior_variance_log10))
                    }
                    PlotKind::Beta => (&c.beta, Some(&c.posterior_variance)),
                    PlotKind::AlphaBar => (&c.alpha_bar, None),
                    PlotKind::SignalNoise => (&c.signal, Some(&c.noise)),
                    PlotKind::LogSnr => (&c.log_snr, None),
                };
                // The current schedule a little bolder: it is the one being tuned.
                let width = if *slot == 0 { 2.2 } else { 1.6 };
                pui.line(
                    Line::new(*name, PlotPoints::Borrowed(solid))
                        .color(color)
                        .width(width),
                );
                if let Some(d) = dashed {
                    pui.line(
                        Line::new(*name, PlotPoints::Borrowed(d))
                            .color(color)
                            .width(1.4)
                            .style(LineStyle::dashed_loose()),
                    );
                }
            }
            if let Some(line) = curve_line {
                pui.line(
                    Line::new("", PlotPoints::Borrowed(line))
                        .color(editing_color.gamma_multiply(0.6))
                        .width(1.0)
                        .style(LineStyle::dotted_dense())
                        .allow_hover(false),
                );
                pui.points(
                    Points::new("", PlotPoints::Owned(curve_points.clone()))
                        .shape(MarkerShape::Circle)
                        .radius(6.0)
                        .filled(true)
                        .color(editing_color)
                        .allow_hover(false),
                );
                // Fixed bounds while editing, so a dragged point does not move the axes.
                let margin = steps as f64 * 0.03;
                pui.set_plot_bounds(PlotBounds::from_min_max(
                    [-margin, -LOG_SNR_LIMIT - 1.5],
                    [steps as f64 + margin, LOG_SNR_LIMIT + 1.5],
                ));
            }
            pui.vline(
                VLine::new("", cursor_t)
                    .color(cursor_color)
                    .width(1.0)
                    .allow_hover(false),
            );
            pui.auto_bounds()
        });
        // The editing plot holds fixed bounds on purpose: nothing to reset there.
        self.view_moved[kind.index()] = !editing && !response.inner.all();
        let mut outcome = PlotOutcome {
            rect: response.response.rect,
            hover_t: None,
            clicked_t: None,
        };
        let transform = response.transform;
        if let Some(pos) = response.response.hover_pos() {
            let x = transform.value_from_position(pos).x;
            if x.is_finite() {
                let t = (x.round().max(1.0) as usize).min(max_t);
                outcome.hover_t = Some(t);
                if self.drag_point.is_none() {
                    response
                        .response
                        .clone()
                        .on_hover_ui_at_pointer(|ui| hover_table(ui, kind, t, &tooltip_rows));
                }
            }
        }
        if kind == PlotKind::LogSnr {
            self.control_point_positions = if editing {
                curve_points
                    .iter()
                    .map(|p| transform.position_from_point(p))
                    .collect()
            } else {
                Vec::new()
            };
        }
        if editing {
            let r = &response.response;
            if r.drag_started()
                && let Some(origin) = ui.input(|i| i.pointer.press_origin())
            {
                self.drag_point = curve_points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, transform.position_from_point(p).distance(origin)))
                    .filter(|(_, d)| *d <= 12.0)
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(i, _)| i);
            }
            if let Some(i) = self.drag_point
                && r.dragged()
                && let Some(pos) = r.interact_pointer_pos()
            {
                let v = transform.value_from_position(pos);
                let u = (v.x - 1.0) / (steps - 1) as f64;
                self.move_control_point(i, u, v.y);
            }
            if r.drag_stopped() {
                self.drag_point = None;
            }
            if let Some(pos) = r.hover_pos() {
                let near = curve_points
                    .iter()
                    .any(|p| transform.position_from_point(p).distance(pos) <= 12.0);
                if near || self.drag_point.is_some() {
                    ui.ctx().set_cursor_icon(egui::CursorIcon::Grab);
                }
            }
        }
        if response.response.clicked()
            && let Some(pos) = response.response.interact_pointer_pos()
        {
            let x = transform.value_from_position(pos).x;
            if x.is_finite() {
                outcome.clicked_t = Some((x.round().max(1.0) as usize).min(max_t));
            }
        }
        outcome
    }

    /// The by-eye strip: one row of noised images per shown schedule.
    pub fn strip_section(&mut self, ui: &mut egui::Ui, lang: Lang, tile: f32) {
        ui.strong(SchedText::Strip.tr(lang));
        let shown: Vec<(usize, String)> = self
            .shown(lang)
            .into_iter()
            .map(|s| (s.slot, s.name))
            .collect();
        let Some(derived) = &self.derived else {
            return;
        };
        let ctx = ui.ctx().clone();
        // Upload textures for entries that are new since the last frame.
        for entry in derived.entries().iter().filter_map(|e| e.as_ref().ok()) {
            if !self.textures.iter().any(|(rev, _)| *rev == entry.revision) {
                let handles = entry
                    .strip
                    .iter()
                    .enumerate()
                    .map(|(k, img)| {
                        ctx.load_texture(
                            format!("schedule-strip-{}-{k}", entry.revision),
                            img.clone(),
                            egui::TextureOptions::LINEAR,
                        )
                    })
                    .collect();
                self.textures.push((entry.revision, handles));
            }
        }
        let textures = &self.textures;
        egui::Grid::new("schedule-strip")
            .spacing([4.0, 4.0])
            .show(ui, |ui| {
                ui.label(SchedText::StripFraction.tr(lang));
                for k in 0..STRIP_FRAMES {
                    let f = k as f64 / (STRIP_FRAMES - 1) as f64;
                    ui.vertical_centered(|ui| {
                        ui.set_width(tile);
                        ui.small(format!("{f:.2}"));
                    });
                }
                ui.end_row();
                for (i, (slot, name)) in shown.iter().enumerate() {
                    let Some(entry) = derived.get(i) else {
                        continue;
                    };
                    let Some((_, handles)) =
                        textures.iter().find(|(rev, _)| *rev == entry.revision)
                    else {
                        continue;
                    };
                    ui.horizontal(|ui| {
                        swatch(ui, PALETTE[*slot]);
                        ui.label(name);
                    });
                    for (k, h) in handles.iter().enumerate() {
                        let t = entry.strip_times.get(k).copied().unwrap_or(0);
                        let ab = entry.schedule.alpha_bar(t);
                        ui.add(
                            egui::Image::new((h.id(), Vec2::splat(tile)))
                                .sense(egui::Sense::hover()),
                        )
                        .on_hover_text(tr_fill(
                            SchedText::StripTile,
                            lang,
                            &[name, &t, &fmt_sig(ab)],
                        ));
                    }
                    ui.end_row();
                }
            });
    }
}

/// A screenshot on its way, and where its crop goes.
struct PendingScreenshot {
    image: Receiver<Arc<ColorImage>>,
    rect: Rect,
    ppp: f32,
    target: Option<PathBuf>,
}

struct PlotOutcome {
    rect: Rect,
    hover_t: Option<usize>,
    clicked_t: Option<usize>,
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

/// The hover table of a plot: t and this plot's quantities for every shown schedule.
fn hover_table(
    ui: &mut egui::Ui,
    kind: PlotKind,
    t: usize,
    rows: &[(usize, String, Arc<Schedule>)],
) {
    ui.strong(format!("t = {t}"));
    egui::Grid::new("schedule-hover")
        .spacing([10.0, 2.0])
        .show(ui, |ui| {
            for (slot, name, sched) in rows {
                if t > sched.num_steps() {
                    continue;
                }
                ui.horizontal(|ui| {
                    swatch(ui, PALETTE[*slot]);
                    ui.label(name);
                });
                let cells: Vec<String> = match kind {
                    PlotKind::Beta => vec![
                        format!("βₜ = {}", fmt_sig(sched.beta(t))),
                        format!("β̃ₜ = {}", fmt_sig(sched.posterior_variance(t))),
                    ],
                    PlotKind::AlphaBar => vec![format!("ᾱₜ = {}", fmt_sig(sched.alpha_bar(t)))],
                    PlotKind::SignalNoise => vec![
                        format!("√ᾱₜ = {}", fmt_sig(sched.sqrt_alpha_bar(t))),
                        format!("√(1−ᾱₜ) = {}", fmt_sig(sched.sqrt_one_minus_alpha_bar(t))),
                    ],
                    PlotKind::LogSnr => vec![format!(
                        "λₜ = {}",
                        sched
                            .log_snr_finite(t)
                            .map(fmt_sig)
                            .unwrap_or_else(|| "−∞".into())
                    )],
                };
                for c in cells {
                    ui.label(math_job(ui, &c, egui::TextStyle::Body, None));
                }
                ui.end_row();
            }
        });
}

fn severity_color(visuals: &egui::Visuals, s: Severity) -> Color32 {
    match s {
        Severity::Error => visuals.error_fg_color,
        Severity::Warning => visuals.warn_fg_color,
        Severity::Info => {
            if visuals.dark_mode {
                Color32::from_rgb(130, 180, 255)
            } else {
                Color32::from_rgb(20, 90, 190)
            }
        }
    }
}

/// A small filled square in `color`.
fn swatch(ui: &mut egui::Ui, color: Color32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(12.0), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, color);
    response
}

/// A log10 axis tick: "1e-2", or "1e-1.4" between decades, with only the decimals the
/// tick spacing needs (never "1e-1.4000000000000001").
pub fn log10_tick_label(exponent: f64, step: f64) -> String {
    let decimals = if step.is_finite() && step > 0.0 {
        (-step.log10().floor()).clamp(0.0, 6.0) as usize
    } else {
        0
    };
    let mut text = format!("{exponent:.decimals$}");
    // "-0" and "-0.0" are 0.
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text.remove(0);
    }
    format!("1e{text}")
}

/// A checkbox whose text wraps within the panel (in a wrapping row) instead of widening
/// it: a long schedule summary would otherwise push the side panel wider and re-flow
/// everything in it.
fn wrapped_checkbox(ui: &mut egui::Ui, checked: &mut bool, text: String) -> egui::Response {
    let mut response = ui.checkbox(checked, "");
    let label = ui.add(egui::Label::new(text).wrap().sense(egui::Sense::click()));
    if label.clicked() {
        *checked = !*checked;
        response.mark_changed();
    }
    response.labelled_by(label.id)
}

fn active_badge(ui: &mut egui::Ui, lang: Lang) {
    ui.label(RichText::new(SchedText::Active.tr(lang)).strong())
        .on_hover_text(SchedText::ActiveHint.tr(lang));
}
