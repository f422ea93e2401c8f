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
use crate::app::jobs::Repaint;
use crate::app::keyed_job::{KeyedJob, ProgressThrottle};
use crate::diffusion::chain::{
    ChainOptions, ChainRun, ChainStart, exact_mean, exact_variance_path, mean_standard_error,
    run_chain, variance_standard_error,
};
use crate::diffusion::forward::{forward_step, q_xt_given_x0};
use crate::diffusion::{Gaussian, Schedule, WorkedExample, WorkedExampleResult};
use crate::egui;
use crate::ui::i18n::{Lang, Text, fill};
use crate::ui::widgets::Scrubber;
use crate::ui::widgets::density::{
    self, colors, curve, dashed, density_plot, gaussian_curve, histogram_chart, marker,
};
use egui_plot::{Corner, LineStyle, MarkerShape, Points};
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::sync::Arc;

crate::i18n_table! {
    /// Text of the Forward-step panel.
    pub enum FwdText {
        Title => "Forward step: q(xₜ|xₜ₋₁) = N(√(1−βₜ)·xₜ₋₁, βₜ)", "순방향 한 스텝: q(xₜ|xₜ₋₁) = N(√(1−βₜ)·xₜ₋₁, βₜ)";
        T => "t", "t";
        XPrev => "xₜ₋₁ (previous value)", "xₜ₋₁ (이전 값)";
        Beta => "βₜ (noise variance)", "βₜ (노이즈 분산)";
        Eps => "ε (standard normal draw)", "ε (표준정규 표본)";
        BetaNext => "β₂ (second step)", "β₂ (두 번째 스텝)";
        FromSchedule => "take βₜ (and βₜ₊₁) at t on the current schedule", "현재 스케줄의 t에서 βₜ (와 βₜ₊₁) 가져오기";
        ScheduleBeta => "βₜ = {0} and βₜ₊₁ = {1} at t = {2} on {3}", "{3}의 t = {2}: βₜ = {0}, βₜ₊₁ = {1}";
        Density => "q(xₜ|xₜ₋₁)", "q(xₜ|xₜ₋₁)";
        MeanMark => "mean μ = √(1−β)·xₜ₋₁", "평균 μ = √(1−β)·xₜ₋₁";
        PrevMark => "xₜ₋₁", "xₜ₋₁";
        SampleMark => "sample xₜ = μ + √β·ε", "표본 xₜ = μ + √β·ε";
        WorkedTitle => "Worked example (the seed notes' numbers, live)", "계산 예시 (노트의 숫자, 실시간)";
        WorkedInputs => "x₀ = {0}, β₁ = {1}, ε = {2}, β₂ = {3}  (x₀ = xₜ₋₁, β₁ = βₜ)", "x₀ = {0}, β₁ = {1}, ε = {2}, β₂ = {3}  (x₀ = xₜ₋₁, β₁ = βₜ)";
        OneStep => "One step: q(x₁|x₀) = N(√(1−β₁)·x₀, β₁)", "한 스텝: q(x₁|x₀) = N(√(1−β₁)·x₀, β₁)";
        TwoSteps => "Two steps at once: q(x₂|x₀) = N(√(α₁α₂)·x₀, 1 − α₁α₂)", "두 스텝을 한 번에: q(x₂|x₀) = N(√(α₁α₂)·x₀, 1 − α₁α₂)";
        Mean => "mean", "평균";
        Variance => "variance", "분산";
        WhySqrt => "Why √(1−β): Var(xₜ) = (1−β)·1 + β·1 = 1, so the variance stays 1 at every step.", "왜 √(1−β)인가: Var(xₜ) = (1−β)·1 + β·1 = 1, 그래서 매 스텝 분산이 1로 유지된다.";
        WhyAdd => "Why the variances add: xₜ₋₁ and ε are independent, so Var(aA + bB) = a²Var(A) + b²Var(B).", "왜 분산이 더해지나: xₜ₋₁과 ε이 독립이라 Var(aA + bB) = a²Var(A) + b²Var(B)이다.";
        WhyTwo => "Why two steps are one Gaussian: the scales multiply (√α₁·√α₂ = √ᾱ₂) and the noise adds up to 1 − ᾱ₂.", "왜 두 스텝이 하나의 가우시안인가: 배율은 곱해지고(√α₁·√α₂ = √ᾱ₂) 노이즈 분산은 합쳐져 1 − ᾱ₂가 된다.";
        WhySample => "Why x₁ is one number: it is a single draw, the mean plus √β₁ times the ε you picked.", "왜 x₁은 하나의 값인가: 평균에 √β₁ × (고른 ε)를 더한 표본 하나이기 때문이다.";
        NotesSlip => "The notes write √0.9 ≈ 0.9499 (so 0.7600 and 0.9181); √0.9 = 0.9487, which gives 0.7589 and 0.9171.", "노트는 √0.9 ≈ 0.9499(그래서 0.7600, 0.9181)로 적었지만 √0.9 = 0.9487이므로 0.7589와 0.9171이 맞다.";
        ChainTitle => "Closed form vs the chain: {0} particles pushed step by step through the schedule", "닫힌 형태 vs 체인: 입자 {0}개를 스케줄을 따라 한 스텝씩 밀기";
        Particles => "particles", "입자 수";
        Seed => "seed", "시드";
        Reroll => "Re-roll", "다시 뽑기";
        StartX0 => "start x₀", "시작 x₀";
        UnitStart => "Var = 1 data", "분산 1 데이터";
        StartNormal => "N(0, 1)", "N(0, 1)";
        StartPlusMinus => "±1, ½ each", "±1, 각 ½";
        Running => "pushing particles: chain {0} of 2 ({1}), step {2} of {3}", "입자 미는 중: 체인 2개 중 {0}번째 ({1}), {3} 스텝 중 {2}";
        ChainFromX0 => "from x₀", "x₀에서 출발";
        ChainUnit => "Var = 1 data", "분산 1 데이터";
        ShowingPrevious => "(showing the previous run until this one finishes)", "(이번 계산이 끝날 때까지 이전 결과 표시)";
        Failed => "The particle run failed: {0}", "입자 계산 실패: {0}";
        HistTitle => "particles at t = {0} vs N(√ᾱₜ·x₀, 1 − ᾱₜ)", "t = {0}의 입자 vs N(√ᾱₜ·x₀, 1 − ᾱₜ)";
        HistName => "particles (histogram)", "입자 (히스토그램)";
        ClosedForm => "closed form N(√ᾱₜ·x₀, 1 − ᾱₜ)", "닫힌 형태 N(√ᾱₜ·x₀, 1 − ᾱₜ)";
        MomentsLine => "mean {0} (closed form {1}, ±{2}) · variance {3} (closed form {4}, ±{5})", "평균 {0} (닫힌 형태 {1}, ±{2}) · 분산 {3} (닫힌 형태 {4}, ±{5})";
        Within => "within 4 standard errors (±: 4σ/√N and 4σ²√(2/(N−1)))", "표준오차 4배 이내 (±: 4σ/√N, 4σ²√(2/(N−1)))";
        Outside => "outside 4 standard errors: re-roll or add particles", "표준오차 4배 밖: 다시 뽑거나 입자를 늘리세요";
        VarTitle => "Var(xₜ) over t, data with Var = 1", "t에 따른 Var(xₜ), 분산 1인 데이터";
        VarEmpirical => "Var(xₜ) of the particles", "입자의 Var(xₜ)";
        VarExact => "exact: (1−βₜ)·Var(xₜ₋₁) + βₜ = 1", "정확한 값: (1−βₜ)·Var(xₜ₋₁) + βₜ = 1";
        VarLine => "largest |Var(xₜ) − 1| over t: {0} (one standard error ≈ {1})", "t 전체에서 가장 큰 |Var(xₜ) − 1|: {0} (표준오차 ≈ {1})";
        Timing => "last run: {0} ms", "마지막 계산: {0} ms";
    }
}

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

impl ChainResult {
    /// Runs both chains (what the background job does). `on_step(done, total)` reports
    /// progress; `Break` stops.
    pub fn compute(
        schedule: Arc<Schedule>,
        settings: &ChainSettings,
        mut on_step: impl FnMut(usize, usize) -> ControlFlow<()>,
    ) -> anyhow::Result<Self> {
        let started = std::time::Instant::now();
        let t_max = schedule.num_steps();
        let total = 2 * t_max;
        let point = run_chain(
            &schedule,
            ChainOptions {
                start: ChainStart::Point(settings.x0),
                particles: settings.particles,
                seed: settings.seed,
                bins: Some(HISTOGRAM_BINS),
            },
            |t| on_step(t, total),
        )?;
        let unit_start = settings.unit_start.chain_start();
        let unit = run_chain(
            &schedule,
            ChainOptions {
                start: unit_start,
                particles: settings.particles,
                // A different stream: the two chains must not share their noise.
                seed: settings.seed ^ 0x9e37_79b9_7f4a_7c15,
                bins: None,
            },
            |t| on_step(t_max + t, total),
        )?;
        let exact = exact_variance_path(&schedule, unit_start.variance());
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
        Ok(Self {
            x0: settings.x0,
            schedule,
            point,
            unit,
            var_empirical,
            var_exact,
            max_var_deviation,
            elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
        })
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

impl ForwardStepPanel {
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
        self.chain_job.request(&key, repaint, move |ctx| {
            let mut throttle = ProgressThrottle::default();
            ChainResult::compute(schedule, &settings, |done, total| {
                if throttle.due() {
                    ctx.set_progress(done as u64, total as u64, "");
                }
                if ctx.is_cancelled() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
        });
        if self.chain_job.latest_key() != self.last_seen_key.as_ref() {
            self.last_seen_key = self.chain_job.latest_key().cloned();
            self.run_generation += 1;
        }
    }

    pub fn forward_step_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        // A hand-edited state file could ask for any count: keep to the offered ones.
        if !PARTICLE_CHOICES.contains(&self.chain.particles) {
            self.chain.particles = ChainSettings::default().particles;
        }
        self.request_chain(lab, repaint_of(ui));
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.heading(FwdText::Title.tr(lang));
                self.scrubber_ui(ui, lab);
                ui.separator();
                ui.columns(2, |cols| {
                    if let [left, right] = cols {
                        self.inputs_ui(left, lab);
                        self.density_plot_ui(left, lab, 250.0);
                        let example = self.worked_example(&lab.schedule);
                        worked_example_ui(right, &example, lang);
                    }
                });
                ui.separator();
                self.chain_controls_ui(ui, lab);
                ui.columns(2, |cols| {
                    if let [left, right] = cols {
                        self.chain_histogram_ui(left, lab, 205.0);
                        self.variance_plot_ui(right, lab, 205.0);
                    }
                });
            });
        // Inputs may have changed this frame: start their run now, not a frame later.
        self.request_chain(lab, repaint_of(ui));
    }

    /// The t scrubber (drives the β source and the histogram's step).
    pub fn scrubber_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let t_max = lab.schedule.num_steps().max(1);
        self.scrubber
            .ui(ui, FwdText::T.tr(lab.lang()), 1, t_max, lab.lang());
    }

    /// x_{t−1}, β_t (typed or from the schedule) and ε.
    pub fn inputs_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let schedule = lab.schedule.clone();
        ui.spacing_mut().slider_width = (ui.available_width() - 200.0).clamp(120.0, 360.0);
        ui.add(egui::Slider::new(&mut self.x_prev, -3.0..=3.0).text(FwdText::XPrev.tr(lang)));
        ui.checkbox(&mut self.beta_from_schedule, FwdText::FromSchedule.tr(lang));
        if self.beta_from_schedule {
            let (mut b, mut b2) = self.betas(&schedule);
            ui.add_enabled(false, beta_slider(&mut b, FwdText::Beta.tr(lang)));
            ui.add_enabled(false, beta_slider(&mut b2, FwdText::BetaNext.tr(lang)));
            let t = self.scrubber.t.clamp(1, schedule.num_steps());
            ui.weak(fill(
                FwdText::ScheduleBeta.tr(lang),
                &[
                    &num(b),
                    &num(b2),
                    &t,
                    &schedule.spec().kind.diffusers_name(),
                ],
            ));
        } else {
            ui.add(beta_slider(&mut self.beta, FwdText::Beta.tr(lang)));
            ui.add(beta_slider(&mut self.beta_next, FwdText::BetaNext.tr(lang)));
        }
        ui.add(egui::Slider::new(&mut self.eps, -4.0..=4.0).text(FwdText::Eps.tr(lang)));
    }

    /// The density of q(x_t|x_{t−1}) with its mean, x_{t−1} and the sample x_t marked.
    pub fn density_plot_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        let (beta, _) = self.betas(&lab.schedule);
        let key = [self.x_prev.to_bits(), beta.to_bits(), self.eps.to_bits()];
        if self.step_plot.key != key || self.step_plot.curve.is_empty() {
            let step = forward_step(self.x_prev, beta);
            let sample = step.sample_with(self.eps);
            let range = density::span_of([step], 4.5, 1e-6);
            let range = density::pad(
                density::include(density::include(range, self.x_prev), sample),
                0.04,
            );
            self.step_plot = StepPlot {
                key,
                curve: gaussian_curve(step, range),
                step,
                sample,
            };
        }
        let p = &self.step_plot;
        let peak = p.step.pdf(p.step.mean);
        density_plot("forward-step-density", height, Corner::LeftTop).show(ui, |plot| {
            plot.line(curve(
                FwdText::Density.tr(lang),
                &p.curve,
                colors::PRIMARY,
                2.0,
            ));
            if let Some(m) = marker(
                FwdText::MeanMark.tr(lang),
                p.step.mean,
                colors::PRIMARY,
                LineStyle::dashed_dense(),
            ) {
                plot.vline(m);
            }
            if let Some(m) = marker(
                FwdText::PrevMark.tr(lang),
                self.x_prev,
                colors::GREY,
                LineStyle::dashed_loose(),
            ) {
                plot.vline(m);
            }
            if let Some(m) = marker(
                FwdText::SampleMark.tr(lang),
                p.sample,
                colors::MARK,
                LineStyle::Solid,
            ) {
                plot.vline(m);
            }
            let y = p.step.pdf(p.sample);
            if p.sample.is_finite() && y.is_finite() && peak.is_finite() {
                plot.points(
                    Points::new(FwdText::SampleMark.tr(lang), vec![[p.sample, y]])
                        .color(colors::MARK)
                        .shape(MarkerShape::Circle)
                        .radius(5.0),
                );
            }
        });
    }

    /// Particle count, seed, re-roll, the histogram chain's x0 and the Var = 1 data.
    pub fn chain_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let title = ui.strong(fill(
            FwdText::ChainTitle.tr(lang),
            &[&group_thousands(self.chain.particles)],
        ));
        // How long the last run took: on hover, so the screen stays the same run to run.
        if let Some(r) = self.chain_job.latest() {
            title.on_hover_text(fill(
                FwdText::Timing.tr(lang),
                &[&format!("{:.0}", r.elapsed_ms)],
            ));
        }
        ui.horizontal(|ui| {
            egui::ComboBox::from_label(FwdText::Particles.tr(lang))
                .selected_text(group_thousands(self.chain.particles))
                .show_ui(ui, |ui| {
                    for n in PARTICLE_CHOICES {
                        ui.selectable_value(&mut self.chain.particles, n, group_thousands(n));
                    }
                });
            ui.separator();
            let seed_label = ui.label(FwdText::Seed.tr(lang));
            ui.add(egui::DragValue::new(&mut self.chain.seed).speed(1.0))
                .labelled_by(seed_label.id);
            if ui.button(FwdText::Reroll.tr(lang)).clicked() {
                self.chain.seed = next_seed(self.chain.seed);
            }
            ui.separator();
            let x0_label = ui.label(FwdText::StartX0.tr(lang));
            ui.add(
                egui::DragValue::new(&mut self.chain.x0)
                    .range(-3.0..=3.0)
                    .speed(0.01)
                    .fixed_decimals(2),
            )
            .labelled_by(x0_label.id);
            ui.separator();
            egui::ComboBox::from_label(FwdText::UnitStart.tr(lang))
                .selected_text(self.chain.unit_start.label(lang))
                .show_ui(ui, |ui| {
                    for s in [UnitStart::StandardNormal, UnitStart::PlusMinusOne] {
                        ui.selectable_value(&mut self.chain.unit_start, s, s.label(lang));
                    }
                });
        });
        if let Some(p) = self.chain_job.progress() {
            ui.horizontal(|ui| {
                let text = chain_progress_text(p.done as usize, p.total as usize, lang);
                ui.add(
                    egui::ProgressBar::new(p.fraction())
                        .desired_width(240.0)
                        .text(text),
                );
                if self.chain_job.latest().is_some() {
                    ui.weak(FwdText::ShowingPrevious.tr(lang));
                }
            });
        }
        if let Some(e) = self.chain_job.error() {
            ui.colored_label(
                ui.visuals().error_fg_color,
                fill(FwdText::Failed.tr(lang), &[&e]),
            );
        }
    }

    /// The particles' histogram at the scrubber's t over the closed-form density, with
    /// the moments compared within sampling error.
    pub fn chain_histogram_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        let Some(run) = self.chain_job.latest().cloned() else {
            ui.add_space(height);
            return;
        };
        let t = self.scrubber.t.clamp(1, run.point.num_steps().max(1));
        ui.label(fill(FwdText::HistTitle.tr(lang), &[&t]));
        let Some(hist) = run.point.at(t).and_then(|s| s.histogram.clone()) else {
            return;
        };
        let key = (self.run_generation, t, HISTOGRAM_BINS);
        if self.hist_plot.key != Some(key) {
            let q = q_xt_given_x0(&run.schedule, t, run.x0);
            let range = density::pad((hist.lo, hist.hi()), 0.05);
            let range = density::include(
                density::include(range, q.mean - 4.0 * q.std()),
                q.mean + 4.0 * q.std(),
            );
            self.hist_plot = HistPlot {
                key: Some(key),
                curve: gaussian_curve(q, range),
            };
        }
        let check = run.moments_at(t);
        density_plot("forward-chain-histogram", height, Corner::LeftTop).show(ui, |plot| {
            plot.bar_chart(histogram_chart(
                FwdText::HistName.tr(lang),
                &hist,
                colors::THIRD,
            ));
            plot.line(curve(
                FwdText::ClosedForm.tr(lang),
                &self.hist_plot.curve,
                colors::PRIMARY,
                2.0,
            ));
        });
        if let Some(c) = check {
            ui.label(fill(
                FwdText::MomentsLine.tr(lang),
                &[
                    &num(c.mean),
                    &num(c.exact.mean),
                    &num(c.mean_tolerance),
                    &num(c.variance),
                    &num(c.exact.variance),
                    &num(c.variance_tolerance),
                ],
            ));
            if c.within() {
                ui.weak(FwdText::Within.tr(lang));
            } else {
                ui.colored_label(ui.visuals().warn_fg_color, FwdText::Outside.tr(lang));
            }
        }
    }

    /// Var(x_t) over t for data with Var = 1: the particles and the exact recursion.
    pub fn variance_plot_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        let Some(run) = self.chain_job.latest().cloned() else {
            ui.add_space(height);
            return;
        };
        ui.label(FwdText::VarTitle.tr(lang));
        let t = self.scrubber.t;
        density_plot("forward-chain-variance", height, Corner::RightBottom)
            .include_y(0.9)
            .include_y(1.1)
            .show(ui, |plot| {
                plot.line(curve(
                    FwdText::VarEmpirical.tr(lang),
                    &run.var_empirical,
                    colors::THIRD,
                    1.5,
                ));
                plot.line(dashed(
                    FwdText::VarExact.tr(lang),
                    &run.var_exact,
                    colors::PRIMARY,
                    2.0,
                ));
                if let Some(m) = marker("", t as f64, colors::GREY, LineStyle::dashed_dense()) {
                    plot.vline(m);
                }
            });
        let se = variance_standard_error(1.0, run.unit.particles);
        ui.label(fill(
            FwdText::VarLine.tr(lang),
            &[&num(run.max_var_deviation), &num(se)],
        ));
    }
}

fn beta_slider<'a>(beta: &'a mut f64, label: &str) -> egui::Slider<'a> {
    egui::Slider::new(beta, 1e-5..=0.999)
        .logarithmic(true)
        .text(label.to_string())
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

/// The seed notes' worked example as live numbers, each formula beside its numbers, and
/// one line on why each holds. Reusable by any panel (the Lesson embeds it).
pub fn worked_example_ui(ui: &mut egui::Ui, example: &WorkedExample, lang: Lang) {
    let r: WorkedExampleResult = example.compute();
    ui.strong(FwdText::WorkedTitle.tr(lang));
    ui.label(fill(
        FwdText::WorkedInputs.tr(lang),
        &[
            &num(example.x0),
            &num(example.beta1),
            &num(example.eps),
            &num(example.beta2),
        ],
    ));
    ui.add_space(4.0);
    let rows_one: [(String, String); 5] = [
        (
            "α₁ = 1 − β₁".into(),
            format!("= 1 − {} = {}", num(example.beta1), num(r.alpha1)),
        ),
        (
            "μ₁ = √α₁ · x₀".into(),
            format!(
                "= √{} × {} = {} × {} = {}",
                num(r.alpha1),
                num(example.x0),
                num(r.sqrt_alpha1),
                num(example.x0),
                num(r.q1.mean)
            ),
        ),
        ("σ₁² = β₁".into(), format!("= {}", num(r.q1.variance))),
        (
            "q(x₁|x₀)".into(),
            format!("= N({}, {})", num(r.q1.mean), num(r.q1.variance)),
        ),
        (
            "x₁ = μ₁ + √β₁ · ε".into(),
            format!(
                "= {} + {} × {} = {}",
                num(r.q1.mean),
                num(r.sqrt_beta1),
                num(example.eps),
                num(r.x1)
            ),
        ),
    ];
    let mean = FwdText::Mean.tr(lang);
    let variance = FwdText::Variance.tr(lang);
    let rows_two: [(String, String); 5] = [
        (
            "α₂ = 1 − β₂".into(),
            format!("= 1 − {} = {}", num(example.beta2), num(r.alpha2)),
        ),
        (
            "ᾱ₂ = α₁ · α₂".into(),
            format!(
                "= {} × {} = {}",
                num(r.alpha1),
                num(r.alpha2),
                num(r.alpha_bar2)
            ),
        ),
        (
            format!("{mean} = √ᾱ₂ · x₀"),
            format!(
                "= √{} × {} = {} × {} = {}",
                num(r.alpha_bar2),
                num(example.x0),
                num(r.sqrt_alpha_bar2),
                num(example.x0),
                num(r.q2.mean)
            ),
        ),
        (
            format!("{variance} = 1 − ᾱ₂"),
            format!("= 1 − {} = {}", num(r.alpha_bar2), num(r.q2.variance)),
        ),
        (
            "q(x₂|x₀)".into(),
            format!("= N({}, {})", num(r.q2.mean), num(r.q2.variance)),
        ),
    ];
    ui.label(FwdText::OneStep.tr(lang));
    formula_grid(ui, "worked-one-step", &rows_one);
    ui.label(FwdText::TwoSteps.tr(lang));
    formula_grid(ui, "worked-two-steps", &rows_two);
    ui.add_space(4.0);
    for why in [
        FwdText::WhySqrt,
        FwdText::WhyAdd,
        FwdText::WhyTwo,
        FwdText::WhySample,
    ] {
        ui.add(egui::Label::new(why.tr(lang)).wrap());
    }
    if *example == WorkedExample::default() {
        ui.add(
            egui::Label::new(
                egui::RichText::new(FwdText::NotesSlip.tr(lang))
                    .small()
                    .weak(),
            )
            .wrap(),
        );
    }
}

fn formula_grid(ui: &mut egui::Ui, id: &str, rows: &[(String, String)]) {
    egui::Grid::new(id)
        .num_columns(2)
        .spacing([12.0, 2.0])
        .striped(true)
        .show(ui, |ui| {
            for (formula, numbers) in rows {
                ui.label(egui::RichText::new(formula).strong());
                ui.label(egui::RichText::new(numbers).monospace());
                ui.end_row();
            }
        });
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
