//! The Points panel: the whole distribution at once. A 2-D cloud (a toy set, or points
//! drawn with the mouse or read from a CSV) diffused forward with the t slider; reverse
//! sampling from noise (or from the noised cloud) animated with the paths of a few points;
//! the learned ε field as arrows on a grid at the current t; and the MLP denoiser trained
//! right here on a background job (progress, live loss curve, stop and continue, save), or
//! the shipped checkpoint.
//!
//! Sections are pub for the Lesson panel: call [`PointsPanel::update`] once a frame, then
//! [`PointsPanel::data_controls_ui`], [`PointsPanel::scrubber_ui`],
//! [`PointsPanel::cloud_plot_ui`], [`PointsPanel::reverse_controls_ui`],
//! [`PointsPanel::training_ui`] as needed.

use crate::app::LabContext;
use crate::app::denoiser::{
    ModelSource, ReverseRequest, RunModel, Trajectory, closed_form, fixed_noise, predict_step,
    spawn_reverse,
};
use crate::app::dialogs::{self, PathJob};
use crate::app::jobs::{self, JobContext, JobHandle, JobOutcome, Repaint};
use crate::app::keyed_job::KeyedJob;
use crate::diffusion::{PredictionType, Schedule, ScheduleSpec};
use crate::egui;
use crate::model::analytic::{AnalyticDenoiser, AnalyticFit, AnalyticKind};
use crate::model::checkpoint::{Checkpoint, CheckpointConfig};
use crate::model::data::{
    DataError, DataSpec, Dataset, DatasetKind, PointNormalization, normalization_for,
    read_points_csv,
};
use crate::model::inference::initial_noise;
use crate::model::session::TrainSession;
use crate::model::{
    BackendKind, LossWeighting, MlpDenoiserConfig, ModelConfig, TrainingConfig, shipped,
};
use crate::ui::denoiser_view::{
    ReverseRun, ReverseSettings, SamplerKind, ViewMode, impl_denoiser_text, load_folder_button,
    model_combo, model_load_status_ui, poll_reverse_run, repaint_of, run_status_ui,
    sampler_and_steps_ui, save_status_ui, scrubber_row, show_new_run, view_mode_switch,
};
use crate::ui::i18n::{Lang, Text, fill};
use crate::ui::image::{device_picker, next_seed, schedule_summary};
use crate::ui::widgets::clip::{ClipBox, clip_polyline, style_within_budget};
use crate::ui::widgets::density::colors;
use crate::ui::widgets::{PathFallback, PathLabels, Scrubber};
use egui::{Color32, RichText};
use egui_plot::{Arrows, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoints, Points};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

mod companion;
mod exact;
mod explain;
mod nearest;
mod paths;
mod state;
mod step_error_view;
mod store;
mod text;
mod training_job;
mod view;

pub use companion::{CompanionKind, companion_options};
pub use explain::EXPLAIN_HELD_OUT;
pub use nearest::{COPY_DISTANCE, NearestSummary};
pub use paths::{PathEntry, PathPurpose};
pub use step_error_view::{StepErrorResult, StepErrorView};
pub use text::PtsText;

// The shared denoiser widgets draw these keys of this table.
impl_denoiser_text!(PtsText);

/// Point counts offered.
pub const COUNT_CHOICES: [usize; 3] = [500, 1000, 2000];
/// How many points have their path drawn.
pub const TRACKED: usize = 12;
/// The ε field's grid: this many arrows a side over ±[`FIELD_EXTENT`].
pub const FIELD_GRID: usize = 17;
pub const FIELD_EXTENT: f64 = 2.4;
/// Most points a user may draw.
pub const MAX_DRAWN: usize = 5000;
/// Height kept above the cloud plot for the heading, controls and scrubber rows.
const PLOT_HEADROOM: f32 = 190.0;
/// The plot's fixed view: ±this on both axes.
pub const VIEW_EXTENT: f64 = 3.0;

/// The toy sets offered (the CSV set comes in as drawn points).
pub const TOY_SETS: [DatasetKind; 4] = [
    DatasetKind::Moons,
    DatasetKind::SwissRoll,
    DatasetKind::Circles,
    DatasetKind::Ring8,
];

/// Where the cloud comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PointSet {
    Toy(DatasetKind),
    /// Points drawn with the mouse (or read from a CSV).
    Drawn,
}

impl Default for PointSet {
    fn default() -> Self {
        PointSet::Toy(DatasetKind::Moons)
    }
}

impl PointSet {
    fn label(self, lang: Lang) -> String {
        match self {
            PointSet::Toy(k) => k.name().to_string(),
            PointSet::Drawn => PtsText::Drawn.tr(lang).to_string(),
        }
    }
}

/// Which model the panel uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PointsModel {
    /// A shipped checkpoint or a folder.
    Source(ModelSource),
    /// The one trained in this panel.
    Trained,
    /// An exact denoiser of the cloud on screen, on the Schedule panel's schedule: the
    /// ideal (empirical) one, or the Gaussian one of the cloud's mean and covariance.
    Exact(AnalyticFit),
    /// The exact denoiser of the data's own distribution, where the set is given as one
    /// (ring8: eight Gaussians): the posterior mean of the mixture, in closed form. It
    /// knows the distribution, not the points, so it makes new points.
    TrueMixture,
}

/// The in-app training run's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainSettings {
    /// Steps each press of Train (or Continue) runs.
    pub steps: usize,
    pub batch: usize,
    pub learning_rate: f64,
    pub hidden: usize,
    pub layers: usize,
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            steps: 2000,
            batch: 256,
            learning_rate: 2e-3,
            hidden: 128,
            layers: 3,
            seed: 1,
        }
    }
}

/// The training events a job sends.
enum TrainMsg {
    Step { step: usize, loss: f32 },
    Snapshot(Arc<Checkpoint>),
}

/// A finished training job hands the session back, with its last snapshot.
struct TrainDone {
    session: TrainSession,
    snapshot: Option<Arc<Checkpoint>>,
}

/// What the in-app model was trained on (to warn when the data shown differs).
#[derive(Clone, Debug, PartialEq)]
struct TrainedOn {
    set: PointSet,
    drawn_generation: u64,
}

type ModelKey = (ModelSource, BackendKind);
/// (set, count, data seed, drawn generation) of the clean cloud.
type CloudKey = (PointSet, usize, u64, u64);
/// (length, seed) of the fixed ε.
type NoiseKey = (usize, u64);
type CsvJob = JobHandle<(), Result<Vec<[f32; 2]>, DataError>>;

/// Why a CSV could not be used: a value, worded when drawn.
#[derive(Debug)]
pub enum CsvFailure {
    Data(DataError),
    Other(String),
}

/// Why points could not be read, in `lang`.
pub fn data_error_text(e: &DataError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        DataError::Read(r) => crate::ui::schedule::read_error_text(r, lang),
        DataError::Csv { path, line, .. } => format!(
            "{}: {line}번째 줄에는 유한한 수 두 개 `x,y`가 있어야 합니다",
            path.display()
        ),
        DataError::NoPoints { path } => format!(
            "{}: 점이 없습니다 (`x,y` 형식의 줄이 필요합니다)",
            path.display()
        ),
        other => other.to_string(),
    }
}
type PlotXy = Vec<[f64; 2]>;

/// Identifies the model a derived result (field, run) came from.
#[derive(Clone, Debug, PartialEq)]
enum ModelId {
    Source(ModelKey),
    Trained(u64),
    Exact(ExactKey),
    /// The ring8 mixture's exact denoiser on the schedule of this revision.
    TrueMixture(u64),
}

/// (fit, cloud, schedule revision) of an exact denoiser of the cloud.
type ExactKey = (AnalyticFit, CloudKey, u64);

/// A reverse run, kept with the indices of the points whose paths are drawn.
type RunState = ReverseRun<Vec<usize>>;

/// The panel's state.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct PointsPanel {
    /// The "why small steps" measurement.
    #[serde(skip)]
    pub step_error: StepErrorView,
    /// r² of the exact denoisers of the cloud against the network.
    #[serde(skip)]
    pub explain: crate::ui::explain_view::ExplainView,
    pub set: PointSet,
    /// Points drawn by the user, in model units.
    pub drawn: Vec<[f32; 2]>,
    pub brush: f32,
    pub count: usize,
    pub data_seed: u64,
    pub noise_seed: u64,
    pub mode: ViewMode,
    pub scrubber: Scrubber,
    pub reverse_scrubber: Scrubber,
    pub reverse: ReverseSettings,
    pub show_field: bool,
    pub show_paths: bool,
    /// Beside the run's paths, the other sampler family's from the same starting points
    /// (the ODE's beside DDPM, DDPM's beside an ODE solver).
    pub compare_paths: bool,
    /// `None`: the shipped model of the data set when there is one, else the trained one.
    pub model: Option<PointsModel>,
    pub training: TrainSettings,
    #[serde(skip)]
    drawn_generation: u64,
    #[serde(skip)]
    cloud: Option<(CloudKey, Arc<Vec<f32>>)>,
    /// The exact denoiser of the cloud, when one is the model (or why it could not be
    /// built: a cloud of one point has no covariance).
    #[serde(skip)]
    exact: Option<(ExactKey, Result<Arc<AnalyticDenoiser>, String>)>,
    /// How close the last finished run's samples came to the cloud's points.
    #[serde(skip)]
    nearest: Option<(u64, Arc<nearest::NearestSummary>)>,
    /// The true mixture's denoiser, built for a schedule revision.
    #[serde(skip)]
    true_mixture: Option<(u64, Arc<AnalyticDenoiser>)>,
    /// Counts the runs started (what `nearest` is keyed on).
    #[serde(skip)]
    run_generation: u64,
    /// The sample under the pointer in the last frame (its nearest data point is drawn).
    #[serde(skip)]
    hovered_sample: Option<usize>,
    #[serde(skip)]
    eps: Option<(NoiseKey, Arc<Vec<f32>>)>,
    #[serde(skip)]
    model_job: KeyedJob<ModelKey, Checkpoint>,
    #[serde(skip)]
    session: Option<TrainSession>,
    #[serde(skip)]
    train_job: Option<JobHandle<TrainMsg, TrainDone>>,
    #[serde(skip)]
    train_target: usize,
    #[serde(skip)]
    trained: Option<(u64, Arc<Checkpoint>)>,
    #[serde(skip)]
    trained_generation: u64,
    #[serde(skip)]
    trained_on: Option<TrainedOn>,
    #[serde(skip)]
    train_error: Option<String>,
    #[serde(skip)]
    losses: Vec<[f64; 2]>,
    #[serde(skip)]
    loss_avg: Vec<[f64; 2]>,
    #[serde(skip)]
    field_job: KeyedJob<(u64, usize), Vec<[f64; 4]>>,
    #[serde(skip)]
    run: Option<RunState>,
    /// The other family's run of the tracked points ([`PointsPanel::compare_paths`]).
    #[serde(skip)]
    companion: Option<companion::CompanionRun>,
    #[serde(skip)]
    csv_job: Option<(PathBuf, CsvJob)>,
    #[serde(skip)]
    csv_status: Option<Result<(String, usize), (String, CsvFailure)>>,
    #[serde(skip)]
    folder_dialog: Option<PathJob>,
    #[serde(skip)]
    save_dialog: Option<PathJob>,
    #[serde(skip)]
    save_job: Option<JobHandle<(), PathBuf>>,
    #[serde(skip)]
    save_status: Option<Result<PathBuf, String>>,
    /// Whether native file dialogs work here, and the path field offered where not.
    #[serde(skip)]
    paths: PathFallback<PathPurpose>,
    #[serde(skip)]
    plot_rect: Option<egui::Rect>,
    #[serde(skip)]
    model_schedule: Option<(u64, Arc<Schedule>)>,
    #[serde(skip)]
    csv_dialog: Option<PathJob>,
    /// (set, drawn generation) the CSV message is about: it goes when they change.
    #[serde(skip)]
    csv_status_for: (PointSet, u64),
    /// The trained model (generation) the save message is about.
    #[serde(skip)]
    save_status_for: u64,
    /// Where the model trained here is kept between runs (the app sets its data folder;
    /// `None` keeps it in memory only).
    #[serde(skip)]
    store_dir: Option<PathBuf>,
    #[serde(skip)]
    store_load_tried: bool,
    #[serde(skip)]
    store_load: Option<JobHandle<(), Option<store::StoredModel>>>,
    #[serde(skip)]
    store_job: Option<JobHandle<(), u64>>,
    /// The trained generation last written to (or read from) `store_dir`.
    #[serde(skip)]
    stored_generation: u64,
    #[serde(skip)]
    store_error: Option<(PtsText, String)>,
    /// Steps of a model read back from `store_dir` (its session is not kept).
    #[serde(skip)]
    restored_steps: usize,
}

impl Default for PointsPanel {
    fn default() -> Self {
        Self {
            step_error: StepErrorView::default(),
            explain: Default::default(),
            set: PointSet::default(),
            drawn: Vec::new(),
            brush: 0.04,
            count: COUNT_CHOICES[1],
            data_seed: 3,
            noise_seed: 11,
            mode: ViewMode::Forward,
            scrubber: Scrubber::new(0),
            reverse_scrubber: Scrubber::new(0),
            reverse: ReverseSettings::default(),
            show_field: true,
            show_paths: true,
            compare_paths: true,
            model: None,
            training: TrainSettings::default(),
            drawn_generation: 0,
            cloud: None,
            exact: None,
            nearest: None,
            true_mixture: None,
            run_generation: 0,
            hovered_sample: None,
            eps: None,
            model_job: KeyedJob::new("points-model"),
            session: None,
            train_job: None,
            train_target: 0,
            trained: None,
            trained_generation: 0,
            trained_on: None,
            train_error: None,
            losses: Vec::new(),
            loss_avg: Vec::new(),
            field_job: KeyedJob::new("points-field"),
            run: None,
            companion: None,
            csv_job: None,
            csv_status: None,
            folder_dialog: None,
            save_dialog: None,
            save_job: None,
            save_status: None,
            paths: PathFallback::default(),
            plot_rect: None,
            model_schedule: None,
            csv_dialog: None,
            csv_status_for: (PointSet::default(), 0),
            save_status_for: 0,
            store_dir: None,
            store_load_tried: false,
            store_load: None,
            store_job: None,
            stored_generation: 0,
            store_error: None,
            restored_steps: 0,
        }
    }
}

/// The shipped checkpoint trained on `kind`, if this build has one.
pub fn shipped_for(kind: DatasetKind) -> Option<ModelSource> {
    shipped::for_images(false)
        .iter()
        .find(|m| m.dataset == kind)
        .map(|m| ModelSource::Shipped(m.name.to_string()))
}

/// Points in model units from a CSV: centred and scaled so the farthest coordinate is 1.
pub fn points_from_csv(path: &Path) -> Result<Vec<[f32; 2]>, DataError> {
    let raw = read_points_csv(path)?;
    let norm = normalization_for(&raw);
    let mut pts: Vec<[f32; 2]> = raw
        .iter()
        .map(|p| {
            [
                ((p[0] - norm.offset[0]) * norm.scale) as f32,
                ((p[1] - norm.offset[1]) * norm.scale) as f32,
            ]
        })
        .collect();
    pts.truncate(MAX_DRAWN);
    Ok(pts)
}
