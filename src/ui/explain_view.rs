//! "How much of the network is exact?" — a section of the Points and Image panels: r²(t) of
//! the ideal and of the Gaussian denoiser of the training data against the network's x̂0,
//! over a noised held-out batch ([`crate::model::analytic::explained_curves`]), measured on a background job when
//! the user asks.
//!
//! Near t = 0 every denoiser returns x_t, so both explain almost everything; at large t
//! both return about the data mean. In between the curves say what the network learnt: a
//! network close to the Gaussian curve has learnt little more than the data's mean and
//! covariance; one close to the ideal curve has memorised its training set.

use crate::app::Lang;
use crate::app::jobs::{self, JobContext, JobHandle, JobOutcome, Step};
use crate::diffusion::Schedule;
use crate::egui::{self, Color32};
use crate::model::analytic::{AnalyticFit, ExplainRun, ExplainedCurve, explain_timesteps};
use crate::model::checkpoint::Checkpoint;
use crate::model::data::DataDomain;
use crate::ui::denoiser_view::repaint_of;
use crate::ui::i18n::{Text, fill};
use egui_plot::{HLine, Line, MarkerShape, Plot, PlotPoints, Points};
use std::sync::Arc;

/// r² values are drawn clamped from below at this: far below 0 they only say "unrelated".
pub const R2_FLOOR: f64 = -1.0;

crate::i18n_table! {
    /// Text of the r² section.
    pub enum ExplainText {
        Title => "How much of the network is exact? r² of the exact denoisers against its x̂₀", "신경망의 몇 %가 정확한 답인가? 정확한 디노이저와 신경망 x̂₀의 r²";
        Note => "For each t, a held-out batch is noised to xₜ and denoised by the network and by two exact denoisers of the training data: the ideal one (the exact best answer for that finite set: it memorises) and the Gaussian one (only the data's mean and covariance{0}). r² = 1 − Σ‖x̂₀(exact) − x̂₀(network)‖² / Σ‖x̂₀(network) − its mean‖²: 1 means the exact denoiser says all the network says. Near t = 0 and near T every denoiser agrees; in between, a network near the ideal curve has memorised, one near the Gaussian curve has learnt little beyond the covariance.", "각 t에서 따로 떼어 둔 묶음에 노이즈를 넣어 xₜ를 만들고, 신경망과 학습 데이터의 정확한 디노이저 두 개로 복원합니다: 이상적 디노이저(그 유한 집합에 대한 정확한 최선의 답: 외워 버림)와 가우시안 디노이저(데이터의 평균과 공분산만 앎{0}). r² = 1 − Σ‖x̂₀(정확) − x̂₀(신경망)‖² / Σ‖x̂₀(신경망) − 평균‖²: 1이면 정확한 디노이저가 신경망이 말하는 것을 모두 말합니다. t ≈ 0과 t ≈ T에서는 모두 같고, 그 사이에서 이상적 곡선에 가까운 신경망은 외운 것이고, 가우시안 곡선에 가까운 신경망은 공분산 이상을 거의 배우지 못한 것입니다.";
        PerPixel => "; for images per pixel, a diagonal covariance", "; 이미지는 픽셀마다, 대각 공분산";
        ImagesNote => "For pictures the ideal curve starts low: a held-out picture lies far from every training picture in hundreds of dimensions, so even at t = 1 the ideal denoiser answers with the nearest training picture while the network answers with (nearly) xₜ. That gap is the network generalising.", "그림에서는 이상적 곡선이 낮게 시작합니다: 수백 차원에서 따로 둔 그림은 모든 학습 그림과 멀리 떨어져 있어, t = 1에서도 이상적 디노이저는 가장 가까운 학습 그림을 답하고 신경망은 (거의) xₜ를 답합니다. 그 차이가 신경망의 일반화입니다.";
        Measure => "Measure r²", "r² 재기";
        Cancel => "Cancel", "취소";
        NeedModel => "Pick or train a model first.", "먼저 모델을 고르거나 학습하세요.";
        Failed => "The measurement failed: {0}", "측정에 실패했습니다: {0}";
        Stale => "Measured for another model or data; measure again.", "다른 모델이나 데이터로 잰 값입니다. 다시 재세요.";
        Ideal => "ideal denoiser of the training data", "학습 데이터의 이상적 디노이저";
        Gaussian => "Gaussian denoiser (mean and covariance)", "가우시안 디노이저 (평균과 공분산)";
        Axes => "x: t · y: r² (drawn from −1; 1 = fully explained)", "x: t · y: r² (−1부터 그림; 1 = 완전히 설명)";
        Summary => "{0} training items, {1} held-out items, {2} timesteps", "학습 항목 {0}개, 따로 둔 항목 {1}개, 시점 {2}개";
    }
}

/// What a measurement is about: the caller's hash of (model, data); a result for another
/// key is shown as stale.
pub type ExplainKey = u64;

/// A finished measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct ExplainResult {
    pub key: ExplainKey,
    pub curves: Vec<ExplainedCurve>,
    pub train_items: usize,
    pub held_out_items: usize,
}

/// What to measure: the model, its training data and a held-out batch.
pub struct ExplainInput {
    pub key: ExplainKey,
    pub model: Arc<Checkpoint>,
    pub schedule: Schedule,
    pub train: Arc<Vec<f32>>,
    pub held_out: Vec<f32>,
    pub domain: DataDomain,
    pub seed: u64,
}

/// The section's state (not persisted: a measurement is redone on demand).
#[derive(Default)]
pub struct ExplainView {
    job: Option<(ExplainKey, JobHandle<(), ExplainResult>)>,
    result: Option<ExplainResult>,
    error: Option<String>,
}

fn color(fit: AnalyticFit) -> Color32 {
    match fit {
        AnalyticFit::Ideal => Color32::from_rgb(210, 80, 160),
        AnalyticFit::Gaussian => Color32::from_rgb(60, 170, 90),
    }
}

fn fit_name(fit: AnalyticFit, lang: Lang) -> &'static str {
    match fit {
        AnalyticFit::Ideal => ExplainText::Ideal.tr(lang),
        AnalyticFit::Gaussian => ExplainText::Gaussian.tr(lang),
    }
}

impl ExplainView {
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    pub fn result(&self) -> Option<&ExplainResult> {
        self.result.as_ref()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Starts a measurement (a running one is cancelled).
    pub fn start(&mut self, input: ExplainInput, repaint: jobs::Repaint) {
        self.cancel();
        self.error = None;
        let key = input.key;
        // One point per step: progress shows, Cancel stops between points, and in a web
        // page the measurement shares the page's thread without freezing it.
        let job = jobs::spawn_steps(
            "explain-r2",
            repaint,
            move |_ctx: &JobContext<()>| {
                let timesteps = explain_timesteps(input.schedule.num_steps());
                let run = ExplainRun::new(&input.schedule, &input.train, input.domain, &timesteps)?;
                Ok((input, run))
            },
            |(input, run): &mut (ExplainInput, ExplainRun), ctx: &JobContext<()>| {
                if ctx.is_cancelled() {
                    return Err(jobs::Cancelled.into());
                }
                run.step(
                    input.model.as_ref(),
                    &input.schedule,
                    &input.held_out,
                    input.seed,
                )?;
                ctx.set_progress(run.points_done() as u64, run.total_points() as u64, "");
                if !run.is_done() {
                    return Ok(Step::More);
                }
                let item_len = input.domain.item_len().max(1);
                let curves = run.take_curves();
                Ok(Step::Done(ExplainResult {
                    key: input.key,
                    curves,
                    train_items: input.train.len() / item_len,
                    held_out_items: input.held_out.len() / item_len,
                }))
            },
        );
        self.job = Some((key, job));
    }

    /// Starts a measurement of `input` when there is one; false when there is not (no
    /// model yet).
    pub fn start_if(&mut self, input: Option<ExplainInput>, repaint: jobs::Repaint) -> bool {
        match input {
            Some(input) => {
                self.start(input, repaint);
                true
            }
            None => false,
        }
    }

    pub fn cancel(&mut self) {
        if let Some((_, job)) = self.job.take() {
            job.cancel();
        }
    }

    fn accept(&mut self, outcome: JobOutcome<ExplainResult>) {
        match outcome {
            JobOutcome::Finished(r) => self.result = Some(r),
            JobOutcome::Cancelled => {}
            JobOutcome::Failed(e) => self.error = Some(e),
        }
    }

    /// Takes a finished job's result (once a frame).
    pub fn poll(&mut self) {
        if let Some((_, job)) = self.job.as_mut()
            && let Some(outcome) = job.poll()
        {
            self.job = None;
            self.accept(outcome);
        }
    }

    /// Blocks until a running measurement ends (tests).
    pub fn finish_blocking(&mut self) {
        if let Some((_, job)) = self.job.take() {
            let outcome = job.wait();
            self.accept(outcome);
        }
    }

    /// The section. `input` builds what to measure when the user presses Measure (`None`:
    /// no model yet); `current` is the key of what is on screen now; `images` words the
    /// Gaussian denoiser as per-pixel.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        current: Option<ExplainKey>,
        images: bool,
        input: impl FnOnce() -> Option<ExplainInput>,
    ) {
        self.poll();
        ui.strong(ExplainText::Title.tr(lang));
        let per_pixel = if images {
            ExplainText::PerPixel.tr(lang)
        } else {
            ""
        };
        ui.label(fill(ExplainText::Note.tr(lang), &[&per_pixel]));
        if images {
            ui.label(ExplainText::ImagesNote.tr(lang));
        }
        ui.horizontal(|ui| {
            let can = current.is_some() && !self.is_running();
            if ui
                .add_enabled(can, egui::Button::new(ExplainText::Measure.tr(lang)))
                .clicked()
                && let Some(input) = input()
            {
                self.start(input, repaint_of(ui.ctx()));
            }
            if self.is_running() {
                ui.spinner();
                if ui.button(ExplainText::Cancel.tr(lang)).clicked() {
                    self.cancel();
                }
            }
            if current.is_none() {
                ui.weak(ExplainText::NeedModel.tr(lang));
            }
        });
        if let Some(e) = &self.error {
            ui.colored_label(
                ui.visuals().error_fg_color,
                fill(ExplainText::Failed.tr(lang), &[e]),
            );
        }
        let Some(result) = &self.result else {
            return;
        };
        if current != Some(result.key) {
            ui.colored_label(ui.visuals().warn_fg_color, ExplainText::Stale.tr(lang));
        }
        ui.weak(fill(
            ExplainText::Summary.tr(lang),
            &[
                &result.train_items,
                &result.held_out_items,
                &result.curves.first().map_or(0, |c| c.points.len()),
            ],
        ));
        ui.label(ExplainText::Axes.tr(lang));
        // The key above the plot, not in it: both curves run along r² = 1 where a legend
        // would sit.
        ui.horizontal_wrapped(|ui| {
            for c in &result.curves {
                ui.colored_label(color(c.fit), format!("● {}", fit_name(c.fit, lang)));
            }
        });
        Plot::new(("explain-r2", images))
            .height(220.0)
            .width(ui.available_width().min(520.0))
            .allow_scroll(false)
            .include_y(R2_FLOOR)
            .include_y(1.05)
            .show(ui, |pui| {
                // Under the curves: a curve that explains everything runs along it.
                pui.hline(HLine::new("r² = 1", 1.0).color(Color32::from_gray(110)));
                for c in &result.curves {
                    let pts = plotted(c);
                    let name = fit_name(c.fit, lang);
                    pui.line(Line::new(name, PlotPoints::from(pts.clone())).color(color(c.fit)));
                    pui.points(
                        Points::new(name, PlotPoints::from(pts))
                            .shape(MarkerShape::Circle)
                            .radius(3.0)
                            .color(color(c.fit)),
                    );
                }
            });
    }
}

/// The points of a curve as drawn: finite r² only, clamped from below at [`R2_FLOOR`].
pub fn plotted(curve: &ExplainedCurve) -> Vec<[f64; 2]> {
    curve
        .points
        .iter()
        .filter_map(|&(t, r2)| {
            let r2 = r2.filter(|v| v.is_finite())?;
            Some([t as f64, r2.max(R2_FLOOR)])
        })
        .collect()
}
