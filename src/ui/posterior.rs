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
    self, colors, curve, dashed, density_plot, gaussian_curve, marker, mixture_curve,
};
use crate::ui::widgets::{Scrubber, math_job};
use egui_plot::{Corner, LineStyle, MarkerShape, Points};
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::sync::Arc;

crate::i18n_table! {
    /// Text of the Posterior panel.
    pub enum PostText {
        Title => "Posterior: what was xₜ₋₁, given xₜ?  q(xₜ₋₁|xₜ) exact for mixture data", "사후분포: xₜ가 주어졌을 때 xₜ₋₁은 무엇이었나?  혼합 데이터에서 정확한 q(xₜ₋₁|xₜ)";
        Data => "Data p(x₀): a 1-D Gaussian mixture", "데이터 p(x₀): 1차원 가우시안 혼합";
        PresetPoint => "Point at 0.8", "0.8의 한 점";
        PresetTwo => "Two modes ±1", "±1의 두 봉우리";
        PresetThree => "Three modes", "세 봉우리";
        Component => "#", "#";
        Weight => "weight", "가중치";
        MeanCol => "mean", "평균";
        Sd => "sd", "표준편차";
        Remove => "Remove", "삭제";
        Add => "Add component", "성분 추가";
        BadWeight => "Component {0}: weight {1} must be a number > 0.", "성분 {0}: 가중치 {1}은(는) 0보다 큰 수여야 합니다.";
        BadMean => "Component {0}: mean {1} must be a number from -1e6 to 1e6.", "성분 {0}: 평균 {1}은(는) -1e6에서 1e6 사이의 수여야 합니다.";
        BadSd => "Component {0}: standard deviation {1} must be from 1e-6 to 1e6.", "성분 {0}: 표준편차 {1}은(는) 1e-6에서 1e6 사이여야 합니다.";
        TooManyComponents => "A mixture has at most {0} components (got {1}).", "혼합의 성분은 최대 {0}개입니다 (입력: {1}).";
        ValueOutOfRange => "{0} = {1} must be a number from -1e6 to 1e6.", "{0} = {1}은(는) -1e6에서 1e6 사이의 수여야 합니다.";
        Empty => "The mixture needs at least one component.", "혼합에는 성분이 하나 이상 있어야 합니다.";
        BadComponent => "Cannot read the component “{0}”: write weight:mean:sd, e.g. 0.5:-1:0.1.", "성분 “{0}”을(를) 읽을 수 없습니다: 가중치:평균:표준편차 꼴로 쓰세요 (예: 0.5:-1:0.1).";
        BadStep => "The posterior needs a step from 1 to {0} (got {1}).", "사후분포는 1에서 {0} 사이의 스텝에서만 계산합니다 (입력: {1}).";
        KeptLastGood => "Still showing the last valid mixture.", "마지막으로 유효했던 혼합을 계속 보여줍니다.";
        ScheduleLine => "Schedule: {0}, T = {1} (from the Schedule panel)", "스케줄: {0}, T = {1} (스케줄 패널에서)";
        Steps => "steps", "스텝";
        StepsChoice => "T' = {0} (every {1} {1|step|steps})", "T' = {0} ({1} 스텝마다)";
        StepsAll => "T = {0} (every step)", "T = {0} (모든 스텝)";
        StepsWhy => "A smaller T' walks the same ᾱₜ curve in fewer, bigger steps: the noise levels stay, only the step size changes. (Rebuilding the schedule with another T would change the noise levels too.)", "더 작은 T'는 같은 ᾱₜ 곡선을 더 적고 큰 스텝으로 걷는다: 노이즈 수준은 그대로, 스텝 크기만 바뀐다. (다른 T로 스케줄을 새로 만들면 노이즈 수준도 바뀐다.)";
        Compare => "coarser walk to compare", "비교할 더 성긴 걸음";
        CompareChoice => "×{0} bigger steps (T'' = {1})", "×{0} 큰 스텝 (T'' = {1})";
        X0 => "x₀ for q(xₜ₋₁|xₜ, x₀)", "q(xₜ₋₁|xₜ, x₀)의 x₀";
        Xt => "xₜ (the white dot)", "xₜ (흰 점)";
        View => "view", "보기";
        ViewPosterior => "zoom on the posterior", "사후분포 확대";
        ViewMarginals => "whole marginals", "주변분포 전체";
        T => "step", "스텝";
        StepLine => "step {0} of {1} ends at t = {2} of T = {3}:  βₜ = {4},  ᾱₜ = {5}", "{1} 스텝 중 {0}번째는 T = {3}의 t = {2}에서 끝남:  βₜ = {4},  ᾱₜ = {5}";
        TruePost => "true q(xₜ₋₁|xₜ)", "실제 q(xₜ₋₁|xₜ)";
        TildeNote => "β̃ₜ, μ̃ₜ (β-tilde, μ-tilde): the variance and mean of the posterior when x₀ is known.", "β̃ₜ, μ̃ₜ (베타 틸드, 뮤 틸드): x₀를 알 때 사후분포의 분산과 평균.";
        Matched => "moment-matched Gaussian", "모멘트 일치 가우시안";
        X0Post => "q(xₜ₋₁|xₜ, x₀), x₀ known", "q(xₜ₋₁|xₜ, x₀), x₀를 알 때";
        X0PostPoint => "q(xₜ₋₁|xₜ, x₀): the point x₀ (zero width)", "q(xₜ₋₁|xₜ, x₀): 점 x₀ (폭 0)";
        PrevMarginal => "q(xₜ₋₁) (the notes' green curve)", "q(xₜ₋₁) (노트의 초록 곡선)";
        Marginal => "q(xₜ)", "q(xₜ)";
        XtMark => "xₜ", "xₜ";
        Modes => "modes: {0} (at {1})", "봉우리 수: {0} (위치 {1})";
        PostMoments => "true posterior: mean {0}, sd {1}", "실제 사후분포: 평균 {0}, 표준편차 {1}";
        Kl => "KL(true ‖ Gaussian) = {0}", "KL(실제 ‖ 가우시안) = {0}";
        Widths => "√β̃ₜ = {0} (width given x₀) · μ̃ₜ = {1}", "√β̃ₜ = {0} (x₀가 주어졌을 때 폭) · μ̃ₜ = {1}";
        CoarseLine => "×{0} bigger steps, step ending at t = {1}: modes {2}, KL = {3}, sd {4}", "×{0} 큰 스텝, t = {1}에서 끝나는 스텝: 봉우리 {2}, KL = {3}, 표준편차 {4}";
        Verdict1 => "Small step: one narrow peak, almost Gaussian — a Gaussian reverse step fits.", "작은 스텝: 좁은 봉우리 하나, 거의 가우시안 — 가우시안 역방향 스텝이 맞는다.";
        Verdict2 => "Big step: the posterior has {0} modes, so it is not one Gaussian — a Gaussian reverse step cannot fit it.", "큰 스텝: 사후분포의 봉우리가 {0}개라 하나의 가우시안이 아니다 — 가우시안 역방향 스텝으로는 맞출 수 없다.";
        VerdictSkewed => "One mode, but KL = {0} > 0.01: the posterior is lopsided — a Gaussian reverse step fits it only roughly.", "봉우리는 하나지만 KL = {0} > 0.01: 사후분포가 한쪽으로 치우쳐 있다 — 가우시안 역방향 스텝은 대강만 맞는다.";
        NoCoarser => "No coarser walk: T' = {0} is too few steps to take bigger ones.", "더 성긴 걸음 없음: T' = {0}은(는) 더 큰 스텝을 걷기에는 스텝이 너무 적다.";
        WidthTitle => "posterior width over t (at xₜ = {0}); width given x₀ is √β̃ₜ", "t에 따른 사후분포 폭 (xₜ = {0}); x₀를 알 때의 폭은 √β̃ₜ";
        KlTitle => "KL(true ‖ Gaussian) over t, log scale (at xₜ = {0})", "t에 따른 KL(실제 ‖ 가우시안), 로그 눈금 (xₜ = {0})";
        BetaTildeFine => "width given x₀, T' = {0}", "x₀를 알 때의 폭, T' = {0}";
        TrueSdFine => "true sd, T' = {0}", "실제 표준편차, T' = {0}";
        BetaTildeCoarse => "width given x₀, T'' = {0}", "x₀를 알 때의 폭, T'' = {0}";
        TrueSdCoarse => "true sd, T'' = {0}", "실제 표준편차, T'' = {0}";
        KlFine => "KL, T' = {0}", "KL, T' = {0}";
        KlCoarse => "KL, T'' = {0}", "KL, T'' = {0}";
        Computing => "computing the curves over t… {0}%", "t에 따른 곡선 계산 중… {0}%";
        SweepFailed => "The curves over t failed: {0}", "t에 따른 곡선 계산 실패: {0}";
        WalkFailed => "Cannot walk this schedule in bigger steps: {0}", "이 스케줄을 큰 스텝으로 걸을 수 없습니다: {0}";
    }
}

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
            let started = std::time::Instant::now();
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

    pub fn posterior_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        self.update(lab, repaint_of(ui));
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.heading(PostText::Title.tr(lang));
                ui.columns(2, |cols| {
                    if let [left, right] = cols {
                        self.mixture_editor_ui(left, lab);
                        self.walk_controls_ui(right, lab);
                    }
                });
                self.scrubber_ui(ui, lab);
                // Inputs changed above: bring the derived data up to date before drawing.
                self.update(lab, repaint_of(ui));
                ui.separator();
                split(
                    ui,
                    0.6,
                    290.0,
                    |ui| self.posterior_plot_ui(ui, lab, 290.0),
                    |ui| self.readouts_ui(ui, lab),
                );
                ui.separator();
                ui.columns(2, |cols| {
                    if let [left, right] = cols {
                        self.width_plot_ui(left, lab, 190.0);
                        self.kl_plot_ui(right, lab, 190.0);
                    }
                });
            });
    }

    /// Presets and the component table; bad values show a message and keep the last
    /// valid mixture.
    pub fn mixture_editor_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.strong(PostText::Data.tr(lang));
        ui.horizontal(|ui| {
            for preset in Preset::ALL {
                if ui.button(preset.label(lang)).clicked() {
                    self.apply_preset(preset);
                }
            }
        });
        let mut remove = None;
        let can_remove = self.components.len() > 1;
        egui::Grid::new("posterior-mixture")
            .num_columns(5)
            .spacing([10.0, 3.0])
            .show(ui, |ui| {
                ui.weak(PostText::Component.tr(lang));
                ui.weak(PostText::Weight.tr(lang));
                ui.weak(PostText::MeanCol.tr(lang));
                ui.weak(PostText::Sd.tr(lang));
                ui.end_row();
                for (i, c) in self.components.iter_mut().enumerate() {
                    let n = i + 1;
                    ui.label(n.to_string());
                    ui.add(
                        egui::DragValue::new(&mut c.weight)
                            .range(0.0..=100.0)
                            .speed(0.01)
                            .max_decimals(4),
                    )
                    .accessible_name(format!("{} {n}", PostText::Weight.tr(lang)));
                    ui.add(
                        egui::DragValue::new(&mut c.mean)
                            .range(-5.0..=5.0)
                            .speed(0.01)
                            .max_decimals(4),
                    )
                    .accessible_name(format!("{} {n}", PostText::MeanCol.tr(lang)));
                    ui.add(
                        egui::DragValue::new(&mut c.std)
                            .range(0.0..=5.0)
                            .speed(0.002)
                            .max_decimals(4),
                    )
                    .accessible_name(format!("{} {n}", PostText::Sd.tr(lang)));
                    if ui
                        .add_enabled(can_remove, egui::Button::new(PostText::Remove.tr(lang)))
                        .on_hover_text(format!("{} {n}", PostText::Remove.tr(lang)))
                        .clicked()
                    {
                        remove = Some(i);
                    }
                    ui.end_row();
                }
            });
        if let Some(i) = remove
            && i < self.components.len()
        {
            self.components.remove(i);
        }
        if ui
            .horizontal(|ui| ui.button(PostText::Add.tr(lang)).clicked())
            .inner
        {
            let mean = self
                .components
                .iter()
                .map(|c| c.mean)
                .fold(f64::NEG_INFINITY, f64::max);
            let mean = if mean.is_finite() {
                (mean + 1.0).min(5.0)
            } else {
                0.0
            };
            self.components.push(ComponentSpec {
                weight: 0.5,
                mean,
                std: 0.1,
            });
        }
        self.validate();
        if let Some(e) = self.error_text(lang) {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("{e} {}", PostText::KeptLastGood.tr(lang)),
            );
        }
    }

    /// The schedule line, the T override, the comparison walk, x0, x_t and the view.
    pub fn walk_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let t_max = lab.schedule.num_steps();
        ui.label(fill(
            PostText::ScheduleLine.tr(lang),
            &[&lab.schedule.spec().kind.diffusers_name(), &t_max],
        ));
        let steps_text = |factor: usize| {
            if factor <= 1 {
                fill(PostText::StepsAll.tr(lang), &[&t_max])
            } else {
                fill(
                    PostText::StepsChoice.tr(lang),
                    &[&(t_max / factor).max(1), &factor],
                )
            }
        };
        ui.horizontal(|ui| {
            egui::ComboBox::from_label(PostText::Steps.tr(lang))
                .selected_text(steps_text(self.factor))
                .show_ui(ui, |ui| {
                    for f in factor_choices(t_max) {
                        ui.selectable_value(&mut self.factor, f, steps_text(f));
                    }
                });
            let coarse_steps = |c: usize| (t_max / (self.factor.max(1) * c)).max(1);
            let compares = compare_choices(t_max, self.factor);
            if compares.is_empty() {
                ui.weak(fill(
                    PostText::NoCoarser.tr(lang),
                    &[&(t_max / self.factor.max(1))],
                ));
            } else {
                egui::ComboBox::from_label(PostText::Compare.tr(lang))
                    .selected_text(fill(
                        PostText::CompareChoice.tr(lang),
                        &[&self.compare, &coarse_steps(self.compare)],
                    ))
                    .show_ui(ui, |ui| {
                        for c in compares {
                            let text =
                                fill(PostText::CompareChoice.tr(lang), &[&c, &coarse_steps(c)]);
                            ui.selectable_value(&mut self.compare, c, text);
                        }
                    });
            }
        });
        // Body size: this is the explanation of the two dropdowns, meant to be read.
        ui.add(egui::Label::new(PostText::StepsWhy.tr(lang)).wrap());
        ui.spacing_mut().slider_width = (ui.available_width() - 210.0).clamp(120.0, 360.0);
        ui.add(egui::Slider::new(&mut self.x_t, -4.0..=4.0).text(PostText::Xt.tr(lang)));
        ui.add(egui::Slider::new(&mut self.x0, -4.0..=4.0).text(PostText::X0.tr(lang)));
        ui.horizontal(|ui| {
            ui.label(PostText::View.tr(lang));
            ui.radio_value(
                &mut self.view,
                PlotView::Posterior,
                PostText::ViewPosterior.tr(lang),
            );
            ui.radio_value(
                &mut self.view,
                PlotView::Marginals,
                PostText::ViewMarginals.tr(lang),
            );
        });
        if let Some(e) = &self.walk_error {
            ui.colored_label(
                ui.visuals().error_fg_color,
                fill(PostText::WalkFailed.tr(lang), &[&e.text(lang)]),
            );
        }
    }

    /// The step scrubber over the walked schedule (←/→, Shift, Home/End, Space).
    pub fn scrubber_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let t_max = self
            .walked_steps()
            .unwrap_or(lab.schedule.num_steps())
            .max(1);
        self.scrubber
            .ui(ui, PostText::T.tr(lab.lang()), 1, t_max, lab.lang());
    }

    /// The true posterior, its moment-matched Gaussian, the x0-conditioned posterior and
    /// the marginals q(x_{t−1}), q(x_t) behind them, with x_t marked.
    pub fn posterior_plot_ui(&self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        let Some(s) = &self.snapshot else {
            ui.add_space(height);
            return;
        };
        let x_t = self.x_t;
        density_plot("posterior-density", height, Corner::LeftTop).show(ui, |plot| {
            plot.line(
                curve(
                    PostText::PrevMarginal.tr(lang),
                    &s.prev_marginal,
                    colors::FAINT_GREEN,
                    1.5,
                )
                .fill(0.0)
                .fill_alpha(0.12),
            );
            plot.line(dashed(
                PostText::Marginal.tr(lang),
                &s.marginal,
                colors::FAINT_GREY,
                1.5,
            ));
            plot.line(curve(
                PostText::TruePost.tr(lang),
                &s.true_curve,
                colors::PRIMARY,
                2.5,
            ));
            plot.line(dashed(
                PostText::Matched.tr(lang),
                &s.matched_curve,
                colors::SECOND,
                2.0,
            ));
            if s.x0_curve.is_empty() {
                if let Some(m) = marker(
                    PostText::X0PostPoint.tr(lang),
                    s.x0_posterior.mean,
                    colors::FOURTH,
                    LineStyle::Solid,
                ) {
                    plot.vline(m);
                }
            } else {
                plot.line(
                    curve(PostText::X0Post.tr(lang), &s.x0_curve, colors::FOURTH, 1.5)
                        .style(LineStyle::Dotted { spacing: 5.0 }),
                );
            }
            if let Some(m) = marker("", x_t, colors::GREY, LineStyle::dashed_loose()) {
                plot.vline(m);
            }
            if x_t.is_finite() {
                // The notes' white dot, outlined so it shows on a light theme too.
                plot.points(
                    Points::new("", vec![[x_t, 0.0]])
                        .color(egui::Color32::BLACK)
                        .shape(MarkerShape::Circle)
                        .radius(7.0),
                );
                plot.points(
                    Points::new(PostText::XtMark.tr(lang), vec![[x_t, 0.0]])
                        .color(egui::Color32::WHITE)
                        .shape(MarkerShape::Circle)
                        .radius(5.0),
                );
            }
        });
    }

    /// Where the step sits, modes, KL and widths at this step and on the coarser walk.
    pub fn readouts_ui(&self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let (Some(s), Some(w)) = (&self.snapshot, &self.walks) else {
            return;
        };
        let sched = &w.fine.schedule;
        ui.add(
            egui::Label::new(fill(
                PostText::StepLine.tr(lang),
                &[
                    &s.step,
                    &w.fine.num_steps(),
                    &s.original_t,
                    &lab.schedule.num_steps(),
                    &num(sched.beta(s.step)),
                    &num(sched.alpha_bar(s.step)),
                ],
            ))
            .wrap(),
        );
        ui.add_space(4.0);
        let r = &s.report;
        ui.strong(fill(
            PostText::Modes.tr(lang),
            &[&r.modes.len(), &modes_text(&r.modes)],
        ));
        ui.label(fill(
            PostText::PostMoments.tr(lang),
            &[&num(r.mean), &num(r.variance.max(0.0).sqrt())],
        ));
        ui.label(fill(
            PostText::Kl.tr(lang),
            &[&format!("{:.3e}", r.kl_to_gaussian)],
        ));
        let mu_tilde = r.x0_posterior.map_or(f64::NAN, |g| g.mean);
        let widths = fill(
            PostText::Widths.tr(lang),
            &[&num(r.posterior_variance.max(0.0).sqrt()), &num(mu_tilde)],
        );
        ui.label(math_job(ui, &widths, egui::TextStyle::Body, None));
        ui.add_space(4.0);
        if self.has_coarser_walk(w) {
            ui.add(
                egui::Label::new(fill(
                    PostText::CoarseLine.tr(lang),
                    &[
                        &self.compare,
                        &s.coarse_t,
                        &s.coarse_modes,
                        &format!("{:.3e}", s.coarse_kl),
                        &num(s.coarse_std),
                    ],
                ))
                .wrap(),
            );
        }
        ui.add_space(4.0);
        let (verdict, color) = match verdict(r) {
            Verdict::OneGaussian => (
                PostText::Verdict1.tr(lang).to_string(),
                ui.visuals().text_color(),
            ),
            Verdict::Skewed => (
                fill(
                    PostText::VerdictSkewed.tr(lang),
                    &[&format!("{:.3e}", r.kl_to_gaussian)],
                ),
                ui.visuals().warn_fg_color,
            ),
            Verdict::Multimodal => (
                fill(PostText::Verdict2.tr(lang), &[&r.modes.len()]),
                ui.visuals().warn_fg_color,
            ),
        };
        ui.add(egui::Label::new(egui::RichText::new(verdict).color(color)).wrap());
        ui.add_space(4.0);
        let weak = ui.visuals().weak_text_color();
        let note = math_job(
            ui,
            PostText::TildeNote.tr(lang),
            egui::TextStyle::Small,
            Some(weak),
        );
        ui.add(egui::Label::new(note).wrap());
    }

    /// True when the comparison walk really is coarser (at least two steps, fewer than
    /// the walk's own).
    fn has_coarser_walk(&self, w: &Walks) -> bool {
        w.coarse.num_steps() >= 2 && w.coarse.num_steps() < w.fine.num_steps()
    }

    /// The verdict line's reading of the numbers shown above it.
    pub fn verdict(&self) -> Option<Verdict> {
        self.snapshot.as_ref().map(|s| verdict(&s.report))
    }

    fn sweep_status_ui(&self, ui: &mut egui::Ui, lang: Lang) {
        if let Some(p) = self.sweep.progress() {
            ui.weak(fill(
                PostText::Computing.tr(lang),
                &[&format!("{:.0}", 100.0 * p.fraction())],
            ));
        }
        if let Some(e) = self.sweep.error() {
            ui.colored_label(
                ui.visuals().error_fg_color,
                fill(PostText::SweepFailed.tr(lang), &[&e]),
            );
        }
    }

    /// √β̃_t and the true posterior's sd over t, for the walk and the coarser walk.
    pub fn width_plot_ui(&self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        let Some(w) = &self.walks else {
            return;
        };
        let result = self.sweep.latest().cloned();
        let x_t = result.as_ref().map_or(self.x_t, |r| r.x_t);
        let title = fill(PostText::WidthTitle.tr(lang), &[&num(x_t)]);
        ui.label(math_job(ui, &title, egui::TextStyle::Body, None));
        let t_now = self.snapshot.as_ref().map(|s| s.original_t as f64);
        let (n_fine, n_coarse) = (w.fine.num_steps(), w.coarse.num_steps());
        density_plot("posterior-widths", height, Corner::LeftTop).show(ui, |plot| {
            // True sd solid underneath, √β̃ dashed on top: where they coincide the
            // posterior is as narrow as if x0 were known.
            if let Some(r) = &result {
                plot.line(curve(
                    &fill(PostText::TrueSdFine.tr(lang), &[&n_fine]),
                    &r.true_std_fine,
                    colors::PRIMARY,
                    3.0,
                ));
                plot.line(curve(
                    &fill(PostText::TrueSdCoarse.tr(lang), &[&n_coarse]),
                    &r.true_std_coarse,
                    colors::SECOND,
                    3.0,
                ));
            }
            plot.line(dashed(
                &fill(PostText::BetaTildeFine.tr(lang), &[&n_fine]),
                &w.width_fine,
                colors::THIRD,
                1.5,
            ));
            plot.line(dashed(
                &fill(PostText::BetaTildeCoarse.tr(lang), &[&n_coarse]),
                &w.width_coarse,
                colors::FOURTH,
                1.5,
            ));
            if let Some(m) =
                t_now.and_then(|t| marker("", t, colors::GREY, LineStyle::dashed_dense()))
            {
                plot.vline(m);
            }
        });
        self.sweep_status_ui(ui, lang);
    }

    /// KL(true ‖ moment-matched Gaussian) over t on a log axis, for the walk and the
    /// coarser walk (plotted at the original t each of its steps ends on).
    pub fn kl_plot_ui(&self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        let Some(w) = &self.walks else {
            return;
        };
        let result = self.sweep.latest().cloned();
        let x_t = result.as_ref().map_or(self.x_t, |r| r.x_t);
        ui.label(fill(PostText::KlTitle.tr(lang), &[&num(x_t)]));
        let t_now = self.snapshot.as_ref().map(|s| s.original_t as f64);
        density_plot("posterior-kl", height, Corner::RightTop)
            .include_y(KL_FLOOR.log10())
            .include_y(0.0)
            .y_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 2.0, 4.0]))
            .y_axis_formatter(|mark, _| {
                let v = mark.value;
                if (v - v.round()).abs() < 1e-9 {
                    format!("1e{}", v.round() as i64)
                } else {
                    String::new()
                }
            })
            .show(ui, |plot| {
                if let Some(r) = &result {
                    plot.line(curve(
                        &fill(PostText::KlFine.tr(lang), &[&w.fine.num_steps()]),
                        &r.kl_fine,
                        colors::PRIMARY,
                        2.0,
                    ));
                    plot.line(curve(
                        &fill(PostText::KlCoarse.tr(lang), &[&w.coarse.num_steps()]),
                        &r.kl_coarse,
                        colors::SECOND,
                        2.0,
                    ));
                    plot.points(
                        Points::new("", r.kl_coarse.clone())
                            .color(colors::SECOND)
                            .radius(2.0),
                    );
                }
                if let Some(m) =
                    t_now.and_then(|t| marker("", t, colors::GREY, LineStyle::dashed_dense()))
                {
                    plot.vline(m);
                }
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
    let started = std::time::Instant::now();
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
