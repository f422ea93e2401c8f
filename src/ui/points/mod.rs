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
    ModelSource, ReverseRequest, Trajectory, closed_form, fixed_noise, predict_step, spawn_reverse,
};
use crate::app::dialogs::{self, PathJob};
use crate::app::jobs::{self, JobContext, JobHandle, JobOutcome, Repaint};
use crate::app::keyed_job::KeyedJob;
use crate::diffusion::{PredictionType, Schedule, ScheduleSpec};
use crate::egui;
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
use crate::ui::widgets::Scrubber;
use crate::ui::widgets::density::colors;
use egui::{Color32, RichText};
use egui_plot::{Arrows, Legend, Line, MarkerShape, Plot, PlotPoints, Points};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

mod step_error_view;
mod store;
mod text;

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
}

/// A reverse run, kept with the indices of the points whose paths are drawn.
type RunState = ReverseRun<Vec<usize>>;

/// The panel's state.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct PointsPanel {
    /// The "why small steps" measurement.
    #[serde(skip)]
    pub step_error: StepErrorView,
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
    /// `None`: the shipped model of the data set when there is one, else the trained one.
    pub model: Option<PointsModel>,
    pub training: TrainSettings,
    #[serde(skip)]
    drawn_generation: u64,
    #[serde(skip)]
    cloud: Option<(CloudKey, Arc<Vec<f32>>)>,
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
    #[serde(skip)]
    dialog_unavailable: bool,
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
            model: None,
            training: TrainSettings::default(),
            drawn_generation: 0,
            cloud: None,
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
            csv_job: None,
            csv_status: None,
            folder_dialog: None,
            save_dialog: None,
            save_job: None,
            save_status: None,
            dialog_unavailable: false,
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

/// One step's moving average of a loss curve.
fn moving_average(points: &[[f64; 2]], window: usize) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(points.len());
    let mut sum = 0.0;
    for (i, p) in points.iter().enumerate() {
        sum += p[1];
        if i >= window {
            sum -= points[i - window][1];
        }
        let n = (i + 1).min(window) as f64;
        out.push([p[0], sum / n]);
    }
    out
}

const PATH_COLORS: [Color32; 6] = [
    Color32::from_rgb(0xd6, 0x27, 0x28),
    Color32::from_rgb(0xe3, 0x6c, 0x09),
    Color32::from_rgb(0x2c, 0xa0, 0x2c),
    Color32::from_rgb(0xb0, 0x3a, 0xc8),
    Color32::from_rgb(0x17, 0xbe, 0xcf),
    Color32::from_rgb(0x8c, 0x56, 0x4b),
];

impl PointsPanel {
    // ------------------------------------------------------------------ state & jobs

    /// The model choice in effect.
    pub fn model_choice(&self) -> PointsModel {
        if let Some(m) = &self.model {
            return m.clone();
        }
        match self.set {
            PointSet::Toy(kind) => shipped_for(kind)
                .map(PointsModel::Source)
                .unwrap_or(PointsModel::Trained),
            PointSet::Drawn => PointsModel::Trained,
        }
    }

    fn model_key(&self, lab: &LabContext) -> Option<ModelKey> {
        match self.model_choice() {
            PointsModel::Source(s) => Some((s, lab.settings.backend)),
            PointsModel::Trained => None,
        }
    }

    /// The model in use and its identity, when ready and a points model.
    fn active_model(&self, lab: &LabContext) -> Option<(ModelId, Arc<Checkpoint>)> {
        match self.model_choice() {
            PointsModel::Trained => self
                .trained
                .as_ref()
                .map(|(g, m)| (ModelId::Trained(*g), m.clone())),
            PointsModel::Source(_) => {
                let key = self.model_key(lab)?;
                if !self.model_job.is_current(&key) {
                    return None;
                }
                let m = self.model_job.latest()?;
                (!m.domain().is_image()).then(|| (ModelId::Source(key), m.clone()))
            }
        }
    }

    /// The model in use, when ready.
    pub fn model_checkpoint(&self, lab: &LabContext) -> Option<Arc<Checkpoint>> {
        self.active_model(lab).map(|(_, m)| m)
    }

    /// The schedule in use: the model's, else the Schedule panel's.
    pub fn schedule(&self, lab: &LabContext) -> Arc<Schedule> {
        match (self.active_model(lab), &self.model_schedule) {
            (Some((id, _)), Some((h, s))) if model_id_hash(&id) == *h => s.clone(),
            (Some((_, m)), _) => Arc::new(m.schedule.clone()),
            (None, _) => lab.schedule.clone(),
        }
    }

    /// The clean cloud (count × 2 floats).
    pub fn cloud(&self) -> Option<Arc<Vec<f32>>> {
        self.cloud.as_ref().map(|(_, c)| c.clone())
    }

    /// The loss of every training step so far: (step, loss).
    pub fn losses(&self) -> &[[f64; 2]] {
        &self.losses
    }

    /// The reverse run's steps so far.
    pub fn trajectory(&self) -> Option<&Trajectory> {
        self.run.as_ref().map(|r| &r.traj)
    }

    /// The training session's steps so far (0 before any training; a model read back
    /// from the data folder has the steps it was stored with).
    pub fn trained_steps(&self) -> usize {
        self.session
            .as_ref()
            .map(|s| s.step())
            .or_else(|| self.losses.last().map(|p| p[0] as usize))
            .unwrap_or(self.restored_steps)
    }

    /// Keeps the model trained here in `dir` between runs (the app passes a folder in its
    /// data directory); `None` keeps it in memory only.
    pub fn set_store_dir(&mut self, dir: Option<PathBuf>) {
        self.store_dir = dir;
        self.store_load_tried = false;
    }

    pub fn store_dir(&self) -> Option<&Path> {
        self.store_dir.as_deref()
    }

    /// Why the model trained here could not be kept or read back, if so.
    pub fn store_error(&self) -> Option<&str> {
        self.store_error.as_ref().map(|(_, m)| m.as_str())
    }

    pub fn is_training(&self) -> bool {
        self.train_job.is_some()
    }

    /// True while any background work is in flight.
    pub fn is_busy(&self) -> bool {
        self.model_job.is_running()
            || self.train_job.is_some()
            || self.field_job.is_running()
            || self.run.as_ref().is_some_and(RunState::is_running)
            || self.csv_job.is_some()
            || self.save_job.is_some()
            || self.store_load.is_some()
            || self.store_job.is_some()
            || self.step_error.is_running()
    }

    /// Adds drawn points around (x, y) with the brush's spread.
    pub fn add_drawn_points(&mut self, x: f64, y: f64, n: usize) {
        let mut rng =
            crate::model::data::rng_for(self.drawn.len() as u64, 0xD2A3 ^ self.drawn_generation);
        for _ in 0..n {
            if self.drawn.len() >= MAX_DRAWN {
                break;
            }
            let dx = crate::model::data::normal(&mut rng) * self.brush;
            let dy = crate::model::data::normal(&mut rng) * self.brush;
            self.drawn.push([x as f32 + dx, y as f32 + dy]);
        }
        self.drawn_generation += 1;
        self.cloud = None;
    }

    /// Reads points from a CSV (x,y rows) on a job; they become the drawn set.
    pub fn open_points_csv(&mut self, path: &Path, repaint: Repaint) {
        let p = path.to_path_buf();
        // The error is kept as a value (worded in the frame's language).
        let job = jobs::spawn("load-points", repaint, move |_ctx| Ok(points_from_csv(&p)));
        self.csv_job = Some((path.to_path_buf(), job));
    }

    /// Blocks until the jobs in flight end (tests and benches only).
    pub fn finish_background_work(&mut self) {
        self.step_error.finish_blocking();
        if let Some((path, job)) = self.csv_job.take() {
            let outcome = job.wait();
            self.accept_csv(path, outcome);
        }
        self.model_job.wait();
        self.field_job.wait();
        if let Some(job) = self.train_job.take() {
            let (events, outcome) = job.wait_with_events();
            self.accept_train_events(events);
            self.accept_train_outcome(outcome);
        }
        if let Some(run) = self.run.as_mut() {
            run.finish_blocking();
        }
        if let Some(job) = self.save_job.take() {
            let outcome = job.wait();
            self.accept_save(outcome);
        }
        if let Some(job) = self.store_load.take() {
            let outcome = job.wait();
            self.accept_stored(outcome);
        }
        if let Some(job) = self.store_job.take() {
            let outcome = job.wait();
            self.accept_store(outcome);
        }
    }

    /// A model read back from the data folder becomes the one trained here (unless one
    /// was trained meanwhile).
    fn accept_stored(&mut self, outcome: JobOutcome<Option<store::StoredModel>>) {
        match outcome {
            JobOutcome::Finished(Some(stored)) if self.trained.is_none() => {
                let about = stored.about;
                self.trained_generation += 1;
                self.trained = Some((self.trained_generation, Arc::new(stored.model)));
                self.stored_generation = self.trained_generation;
                self.restored_steps = about.steps;
                let drawn_generation = match about.set {
                    PointSet::Drawn
                        if about.drawn_hash == Some(store::points_hash(&self.drawn)) =>
                    {
                        self.drawn_generation
                    }
                    // Drawn points that changed since: never equal to a generation.
                    PointSet::Drawn => u64::MAX,
                    PointSet::Toy(_) => 0,
                };
                self.trained_on = Some(TrainedOn {
                    set: about.set,
                    drawn_generation,
                });
                self.store_error = None;
            }
            JobOutcome::Failed(m) => self.store_error = Some((PtsText::RestoreFailed, m)),
            _ => {}
        }
    }

    fn accept_store(&mut self, outcome: JobOutcome<u64>) {
        match outcome {
            JobOutcome::Finished(_) => self.store_error = None,
            JobOutcome::Failed(m) => self.store_error = Some((PtsText::StoreFailed, m)),
            JobOutcome::Cancelled => {}
        }
    }

    /// Reads the stored model once, and writes each newly trained one, on jobs.
    fn sync_store(&mut self, lab: &LabContext, repaint: &Repaint) {
        let Some(dir) = self.store_dir.clone() else {
            return;
        };
        if !self.store_load_tried && self.trained.is_none() && self.train_job.is_none() {
            self.store_load_tried = true;
            let backend = lab.settings.backend;
            let load_dir = dir.clone();
            self.store_load = Some(jobs::spawn(
                "load-trained-points",
                repaint.clone(),
                move |_ctx| store::load(&load_dir, backend),
            ));
        }
        if let Some(job) = self.store_load.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.store_load = None;
            self.accept_stored(outcome);
        }
        if let Some(job) = self.store_job.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.store_job = None;
            self.accept_store(outcome);
        }
        // A finished (or stopped) training run is kept for the next start.
        if self.train_job.is_none()
            && self.store_job.is_none()
            && self.store_load.is_none()
            && let (Some((generation, model)), Some(on)) = (self.trained.clone(), &self.trained_on)
            && generation != self.stored_generation
        {
            self.stored_generation = generation;
            let drawn = (on.set == PointSet::Drawn).then(|| self.drawn.clone());
            let about = store::TrainedHere {
                set: on.set,
                steps: self.trained_steps(),
                drawn_hash: drawn.as_deref().map(store::points_hash),
            };
            self.store_job = Some(jobs::spawn(
                "store-trained-points",
                repaint.clone(),
                move |_ctx| {
                    store::store(&dir, &model, drawn.as_deref(), &about)?;
                    Ok(generation)
                },
            ));
        }
    }

    fn accept_csv(&mut self, path: PathBuf, outcome: JobOutcome<Result<Vec<[f32; 2]>, DataError>>) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match outcome {
            JobOutcome::Finished(Ok(pts)) => {
                self.csv_status = Some(Ok((name, pts.len())));
                self.drawn = pts;
                self.drawn_generation += 1;
                self.set = PointSet::Drawn;
                self.cloud = None;
                self.model = None;
            }
            JobOutcome::Cancelled => {}
            JobOutcome::Finished(Err(e)) => {
                self.csv_status = Some(Err((name, CsvFailure::Data(e))));
            }
            JobOutcome::Failed(m) => self.csv_status = Some(Err((name, CsvFailure::Other(m)))),
        }
        self.csv_status_for = (self.set, self.drawn_generation);
    }

    fn accept_train_events(&mut self, events: Vec<TrainMsg>) {
        for e in events {
            match e {
                TrainMsg::Step { step, loss } => {
                    self.losses.push([step as f64, loss as f64]);
                }
                TrainMsg::Snapshot(m) => {
                    self.trained_generation += 1;
                    self.trained = Some((self.trained_generation, m));
                }
            }
        }
        self.loss_avg = moving_average(&self.losses, 50);
    }

    fn accept_train_outcome(&mut self, outcome: JobOutcome<TrainDone>) {
        match outcome {
            JobOutcome::Finished(done) => {
                if let Some(m) = done.snapshot {
                    self.trained_generation += 1;
                    self.trained = Some((self.trained_generation, m));
                }
                self.session = Some(done.session);
            }
            JobOutcome::Cancelled => {}
            JobOutcome::Failed(m) => self.train_error = Some(m),
        }
    }

    fn accept_save(&mut self, outcome: JobOutcome<PathBuf>) {
        self.save_status_for = self.trained.as_ref().map_or(0, |(g, _)| *g);
        self.save_status = match outcome {
            JobOutcome::Finished(p) => Some(Ok(p)),
            JobOutcome::Cancelled => None,
            JobOutcome::Failed(m) => Some(Err(m)),
        };
    }

    /// Polls jobs and starts what the inputs need. Call once a frame. Never blocks.
    pub fn update(&mut self, ctx: &egui::Context, lab: &LabContext) {
        let repaint = repaint_of(ctx);
        if let Some((_, job)) = self.csv_job.as_mut()
            && let Some(outcome) = job.poll()
            && let Some((path, _)) = self.csv_job.take()
        {
            self.accept_csv(path, outcome);
        }
        if let Some(job) = self.folder_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.folder_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(dir)) => {
                    self.model = Some(PointsModel::Source(ModelSource::Folder(dir)));
                }
                JobOutcome::Failed(_) => self.dialog_unavailable = true,
                _ => {}
            }
        }
        if let Some(job) = self.csv_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.csv_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(path)) => self.open_points_csv(&path, repaint.clone()),
                JobOutcome::Failed(_) => self.dialog_unavailable = true,
                _ => {}
            }
        }
        if let Some(job) = self.save_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.save_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(dir)) => self.save_trained(dir, repaint.clone()),
                JobOutcome::Failed(_) => self.dialog_unavailable = true,
                _ => {}
            }
        }
        if let Some(job) = self.save_job.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.save_job = None;
            self.accept_save(outcome);
        }
        if let Some(key) = self.model_key(lab) {
            let (source, backend) = key.clone();
            self.model_job
                .request(&key, repaint.clone(), move |_ctx| source.load(backend));
        }
        // The model's schedule, built once per model rather than cloned per use.
        if let Some((id, m)) = self.active_model(lab) {
            let h = model_id_hash(&id);
            if self.model_schedule.as_ref().is_none_or(|(k, _)| *k != h) {
                self.model_schedule = Some((h, Arc::new(m.schedule.clone())));
            }
        }
        // Training progress.
        if let Some(mut job) = self.train_job.take() {
            self.accept_train_events(job.drain_events());
            match job.poll() {
                Some(outcome) => {
                    self.accept_train_events(job.drain_events());
                    self.accept_train_outcome(outcome);
                }
                None => self.train_job = Some(job),
            }
        }
        self.sync_store(lab, &repaint);
        // A message goes with the state it describes: the CSV line when the data shown
        // changes, "saved …" when another model is trained.
        if self.csv_status.is_some() && self.csv_status_for != (self.set, self.drawn_generation) {
            self.csv_status = None;
        }
        if self.save_status.is_some()
            && self.trained.as_ref().map_or(0, |(g, _)| *g) != self.save_status_for
        {
            self.save_status = None;
        }
        // The clean cloud.
        let key = (self.set, self.count, self.data_seed, self.drawn_generation);
        if self.cloud.as_ref().is_none_or(|(k, _)| *k != key) {
            let cloud = match self.set {
                PointSet::Toy(kind) => Dataset::open(&DataSpec::new(kind))
                    .map(|(d, _)| d.generate(self.data_seed, self.count))
                    .unwrap_or_default(),
                PointSet::Drawn => self.drawn.iter().flat_map(|p| [p[0], p[1]]).collect(),
            };
            self.cloud = Some((key, Arc::new(cloud)));
        }
        let len = self.cloud.as_ref().map_or(0, |(_, c)| c.len());
        if self
            .eps
            .as_ref()
            .is_none_or(|(k, _)| *k != (len, self.noise_seed))
        {
            self.eps = Some((
                (len, self.noise_seed),
                Arc::new(fixed_noise(len, self.noise_seed)),
            ));
        }
        let big_t = self.schedule(lab).num_steps();
        self.scrubber.t = self.scrubber.t.min(big_t);
        // The reverse run.
        poll_reverse_run(&mut self.run, &mut self.mode, &mut self.reverse_scrubber);
        // The ε field at the t on screen.
        if self.show_field
            && let Some((id, model)) = self.active_model(lab)
        {
            let t = self.shown_t().clamp(1, model.schedule.num_steps());
            let key = (model_id_hash(&id), t);
            self.field_job.poll();
            if !self.field_job.is_running() {
                self.field_job
                    .request(&key, repaint, move |_ctx| field_arrows(&model, t));
            }
        }
    }

    /// The t on screen (forward t, or the reverse run's t at the scrubbed step).
    pub fn shown_t(&self) -> usize {
        match (self.mode, &self.run) {
            (ViewMode::Reverse, Some(run)) => run
                .traj
                .t_at(self.reverse_scrubber.t)
                .unwrap_or(run.traj.start_t),
            _ => self.scrubber.t,
        }
    }

    /// The points on screen: the forward x_t, or the run's samples at the scrubbed step.
    pub fn shown_points(&self, lab: &LabContext) -> Option<Vec<f32>> {
        match (self.mode, &self.run) {
            (ViewMode::Reverse, Some(run)) => {
                run.traj.view(self.reverse_scrubber.t).map(|v| v.x.to_vec())
            }
            _ => {
                let cloud = self.cloud()?;
                let eps = &self.eps.as_ref()?.1;
                closed_form(&self.schedule(lab), self.scrubber.t, &cloud, eps).ok()
            }
        }
    }

    /// Where the cloud plot was drawn last frame (screen points).
    pub fn plot_rect(&self) -> Option<egui::Rect> {
        self.plot_rect
    }

    /// The −ε̂ arrows of the latest field (origin x, y, tip x, y) and their t.
    pub fn field(&self) -> Option<(usize, &[[f64; 4]])> {
        let (_, t) = self.field_job.latest_key()?;
        self.field_job.latest().map(|f| (*t, f.as_slice()))
    }

    /// Starts sampling: from fresh noise at T, or from the forward cloud at t.
    pub fn start_reverse(&mut self, lab: &LabContext, from_noise: bool, repaint: Repaint) -> bool {
        let Some(model) = self.model_checkpoint(lab) else {
            return false;
        };
        if self.run.as_ref().is_some_and(RunState::is_running) {
            return false;
        }
        let big_t = model.schedule.num_steps();
        let (x_start, start_t) = if from_noise {
            (initial_noise(self.count, 2, self.reverse.seed), big_t)
        } else {
            let t = self.scrubber.t;
            match self.shown_points(lab) {
                Some(x) if t > 0 && !x.is_empty() => (x, t.min(big_t)),
                _ => return false,
            }
        };
        let n = x_start.len() / 2;
        let tracked: Vec<usize> = (0..TRACKED.min(n))
            .map(|i| i * n / TRACKED.min(n).max(1))
            .collect();
        let mut options = self.reverse.options(big_t);
        // Points are not bounded like pixels, so x̂0 is not clipped.
        options.clip_x0 = false;
        let label = self.reverse.label(big_t);
        let request = ReverseRequest {
            model,
            x_start,
            start_t,
            options,
            keep_predictions: false,
            size: None,
        };
        let total = request.planned_steps();
        let job = spawn_reverse(request, repaint);
        show_new_run(
            &mut self.run,
            RunState::new(start_t, total, job, label, tracked),
            &mut self.mode,
            &mut self.reverse_scrubber,
        );
        true
    }

    fn train_config(&self, lab: &LabContext) -> CheckpointConfig {
        let data = match self.set {
            PointSet::Toy(kind) => DataSpec::new(kind),
            PointSet::Drawn => {
                let mut spec = DataSpec::new(DatasetKind::Csv);
                spec.normalization = Some(PointNormalization::identity());
                spec
            }
        };
        let t = &self.training;
        CheckpointConfig::new(
            ModelConfig::Mlp(
                MlpDenoiserConfig::new()
                    .with_hidden(t.hidden.clamp(1, 1024))
                    .with_hidden_layers(t.layers.clamp(1, 8)),
            ),
            // A model trained here uses the schedule chosen in the Schedule panel.
            lab.schedule.spec().clone(),
            PredictionType::Epsilon,
            LossWeighting::Uniform,
            data,
            TrainingConfig::new()
                .with_steps(t.steps.max(1))
                .with_batch_size(t.batch.clamp(1, 65_536))
                .with_learning_rate(t.learning_rate)
                .with_warmup_steps(100)
                .with_seed(t.seed),
        )
    }

    /// Whether the session can continue (same network, data and schedule as asked now).
    fn session_matches(&self, lab: &LabContext) -> bool {
        let want = self.train_config(lab);
        self.session.as_ref().is_some_and(|s| {
            let have = s.config();
            have.model == want.model
                && have.schedule == want.schedule
                && have.training.batch_size == want.training.batch_size
                && have.training.learning_rate == want.training.learning_rate
                && have.training.seed == want.training.seed
        }) && self.trained_on.as_ref()
            == Some(&TrainedOn {
                set: self.set,
                drawn_generation: self.drawn_gen_for_training(),
            })
    }

    fn drawn_gen_for_training(&self) -> u64 {
        if self.set == PointSet::Drawn {
            self.drawn_generation
        } else {
            0
        }
    }

    /// Trains `training.steps` more steps (continuing the session when it matches the
    /// current settings, else starting over) on a job.
    pub fn start_training(&mut self, lab: &LabContext, repaint: Repaint) {
        if self.train_job.is_some() {
            return;
        }
        self.train_error = None;
        let session = if self.session_matches(lab) {
            self.session.take()
        } else {
            self.losses.clear();
            self.loss_avg.clear();
            None
        };
        let session = match session {
            Some(s) => s,
            None => {
                let device = match lab.settings.backend.device() {
                    Ok(d) => d,
                    Err(e) => {
                        self.train_error = Some(e.to_string());
                        return;
                    }
                };
                match TrainSession::new(self.train_config(lab), &device) {
                    Ok(s) => s,
                    Err(e) => {
                        self.train_error = Some(e.to_string());
                        return;
                    }
                }
            }
        };
        self.trained_on = Some(TrainedOn {
            set: self.set,
            drawn_generation: self.drawn_gen_for_training(),
        });
        self.model = Some(PointsModel::Trained);
        let steps = self.training.steps.max(1);
        self.train_target = session.step() + steps;
        let source = match self.set {
            PointSet::Toy(kind) => TrainData::Toy(kind),
            PointSet::Drawn => TrainData::Points(self.drawn.clone()),
        };
        self.train_job = Some(jobs::spawn(
            "train-points",
            repaint,
            move |ctx: &JobContext<TrainMsg>| train_job(session, steps, source, ctx),
        ));
    }

    /// Asks the training job to stop after its current step (the session is kept).
    pub fn stop_training(&mut self) {
        if let Some(job) = &self.train_job {
            job.cancel();
        }
    }

    /// Saves the trained model to `dir` on a job (drawn points go beside it as
    /// `points.csv`, so the folder trains and evaluates from the CLI too).
    pub fn save_trained(&mut self, dir: PathBuf, repaint: Repaint) {
        let Some((_, model)) = self.trained.clone() else {
            return;
        };
        let drawn = (self.trained_on.as_ref().map(|t| t.set) == Some(PointSet::Drawn))
            .then(|| self.drawn.clone());
        self.save_status = None;
        self.save_job = Some(jobs::spawn("save-points-model", repaint, move |_ctx| {
            crate::fsutil::create_dir_all(&dir)?;
            store::write_model_folder(&dir, &model, drawn.as_deref())?;
            Ok(dir)
        }));
    }

    // ------------------------------------------------------------------ the panel

    pub fn points_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        self.update(ui.ctx(), lab);
        // The plot's side comes from the panel's size alone, not from what is left below
        // the status lines: a message appearing moves the plot down (the area scrolls)
        // but never shrinks it.
        let plot_side = (ui.available_width() * 0.5)
            .min(ui.available_height() - PLOT_HEADROOM)
            .clamp(260.0, 640.0);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.heading(PtsText::Title.tr(lang));
                self.data_controls_ui(ui, lab);
                self.model_controls_ui(ui, lab);
                ui.separator();
                self.scrubber_ui(ui, lab);
                self.update(ui.ctx(), lab);
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(plot_side);
                        self.cloud_plot_ui(ui, lab, plot_side);
                    });
                    ui.separator();
                    ui.vertical(|ui| {
                        self.reverse_controls_ui(ui, lab);
                        ui.separator();
                        self.training_ui(ui, lab, 200.0);
                    });
                });
                ui.separator();
                let schedule = self
                    .model_checkpoint(lab)
                    .map(|c| c.schedule.clone())
                    .or_else(|| crate::diffusion::ScheduleSpec::default().build().ok());
                if let Some(schedule) = schedule {
                    self.step_error.ui(ui, lang, &schedule);
                }
            });
    }

    /// Data set, point count, re-draw, and the drawing tools.
    pub fn data_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.horizontal_wrapped(|ui| {
            let before = self.set;
            egui::ComboBox::from_label(PtsText::Data.tr(lang))
                .selected_text(self.set.label(lang))
                .show_ui(ui, |ui| {
                    for kind in TOY_SETS {
                        ui.selectable_value(&mut self.set, PointSet::Toy(kind), kind.name());
                    }
                    ui.selectable_value(&mut self.set, PointSet::Drawn, PtsText::Drawn.tr(lang));
                });
            if self.set != before {
                // The shipped model for the new set, if any (or the one trained here).
                self.model = None;
                self.cancel_run();
                self.run = None;
            }
            if ui
                .add_enabled(
                    self.csv_dialog.is_none(),
                    egui::Button::new(PtsText::OpenCsv.tr(lang)),
                )
                .on_hover_text(PtsText::CsvHint.tr(lang))
                .clicked()
            {
                self.csv_dialog = Some(dialogs::spawn_pick_file(
                    repaint_of(ui.ctx()),
                    "CSV",
                    &["csv", "txt"],
                ));
            }
            if let PointSet::Toy(_) = self.set {
                egui::ComboBox::from_label(PtsText::Count.tr(lang))
                    .selected_text(self.count.to_string())
                    .show_ui(ui, |ui| {
                        for n in COUNT_CHOICES {
                            ui.selectable_value(&mut self.count, n, n.to_string());
                        }
                    });
                if ui.button(PtsText::AnotherDraw.tr(lang)).clicked() {
                    self.data_seed = next_seed(self.data_seed);
                }
            } else {
                ui.add(egui::Slider::new(&mut self.brush, 0.0..=0.2).text(PtsText::Brush.tr(lang)));
                if ui.button(PtsText::Clear.tr(lang)).clicked() {
                    self.drawn.clear();
                    self.drawn_generation += 1;
                    self.cloud = None;
                }
                ui.weak(fill(PtsText::DrawnCount.tr(lang), &[&self.drawn.len()]));
            }
        });
        if self.set == PointSet::Drawn {
            ui.weak(if self.drawn.is_empty() {
                PtsText::NoDrawn.tr(lang)
            } else {
                PtsText::DrawHint.tr(lang)
            });
        }
        match &self.csv_status {
            Some(Ok((name, n))) => {
                ui.weak(fill(PtsText::CsvLoaded.tr(lang), &[name, n]));
            }
            Some(Err((name, failure))) => {
                let m = match failure {
                    CsvFailure::Data(e) => data_error_text(e, lang),
                    CsvFailure::Other(m) => m.clone(),
                };
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    fill(PtsText::CsvFailed.tr(lang), &[name, &m]),
                );
            }
            None => {}
        }
    }

    fn cancel_run(&mut self) {
        if let Some(run) = &self.run {
            run.cancel();
        }
    }

    /// Model picker, folder loading, device, and the model's status.
    pub fn model_controls_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        let current = self.model_choice();
        // Says whether there is a model trained here, not just that one could be.
        let trained_name = if self.trained.is_some() {
            PtsText::Trained
        } else if self.store_load.is_some() {
            PtsText::TrainedLoading
        } else {
            PtsText::TrainedNone
        };
        let name = |m: &PointsModel| match m {
            PointsModel::Trained => trained_name.tr(lang).to_string(),
            PointsModel::Source(s @ ModelSource::Folder(_)) => {
                fill(PtsText::Folder.tr(lang), &[&s.label()])
            }
            PointsModel::Source(ModelSource::Shipped(n)) => fill(PtsText::Shipped.tr(lang), &[n]),
        };
        let mut choices: Vec<PointsModel> = shipped::for_images(false)
            .iter()
            .map(|m| PointsModel::Source(ModelSource::Shipped(m.name.to_string())))
            .collect();
        choices.push(PointsModel::Trained);
        if let Some(m @ PointsModel::Source(ModelSource::Folder(_))) = &self.model {
            choices.push(m.clone());
        }
        ui.horizontal_wrapped(|ui| {
            if let Some(c) = model_combo(
                ui,
                PtsText::Model.tr(lang),
                name(&current),
                &choices,
                Some(&current),
                name,
            ) {
                self.model = Some(c);
            }
            load_folder_button::<PtsText>(ui, &mut self.folder_dialog, lang);
            device_picker(ui, lab);
        });
        let warn = ui.visuals().warn_fg_color;
        match &current {
            PointsModel::Trained => match (&self.trained, &self.trained_on) {
                (Some(_), Some(on)) => {
                    let mut text = fill(
                        PtsText::TrainedOn.tr(lang),
                        &[&on.set.label(lang), &self.trained_steps()],
                    );
                    if on.set != self.set
                        || (on.set == PointSet::Drawn
                            && on.drawn_generation != self.drawn_generation)
                    {
                        text.push(' ');
                        text.push_str(&fill(PtsText::OtherData.tr(lang), &[&on.set.label(lang)]));
                        ui.colored_label(warn, text);
                    } else {
                        ui.weak(text);
                    }
                }
                _ => {
                    ui.weak(PtsText::NoTrained.tr(lang));
                }
            },
            PointsModel::Source(s) => {
                model_load_status_ui::<PtsText, _, _>(ui, &self.model_job, lang);
                if let Some(k) = self.model_key(lab)
                    && self.model_job.is_current(&k)
                    && self
                        .model_job
                        .latest()
                        .is_some_and(|m| m.domain().is_image())
                {
                    ui.colored_label(warn, fill(PtsText::NotPointsModel.tr(lang), &[&s.label()]));
                }
            }
        }
        if let Some(m) = self.model_checkpoint(lab) {
            let spec: &ScheduleSpec = m.schedule.spec();
            if spec != lab.schedule.spec() {
                ui.colored_label(
                    warn,
                    format!(
                        "{} {}",
                        fill(PtsText::Schedule.tr(lang), &[&schedule_summary(spec)]),
                        PtsText::ScheduleDiffers.tr(lang)
                    ),
                );
            } else {
                ui.weak(fill(PtsText::Schedule.tr(lang), &[&schedule_summary(spec)]));
            }
        }
        if self.dialog_unavailable {
            ui.colored_label(warn, PtsText::NoDialog.tr(lang));
        }
        if let Some((key, m)) = &self.store_error {
            ui.colored_label(warn, fill(key.tr(lang), &[m]));
        }
    }

    /// The t scrubber (forward) or the step scrubber (reverse), with the view switch.
    pub fn scrubber_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let has_run = self.run.as_ref().is_some_and(RunState::has_steps);
        ui.horizontal(|ui| {
            view_mode_switch::<PtsText>(ui, &mut self.mode, has_run, lang);
            ui.separator();
            ui.checkbox(&mut self.show_field, PtsText::ShowField.tr(lang))
                .on_hover_text(PtsText::FieldNote.tr(lang));
            ui.checkbox(&mut self.show_paths, PtsText::ShowPaths.tr(lang));
        });
        let big_t = self.schedule(lab).num_steps();
        let scrubbers = (&mut self.scrubber, &mut self.reverse_scrubber);
        scrubber_row::<PtsText, _>(ui, self.mode, scrubbers, self.run.as_mut(), big_t, lang);
    }

    /// The cloud: data, x_t or samples, the ε field and the paths of a few points; in
    /// "draw your own" mode a drag adds points. `side` is the plot's size in points.
    pub fn cloud_plot_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, side: f32) {
        let lang = lab.lang();
        let t = self.shown_t();
        let data: Vec<[f64; 2]> = self
            .cloud()
            .map(|c| {
                c.chunks_exact(2)
                    .map(|p| [p[0] as f64, p[1] as f64])
                    .collect()
            })
            .unwrap_or_default();
        let shown: Vec<[f64; 2]> = self
            .shown_points(lab)
            .map(|c| {
                c.chunks_exact(2)
                    .map(|p| [p[0] as f64, p[1] as f64])
                    .collect()
            })
            .unwrap_or_default();
        let reverse = self.mode == ViewMode::Reverse && self.run.is_some();
        let paths: Vec<Vec<[f64; 2]>> = match (&self.run, reverse && self.show_paths) {
            (Some(run), true) => {
                let upto = self
                    .reverse_scrubber
                    .t
                    .min(run.traj.positions().saturating_sub(1));
                // The run's extra: the indices of the tracked points.
                run.extra
                    .iter()
                    .map(|&i| {
                        (0..=upto)
                            .filter_map(|k| run.traj.view(k))
                            .filter_map(|v| {
                                Some([*v.x.get(2 * i)? as f64, *v.x.get(2 * i + 1)? as f64])
                            })
                            .collect()
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        let field: Option<(PlotXy, PlotXy)> =
            self.show_field
                .then(|| self.field())
                .flatten()
                .map(|(_, arrows)| {
                    (
                        arrows.iter().map(|a| [a[0], a[1]]).collect(),
                        arrows.iter().map(|a| [a[2], a[3]]).collect(),
                    )
                });
        let shown_name = if reverse {
            fill(PtsText::PlotSamples.tr(lang), &[&t])
        } else {
            fill(PtsText::PlotXt.tr(lang), &[&t])
        };
        let drawing = self.set == PointSet::Drawn && self.mode == ViewMode::Forward;
        let dark = ui.visuals().dark_mode;
        let data_color = if dark {
            Color32::from_rgba_unmultiplied(0xc8, 0xc8, 0xc8, 0x70)
        } else {
            Color32::from_rgba_unmultiplied(0x60, 0x60, 0x60, 0x60)
        };
        let arrow_color = if dark {
            Color32::from_rgba_unmultiplied(0xa0, 0xa0, 0xa0, 0x90)
        } else {
            Color32::from_rgba_unmultiplied(0x70, 0x70, 0x70, 0xa0)
        };
        let response = Plot::new("points-cloud")
            .width(side)
            .height(side)
            .data_aspect(1.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .default_x_bounds(-VIEW_EXTENT, VIEW_EXTENT)
            .default_y_bounds(-VIEW_EXTENT, VIEW_EXTENT)
            .show_crosshair(drawing)
            .legend(
                Legend::default()
                    .position(egui_plot::Corner::LeftTop)
                    .follow_insertion_order(true)
                    .background_alpha(0.8),
            )
            .show(ui, |plot| {
                if let Some((origins, tips)) = field {
                    plot.arrows(
                        Arrows::new(PtsText::PlotField.tr(lang), origins, tips)
                            .color(arrow_color)
                            .tip_length(5.0),
                    );
                }
                plot.points(
                    Points::new(PtsText::PlotData.tr(lang), PlotPoints::new(data))
                        .color(data_color)
                        .radius(1.5),
                );
                for (i, path) in paths.iter().enumerate() {
                    let color = PATH_COLORS[i % PATH_COLORS.len()].gamma_multiply(0.8);
                    plot.line(
                        Line::new(PtsText::PlotPaths.tr(lang), PlotPoints::new(path.clone()))
                            .color(color)
                            .width(1.3),
                    );
                }
                if t > 0 || reverse {
                    plot.points(
                        Points::new(shown_name, PlotPoints::new(shown))
                            .color(colors::PRIMARY)
                            .radius(1.8),
                    );
                }
                for (i, path) in paths.iter().enumerate() {
                    if let Some(&end) = path.last() {
                        plot.points(
                            Points::new(PtsText::PlotPaths.tr(lang), vec![end])
                                .color(PATH_COLORS[i % PATH_COLORS.len()])
                                .shape(MarkerShape::Circle)
                                .radius(4.0),
                        );
                    }
                }
                let pointer = plot.pointer_coordinate();
                let r = plot.response();
                (pointer, r.dragged() || r.clicked())
            });
        self.plot_rect = Some(response.response.rect);
        if drawing && let (Some(p), true) = response.inner {
            let n = if response.response.clicked() { 8 } else { 3 };
            self.add_drawn_points(p.x, p.y, n);
        }
    }

    /// Sampler settings, "sample from noise", "denoise this cloud", progress and cancel.
    pub fn reverse_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.label(RichText::new(PtsText::SampleTitle.tr(lang)).strong());
        let big_t = self.schedule(lab).num_steps().max(1);
        ui.horizontal_wrapped(|ui| {
            sampler_and_steps_ui::<PtsText>(ui, &mut self.reverse, big_t, lang);
            let l = ui.label(PtsText::Seed.tr(lang));
            ui.add(egui::DragValue::new(&mut self.reverse.seed).speed(1.0))
                .labelled_by(l.id);
        });
        if self.reverse.sampler == SamplerKind::Ddim {
            ui.add(egui::Slider::new(&mut self.reverse.eta, 0.0..=1.0).text(PtsText::Eta.tr(lang)));
        }
        let running = self.run.as_ref().is_some_and(RunState::is_running);
        let has_model = self.model_checkpoint(lab).is_some();
        let t = self.scrubber.t;
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(
                    has_model && !running,
                    egui::Button::new(PtsText::FromNoise.tr(lang)),
                )
                .clicked()
            {
                self.start_reverse(lab, true, repaint_of(ui.ctx()));
            }
            if ui
                .add_enabled(
                    has_model && !running && t > 0 && self.mode == ViewMode::Forward,
                    egui::Button::new(fill(PtsText::FromHere.tr(lang), &[&t])),
                )
                .clicked()
            {
                self.start_reverse(lab, false, repaint_of(ui.ctx()));
            }
            if running && ui.button(PtsText::Cancel.tr(lang)).clicked() {
                self.cancel_run();
            }
            if !has_model {
                ui.weak(PtsText::NeedModel.tr(lang));
            }
        });
        // A finished run's line ("DDIM-20 … in 0.62 s") describes the sampler it ran
        // with: once the sampler settings change, it goes (the run stays on screen).
        let current_label = self.reverse.label(big_t);
        let run = self
            .run
            .as_ref()
            .filter(|r| r.is_running() || r.label == current_label);
        run_status_ui::<PtsText, _>(ui, run, lang, |run, s| {
            fill(
                PtsText::RunDone.tr(lang),
                &[&run.label, &s.steps, &format!("{:.2}", s.seconds)],
            )
        });
    }

    /// Training settings, train/stop/continue/start over/save, progress and the loss curve.
    pub fn training_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        ui.label(RichText::new(PtsText::TrainTitle.tr(lang)).strong());
        let training = self.train_job.is_some();
        ui.add_enabled_ui(!training, |ui| {
            ui.horizontal_wrapped(|ui| {
                let l = ui.label(PtsText::TrainSteps.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.steps)
                        .range(1..=100_000)
                        .speed(10.0),
                )
                .labelled_by(l.id);
                let l = ui.label(PtsText::Batch.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.batch)
                        .range(1..=4096)
                        .speed(4.0),
                )
                .labelled_by(l.id);
                let l = ui.label(PtsText::Lr.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.learning_rate)
                        .range(1e-5..=0.05)
                        .speed(1e-4)
                        .max_decimals(5),
                )
                .labelled_by(l.id);
                let l = ui.label(PtsText::Hidden.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.hidden)
                        .range(8..=512)
                        .speed(1.0),
                )
                .labelled_by(l.id);
                let l = ui.label(PtsText::Layers.tr(lang));
                ui.add(egui::DragValue::new(&mut self.training.layers).range(1..=8))
                    .labelled_by(l.id);
            });
        });
        let can_continue = self.session_matches(lab);
        let has_data = self.set != PointSet::Drawn || !self.drawn.is_empty();
        ui.horizontal_wrapped(|ui| {
            let label = if can_continue {
                PtsText::Continue.tr(lang)
            } else {
                PtsText::Train.tr(lang)
            };
            if ui
                .add_enabled(!training && has_data, egui::Button::new(label))
                .clicked()
            {
                self.start_training(lab, repaint_of(ui.ctx()));
            }
            if training && ui.button(PtsText::Stop.tr(lang)).clicked() {
                self.stop_training();
            }
            if ui
                .add_enabled(
                    !training && self.session.is_some(),
                    egui::Button::new(PtsText::Reset.tr(lang)),
                )
                .clicked()
            {
                self.session = None;
                self.losses.clear();
                self.loss_avg.clear();
            }
            if ui
                .add_enabled(
                    !training && self.trained.is_some() && self.save_dialog.is_none(),
                    egui::Button::new(PtsText::Save.tr(lang)),
                )
                .clicked()
            {
                self.save_dialog = Some(dialogs::spawn_pick_folder(repaint_of(ui.ctx())));
            }
        });
        if let Some(job) = &self.train_job {
            let done = self.losses.last().map_or(0, |p| p[0] as usize);
            let start = self.train_target.saturating_sub(self.training.steps.max(1));
            let frac = (done.saturating_sub(start)) as f32 / self.training.steps.max(1) as f32;
            let loss = self
                .loss_avg
                .last()
                .map_or("—".to_string(), |p| format!("{:.4}", p[1]));
            ui.add(
                egui::ProgressBar::new(frac.clamp(0.0, 1.0))
                    .desired_width(ui.available_width().min(360.0))
                    .text(fill(
                        PtsText::Training.tr(lang),
                        &[&done, &self.train_target, &loss],
                    )),
            );
            if job.is_cancel_requested() {
                ui.spinner();
            }
        } else if let Some(last) = self.loss_avg.last() {
            ui.weak(fill(
                PtsText::TrainedSteps.tr(lang),
                &[&self.trained_steps(), &format!("{:.4}", last[1])],
            ));
        }
        if let Some(e) = &self.train_error {
            ui.colored_label(
                ui.visuals().error_fg_color,
                fill(PtsText::TrainFailed.tr(lang), &[e]),
            );
        }
        let saving = self.save_dialog.is_some() || self.save_job.is_some();
        save_status_ui::<PtsText>(ui, saving, self.save_status.as_ref(), lang);
        self.loss_plot_ui(ui, lab, height);
    }

    /// The live loss curve.
    pub fn loss_plot_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        ui.label(PtsText::LossTitle.tr(lang));
        if self.losses.is_empty() {
            ui.weak(PtsText::NoLossYet.tr(lang));
            return;
        }
        let raw = self.losses.clone();
        let avg = self.loss_avg.clone();
        crate::ui::widgets::density::density_plot(
            "points-loss",
            height,
            egui_plot::Corner::RightTop,
        )
        .include_y(0.0)
        .show(ui, |plot| {
            plot.line(
                Line::new(PtsText::Loss.tr(lang), PlotPoints::new(raw))
                    .color(colors::FAINT_GREY)
                    .width(1.0),
            );
            plot.line(
                Line::new(PtsText::LossAvg.tr(lang), PlotPoints::new(avg))
                    .color(colors::SECOND)
                    .width(2.0),
            );
        });
    }
}

/// Where a training job draws its clean points.
enum TrainData {
    Toy(DatasetKind),
    Points(Vec<[f32; 2]>),
}

/// The training job: runs the session, streams each step's loss and a snapshot every
/// 250 steps (so the field and samples can use the model as it learns), and hands the
/// session back when done or stopped.
fn train_job(
    mut session: TrainSession,
    steps: usize,
    source: TrainData,
    ctx: &JobContext<TrainMsg>,
) -> anyhow::Result<TrainDone> {
    let dataset = match &source {
        TrainData::Toy(kind) => Some(Dataset::open(&DataSpec::new(*kind))?.0),
        TrainData::Points(p) if p.is_empty() => anyhow::bail!("there are no points to train on"),
        TrainData::Points(_) => None,
    };
    let cancel = ctx.cancel_flag();
    // Snapshots are taken between `run` calls, so the loop runs in chunks.
    let chunk = 250;
    let mut left = steps;
    let mut last_snapshot = None;
    let target = session.step() + steps;
    while left > 0 && !cancel.load(Ordering::Relaxed) {
        let n = left.min(chunk);
        let done = session.run(
            n,
            |rng, count| match (&dataset, &source) {
                (Some(d), _) => d.sample(rng, count),
                (None, TrainData::Points(p)) => (0..count)
                    .flat_map(|_| {
                        let i = rng.random_range(0..p.len());
                        p.get(i).copied().unwrap_or_default()
                    })
                    .collect(),
                _ => Vec::new(),
            },
            &cancel,
            |step, loss| {
                ctx.emit(TrainMsg::Step { step, loss });
                ctx.set_progress(step as u64, target as u64, "");
            },
        )?;
        left -= done.min(left);
        if done == 0 {
            break;
        }
        let snap = Arc::new(session.snapshot()?);
        ctx.emit(TrainMsg::Snapshot(snap.clone()));
        last_snapshot = Some(snap);
    }
    // A stop is not a failure: the session comes back to be continued.
    Ok(TrainDone {
        session,
        snapshot: last_snapshot,
    })
}

fn model_id_hash(id: &ModelId) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    match id {
        ModelId::Source(k) => {
            0u8.hash(&mut h);
            k.hash(&mut h);
        }
        ModelId::Trained(g) => {
            1u8.hash(&mut h);
            g.hash(&mut h);
        }
    }
    h.finish()
}

/// −ε̂ on a grid at t, as arrows (origin x, y, tip x, y) scaled so |ε̂| = 1 spans 45 % of
/// the grid spacing (ε̂ is about unit-sized where the model is sure).
fn field_arrows(model: &Checkpoint, t: usize) -> anyhow::Result<Vec<[f64; 4]>> {
    let n = FIELD_GRID;
    let spacing = 2.0 * FIELD_EXTENT / (n - 1) as f64;
    let mut grid = Vec::with_capacity(2 * n * n);
    for j in 0..n {
        for i in 0..n {
            grid.push((-FIELD_EXTENT + i as f64 * spacing) as f32);
            grid.push((-FIELD_EXTENT + j as f64 * spacing) as f32);
        }
    }
    let p = predict_step(model, &model.schedule, &grid, t, false)?;
    let scale = 0.45 * spacing;
    Ok(grid
        .chunks_exact(2)
        .zip(p.pred_eps.chunks_exact(2))
        .map(|(x, e)| {
            let (x0, y0) = (x[0] as f64, x[1] as f64);
            let (ex, ey) = (e[0] as f64, e[1] as f64);
            // Long arrows are capped at the spacing so neighbours never overlap.
            let len = (ex * ex + ey * ey).sqrt() * scale;
            let k = if len > spacing { spacing / len } else { 1.0 };
            [x0, y0, x0 - ex * scale * k, y0 - ey * scale * k]
        })
        .collect())
}
