//! The Image panel: scrub forward and backward through the trained denoiser on one image.
//!
//! Forward: x_t of the picture at any t, by the closed form with a fixed, re-rollable ε or
//! along the iterated chain (computed once on a job, then a lookup). Backward: "denoise
//! from here" runs the reverse process from the x_t on screen down to 0 on a job; every
//! step is kept, so scrubbing through the run afterwards is a lookup. Beside x_t: the
//! network's ε̂, x̂0 and the posterior mean μ̃, and a histogram of x_t's pixel values over
//! the density they should follow.
//!
//! Sections are pub so the Lesson panel can embed them; call [`ImagePanel::update`] once a
//! frame first, then any of [`ImagePanel::picture_controls_ui`],
//! [`ImagePanel::model_controls_ui`], [`ImagePanel::forward_controls_ui`],
//! [`ImagePanel::scrubber_ui`], [`ImagePanel::images_ui`], [`ImagePanel::histogram_ui`],
//! [`ImagePanel::reverse_controls_ui`], [`ImagePanel::strip_ui`] and
//! [`ImagePanel::export_ui`].
//!
//! Layout: this file holds the state and [`ImagePanel::update`] (jobs, caches; no drawing);
//! `choice.rs` the picture in use, `models.rs` the default model, `shown.rs` what a frame
//! shows, `histogram.rs` its histogram, `paths.rs` the dialogs and the path field,
//! `export.rs` the exports, `view.rs` the drawing, `text.rs` the words.

mod choice;
mod exact;
mod explain;
mod export;
mod histogram;
mod models;
mod paths;
mod pictures;
mod shown;
mod text;
mod view;

use crate::ui::widgets::{PathFallback, PathLabels};
pub use exact::NearestTraining;
pub use export::ExportKind;
pub use histogram::{HistReference, HistogramView};
pub use models::{
    GLYPH_MODEL, NATURAL_MODEL, default_image_model, default_model_among, default_model_for,
};
pub use paths::{PathEntry, PathPurpose};
pub use text::{ImgText, image_load_error_text};
pub use text::{knows_only_note, size_error_text};
pub(crate) use text::{photo_name, sample_name};
use view::TexSlot;
pub use view::device_picker;

use crate::app::LabContext;
use crate::app::denoiser::{
    ForwardChain, ModelSource, ReverseRequest, StepPrediction, Trajectory, closed_form,
    fixed_noise, predict_step, spawn_reverse,
};
use crate::app::dialogs::{self, PathJob};
use crate::app::image_input::{
    BundledPhoto, IMAGE_EXTENSIONS, ImageLoadError, LoadedImage, SampleKind, load_image_file,
    sample_image,
};
use crate::app::jobs::{self, JobHandle, JobOutcome, Repaint};
use crate::app::keyed_job::{KeyedJob, ProgressThrottle};
use crate::app::picture::{self, Shade};
use crate::diffusion::pixel_marginal::{Bins, PixelMarginal, histogram_density};
use crate::diffusion::{Gaussian, Schedule, ScheduleSpec};
use crate::egui;
use crate::model::checkpoint::{Checkpoint, MAX_RUN_SIZE, SizeError, check_run_size};
use crate::model::data::image_to_item;
use crate::model::{BackendKind, DataDomain, objective_name, shipped};
use crate::ui::denoiser_view::{
    ReverseRun, model_combo, model_load_status_ui, poll_reverse_run, repaint_of, run_status_ui,
    sampler_and_steps_ui, save_status_ui, scrubber_row, show_new_run, view_mode_switch,
};
// The shared types keep their old paths here too (tests import them from this module).
pub use crate::ui::denoiser_view::{ReverseSettings, SamplerKind, ViewMode};
use crate::ui::i18n::{Lang, Text, fill};
use crate::ui::widgets::density::{colors, curve, dashed, density_plot, gaussian_curve};
use crate::ui::widgets::{Scrubber, math_job, math_label};
use egui::RichText;
use egui_plot::{Bar, BarChart, Corner};
use image::{DynamicImage, RgbImage};
use serde::{Deserialize, Serialize};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bins of the pixel-value histogram: fixed, so bars move as t changes, not the axis.
pub const HIST_RANGE: f64 = 4.0;
pub const HIST_BINS: usize = 64;
/// Thumbnails in the strip.
pub const STRIP_FRAMES: usize = 10;
/// Frames in an exported GIF (evenly spread over the run; the last is held longer).
pub const GIF_FRAMES: usize = 60;
/// The working sizes offered (besides the model's own).
pub const WORK_SIZES: [usize; 3] = [64, 128, 256];
/// The working size of photos and user files while the size is left on "auto".
pub const PHOTO_SIZE: usize = 128;

/// Which picture the panel works on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImageChoice {
    /// A picture the app makes (a seed picks which digit or shape).
    Sample { kind: SampleKind, seed: u64 },
    /// A user file (re-read at start-up; if it is gone, the default sample is used).
    File(PathBuf),
    /// A real photograph embedded in the build.
    Photo(BundledPhoto),
}

impl ImageChoice {
    /// Photos and files are real pictures (worked on at [`PHOTO_SIZE`] by default, with the
    /// natural model); the generated samples are the data sets' own small pictures.
    pub fn is_photo(&self) -> bool {
        matches!(self, ImageChoice::File(_) | ImageChoice::Photo(_))
    }
}

impl Default for ImageChoice {
    fn default() -> Self {
        ImageChoice::Sample {
            kind: SampleKind::Glyph,
            seed: 7,
        }
    }
}

/// Forward by the closed form or by the chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ForwardKind {
    #[default]
    ClosedForm,
    Chain,
}

/// The picture in use.
#[derive(Clone, Debug)]
struct PictureState {
    name: String,
    original_size: (u32, u32),
    image: Arc<DynamicImage>,
}

/// The clean item x0 the model sees, and the distribution of its values.
#[derive(Clone, Debug)]
struct CleanItem {
    key: (u64, usize, usize),
    x0: Arc<Vec<f32>>,
}

/// Key of everything forward: the clean item, the schedule, ε's seed, the method.
#[derive(Clone, Debug, PartialEq, Hash)]
struct ForwardKey {
    item: (u64, usize, usize),
    schedule: u64,
    seed: u64,
    kind: ForwardKind,
}

type ModelKey = (ModelSource, BackendKind);

type LoadJob = JobHandle<(), Result<LoadedImage, ImageLoadError>>;

/// Why a picture could not be used: a value, worded when drawn.
#[derive(Debug)]
enum LoadFailure {
    Image(ImageLoadError),
    /// The loading job itself failed (it should not).
    Other(String),
}

fn load_failure_text(f: &LoadFailure, lang: Lang) -> String {
    match f {
        LoadFailure::Image(e) => image_load_error_text(e, lang),
        LoadFailure::Other(m) => m.clone(),
    }
}

/// (length, seed) of the fixed ε.
type NoiseKey = (usize, u64);
/// The forward inputs and the t of a cached x_t.
type ShownKey = (ForwardKey, usize);
/// A strip thumbnail: (t shown, jump target, what it shows).
type StripCell = (usize, usize, StripPicture);

/// What a strip thumbnail shows: a forward x_t (cached), or a reverse run's position k
/// (x_t above, x̂0 below), read from the run where it is drawn rather than copied.
enum StripPicture {
    Forward(Arc<Vec<f32>>),
    Reverse(usize),
}

/// A reverse run, kept with the clean item it started from.
type RunState = ReverseRun<CleanItem>;

/// What the panel shows this frame.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownFrame {
    pub t: usize,
    pub x_t: Arc<Vec<f32>>,
    /// ε̂, x̂0 and μ̃ with the t they were predicted at.
    pub prediction: Option<Arc<StepPrediction>>,
    /// The prediction is for another t (a new one is on its way).
    pub prediction_stale: bool,
}

/// A key for pictures' contents (texture and histogram caches look their pictures up by
/// it every frame): XXH3 of the bytes, so that a frame with twenty 128² RGB pictures on
/// screen spends well under a millisecond on it (SipHash over each value took 10–30 ms).
fn hash_of(salt: impl Hash, parts: &[&[f32]]) -> u64 {
    let mut h = DefaultHasher::new();
    salt.hash(&mut h);
    for p in parts {
        p.len().hash(&mut h);
        h.write_u64(xxhash_rust::xxh3::xxh3_64(bytemuck::cast_slice::<f32, u8>(
            p,
        )));
    }
    h.finish()
}

fn spec_hash(spec: &ScheduleSpec) -> u64 {
    let mut h = DefaultHasher::new();
    format!("{spec:?}").hash(&mut h);
    h.finish()
}

/// "linear, T = 1000, β 0.0001 → 0.02".
pub fn schedule_summary(spec: &ScheduleSpec) -> String {
    let mut s = format!(
        "{}, T = {}, β {} → {}",
        spec.kind.diffusers_name(),
        spec.num_steps,
        spec.beta_start,
        spec.beta_end
    );
    if spec.rescale_zero_snr {
        s.push_str(", zero terminal SNR");
    }
    s
}

/// 280177 → "280 177".
fn thousands(n: usize) -> String {
    crate::ui::forward_step::group_thousands(n)
}

/// A new seed from the old one (splitmix64), so re-rolling is reproducible.
pub(crate) fn next_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % 100_000
}

/// The panel's state: choices persist, everything derived is a cache.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct ImagePanel {
    pub choice: ImageChoice,
    /// `None`: the default shipped image model.
    pub model: Option<ModelSource>,
    /// An exact denoiser of the model's training data in place of the network (`None`:
    /// the network).
    pub denoiser: Option<crate::model::analytic::AnalyticFit>,
    pub mode: ViewMode,
    pub forward_kind: ForwardKind,
    pub noise_seed: u64,
    /// t of the forward view (0..=T).
    pub scrubber: Scrubber,
    /// Position in the reverse run (0 = its start).
    pub reverse_scrubber: Scrubber,
    pub reverse: ReverseSettings,
    /// The side pictures are worked on (centre crop, resized); `None`: automatic (photos
    /// and files at [`PHOTO_SIZE`], generated samples at the model's own size).
    pub work_size: Option<usize>,
    /// The histogram's channel (`None`: all channels together).
    pub hist_channel: Option<usize>,
    #[serde(skip)]
    picture: Option<PictureState>,
    #[serde(skip)]
    picture_generation: u64,
    #[serde(skip)]
    load_job: Option<(PathBuf, LoadJob)>,
    /// The last failed load, with the inputs it was about: it goes when they change.
    #[serde(skip)]
    load_error: Option<(String, LoadFailure, u64)>,
    /// A model folder that failed to load (the panel went back to the default model).
    #[serde(skip)]
    model_failure: Option<(String, String)>,
    /// Whether native file dialogs work here, and the path field offered where not.
    #[serde(skip)]
    paths: PathFallback<PathPurpose>,
    #[serde(skip)]
    clean: Option<CleanItem>,
    #[serde(skip)]
    eps: Option<(NoiseKey, Arc<Vec<f32>>)>,
    #[serde(skip)]
    forward_xt: Option<(ShownKey, Arc<Vec<f32>>)>,
    #[serde(skip)]
    chain_job: KeyedJob<ForwardKey, ForwardChain>,
    #[serde(skip)]
    model_job: KeyedJob<ModelKey, Checkpoint>,
    /// r² of the exact denoisers of the model's training data against it.
    #[serde(skip)]
    pub explain: crate::ui::explain_view::ExplainView,
    #[serde(skip)]
    exact_job: KeyedJob<exact::ExactKey, exact::ExactModel>,
    #[serde(skip)]
    nearest: Option<exact::NearestTraining>,
    #[serde(skip)]
    nearest_texture: TexSlot,
    /// Counts the runs started (what `nearest` is keyed on).
    #[serde(skip)]
    run_generation: u64,
    #[serde(skip)]
    pred_job: KeyedJob<
        (
            ModelKey,
            Option<crate::model::analytic::AnalyticFit>,
            ForwardKey,
            usize,
        ),
        StepPrediction,
    >,
    #[serde(skip)]
    model_schedule: Option<(ModelKey, Arc<Schedule>)>,
    #[serde(skip)]
    run: Option<RunState>,
    #[serde(skip)]
    image_dialog: Option<PathJob>,
    #[serde(skip)]
    folder_dialog: Option<PathJob>,
    #[serde(skip)]
    export_job: Option<PathJob>,
    #[serde(skip)]
    export_status: Option<Result<PathBuf, String>>,
    /// The export whose save dialog is open (`None`: a given target, or no export).
    #[serde(skip)]
    export_dialog: Option<ExportKind>,
    #[serde(skip)]
    histogram: Option<HistogramView>,
    #[serde(skip)]
    textures: [TexSlot; 5],
    #[serde(skip)]
    strip_textures: Vec<TexSlot>,
    #[serde(skip)]
    shown: Option<ShownFrame>,
}

impl Default for ImagePanel {
    fn default() -> Self {
        Self {
            choice: ImageChoice::default(),
            model: None,
            denoiser: None,
            mode: ViewMode::Forward,
            forward_kind: ForwardKind::ClosedForm,
            noise_seed: 42,
            scrubber: Scrubber::new(300),
            reverse_scrubber: Scrubber::new(0),
            reverse: ReverseSettings::default(),
            work_size: None,
            hist_channel: None,
            picture: None,
            picture_generation: 0,
            load_job: None,
            load_error: None,
            model_failure: None,
            paths: PathFallback::default(),
            clean: None,
            eps: None,
            forward_xt: None,
            chain_job: KeyedJob::new("image-forward-chain"),
            model_job: KeyedJob::new("image-model"),
            explain: Default::default(),
            exact_job: KeyedJob::new("image-exact"),
            nearest: None,
            nearest_texture: TexSlot::default(),
            run_generation: 0,
            pred_job: KeyedJob::new("image-predict"),
            run: None,
            model_schedule: None,
            image_dialog: None,
            folder_dialog: None,
            export_job: None,
            export_status: None,
            export_dialog: None,
            histogram: None,
            textures: Default::default(),
            strip_textures: Vec::new(),
            shown: None,
        }
    }
}

impl ImagePanel {
    // ------------------------------------------------------------------ state & jobs

    /// The model source in use (the chosen one, else the default shipped model for the
    /// picture: [`default_model_for`]).
    pub fn model_source(&self) -> Option<ModelSource> {
        self.model
            .clone()
            .or_else(|| default_model_for(&self.choice))
    }

    fn model_key(&self, lab: &LabContext) -> Option<ModelKey> {
        self.model_source().map(|s| (s, lab.settings.backend))
    }

    /// The loaded model when it is current and an image model.
    pub fn loaded_model(&self, lab: &LabContext) -> Option<Arc<Checkpoint>> {
        let key = self.model_key(lab)?;
        if !self.model_job.is_current(&key) {
            return None;
        }
        let m = self.model_job.latest()?;
        m.domain().is_image().then(|| m.clone())
    }

    /// (channels, side) of the model's own items (1 × 32 × 32 without a model).
    pub fn model_shape(&self, lab: &LabContext) -> (usize, usize) {
        match self.loaded_model(lab).map(|m| m.domain()) {
            Some(DataDomain::Image { channels, size }) => (channels, size),
            _ => (1, crate::model::data::IMAGE_SIZE),
        }
    }

    /// The working size asked for: the chosen one, or automatically [`PHOTO_SIZE`] for
    /// photos and files and the model's own size for generated samples.
    pub fn requested_size(&self, lab: &LabContext) -> usize {
        match self.work_size {
            Some(n) => n,
            None if self.choice.is_photo() => PHOTO_SIZE,
            None => self.model_shape(lab).1,
        }
    }

    /// Why the requested size cannot be used (then the model's own size is), if it cannot.
    pub fn size_error(&self, lab: &LabContext) -> Option<SizeError> {
        let n = self.requested_size(lab);
        match self.loaded_model(lab) {
            Some(m) => check_run_size(&m.config.model, n).err(),
            None if n == 0 => Some(SizeError::Zero),
            None if n > MAX_RUN_SIZE => Some(SizeError::TooLarge {
                size: n,
                max: MAX_RUN_SIZE,
            }),
            None => None,
        }
    }

    /// (channels, side) of the items the panel works on: the model's channels (a
    /// 1-channel model sees luminance, a 3-channel one RGB, grey pictures replicated) at
    /// the working size.
    pub fn item_shape(&self, lab: &LabContext) -> (usize, usize) {
        let (channels, own) = self.model_shape(lab);
        if self.size_error(lab).is_some() {
            (channels, own)
        } else {
            (channels, self.requested_size(lab))
        }
    }

    /// The key of the inputs a message is about: picture, model, size, view and t.
    fn message_key(&self, lab: &LabContext) -> u64 {
        let mut h = DefaultHasher::new();
        self.picture_generation.hash(&mut h);
        format!("{:?}", self.choice).hash(&mut h);
        self.model_source().hash(&mut h);
        self.requested_size(lab).hash(&mut h);
        self.mode.hash(&mut h);
        self.scrubber.t.hash(&mut h);
        self.reverse_scrubber.t.hash(&mut h);
        h.finish()
    }

    /// The schedule in use: the model's own, or the Schedule panel's without a model.
    pub fn schedule(&self, lab: &LabContext) -> Arc<Schedule> {
        match (self.loaded_model(lab), &self.model_schedule) {
            (Some(_), Some((k, s))) if Some(k) == self.model_key(lab).as_ref() => s.clone(),
            (Some(m), _) => Arc::new(m.schedule.clone()),
            (None, _) => lab.schedule.clone(),
        }
    }

    fn schedule_key(&self, lab: &LabContext) -> u64 {
        spec_hash(self.schedule(lab).spec())
    }

    /// The clean item x0 (after the picture is loaded and converted).
    pub fn clean_item(&self) -> Option<Arc<Vec<f32>>> {
        self.clean.as_ref().map(|c| c.x0.clone())
    }

    /// The name of the picture in use.
    pub fn picture_name(&self) -> Option<&str> {
        self.picture.as_ref().map(|p| p.name.as_str())
    }

    /// The message of the last failed image load (the previous image stays).
    pub fn load_error(&self) -> Option<String> {
        self.load_error
            .as_ref()
            .map(|(_, e, _)| load_failure_text(e, Lang::En))
    }

    /// A model folder that could not be loaded: (its name, why).
    pub fn model_failure(&self) -> Option<&(String, String)> {
        self.model_failure.as_ref()
    }

    /// Uses `dir` as the model (as the folder dialog or the path field does).
    pub fn use_model_folder(&mut self, dir: PathBuf) {
        self.model_failure = None;
        self.model = Some(ModelSource::Folder(dir));
    }

    /// Picks a model (the combo box).
    pub fn use_model(&mut self, source: ModelSource) {
        self.model_failure = None;
        self.model = Some(source);
    }

    fn cancel_run(&mut self) {
        if let Some(run) = &self.run {
            run.cancel();
        }
    }

    /// True while any background work of the panel is in flight.
    pub fn is_busy(&self) -> bool {
        self.load_job.is_some()
            || self.chain_job.is_running()
            || self.model_job.is_running()
            || self.pred_job.is_running()
            || self.export_job.is_some()
            || self.run.as_ref().is_some_and(RunState::is_running)
            || self.explain.is_running()
            || self.exact_job.is_running()
    }

    /// Blocks until the jobs in flight end (tests and benches only; dialogs excluded).
    pub fn finish_background_work(&mut self) {
        if let Some((path, job)) = self.load_job.take() {
            let outcome = job.wait();
            self.accept_load(path, outcome);
        }
        self.chain_job.wait();
        self.model_job.wait();
        self.pred_job.wait();
        self.explain.finish_blocking();
        self.exact_job.wait();
        if let Some(job) = self.export_job.take() {
            let outcome = job.wait();
            self.accept_export(outcome);
        }
        if let Some(run) = self.run.as_mut() {
            run.finish_blocking();
        }
    }

    fn accept_export(&mut self, outcome: JobOutcome<Option<PathBuf>>) {
        self.export_status = match outcome {
            JobOutcome::Finished(Some(p)) => Some(Ok(p)),
            JobOutcome::Finished(None) | JobOutcome::Cancelled => None,
            JobOutcome::Failed(m) => Some(Err(m)),
        };
    }

    /// Polls every job and starts what the current inputs need. Call once a frame before
    /// drawing any section. Never blocks.
    pub fn update(&mut self, ctx: &egui::Context, lab: &LabContext) {
        let repaint = repaint_of(ctx);
        // Picture loads and dialogs.
        if let Some((_, job)) = self.load_job.as_mut()
            && let Some(outcome) = job.poll()
            && let Some((path, _)) = self.load_job.take()
        {
            self.accept_load(path, outcome);
        }
        if let Some(job) = self.image_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.image_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(path)) => {
                    self.paths.dialog_done();
                    self.open_image_path(&path, repaint.clone());
                }
                JobOutcome::Failed(_) => self.paths.dialog_failed(PathPurpose::OpenImage),
                _ => self.paths.dialog_came_back_empty(PathPurpose::OpenImage),
            }
        }
        if let Some(job) = self.folder_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.folder_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(dir)) => {
                    self.paths.dialog_done();
                    self.use_model_folder(dir);
                }
                JobOutcome::Failed(_) => self.paths.dialog_failed(PathPurpose::ModelFolder),
                _ => self.paths.dialog_came_back_empty(PathPurpose::ModelFolder),
            }
        }
        if let Some(job) = self.export_job.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.export_job = None;
            let asked = self.export_dialog.take();
            if matches!(outcome, JobOutcome::Finished(None))
                && let Some(kind) = asked
            {
                self.paths.dialog_came_back_empty(PathPurpose::Save(kind));
            }
            self.accept_export(outcome);
        }
        if self.picture.is_none() && self.load_job.is_none() {
            match self.choice.clone() {
                ImageChoice::Sample { kind, seed } => self.use_sample(kind, seed),
                ImageChoice::File(path) => self.open_image_path(&path, repaint.clone()),
                ImageChoice::Photo(photo) => self.use_photo(photo),
            }
        }
        // A model folder that fails to load leaves the picker: back to the default model,
        // and the panel says which folder failed and why.
        if let Some(key) = self.model_key(lab)
            && let ModelSource::Folder(_) = &key.0
            && let Some(e) = self.model_job.error_for(&key)
        {
            self.model_failure = Some((key.0.label(), e.to_string()));
            self.model = None;
        }
        // The model.
        if let Some(key) = self.model_key(lab) {
            let (source, backend) = key.clone();
            self.model_job
                .request(&key, repaint.clone(), move |_ctx| source.load(backend));
        }
        // The model's schedule, built once per model rather than cloned per use.
        if let (Some(m), Some(key)) = (self.loaded_model(lab), self.model_key(lab))
            && self.model_schedule.as_ref().is_none_or(|(k, _)| *k != key)
        {
            self.model_schedule = Some((key, Arc::new(m.schedule.clone())));
        }
        // The clean item in the model's shape.
        let (channels, size) = self.item_shape(lab);
        let item_key = (self.picture_generation, channels, size);
        if self.clean.as_ref().is_none_or(|c| c.key != item_key)
            && let Some(p) = &self.picture
        {
            let x0 = image_to_item(&p.image, channels, size);
            // A picture whose values cannot make a histogram (none finite) is not used.
            if PixelMarginal::new(&x0).is_ok() {
                if self.clean.is_some() {
                    // The model's shape changed: an old run no longer fits.
                    self.cancel_run();
                    self.run = None;
                    self.mode = ViewMode::Forward;
                }
                self.clean = Some(CleanItem {
                    key: item_key,
                    x0: Arc::new(x0),
                });
            }
        }
        let schedule = self.schedule(lab);
        let big_t = schedule.num_steps();
        self.scrubber.t = self.scrubber.t.min(big_t);
        // ε and the chain.
        if let Some(clean) = &self.clean {
            let eps_key = (clean.x0.len(), self.noise_seed);
            if self.eps.as_ref().is_none_or(|(k, _)| *k != eps_key) {
                self.eps = Some((
                    eps_key,
                    Arc::new(fixed_noise(clean.x0.len(), self.noise_seed)),
                ));
            }
            if self.forward_kind == ForwardKind::Chain {
                let key = self.forward_key(lab);
                let x0 = clean.x0.clone();
                let seed = self.noise_seed;
                let sched = schedule.clone();
                self.chain_job.request(&key, repaint.clone(), move |ctx| {
                    let mut throttle = ProgressThrottle::default();
                    ForwardChain::compute(&sched, &x0, seed, |t| {
                        if throttle.due() {
                            ctx.set_progress(t as u64, sched.num_steps() as u64, "");
                        }
                        !ctx.is_cancelled()
                    })
                });
            }
        }
        // The reverse run's new steps.
        poll_reverse_run(&mut self.run, &mut self.mode, &mut self.reverse_scrubber);
        self.request_exact(lab, repaint.clone());
        self.update_nearest(lab);
        self.refresh_shown(lab, repaint);
        // A failed load's message is about the inputs of its time: once they change
        // (another picture, model, size, view or t), it goes.
        let now = self.message_key(lab);
        if let Some((_, _, key)) = self.load_error.as_mut() {
            if *key == 0 {
                *key = now;
            } else if *key != now {
                self.load_error = None;
            }
        }
    }

    /// What is on screen: x_t, its t and the prediction shown beside it.
    pub fn shown(&self) -> Option<&ShownFrame> {
        self.shown.as_ref()
    }

    /// The histogram on screen.
    pub fn histogram(&self) -> Option<&HistogramView> {
        self.histogram.as_ref()
    }

    /// The reverse run's steps so far.
    pub fn trajectory(&self) -> Option<&Trajectory> {
        self.run.as_ref().map(|r| &r.traj)
    }

    /// The last export's result (`Err`: its message).
    pub fn export_status(&self) -> Option<&Result<PathBuf, String>> {
        self.export_status.as_ref()
    }

    /// Starts "denoise from here" from what is on screen. Returns false when it cannot
    /// (no model, t = 0, a run going).
    pub fn start_reverse(&mut self, lab: &LabContext, repaint: Repaint) -> bool {
        let (Some(model), Some(shown), Some(clean)) =
            (self.run_model(lab), self.shown.clone(), self.clean.clone())
        else {
            return false;
        };
        if shown.t == 0 || self.run.as_ref().is_some_and(RunState::is_running) {
            return false;
        }
        // A run started from inside another keeps that run's clean reference.
        let clean = match (self.mode, &self.run) {
            (ViewMode::Reverse, Some(r)) => r.extra.clone(),
            _ => clean,
        };
        if self.size_error(lab).is_some() {
            return false;
        }
        let size = self.item_shape(lab).1;
        let big_t = model.schedule().num_steps();
        let options = self.reverse.options(big_t);
        let label = self.reverse.label(big_t);
        let request = ReverseRequest {
            model,
            x_start: shown.x_t.to_vec(),
            start_t: shown.t,
            options,
            keep_predictions: true,
            size: Some(size),
        };
        let total = request.planned_steps();
        self.run_generation += 1;
        let job = spawn_reverse(request, repaint);
        show_new_run(
            &mut self.run,
            RunState::new(shown.t, total, job, label, clean),
            &mut self.mode,
            &mut self.reverse_scrubber,
        );
        true
    }
}
