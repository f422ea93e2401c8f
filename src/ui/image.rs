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

use crate::app::LabContext;
use crate::app::denoiser::{
    ForwardChain, ModelSource, ReverseRequest, StepPrediction, Trajectory, closed_form,
    fixed_noise, predict_step, spawn_reverse,
};
use crate::app::dialogs::{self, PathJob};
use crate::app::image_input::{
    IMAGE_EXTENSIONS, ImageLoadError, LoadedImage, SampleKind, load_image_file, sample_image,
};
use crate::app::jobs::{self, JobHandle, JobOutcome, Repaint};
use crate::app::keyed_job::{KeyedJob, ProgressThrottle};
use crate::app::picture::{self, Shade};
use crate::diffusion::pixel_marginal::{Bins, PixelMarginal, histogram_density};
use crate::diffusion::{Gaussian, Schedule, ScheduleSpec};
use crate::egui;
use crate::model::checkpoint::Checkpoint;
use crate::model::data::image_to_item;
use crate::model::{BackendKind, DataDomain, objective_name, shipped};
use crate::ui::denoiser_view::{
    ReverseRun, impl_denoiser_text, load_folder_button, model_combo, model_load_status_ui,
    poll_reverse_run, repaint_of, run_status_ui, sampler_and_steps_ui, save_status_ui,
    scrubber_row, show_new_run, view_mode_switch,
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

crate::i18n_table! {
    /// Text of the Image panel.
    pub enum ImgText {
        Title => "Image: scrub forward and backward through the trained denoiser", "이미지: 학습된 디노이저로 앞뒤로 훑어보기";
        Picture => "picture", "그림";
        SampleGlyph => "digit (glyphs data)", "숫자 (glyphs 데이터)";
        SampleShape => "shape (shapes data)", "도형 (shapes 데이터)";
        SampleLandscape => "landscape", "풍경";
        SampleChecker => "checkerboard", "체커보드";
        UserFile => "file: {0}", "파일: {0}";
        Another => "Another sample", "다른 샘플";
        OpenImage => "Open image…", "이미지 열기…";
        DropHint => "or drop a PNG, JPEG, GIF, BMP or WebP file on the window", "또는 PNG, JPEG, GIF, BMP, WebP 파일을 창에 끌어다 놓으세요";
        Loading => "loading {0}…", "{0} 불러오는 중…";
        LoadFailed => "Could not use {0}: {1}. The previous image stays.", "{0}을(를) 쓸 수 없습니다: {1}. 이전 이미지를 그대로 둡니다.";
        SizeNote => "{0}: {1} × {2} px, shown to the model as {3} × {3} ({4})", "{0}: {1} × {2} px, 모델에는 {3} × {3}({4})로 보임";
        Gray => "grayscale", "흑백";
        Rgb => "RGB", "RGB";
        Model => "model", "모델";
        Shipped => "{0} (shipped)", "{0} (내장)";
        Folder => "{0} (folder)", "{0} (폴더)";
        LoadFolder => "Load model folder…", "모델 폴더 불러오기…";
        Device => "device", "장치";
        ModelLoading => "loading the model…", "모델 불러오는 중…";
        ModelFailed => "The model could not be loaded: {0}", "모델을 불러오지 못했습니다: {0}";
        ModelInfo => "{0}: {1} parameters, predicts {2}, trained {3} steps on {4}", "{0}: 파라미터 {1}개, {2} 예측, {4}로 {3} 스텝 학습";
        NotImageModel => "{0} is a model of 2-D points; use the Points panel for it.", "{0}은(는) 2차원 점 모델입니다. 점 패널에서 쓰세요.";
        NoModel => "No image model is loaded: forward noising works; denoising needs one (e.g. a folder from `ddpm-lab train --dataset glyphs`).", "이미지 모델이 없습니다. 순방향 노이즈는 되지만 노이즈 제거에는 모델이 필요합니다 (예: `ddpm-lab train --dataset glyphs`로 만든 폴더).";
        ScheduleOwn => "Schedule: the model's own, {0}.", "스케줄: 모델 자체의 {0}.";
        ScheduleDiffers => "The Schedule panel's schedule ({0}) differs from the one this model was trained with; this panel uses the model's.", "스케줄 패널의 스케줄({0})이 이 모델이 학습한 스케줄과 다릅니다. 이 패널은 모델의 스케줄을 씁니다.";
        ScheduleLab => "Schedule: the Schedule panel's, {0}.", "스케줄: 스케줄 패널의 {0}.";
        Forward => "Forward (noising)", "순방향 (노이즈 추가)";
        Reverse => "Reverse (denoising)", "역방향 (노이즈 제거)";
        NoRunYet => "run \"Denoise from here\" first", "먼저 \"여기서부터 노이즈 제거\"를 실행하세요";
        ClosedForm => "closed form, fixed ε", "닫힌 형태, 고정된 ε";
        Chain => "chain, fresh ε each step", "체인, 스텝마다 새 ε";
        NoiseKind => "noising", "노이즈 방식";
        NoiseSeed => "ε seed", "ε 시드";
        Reroll => "Re-roll ε", "ε 다시 뽑기";
        ChainRunning => "computing the chain… (the closed form is shown meanwhile)", "체인 계산 중… (그동안 닫힌 형태를 보여 줌)";
        T => "t", "t";
        Step => "step", "스텝";
        StepAt => "step {0} of {1} · t = {2}", "{1} 스텝 중 {0} · t = {2}";
        X0 => "x₀ (clean)", "x₀ (원본)";
        X0Hover => "The clean picture as the model sees it: resized, values scaled to [−1, 1].", "모델이 보는 깨끗한 그림: 크기를 맞추고 값을 [−1, 1]로 바꾼 것.";
        XtHover => "Closed form: xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε. Chain: xₜ = √(1−βₜ)·xₜ₋₁ + √βₜ·εₜ, one step at a time. In reverse: the sample the sampler reached.", "닫힌 형태: xₜ = √ᾱₜ·x₀ + √(1−ᾱₜ)·ε. 체인: xₜ = √(1−βₜ)·xₜ₋₁ + √βₜ·εₜ, 한 스텝씩. 역방향에서는 샘플러가 도달한 표본.";
        EpsHatHover => "εθ(xₜ, t): the noise the network thinks was added to x₀ to make xₜ.", "εθ(xₜ, t): 신경망이 생각하기에 x₀에 더해져 xₜ를 만든 노이즈.";
        X0HatHover => "x̂₀ = (xₜ − √(1−ᾱₜ)·εθ)/√ᾱₜ, clipped to [−1, 1]: the network's guess of the clean picture.", "x̂₀ = (xₜ − √(1−ᾱₜ)·εθ)/√ᾱₜ, [−1, 1]로 자름: 신경망이 추측한 깨끗한 그림.";
        MeanHover => "μ̃ = √ᾱₜ₋₁·βₜ/(1−ᾱₜ)·x̂₀ + √αₜ·(1−ᾱₜ₋₁)/(1−ᾱₜ)·xₜ: the mean of the step to t − 1 (DDPM adds σ·z to it).", "μ̃ = √ᾱₜ₋₁·βₜ/(1−ᾱₜ)·x̂₀ + √αₜ·(1−ᾱₜ₋₁)/(1−ᾱₜ)·xₜ: t − 1로 가는 스텝의 평균 (DDPM은 여기에 σ·z를 더함).";
        Xt => "xₜ at t = {0}", "t = {0}의 xₜ";
        EpsHat => "εθ: predicted noise", "εθ: 예측한 노이즈";
        X0Hat => "x̂₀: predicted clean", "x̂₀: 예측한 원본";
        Mean => "μ̃: posterior mean", "μ̃: 사후 평균";
        PredictedAt => "predicted at t = {0}", "t = {0}에서 예측";
        Updating => "updating…", "갱신 중…";
        NeedsModel => "needs a model", "모델 필요";
        NothingAtZero => "t = 0: no noise left", "t = 0: 남은 노이즈 없음";
        EpsScale => "blue −3 · white 0 · red +3", "파랑 −3 · 흰색 0 · 빨강 +3";
        HistTitle => "Pixel values of xₜ at t = {0}", "t = {0}에서 xₜ의 픽셀 값";
        HistBars => "xₜ pixel values", "xₜ 픽셀 값";
        HistExpected => "expected: N(√ᾱₜ·x₀, 1 − ᾱₜ) over the pixels", "기대값: 픽셀별 N(√ᾱₜ·x₀, 1 − ᾱₜ)";
        HistNormal => "N(0, 1), where xₜ ends at T", "N(0, 1), T에서 xₜ가 도달하는 분포";
        HistLine => "mean {0} (expected {1}) · variance {2} (expected {3})", "평균 {0} (기대 {1}) · 분산 {2} (기대 {3})";
        HistOutside => "{0} values outside ±4 are counted in the end bins", "±4 밖의 값 {0}개는 양 끝 구간에 셈";
        ReverseTitle => "Denoise", "노이즈 제거";
        Sampler => "sampler", "샘플러";
        Ddpm => "DDPM (ancestral)", "DDPM (조상 샘플링)";
        Ddim => "DDIM", "DDIM";
        Eta => "η (0 = deterministic)", "η (0 = 결정적)";
        Steps => "steps over 1..T", "1..T 전체 스텝 수";
        Seed => "seed", "시드";
        DenoiseFrom => "Denoise from here (t = {0})", "여기서부터 노이즈 제거 (t = {0})";
        Cancel => "Cancel", "취소";
        Running => "denoising: step {0} of {1}", "노이즈 제거 중: {1} 스텝 중 {0}";
        RunDone => "{0}: {1} steps from t = {2} in {3} s", "{0}: t = {2}부터 {1} 스텝, {3}초";
        RunCancelled => "cancelled after {0} steps; those steps stay", "{0} 스텝 후 취소됨; 그 스텝들은 남아 있음";
        RunFailed => "The reverse run failed: {0}", "역방향 실행 실패: {0}";
        StripTitle => "The run at a glance: xₜ (top) and x̂₀ (bottom); click to jump", "한눈에 보는 실행: xₜ (위), x̂₀ (아래); 눌러서 이동";
        StripForward => "The forward process at a glance: xₜ from t = 0 to T; click to jump", "한눈에 보는 순방향: t = 0부터 T까지 xₜ; 눌러서 이동";
        Export => "Export", "내보내기";
        ExportGif => "Trajectory GIF…", "궤적 GIF…";
        ExportStrip => "PNG strip…", "PNG 띠…";
        SaveFrame => "Save this frame…", "현재 프레임 저장…";
        Saved => "saved {0}", "{0} 저장함";
        SaveFailed => "could not save: {0}", "저장하지 못함: {0}";
        Waiting => "waiting for the file dialog…", "파일 대화상자를 기다리는 중…";
        NoDialog => "no file dialog could be opened here; drop a file on the window instead", "여기서는 파일 대화상자를 열 수 없습니다. 파일을 창에 끌어다 놓으세요";
    }
}

// The shared denoiser widgets draw these keys of this table.
impl_denoiser_text!(ImgText);

/// Bins of the pixel-value histogram: fixed, so bars move as t changes, not the axis.
pub const HIST_RANGE: f64 = 4.0;
pub const HIST_BINS: usize = 64;
/// Thumbnails in the strip.
pub const STRIP_FRAMES: usize = 10;
/// Frames in an exported GIF (evenly spread over the run; the last is held longer).
pub const GIF_FRAMES: usize = 60;

/// Which picture the panel works on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImageChoice {
    /// A picture the app makes (a seed picks which digit or shape).
    Sample { kind: SampleKind, seed: u64 },
    /// A user file (re-read at start-up; if it is gone, the default sample is used).
    File(PathBuf),
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
    marginal: Arc<PixelMarginal>,
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

/// Why an image file could not be used, in `lang` (the decoder's own detail stays as the
/// decoder words it).
pub fn image_load_error_text(e: &ImageLoadError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        ImageLoadError::Read(r) => crate::ui::schedule::read_error_text(r, lang),
        ImageLoadError::UnknownFormat { path } => format!(
            "{}: 이 앱이 읽는 이미지가 아닙니다 (PNG, JPEG, GIF, BMP, WebP)",
            path.display()
        ),
        ImageLoadError::TooLarge { path, message } => format!(
            "{}: 이미지가 디코딩 한도({} px / 512 MB)보다 큽니다 ({message})",
            path.display(),
            crate::app::image_input::MAX_IMAGE_SIDE
        ),
        ImageLoadError::Decode { path, message } => format!(
            "{}: 이미지가 손상되었거나 디코딩할 수 없습니다 ({message})",
            path.display()
        ),
        ImageLoadError::Empty { path } => {
            format!("{}: 빈 이미지입니다 (0 × 0 픽셀)", path.display())
        }
    }
}
/// (length, seed) of the fixed ε.
type NoiseKey = (usize, u64);
/// The forward inputs and the t of a cached x_t.
type ShownKey = (ForwardKey, usize);
/// A strip thumbnail: (t shown, jump target, x_t, predicted x0).
type StripCell = (usize, usize, Vec<f32>, Option<Vec<f32>>);

/// A reverse run, kept with the clean item it started from (the histogram's reference).
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

/// The histogram drawn for one x_t.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramView {
    pub t: usize,
    /// (bin centre, density) of x_t's pixel values.
    pub bars: Vec<[f64; 2]>,
    /// The expected histogram as a staircase.
    pub expected: Vec<[f64; 2]>,
    pub mean: f64,
    pub variance: f64,
    pub expected_mean: f64,
    pub expected_variance: f64,
    pub outside: usize,
    key: u64,
}

#[derive(Default)]
struct TexSlot {
    hash: u64,
    handle: Option<egui::TextureHandle>,
}

impl TexSlot {
    fn texture(
        &mut self,
        ctx: &egui::Context,
        name: &str,
        hash: u64,
        make: impl FnOnce() -> RgbImage,
    ) -> egui::TextureId {
        if self.hash != hash || self.handle.is_none() {
            let img = make();
            let color = egui::ColorImage::from_rgb(
                [img.width() as usize, img.height() as usize],
                img.as_raw(),
            );
            match &mut self.handle {
                Some(h) => h.set(color, egui::TextureOptions::NEAREST),
                None => {
                    self.handle = Some(ctx.load_texture(name, color, egui::TextureOptions::NEAREST))
                }
            }
            self.hash = hash;
        }
        self.handle.as_ref().map(|h| h.id()).unwrap_or_default()
    }
}

fn hash_of(salt: impl Hash, parts: &[&[f32]]) -> u64 {
    let mut h = DefaultHasher::new();
    salt.hash(&mut h);
    for p in parts {
        p.len().hash(&mut h);
        for v in p.iter() {
            h.write_u32(v.to_bits());
        }
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

/// The image model this build ships first: `glyphs` if present.
pub fn default_image_model() -> Option<ModelSource> {
    let models = shipped::for_images(true);
    models
        .iter()
        .find(|m| m.name == "glyphs")
        .or_else(|| models.first())
        .map(|m| ModelSource::Shipped(m.name.to_string()))
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
    pub mode: ViewMode,
    pub forward_kind: ForwardKind,
    pub noise_seed: u64,
    /// t of the forward view (0..=T).
    pub scrubber: Scrubber,
    /// Position in the reverse run (0 = its start).
    pub reverse_scrubber: Scrubber,
    pub reverse: ReverseSettings,
    #[serde(skip)]
    picture: Option<PictureState>,
    #[serde(skip)]
    picture_generation: u64,
    #[serde(skip)]
    load_job: Option<(PathBuf, LoadJob)>,
    #[serde(skip)]
    load_error: Option<(String, LoadFailure)>,
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
    #[serde(skip)]
    pred_job: KeyedJob<(ModelKey, ForwardKey, usize), StepPrediction>,
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
    #[serde(skip)]
    dialog_unavailable: bool,
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
            mode: ViewMode::Forward,
            forward_kind: ForwardKind::ClosedForm,
            noise_seed: 42,
            scrubber: Scrubber::new(300),
            reverse_scrubber: Scrubber::new(0),
            reverse: ReverseSettings::default(),
            picture: None,
            picture_generation: 0,
            load_job: None,
            load_error: None,
            clean: None,
            eps: None,
            forward_xt: None,
            chain_job: KeyedJob::new("image-forward-chain"),
            model_job: KeyedJob::new("image-model"),
            pred_job: KeyedJob::new("image-predict"),
            run: None,
            model_schedule: None,
            image_dialog: None,
            folder_dialog: None,
            export_job: None,
            export_status: None,
            dialog_unavailable: false,
            histogram: None,
            textures: Default::default(),
            strip_textures: Vec::new(),
            shown: None,
        }
    }
}

impl ImagePanel {
    // ------------------------------------------------------------------ state & jobs

    /// The model source in use (the chosen one, else the default shipped image model).
    pub fn model_source(&self) -> Option<ModelSource> {
        self.model.clone().or_else(default_image_model)
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

    /// (channels, size) of the model's items (1 × 32 × 32 without a model).
    pub fn item_shape(&self, lab: &LabContext) -> (usize, usize) {
        match self.loaded_model(lab).map(|m| m.domain()) {
            Some(DataDomain::Image { channels, size }) => (channels, size),
            _ => (1, crate::model::data::IMAGE_SIZE),
        }
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
            .map(|(_, e)| load_failure_text(e, Lang::En))
    }

    /// Opens an image file, as the file dialog or a drop on the window does: read and
    /// decoded on a job; on success it replaces the picture, on failure the previous one
    /// stays and the panel says why.
    pub fn open_image_path(&mut self, path: &Path, repaint: Repaint) {
        let p = path.to_path_buf();
        // The error is kept as a value (worded in the frame's language), so the job
        // itself always finishes.
        let job = jobs::spawn("load-image", repaint, move |_ctx| Ok(load_image_file(&p)));
        self.load_job = Some((path.to_path_buf(), job));
    }

    /// Uses a sample picture.
    pub fn use_sample(&mut self, kind: SampleKind, seed: u64) {
        let image = sample_image(kind, seed);
        self.set_picture(PictureState {
            name: format!("{kind:?}").to_lowercase(),
            original_size: (image.width(), image.height()),
            image: Arc::new(image),
        });
        self.choice = ImageChoice::Sample { kind, seed };
        self.load_error = None;
    }

    fn set_picture(&mut self, picture: PictureState) {
        self.picture = Some(picture);
        self.picture_generation += 1;
        self.clean = None;
        self.cancel_run();
        self.run = None;
        self.mode = ViewMode::Forward;
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
        if let Some(job) = self.export_job.take() {
            let outcome = job.wait();
            self.accept_export(outcome);
        }
        if let Some(run) = self.run.as_mut() {
            run.finish_blocking();
        }
    }

    fn accept_load(
        &mut self,
        path: PathBuf,
        outcome: JobOutcome<Result<LoadedImage, ImageLoadError>>,
    ) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        match outcome {
            JobOutcome::Finished(Ok(img)) => {
                self.set_picture(PictureState {
                    name: img.name.clone(),
                    original_size: img.original_size,
                    image: Arc::new(img.image),
                });
                self.choice = ImageChoice::File(path);
                self.load_error = None;
            }
            JobOutcome::Cancelled => {}
            JobOutcome::Finished(Err(_)) | JobOutcome::Failed(_) => {
                let failure = match outcome {
                    JobOutcome::Finished(Err(e)) => LoadFailure::Image(e),
                    JobOutcome::Failed(m) => LoadFailure::Other(m),
                    _ => return,
                };
                self.load_error = Some((name, failure));
                if self.picture.is_none() {
                    // Nothing to keep (a stored file that is gone): use the default.
                    let ImageChoice::Sample { kind, seed } = ImageChoice::default() else {
                        return;
                    };
                    let err = self.load_error.take();
                    self.use_sample(kind, seed);
                    self.load_error = err;
                }
            }
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
                JobOutcome::Finished(Some(path)) => self.open_image_path(&path, repaint.clone()),
                JobOutcome::Failed(_) => self.dialog_unavailable = true,
                _ => {}
            }
        }
        if let Some(job) = self.folder_dialog.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.folder_dialog = None;
            match outcome {
                JobOutcome::Finished(Some(dir)) => self.model = Some(ModelSource::Folder(dir)),
                JobOutcome::Failed(_) => self.dialog_unavailable = true,
                _ => {}
            }
        }
        if let Some(job) = self.export_job.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.export_job = None;
            self.accept_export(outcome);
        }
        if self.picture.is_none() && self.load_job.is_none() {
            match self.choice.clone() {
                ImageChoice::Sample { kind, seed } => self.use_sample(kind, seed),
                ImageChoice::File(path) => self.open_image_path(&path, repaint.clone()),
            }
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
            if let Ok(marginal) = PixelMarginal::new(&x0) {
                if self.clean.is_some() {
                    // The model's shape changed: an old run no longer fits.
                    self.cancel_run();
                    self.run = None;
                    self.mode = ViewMode::Forward;
                }
                self.clean = Some(CleanItem {
                    key: item_key,
                    x0: Arc::new(x0),
                    marginal: Arc::new(marginal),
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
        self.refresh_shown(lab, repaint);
    }

    fn forward_key(&self, lab: &LabContext) -> ForwardKey {
        ForwardKey {
            item: self.clean.as_ref().map(|c| c.key).unwrap_or_default(),
            schedule: self.schedule_key(lab),
            seed: self.noise_seed,
            kind: self.forward_kind,
        }
    }

    /// x_t of the forward view at t (the chain's when it is ready, else the closed form).
    fn forward_state(&mut self, lab: &LabContext, t: usize) -> Option<Arc<Vec<f32>>> {
        let key = self.forward_key(lab);
        if let Some((k, x)) = &self.forward_xt
            && *k == (key.clone(), t)
        {
            return Some(x.clone());
        }
        let clean = self.clean.as_ref()?;
        let x = if self.forward_kind == ForwardKind::Chain && self.chain_job.is_current(&key) {
            self.chain_job
                .latest()
                .and_then(|c| c.at(t))
                .map(|s| Arc::new(s.to_vec()))
        } else {
            None
        };
        let x = match x {
            Some(x) => x,
            None => {
                let eps = self.eps.as_ref()?.1.clone();
                Arc::new(closed_form(&self.schedule(lab), t, &clean.x0, &eps).ok()?)
            }
        };
        // Only cache a chain state once the chain is in (else the closed form would stick).
        if self.forward_kind == ForwardKind::ClosedForm || self.chain_job.is_current(&key) {
            self.forward_xt = Some(((key, t), x.clone()));
        }
        Some(x)
    }

    fn refresh_shown(&mut self, lab: &LabContext, repaint: Repaint) {
        let shown = match self.mode {
            ViewMode::Reverse => self.run.as_ref().and_then(|run| {
                let k = self
                    .reverse_scrubber
                    .t
                    .min(run.traj.positions().saturating_sub(1));
                let v = run.traj.view(k)?;
                Some(ShownFrame {
                    t: v.t,
                    x_t: Arc::new(v.x.to_vec()),
                    prediction: Some(Arc::new(StepPrediction {
                        t: v.predicted_at,
                        pred_eps: v.pred_eps.to_vec(),
                        pred_x0: v.pred_x0.to_vec(),
                        mean: v.mean.to_vec(),
                    })),
                    prediction_stale: false,
                })
            }),
            ViewMode::Forward => {
                let t = self.scrubber.t;
                self.forward_state(lab, t).map(|x_t| {
                    let (prediction, stale) = self.forward_prediction(lab, t, &x_t, repaint);
                    ShownFrame {
                        t,
                        x_t,
                        prediction,
                        prediction_stale: stale,
                    }
                })
            }
        };
        if let Some(s) = &shown {
            self.refresh_histogram(lab, s.t, &s.x_t);
        }
        self.shown = shown;
    }

    /// The network's view of the forward x_t: requested on a job (one at a time, always
    /// the newest t), the latest result shown meanwhile.
    fn forward_prediction(
        &mut self,
        lab: &LabContext,
        t: usize,
        x_t: &Arc<Vec<f32>>,
        repaint: Repaint,
    ) -> (Option<Arc<StepPrediction>>, bool) {
        let (Some(model), Some(model_key)) = (self.loaded_model(lab), self.model_key(lab)) else {
            return (None, false);
        };
        if t == 0 {
            return (None, false);
        }
        let key = (model_key, self.forward_key(lab), t);
        self.pred_job.poll();
        if !self.pred_job.is_running() {
            let x = x_t.clone();
            self.pred_job.request(&key, repaint, move |_ctx| {
                Ok(predict_step(model.as_ref(), &model.schedule, &x, t, true)?)
            });
        }
        let latest = self.pred_job.latest().cloned();
        let stale = !self.pred_job.is_current(&key);
        // A prediction for another picture or model would mislead: show it only for the
        // same forward inputs at another t.
        let same_inputs = self
            .pred_job
            .latest_key()
            .is_some_and(|(m, f, _)| (m, f) == (&key.0, &key.1));
        if same_inputs {
            (latest, stale)
        } else {
            (None, true)
        }
    }

    fn refresh_histogram(&mut self, lab: &LabContext, t: usize, x_t: &[f32]) {
        let clean = match (self.mode, &self.run) {
            (ViewMode::Reverse, Some(run)) => run.extra.clone(),
            _ => match &self.clean {
                Some(c) => c.clone(),
                None => return,
            },
        };
        let schedule = self.schedule(lab);
        let key = hash_of((t, clean.key, spec_hash(schedule.spec())), &[x_t]);
        if self.histogram.as_ref().is_some_and(|h| h.key == key) {
            return;
        }
        let bins = Bins::over(-HIST_RANGE, HIST_RANGE, HIST_BINS);
        let (density, outside) = histogram_density(x_t, &bins);
        let expected = clean.marginal.bin_densities(&schedule, t, &bins);
        let bars = density
            .iter()
            .enumerate()
            .map(|(i, &d)| [bins.centre(i), d])
            .collect();
        let mut stairs = Vec::with_capacity(2 * bins.count);
        for (i, &d) in expected.iter().enumerate() {
            let lo = bins.lo + i as f64 * bins.width;
            stairs.push([lo, d]);
            stairs.push([lo + bins.width, d]);
        }
        let n = x_t.len().max(1) as f64;
        let mean = x_t.iter().map(|&v| v as f64).sum::<f64>() / n;
        let variance = x_t.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        self.histogram = Some(HistogramView {
            t,
            bars,
            expected: stairs,
            mean,
            variance,
            expected_mean: clean.marginal.mean(&schedule, t),
            expected_variance: clean.marginal.variance(&schedule, t),
            outside,
            key,
        });
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
        let (Some(model), Some(shown), Some(clean)) = (
            self.loaded_model(lab),
            self.shown.clone(),
            self.clean.clone(),
        ) else {
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
        let big_t = model.schedule.num_steps();
        let options = self.reverse.options(big_t);
        let label = self.reverse.label(big_t);
        let job = spawn_reverse(
            ReverseRequest {
                model,
                x_start: shown.x_t.to_vec(),
                start_t: shown.t,
                options,
                keep_predictions: true,
            },
            repaint,
        );
        show_new_run(
            &mut self.run,
            RunState::new(shown.t, job, label, clean),
            &mut self.mode,
            &mut self.reverse_scrubber,
        );
        true
    }

    // ------------------------------------------------------------------ the whole panel

    pub fn image_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        self.update(ui.ctx(), lab);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.heading(ImgText::Title.tr(lang));
                ui.horizontal_wrapped(|ui| {
                    self.picture_controls_ui(ui, lab);
                    ui.separator();
                    self.model_controls_ui(ui, lab);
                });
                self.status_ui(ui, lab);
                ui.separator();
                self.forward_controls_ui(ui, lab);
                self.scrubber_ui(ui, lab);
                // Inputs may have changed: show this frame what they ask for.
                self.update(ui.ctx(), lab);
                // The five pictures, with the denoising controls beside them.
                let controls_width = 330.0;
                let side =
                    ((ui.available_width() - controls_width - 5.0 * 14.0) / 5.0).clamp(96.0, 200.0);
                ui.horizontal_top(|ui| {
                    self.images_ui(ui, lab, side);
                    ui.add_space(12.0);
                    ui.vertical(|ui| {
                        self.reverse_controls_ui(ui, lab);
                        ui.separator();
                        self.export_ui(ui, lab);
                    });
                });
                ui.separator();
                ui.columns(2, |cols| {
                    if let [left, right] = cols {
                        self.histogram_ui(left, lab, 220.0);
                        // A little slack: the column's edge is the panel's margin.
                        let thumb =
                            ((right.available_width() - 9.0 * 6.0 - 16.0) / 10.0).clamp(28.0, 72.0);
                        self.strip_ui(right, lab, thumb);
                    }
                });
            });
    }

    // ------------------------------------------------------------------ sections

    /// Picture picker, "another sample", "open image…" and the drop hint.
    pub fn picture_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let current_kind = match &self.choice {
            ImageChoice::Sample { kind, .. } => Some(*kind),
            ImageChoice::File(_) => None,
        };
        let selected = match (&self.choice, &self.picture) {
            (ImageChoice::Sample { kind, .. }, _) => sample_name(*kind, lang).to_string(),
            (ImageChoice::File(_), Some(p)) => fill(ImgText::UserFile.tr(lang), &[&p.name]),
            (ImageChoice::File(p), None) => fill(ImgText::UserFile.tr(lang), &[&p.display()]),
        };
        let mut picked = None;
        egui::ComboBox::from_label(ImgText::Picture.tr(lang))
            .selected_text(selected)
            .show_ui(ui, |ui| {
                for kind in SampleKind::ALL {
                    if ui
                        .selectable_label(current_kind == Some(kind), sample_name(kind, lang))
                        .clicked()
                    {
                        picked = Some(kind);
                    }
                }
            });
        if let Some(kind) = picked {
            let seed = match &self.choice {
                ImageChoice::Sample { seed, .. } => *seed,
                ImageChoice::File(_) => 7,
            };
            self.use_sample(kind, seed);
        }
        if let ImageChoice::Sample { kind, seed } = self.choice.clone()
            && kind.is_seeded()
            && ui.button(ImgText::Another.tr(lang)).clicked()
        {
            self.use_sample(kind, next_seed(seed));
        }
        let busy = self.image_dialog.is_some();
        if ui
            .add_enabled(!busy, egui::Button::new(ImgText::OpenImage.tr(lang)))
            .on_hover_text(ImgText::DropHint.tr(lang))
            .clicked()
        {
            self.image_dialog = Some(dialogs::spawn_pick_file(
                repaint_of(ui.ctx()),
                "image",
                IMAGE_EXTENSIONS,
            ));
        }
    }

    /// The model picker, "load model folder…" and the device the model runs on (an app
    /// setting shared with the Points panel).
    pub fn model_controls_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        let current = self.model_source();
        let name = |s: &ModelSource| match s {
            ModelSource::Shipped(n) => fill(ImgText::Shipped.tr(lang), &[n]),
            ModelSource::Folder(_) => fill(ImgText::Folder.tr(lang), &[&s.label()]),
        };
        let mut choices: Vec<ModelSource> = shipped::for_images(true)
            .iter()
            .map(|m| ModelSource::Shipped(m.name.to_string()))
            .collect();
        if let Some(ModelSource::Folder(p)) = &self.model {
            choices.push(ModelSource::Folder(p.clone()));
        }
        if let Some(c) = model_combo(
            ui,
            ImgText::Model.tr(lang),
            current.as_ref().map(name).unwrap_or_else(|| "—".into()),
            &choices,
            current.as_ref(),
            name,
        ) {
            self.model = Some(c);
        }
        load_folder_button::<ImgText>(ui, &mut self.folder_dialog, lang);
        device_picker(ui, lab);
    }

    /// Picture size, loading and errors, the model's summary and the schedule note.
    pub fn status_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let (channels, size) = self.item_shape(lab);
        let err = ui.visuals().error_fg_color;
        let warn = ui.visuals().warn_fg_color;
        ui.horizontal_wrapped(|ui| {
            if let Some(p) = &self.picture {
                let kind = if channels == 1 {
                    ImgText::Gray.tr(lang)
                } else {
                    ImgText::Rgb.tr(lang)
                };
                ui.weak(fill(
                    ImgText::SizeNote.tr(lang),
                    &[
                        &p.name,
                        &p.original_size.0,
                        &p.original_size.1,
                        &size,
                        &kind,
                    ],
                ));
            }
            if let Some((path, _)) = &self.load_job {
                ui.spinner();
                ui.label(fill(ImgText::Loading.tr(lang), &[&path.display()]));
            }
            if self.image_dialog.is_some() || self.folder_dialog.is_some() {
                ui.spinner();
                ui.weak(ImgText::Waiting.tr(lang));
            }
        });
        if let Some((name, failure)) = &self.load_error {
            let message = load_failure_text(failure, lang);
            ui.colored_label(err, fill(ImgText::LoadFailed.tr(lang), &[name, &message]));
        }
        if self.dialog_unavailable {
            ui.colored_label(warn, ImgText::NoDialog.tr(lang));
        }
        let key = self.model_key(lab);
        match (&key, self.model_job.latest()) {
            (None, _) => {
                ui.colored_label(warn, ImgText::NoModel.tr(lang));
            }
            (Some(k), Some(m)) if self.model_job.is_current(k) => {
                if m.domain().is_image() {
                    ui.weak(fill(
                        ImgText::ModelInfo.tr(lang),
                        &[
                            &k.0.label(),
                            &thousands(m.num_params()),
                            &objective_name(m.objective()),
                            &m.config.training.steps,
                            &m.config.data.dataset,
                        ],
                    ));
                } else {
                    ui.colored_label(warn, fill(ImgText::NotImageModel.tr(lang), &[&k.0.label()]));
                }
            }
            _ => {}
        }
        model_load_status_ui::<ImgText, _, _>(ui, &self.model_job, lang);
        match self.loaded_model(lab) {
            Some(m) => {
                let own = schedule_summary(m.schedule.spec());
                if m.schedule.spec() != lab.schedule.spec() {
                    ui.colored_label(
                        warn,
                        format!(
                            "{} {}",
                            fill(ImgText::ScheduleOwn.tr(lang), &[&own]),
                            fill(
                                ImgText::ScheduleDiffers.tr(lang),
                                &[&schedule_summary(lab.schedule.spec())]
                            )
                        ),
                    );
                } else {
                    ui.weak(fill(ImgText::ScheduleOwn.tr(lang), &[&own]));
                }
            }
            None => {
                ui.weak(fill(
                    ImgText::ScheduleLab.tr(lang),
                    &[&schedule_summary(lab.schedule.spec())],
                ));
            }
        }
    }

    /// Forward/reverse view, closed form or chain, ε's seed and re-roll.
    pub fn forward_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let has_run = self.run.as_ref().is_some_and(RunState::has_steps);
        ui.horizontal_wrapped(|ui| {
            view_mode_switch::<ImgText>(ui, &mut self.mode, has_run, lang);
            ui.separator();
            egui::ComboBox::from_label(ImgText::NoiseKind.tr(lang))
                .selected_text(match self.forward_kind {
                    ForwardKind::ClosedForm => ImgText::ClosedForm.tr(lang),
                    ForwardKind::Chain => ImgText::Chain.tr(lang),
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(
                        &mut self.forward_kind,
                        ForwardKind::ClosedForm,
                        ImgText::ClosedForm.tr(lang),
                    );
                    ui.selectable_value(
                        &mut self.forward_kind,
                        ForwardKind::Chain,
                        ImgText::Chain.tr(lang),
                    );
                });
            let seed_label = ui.label(ImgText::NoiseSeed.tr(lang));
            ui.add(egui::DragValue::new(&mut self.noise_seed).speed(1.0))
                .labelled_by(seed_label.id);
            if ui.button(ImgText::Reroll.tr(lang)).clicked() {
                self.noise_seed = next_seed(self.noise_seed);
            }
        });
        if self.forward_kind == ForwardKind::Chain
            && let Some(p) = self.chain_job.progress()
        {
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(p.fraction())
                        .desired_width(160.0)
                        .show_percentage(),
                );
                ui.weak(ImgText::ChainRunning.tr(lang));
            });
        }
    }

    /// The t scrubber (forward) or the step scrubber (reverse).
    pub fn scrubber_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let big_t = self.schedule(lab).num_steps();
        let scrubbers = (&mut self.scrubber, &mut self.reverse_scrubber);
        scrubber_row::<ImgText, _>(ui, self.mode, scrubbers, self.run.as_mut(), big_t, lang);
    }

    /// x0, x_t, ε̂, x̂0 and μ̃ side by side, each `side` points square.
    pub fn images_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, side: f32) {
        let lang = lab.lang();
        let (channels, size) = self.item_shape(lab);
        let shown = self.shown.clone();
        let clean = self.clean.clone();
        let has_model = self.loaded_model(lab).is_some();
        let ctx = ui.ctx().clone();
        let [tex_x0, tex_xt, tex_eps, tex_x0hat, tex_mean] = &mut self.textures;
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = 14.0;
            let cell = |ui: &mut egui::Ui,
                        slot: &mut TexSlot,
                        name: &str,
                        title: String,
                        hover: &str,
                        data: Option<&[f32]>,
                        shade: Shade,
                        note: Option<String>| {
                ui.vertical(|ui| {
                    ui.set_width(side);
                    let strong = ui.visuals().strong_text_color();
                    ui.label(math_job(ui, &title, egui::TextStyle::Body, Some(strong)))
                        .on_hover_ui(|ui| {
                            math_label(ui, hover);
                        });
                    match data {
                        Some(d) if d.len() == channels * size * size => {
                            let id = slot.texture(&ctx, name, hash_of(shade as u8, &[d]), || {
                                picture::item_picture(d, channels, size, shade)
                            });
                            ui.add(
                                egui::Image::from_texture((id, egui::vec2(side, side)))
                                    .alt_text(title.clone()),
                            );
                        }
                        _ => {
                            let (rect, _) = ui
                                .allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
                            ui.painter()
                                .rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
                        }
                    }
                    if let Some(n) = note {
                        let weak = ui.visuals().weak_text_color();
                        ui.label(math_job(ui, &n, egui::TextStyle::Body, Some(weak)));
                    }
                });
            };
            let t = shown.as_ref().map_or(0, |s| s.t);
            cell(
                ui,
                tex_x0,
                "image-x0",
                ImgText::X0.tr(lang).to_string(),
                ImgText::X0Hover.tr(lang),
                clean.as_ref().map(|c| c.x0.as_slice()),
                Shade::Value,
                None,
            );
            cell(
                ui,
                tex_xt,
                "image-xt",
                fill(ImgText::Xt.tr(lang), &[&t]),
                ImgText::XtHover.tr(lang),
                shown.as_ref().map(|s| s.x_t.as_slice()),
                Shade::Value,
                None,
            );
            let pred = shown.as_ref().and_then(|s| s.prediction.clone());
            let note = match (&shown, &pred) {
                (Some(s), Some(p)) if s.prediction_stale => Some(format!(
                    "{} · {}",
                    fill(ImgText::PredictedAt.tr(lang), &[&p.t]),
                    ImgText::Updating.tr(lang)
                )),
                (Some(s), Some(p)) if p.t != s.t => {
                    Some(fill(ImgText::PredictedAt.tr(lang), &[&p.t]))
                }
                (Some(s), None) if s.t == 0 => Some(ImgText::NothingAtZero.tr(lang).to_string()),
                (Some(_), None) if !has_model => Some(ImgText::NeedsModel.tr(lang).to_string()),
                (Some(_), None) => Some(ImgText::Updating.tr(lang).to_string()),
                _ => None,
            };
            cell(
                ui,
                tex_eps,
                "image-eps",
                ImgText::EpsHat.tr(lang).to_string(),
                ImgText::EpsHatHover.tr(lang),
                pred.as_ref().map(|p| p.pred_eps.as_slice()),
                Shade::Noise,
                Some(if channels == 1 {
                    ImgText::EpsScale.tr(lang).to_string()
                } else {
                    "±3".to_string()
                }),
            );
            cell(
                ui,
                tex_x0hat,
                "image-x0hat",
                ImgText::X0Hat.tr(lang).to_string(),
                ImgText::X0HatHover.tr(lang),
                pred.as_ref().map(|p| p.pred_x0.as_slice()),
                Shade::Value,
                note.clone(),
            );
            cell(
                ui,
                tex_mean,
                "image-mean",
                ImgText::Mean.tr(lang).to_string(),
                ImgText::MeanHover.tr(lang),
                pred.as_ref().map(|p| p.mean.as_slice()),
                Shade::Value,
                None,
            );
        });
    }

    /// The histogram of x_t's pixel values over the expected one and N(0, 1).
    pub fn histogram_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        let Some(h) = self.histogram.clone() else {
            ui.add_space(height);
            return;
        };
        ui.label(RichText::new(fill(ImgText::HistTitle.tr(lang), &[&h.t])).strong());
        let bins = Bins::over(-HIST_RANGE, HIST_RANGE, HIST_BINS);
        let normal = gaussian_curve(Gaussian::STANDARD, (-HIST_RANGE, HIST_RANGE));
        density_plot("image-histogram", height, Corner::RightTop)
            .include_x(-HIST_RANGE)
            .include_x(HIST_RANGE)
            .include_y(0.0)
            .show(ui, |plot| {
                let bars: Vec<Bar> = h
                    .bars
                    .iter()
                    .map(|&[x, d]| {
                        Bar::new(x, d)
                            .width(bins.width)
                            .fill(colors::THIRD.gamma_multiply(0.45))
                            .stroke(egui::Stroke::new(0.5, colors::THIRD))
                    })
                    .collect();
                plot.bar_chart(
                    BarChart::new(ImgText::HistBars.tr(lang), bars).color(colors::THIRD),
                );
                plot.line(curve(
                    ImgText::HistExpected.tr(lang),
                    &h.expected,
                    colors::PRIMARY,
                    2.0,
                ));
                plot.line(dashed(
                    ImgText::HistNormal.tr(lang),
                    &normal,
                    colors::GREY,
                    1.5,
                ));
            });
        ui.label(fill(
            ImgText::HistLine.tr(lang),
            &[
                &format!("{:.3}", h.mean),
                &format!("{:.3}", h.expected_mean),
                &format!("{:.3}", h.variance),
                &format!("{:.3}", h.expected_variance),
            ],
        ));
        if h.outside > 0 {
            ui.weak(fill(ImgText::HistOutside.tr(lang), &[&h.outside]));
        }
    }

    /// Sampler, η, steps, seed, "denoise from here", progress and cancel.
    pub fn reverse_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.label(RichText::new(ImgText::ReverseTitle.tr(lang)).strong());
        let big_t = self.schedule(lab).num_steps().max(1);
        ui.horizontal_wrapped(|ui| {
            sampler_and_steps_ui::<ImgText>(ui, &mut self.reverse, big_t, lang);
        });
        ui.horizontal_wrapped(|ui| {
            if self.reverse.sampler == SamplerKind::Ddim {
                ui.spacing_mut().slider_width = 110.0;
                ui.add(
                    egui::Slider::new(&mut self.reverse.eta, 0.0..=1.0).text(ImgText::Eta.tr(lang)),
                );
            }
            let seed_label = ui.label(ImgText::Seed.tr(lang));
            ui.add(egui::DragValue::new(&mut self.reverse.seed).speed(1.0))
                .labelled_by(seed_label.id);
        });
        let running = self.run.as_ref().is_some_and(RunState::is_running);
        let t = self.shown.as_ref().map_or(0, |s| s.t);
        let can_start = !running && t > 0 && self.loaded_model(lab).is_some();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    can_start,
                    egui::Button::new(fill(ImgText::DenoiseFrom.tr(lang), &[&t])),
                )
                .clicked()
            {
                self.start_reverse(lab, repaint_of(ui.ctx()));
            }
            if running && ui.button(ImgText::Cancel.tr(lang)).clicked() {
                self.cancel_run();
            }
        });
        run_status_ui::<ImgText, _>(ui, self.run.as_ref(), lang, |run, s| {
            fill(
                ImgText::RunDone.tr(lang),
                &[
                    &run.label,
                    &s.steps,
                    &run.traj.start_t,
                    &format!("{:.2}", s.seconds),
                ],
            )
        });
    }

    /// Thumbnails along the reverse run (x_t over x̂0) or the forward process; a click
    /// jumps there. `side` is a thumbnail's size in points.
    pub fn strip_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, side: f32) {
        let lang = lab.lang();
        let (channels, size) = self.item_shape(lab);
        let ctx = ui.ctx().clone();
        let len = channels * size * size;
        // (label t, jump target, x_t, x̂0)
        let mut cells: Vec<StripCell> = Vec::new();
        let reverse = self.mode == ViewMode::Reverse && self.run.is_some();
        if reverse {
            if let Some(run) = &self.run {
                for k in run.traj.strip_positions(STRIP_FRAMES) {
                    if let Some(v) = run.traj.view(k) {
                        cells.push((v.t, k, v.x.to_vec(), Some(v.pred_x0.to_vec())));
                    }
                }
            }
        } else {
            let big_t = self.schedule(lab).num_steps();
            for i in 0..STRIP_FRAMES {
                let t = i * big_t / (STRIP_FRAMES - 1).max(1);
                if let Some(x) = self.forward_state(lab, t) {
                    cells.push((t, t, x.to_vec(), None));
                }
            }
        }
        math_label(
            ui,
            if reverse {
                ImgText::StripTitle.tr(lang)
            } else {
                ImgText::StripForward.tr(lang)
            },
        );
        let rows = if reverse { 2 } else { 1 };
        self.strip_textures
            .resize_with(STRIP_FRAMES * 2, TexSlot::default);
        let mut jump = None;
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            for (i, (t, target, x, x0hat)) in cells.iter().enumerate() {
                ui.vertical(|ui| {
                    ui.spacing_mut().item_spacing.y = 2.0;
                    for r in 0..rows {
                        let data = if r == 0 { Some(x) } else { x0hat.as_ref() };
                        let Some(d) = data.filter(|d| d.len() == len) else {
                            continue;
                        };
                        let Some(slot) = self.strip_textures.get_mut(i * 2 + r) else {
                            continue;
                        };
                        let id = slot.texture(&ctx, "image-strip", hash_of(r, &[d]), || {
                            picture::item_picture(d, channels, size, Shade::Value)
                        });
                        let resp = ui.add(
                            egui::Image::from_texture((id, egui::vec2(side, side)))
                                .sense(egui::Sense::click())
                                .alt_text(format!("t = {t}")),
                        );
                        if resp.clicked() {
                            jump = Some(*target);
                        }
                    }
                    ui.set_width(side);
                    ui.label(RichText::new(format!("t = {t}")).small().weak());
                });
            }
        });
        if let Some(target) = jump {
            if reverse {
                self.reverse_scrubber.t = target;
                if let Some(run) = self.run.as_mut() {
                    run.follow = false;
                }
            } else {
                self.scrubber.t = target;
            }
        }
    }

    /// GIF of the trajectory, PNG strip and the current frame, each saved atomically.
    pub fn export_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.label(RichText::new(ImgText::Export.tr(lang)).strong());
        let busy = self.export_job.is_some();
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new(ImgText::ExportGif.tr(lang)))
                .clicked()
            {
                self.export(ExportKind::Gif, None, lab, repaint_of(ui.ctx()));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(ImgText::ExportStrip.tr(lang)))
                .clicked()
            {
                self.export(ExportKind::Strip, None, lab, repaint_of(ui.ctx()));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(ImgText::SaveFrame.tr(lang)))
                .clicked()
            {
                self.export(ExportKind::Frame, None, lab, repaint_of(ui.ctx()));
            }
        });
        save_status_ui::<ImgText>(ui, busy, self.export_status.as_ref(), lang);
    }

    /// Starts an export on a job: to `target`, or to where a save dialog says.
    pub fn export(
        &mut self,
        kind: ExportKind,
        target: Option<PathBuf>,
        lab: &LabContext,
        repaint: Repaint,
    ) {
        let (channels, size) = self.item_shape(lab);
        let frames = self.export_frames(kind, lab);
        let (file_name, filter): (&str, (&'static str, &'static [&'static str])) = match kind {
            ExportKind::Gif => ("trajectory.gif", ("GIF", &["gif"])),
            ExportKind::Strip => ("trajectory_strip.png", ("PNG", &["png"])),
            ExportKind::Frame => ("frame.png", ("PNG", &["png"])),
        };
        self.export_status = None;
        self.export_job = Some(dialogs::spawn_save(
            repaint,
            target,
            file_name.to_string(),
            filter,
            move || encode_export(kind, &frames, channels, size),
        ));
    }

    /// The items an export draws, copied so the job owns them.
    fn export_frames(&mut self, kind: ExportKind, lab: &LabContext) -> Vec<ExportFrame> {
        let reverse = self.mode == ViewMode::Reverse;
        match kind {
            ExportKind::Frame => {
                let Some(s) = &self.shown else {
                    return Vec::new();
                };
                vec![ExportFrame {
                    x0: self.clean.as_ref().map(|c| c.x0.to_vec()),
                    x_t: s.x_t.to_vec(),
                    prediction: s
                        .prediction
                        .as_ref()
                        .map(|p| (p.pred_eps.clone(), p.pred_x0.clone(), p.mean.clone())),
                }]
            }
            ExportKind::Gif | ExportKind::Strip => {
                let n = if kind == ExportKind::Gif {
                    GIF_FRAMES
                } else {
                    STRIP_FRAMES
                };
                if reverse && let Some(run) = &self.run {
                    return run
                        .traj
                        .strip_positions(n)
                        .into_iter()
                        .filter_map(|k| run.traj.view(k))
                        .map(|v| ExportFrame {
                            x0: None,
                            x_t: v.x.to_vec(),
                            prediction: Some((
                                v.pred_eps.to_vec(),
                                v.pred_x0.to_vec(),
                                v.mean.to_vec(),
                            )),
                        })
                        .collect();
                }
                let big_t = self.schedule(lab).num_steps();
                (0..n)
                    .filter_map(|i| {
                        let t = i * big_t / (n - 1).max(1);
                        self.forward_state(lab, t).map(|x| ExportFrame {
                            x0: None,
                            x_t: x.to_vec(),
                            prediction: None,
                        })
                    })
                    .collect()
            }
        }
    }
}

/// What an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// An animated GIF of x_t (beside x̂0 for a reverse run).
    Gif,
    /// A PNG strip of x_t (over x̂0 for a reverse run).
    Strip,
    /// A PNG of what is on screen: x0, x_t, ε̂, x̂0, μ̃.
    Frame,
}

struct ExportFrame {
    x0: Option<Vec<f32>>,
    x_t: Vec<f32>,
    prediction: Option<(Vec<f32>, Vec<f32>, Vec<f32>)>,
}

fn encode_export(
    kind: ExportKind,
    frames: &[ExportFrame],
    channels: usize,
    size: usize,
) -> anyhow::Result<Vec<u8>> {
    let pic = |d: &[f32], shade| picture::item_picture(d, channels, size, shade);
    if frames.is_empty() {
        anyhow::bail!("there is nothing to export yet");
    }
    match kind {
        ExportKind::Frame => {
            let f = &frames[0];
            let mut row = Vec::new();
            if let Some(x0) = &f.x0 {
                row.push(picture::upscale(&pic(x0, Shade::Value), 8));
            }
            row.push(picture::upscale(&pic(&f.x_t, Shade::Value), 8));
            if let Some((eps, x0hat, mean)) = &f.prediction {
                row.push(picture::upscale(&pic(eps, Shade::Noise), 8));
                row.push(picture::upscale(&pic(x0hat, Shade::Value), 8));
                row.push(picture::upscale(&pic(mean, Shade::Value), 8));
            }
            picture::png_bytes(&picture::row(&row, 8))
        }
        ExportKind::Strip => {
            let top: Vec<RgbImage> = frames
                .iter()
                .map(|f| picture::upscale(&pic(&f.x_t, Shade::Value), 4))
                .collect();
            let mut rows = vec![picture::row(&top, 4)];
            if frames.iter().all(|f| f.prediction.is_some()) {
                let bottom: Vec<RgbImage> = frames
                    .iter()
                    .filter_map(|f| f.prediction.as_ref())
                    .map(|(_, x0hat, _)| picture::upscale(&pic(x0hat, Shade::Value), 4))
                    .collect();
                rows.push(picture::row(&bottom, 4));
            }
            picture::png_bytes(&picture::column(&rows, 4))
        }
        ExportKind::Gif => {
            let mut gif: Vec<RgbImage> = frames
                .iter()
                .map(|f| {
                    let xt = picture::upscale(&pic(&f.x_t, Shade::Value), 4);
                    match &f.prediction {
                        Some((_, x0hat, _)) => {
                            picture::row(&[xt, picture::upscale(&pic(x0hat, Shade::Value), 4)], 4)
                        }
                        None => xt,
                    }
                })
                .collect();
            // Hold the last frame for a second.
            if let Some(last) = gif.last().cloned() {
                gif.extend(std::iter::repeat_n(last, 12));
            }
            picture::gif_bytes(&gif, 80)
        }
    }
}

/// The burn backend the denoiser panels use (only the ones compiled in are offered).
pub fn device_picker(ui: &mut egui::Ui, lab: &mut LabContext) {
    let lang = lab.lang();
    let mut backend = lab.settings.backend;
    egui::ComboBox::from_label(ImgText::Device.tr(lang))
        .selected_text(backend.name())
        .show_ui(ui, |ui| {
            for b in BackendKind::available() {
                ui.selectable_value(&mut backend, b, b.name());
            }
        });
    lab.settings.backend = backend;
}

fn sample_name(kind: SampleKind, lang: Lang) -> &'static str {
    match kind {
        SampleKind::Glyph => ImgText::SampleGlyph.tr(lang),
        SampleKind::Shape => ImgText::SampleShape.tr(lang),
        SampleKind::Landscape => ImgText::SampleLandscape.tr(lang),
        SampleKind::Checker => ImgText::SampleChecker.tr(lang),
    }
}
