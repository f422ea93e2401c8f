//! The Lesson panel: a guided walk through the study notes' ideas, in seven steps, each
//! with a short explanation, its formula, a live widget and a "try this" prompt.
//!
//! The widgets are the other panels' own sections, called on lesson-owned instances of
//! their state ([`ForwardStepPanel`], [`PosteriorPanel`]), so the lesson starts at the
//! notes' numbers whatever the learner did in those panels; step 5 noises the app's
//! sample picture with the Schedule panel's strip code, and step 7 runs the shipped
//! denoiser (`src/model/`) on a background job.

mod denoiser;
mod noising;
mod text;

pub use denoiser::{
    DenoiseRun, DenoiserDemo, REVERSE_STEPS, SAMPLE_POINTS, SHIPPED_MODEL, run_shipped_denoiser,
};
pub use noising::NoisingView;
pub use text::LessonText;

use crate::app::LabContext;
use crate::app::jobs::Repaint;
use crate::diffusion::WorkedExample;
use crate::diffusion::forward::q_xt_given_x0;
use crate::egui;
use crate::ui::forward_step::{ChainSettings, num};
use crate::ui::forward_step::{ForwardStepPanel, PARTICLE_CHOICES, worked_example_ui};
use crate::ui::i18n::{Lang, Text, fill};
use crate::ui::posterior::PosteriorPanel;
use crate::ui::widgets::{Scrubber, math_job};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The lesson's steps, in the order of the study notes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LessonStep {
    /// Small steps are Gaussian both ways.
    #[default]
    Idea,
    /// One forward step; why the variance stays 1.
    ForwardStep,
    /// The notes' worked example, live.
    WorkedExample,
    /// Many steps at once: q(x_t|x_0).
    ClosedForm,
    /// An image turned into noise.
    ImageNoise,
    /// The backward step: the posterior.
    Posterior,
    /// What a trained denoiser does.
    Denoiser,
}

impl LessonStep {
    pub const ALL: [LessonStep; 7] = [
        LessonStep::Idea,
        LessonStep::ForwardStep,
        LessonStep::WorkedExample,
        LessonStep::ClosedForm,
        LessonStep::ImageNoise,
        LessonStep::Posterior,
        LessonStep::Denoiser,
    ];

    /// 1-based position.
    pub fn number(self) -> usize {
        Self::ALL
            .iter()
            .position(|s| *s == self)
            .map_or(1, |i| i + 1)
    }

    pub fn next(self) -> Option<Self> {
        Self::ALL.get(self.number()).copied()
    }

    pub fn previous(self) -> Option<Self> {
        self.number()
            .checked_sub(2)
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// (title, explanation, formula, try this).
    fn texts(self) -> [LessonText; 4] {
        use LessonText::*;
        match self {
            LessonStep::Idea => [Title1, Body1, Formula1, Try1],
            LessonStep::ForwardStep => [Title2, Body2, Formula2, Try2],
            LessonStep::WorkedExample => [Title3, Body3, Formula3, Try3],
            LessonStep::ClosedForm => [Title4, Body4, Formula4, Try4],
            LessonStep::ImageNoise => [Title5, Body5, Formula5, Try5],
            LessonStep::Posterior => [Title6, Body6, Formula6, Try6],
            LessonStep::Denoiser => [Title7, Body7, Formula7, Try7],
        }
    }

    pub fn title(self, lang: Lang) -> &'static str {
        self.texts()[0].tr(lang)
    }

    pub fn explanation(self, lang: Lang) -> &'static str {
        self.texts()[1].tr(lang)
    }

    pub fn formula(self, lang: Lang) -> &'static str {
        self.texts()[2].tr(lang)
    }

    pub fn try_this(self, lang: Lang) -> &'static str {
        self.texts()[3].tr(lang)
    }
}

/// The panel's state: the step, and the lesson's own instances of the panels it embeds
/// (their inputs persist like the panels' do; their caches do not).
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct LessonPanel {
    pub step: LessonStep,
    /// Steps 1–4: starts at the notes' x₀ = 0.8, β₁ = 0.1, ε = 0.5, β₂ = 0.2.
    pub forward: ForwardStepPanel,
    /// Steps 1 and 6: two modes at ±1, xₜ = 0 between them, t = 200.
    pub posterior: PosteriorPanel,
    /// Step 5: the t of the noised picture.
    pub image_t: Scrubber,
    /// Step 7.
    pub denoiser: DenoiserDemo,
    #[serde(skip)]
    noising: NoisingView,
    /// Step 6: "why small steps", measured with the exact score of a mixture.
    #[serde(skip)]
    pub step_error: crate::ui::points::StepErrorView,
}

impl Default for LessonPanel {
    fn default() -> Self {
        let mut posterior = PosteriorPanel::default();
        posterior.x_t = 0.0;
        posterior.scrubber.t = 200;
        let mut image_t = Scrubber::new(250);
        image_t.speed = 200.0;
        Self {
            step: LessonStep::default(),
            forward: ForwardStepPanel::default(),
            posterior,
            image_t,
            denoiser: DenoiserDemo::default(),
            noising: NoisingView::default(),
            step_error: Default::default(),
        }
    }
}

fn repaint_of(ui: &egui::Ui) -> Repaint {
    let ctx = ui.ctx().clone();
    Arc::new(move || ctx.request_repaint())
}

/// `text` (which may hold accented math letters) as a wrapping label at `size` points.
fn math_paragraph(ui: &mut egui::Ui, text: &str, size: f32, color: Option<egui::Color32>) {
    let mut job = math_job(ui, text, egui::TextStyle::Body, color);
    for section in &mut job.sections {
        section.format.font_id.size = size;
    }
    ui.add(egui::Label::new(job).wrap());
}

impl LessonPanel {
    /// Goes to `step` (the Previous/Next buttons and the step row use this).
    pub fn go_to(&mut self, step: LessonStep) {
        self.step = step;
    }

    /// Resets the embedded Forward-step inputs to the notes' worked example.
    pub fn reset_worked_example(&mut self) {
        let e = WorkedExample::default();
        self.forward.x_prev = e.x0;
        self.forward.beta = e.beta1;
        self.forward.eps = e.eps;
        self.forward.beta_next = e.beta2;
        self.forward.beta_from_schedule = false;
    }

    /// Blocks until the background work of the current step is done. Tests only.
    pub fn finish_background_work(&mut self) {
        self.forward.finish_background_work();
        self.posterior.finish_background_work();
        self.denoiser.finish_background_work();
        self.step_error.finish_blocking();
    }

    pub fn lesson_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        egui::Panel::top("lesson-header").show(ui, |ui| self.header_ui(ui, lang));
        egui::Panel::bottom("lesson-nav").show(ui, |ui| self.nav_ui(ui, lang));
        egui::Panel::left("lesson-text")
            .resizable(true)
            .default_size(440.0)
            .min_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("lesson-text-scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.text_ui(ui, lang));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("lesson-widget-scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| self.widget_ui(ui, lab));
        });
    }

    /// The heading, where we are, and a button per step.
    pub fn header_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.horizontal(|ui| {
            ui.heading(LessonText::Heading.tr(lang));
            ui.separator();
            for step in LessonStep::ALL {
                let n = step.number();
                let response = ui
                    .selectable_label(self.step == step, n.to_string())
                    .on_hover_text(fill(LessonText::GoTo.tr(lang), &[&n, &step.title(lang)]));
                if response.clicked() {
                    self.go_to(step);
                }
            }
        });
        ui.add_space(2.0);
        ui.strong(fill(
            LessonText::StepOf.tr(lang),
            &[
                &self.step.number(),
                &LessonStep::ALL.len(),
                &self.step.title(lang),
            ],
        ));
    }

    /// Previous and Next.
    pub fn nav_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.add_space(2.0);
        ui.horizontal(|ui| {
            let previous = self.step.previous();
            if ui
                .add_enabled(
                    previous.is_some(),
                    egui::Button::new(LessonText::Previous.tr(lang)),
                )
                .clicked()
                && let Some(p) = previous
            {
                self.go_to(p);
            }
            ui.label(format!(
                "{} / {}",
                self.step.number(),
                LessonStep::ALL.len()
            ));
            let next = self.step.next();
            if ui
                .add_enabled(next.is_some(), egui::Button::new(LessonText::Next.tr(lang)))
                .clicked()
                && let Some(n) = next
            {
                self.go_to(n);
            }
        });
        ui.add_space(2.0);
    }

    /// The explanation, the formula and the prompt of the current step.
    pub fn text_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let step = self.step;
        for paragraph in step.explanation(lang).split("\n\n") {
            math_paragraph(ui, paragraph, 14.0, None);
            ui.add_space(6.0);
        }
        ui.add_space(4.0);
        ui.strong(LessonText::Formula.tr(lang));
        egui::Frame::group(ui.style())
            .inner_margin(egui::Margin::same(8))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                for line in step.formula(lang).lines() {
                    math_paragraph(ui, line, 15.0, None);
                }
            });
        ui.add_space(10.0);
        let accent = ui.visuals().selection.bg_fill;
        egui::Frame::new()
            .fill(accent.gamma_multiply(0.25))
            .stroke(egui::Stroke::new(1.0, accent))
            .corner_radius(4.0)
            .inner_margin(egui::Margin::same(8))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.strong(LessonText::TryThis.tr(lang));
                math_paragraph(ui, step.try_this(lang), 14.0, None);
            });
    }

    /// The live widget of the current step.
    pub fn widget_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        let repaint = repaint_of(ui);
        // A hand-edited state file could ask for any particle count: keep to the offered.
        if !PARTICLE_CHOICES.contains(&self.forward.chain.particles) {
            self.forward.chain.particles = ChainSettings::default().particles;
        }
        match self.step {
            LessonStep::Idea => {
                self.posterior.update(lab, repaint);
                ui.columns(2, |cols| {
                    if let [left, right] = cols {
                        left.strong(LessonText::Forward1.tr(lang));
                        self.forward.density_plot_ui(left, lab, 320.0);
                        right.strong(LessonText::Backward1.tr(lang));
                        self.posterior.posterior_plot_ui(right, lab, 320.0);
                    }
                });
            }
            LessonStep::ForwardStep => {
                self.forward.request_chain(lab, repaint.clone());
                self.forward.inputs_ui(ui, lab);
                self.forward.density_plot_ui(ui, lab, 230.0);
                ui.separator();
                self.forward.variance_plot_ui(ui, lab, 190.0);
                self.forward.request_chain(lab, repaint);
            }
            LessonStep::WorkedExample => {
                self.forward.inputs_ui(ui, lab);
                if ui.button(LessonText::ResetExample.tr(lang)).clicked() {
                    self.reset_worked_example();
                }
                ui.separator();
                let example = self.forward.worked_example(&lab.schedule);
                worked_example_ui(ui, &example, lang);
            }
            LessonStep::ClosedForm => {
                self.forward.request_chain(lab, repaint.clone());
                self.forward.scrubber_ui(ui, lab);
                self.closed_form_line(ui, lab);
                ui.separator();
                self.forward.chain_controls_ui(ui, lab);
                self.forward.chain_histogram_ui(ui, lab, 300.0);
                self.forward.request_chain(lab, repaint);
            }
            LessonStep::ImageNoise => {
                self.noising.ui(ui, lab, &mut self.image_t);
            }
            LessonStep::Posterior => {
                self.posterior.update(lab, repaint.clone());
                self.posterior.walk_controls_ui(ui, lab);
                self.posterior.scrubber_ui(ui, lab);
                // Inputs may have changed above: bring the derived data up to date.
                self.posterior.update(lab, repaint);
                ui.separator();
                ui.columns(2, |cols| {
                    if let [left, right] = cols {
                        self.posterior.posterior_plot_ui(left, lab, 300.0);
                        self.posterior.readouts_ui(right, lab);
                    }
                });
                // The same argument in numbers: with no model error, the sample error
                // left is the sampler's own, and it falls as the steps get smaller.
                ui.separator();
                self.step_error.ui(ui, lang, &lab.schedule);
            }
            LessonStep::Denoiser => {
                self.denoiser.request(repaint.clone(), lab.settings.backend);
                let size = (ui.available_width() * 0.7).clamp(260.0, 440.0);
                self.denoiser.ui(ui, lab, size);
                self.denoiser.request(repaint, lab.settings.backend);
            }
        }
    }

    /// ᾱ_t and q(x_t|x_0) at the Forward-step scrubber's t, for the chain's x₀.
    fn closed_form_line(&self, ui: &mut egui::Ui, lab: &LabContext) {
        let schedule = &lab.schedule;
        let t = self
            .forward
            .scrubber
            .t
            .clamp(1, schedule.num_steps().max(1));
        let x0 = self.forward.chain.x0;
        let q = q_xt_given_x0(schedule, t, x0);
        ui.label(fill(
            LessonText::ClosedFormAt.tr(lab.lang()),
            &[
                &t,
                &num(schedule.alpha_bar(t)),
                &num(x0),
                &num(q.mean),
                &num(q.variance),
            ],
        ));
    }
}
