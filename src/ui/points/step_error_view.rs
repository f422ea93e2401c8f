//! "Why small steps", measured, in the Points panel: with the exact score of a 2-D mixture
//! (no network, so no model error), the sliced W2 distance of the samples to the mixture
//! against the number of steps, one curve per sampler, on the panel's schedule.

use super::text::PtsText;
use crate::app::Lang;
use crate::app::jobs::{self, JobContext, JobHandle, JobOutcome, Step};
use crate::diffusion::analytic::IsotropicMixture2d;
use crate::diffusion::analytic::sliced_w2;
use crate::diffusion::samplers::OdeSampler;
use crate::diffusion::{Schedule, VarianceType};
use crate::egui::{self, Color32};
use crate::model::inference::Sampler;
use crate::model::step_error::{StepErrorCurve, StepErrorRequest, StepErrorRun, mixture_samples};
use crate::ui::denoiser_view::repaint_of;
use crate::ui::i18n::{Text, fill};
use egui_plot::{HLine, Legend, Line, MarkerShape, Plot, PlotPoints, Points};

/// Eight Gaussians on a ring of radius 0.8 (std 0.08): well separated modes, which a
/// sampler with too few steps smears.
pub const RING_MIXTURE: &str = "1:0.8:0:0.08,1:0.566:0.566:0.08,1:0:0.8:0.08,1:-0.566:0.566:0.08,1:-0.8:0:0.08,1:-0.566:-0.566:0.08,1:0:-0.8:0.08,1:0.566:-0.566:0.08";
/// Step counts measured.
pub const STEP_COUNTS: [usize; 6] = [2, 5, 10, 20, 50, 100];
/// Samples per point of a curve.
pub const SAMPLES: usize = 1000;

/// The curves and the floor: SW2 of as many exact draws.
#[derive(Clone, Debug, PartialEq)]
pub struct StepErrorResult {
    pub curves: Vec<StepErrorCurve>,
    pub floor: f64,
}

/// The section's state (not persisted: a measurement is redone on demand).
#[derive(Default)]
pub struct StepErrorView {
    job: Option<JobHandle<(), StepErrorResult>>,
    result: Option<StepErrorResult>,
    error: Option<String>,
}

fn samplers() -> Vec<Sampler> {
    vec![
        Sampler::Ddpm {
            variance: VarianceType::FixedSmall,
        },
        Sampler::Ddim { eta: 0.0 },
        Sampler::ode(OdeSampler::Euler),
        Sampler::ode(OdeSampler::Heun),
        Sampler::ode(OdeSampler::DpmSolverPlusPlus2M),
    ]
}

fn color(i: usize) -> Color32 {
    const COLORS: [Color32; 5] = [
        Color32::from_rgb(66, 146, 230),
        Color32::from_rgb(238, 134, 40),
        Color32::from_rgb(60, 170, 90),
        Color32::from_rgb(210, 80, 160),
        Color32::from_rgb(150, 110, 220),
    ];
    COLORS[i % COLORS.len()]
}

impl StepErrorView {
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    pub fn result(&self) -> Option<&StepErrorResult> {
        self.result.as_ref()
    }

    /// Why the last measurement failed.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Starts a measurement on `schedule`.
    pub fn start(&mut self, schedule: Schedule, repaint: jobs::Repaint) {
        let Ok(mixture) = RING_MIXTURE.parse::<IsotropicMixture2d>() else {
            return;
        };
        self.error = None;
        // One point per step: Cancel stops between points, and in a web page the
        // measurement shares the page's thread without freezing it.
        self.job = Some(jobs::spawn_steps(
            "step-error",
            repaint,
            move |_ctx: &JobContext<()>| {
                let request = StepErrorRequest {
                    mixture: mixture.clone(),
                    schedule,
                    samplers: samplers(),
                    steps: STEP_COUNTS.to_vec(),
                    n: SAMPLES,
                    seed: 0,
                    directions: 32,
                };
                Ok((mixture, StepErrorRun::new(request)))
            },
            |(mixture, run): &mut (IsotropicMixture2d, StepErrorRun), ctx: &JobContext<()>| {
                if ctx.is_cancelled() {
                    return Err(jobs::Cancelled.into());
                }
                let cancel = ctx.cancel_flag();
                run.step(Some(&cancel))?;
                ctx.set_progress(run.points_done() as u64, run.total_points() as u64, "");
                if !run.is_done() {
                    return Ok(Step::More);
                }
                let floor = sliced_w2(&mixture_samples(mixture, SAMPLES, 0), mixture, 32)?;
                Ok(Step::Done(StepErrorResult {
                    curves: run.take_curves(),
                    floor,
                }))
            },
        ));
    }

    /// Takes a finished job's result.
    pub fn poll(&mut self) {
        if let Some(job) = self.job.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.job = None;
            match outcome {
                JobOutcome::Finished(r) => self.result = Some(r),
                JobOutcome::Cancelled => {}
                JobOutcome::Failed(e) => self.error = Some(e),
            }
        }
    }

    /// Blocks until a running measurement ends (tests).
    pub fn finish_blocking(&mut self) {
        if let Some(job) = self.job.take() {
            match job.wait() {
                JobOutcome::Finished(r) => self.result = Some(r),
                JobOutcome::Cancelled => {}
                JobOutcome::Failed(e) => self.error = Some(e),
            }
        }
    }

    /// The section: a note, the Measure button and the plot.
    pub fn ui(&mut self, ui: &mut egui::Ui, lang: Lang, schedule: &Schedule) {
        self.poll();
        ui.strong(PtsText::WhySmallSteps.tr(lang));
        ui.scope(|ui| {
            ui.label(PtsText::WhySmallStepsNote.tr(lang));
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(
                        !self.is_running(),
                        egui::Button::new(PtsText::Measure.tr(lang)),
                    )
                    .clicked()
                {
                    self.start(schedule.clone(), repaint_of(ui.ctx()));
                }
                if self.is_running() {
                    ui.spinner();
                }
            });
            if let Some(e) = &self.error {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    fill(PtsText::MeasureFailed.tr(lang), &[e]),
                );
            }
            let Some(result) = &self.result else {
                return;
            };
            ui.label(PtsText::StepErrorAxes.tr(lang));
            Plot::new("points-step-error")
                .height(260.0)
                .width(ui.available_width().min(520.0))
                .allow_scroll(false)
                .legend(Legend::default())
                .show(ui, |pui| {
                    for (i, c) in result.curves.iter().enumerate() {
                        let pts: Vec<[f64; 2]> = c
                            .points
                            .iter()
                            .filter(|(_, d)| *d > 0.0 && d.is_finite())
                            .map(|&(k, d)| [(k as f64).log10(), d.log10()])
                            .collect();
                        let name = c.sampler.label();
                        pui.line(
                            Line::new(name.clone(), PlotPoints::from(pts.clone())).color(color(i)),
                        );
                        pui.points(
                            Points::new(name, PlotPoints::from(pts))
                                .shape(MarkerShape::Circle)
                                .radius(3.0)
                                .color(color(i)),
                        );
                    }
                    if result.floor > 0.0 {
                        pui.hline(
                            HLine::new(PtsText::ExactFloor.tr(lang), result.floor.log10())
                                .color(ui_gray()),
                        );
                    }
                });
        });
    }
}

fn ui_gray() -> Color32 {
    Color32::from_gray(140)
}
