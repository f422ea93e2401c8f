//! Lesson step 7: the shipped `moons` MLP turns noise into data. The reverse run is the
//! model's own (`model::inference::run_reverse` on a background job); this file keeps
//! its frames and draws them.

use super::text::LessonText;
use crate::app::LabContext;
use crate::app::denoiser::ModelSource;
use crate::app::jobs::Repaint;
use crate::app::keyed_job::{KeyedJob, ProgressThrottle};
use crate::diffusion::{TimestepSpacing, VarianceType};
use crate::egui;
use crate::model::data::Dataset;
use crate::model::inference::{Flow, ReverseOptions, Sampler, initial_noise, run_reverse};
use crate::model::{BackendKind, shipped};
use crate::ui::forward_step::group_thousands;
use crate::ui::i18n::{Text, fill};
use crate::ui::widgets::Scrubber;
use crate::ui::widgets::density::colors;
use egui_plot::{Corner, Legend, MarkerShape, Plot, PlotPoint, PlotPoints, Points};
use serde::{Deserialize, Serialize};

/// The shipped model the lesson runs.
pub const SHIPPED_MODEL: &str = "moons";
/// Points sampled per run: enough to see the moons, few enough to take about a second.
pub const SAMPLE_POINTS: usize = 500;
/// DDPM steps per run (trailing spacing over the model's T = 1000).
pub const REVERSE_STEPS: usize = 100;
/// Training-data points drawn behind the samples.
const DATA_POINTS: usize = 1_000;

/// True when this build embeds the lesson's model (the catalogue is parsed once).
fn model_is_shipped() -> bool {
    shipped::catalog().iter().any(|m| m.name == SHIPPED_MODEL)
}

/// One finished reverse run: the points after every step, and what made them.
pub struct DenoiseRun {
    pub model_name: String,
    pub num_params: usize,
    pub schedule_name: &'static str,
    pub train_steps: usize,
    pub points: usize,
    /// `frames[k]` = (t, points) after k reverse steps; `frames[0]` is the starting noise
    /// at t = T and the last frame is the sample at t = 0.
    pub frames: Vec<(usize, Vec<PlotPoint>)>,
    /// Fresh training data, drawn behind the samples.
    pub data: Vec<PlotPoint>,
    pub elapsed_ms: f64,
}

impl DenoiseRun {
    /// The number of reverse steps taken.
    pub fn steps(&self) -> usize {
        self.frames.len().saturating_sub(1)
    }
}

fn to_points(flat: &[f32]) -> Vec<PlotPoint> {
    flat.chunks_exact(2)
        .map(|p| PlotPoint::new(p[0] as f64, p[1] as f64))
        .filter(|p| p.x.is_finite() && p.y.is_finite())
        .collect()
}

/// Loads the shipped model and samples `n` points from noise with `seed` in
/// [`REVERSE_STEPS`] DDPM steps, keeping every step. `progress(done, total)` is called
/// after each step; `cancel` stops the run.
pub fn run_shipped_denoiser(
    backend: BackendKind,
    seed: u64,
    n: usize,
    cancel: &std::sync::atomic::AtomicBool,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<DenoiseRun> {
    let started = web_time::Instant::now();
    // The same embedded model the Image and Points panels list, on the app's backend.
    let model = ModelSource::Shipped(SHIPPED_MODEL.to_string()).load(backend)?;
    let item_len = model.domain().item_len();
    let options = ReverseOptions {
        sampler: Sampler::Ddpm {
            variance: VarianceType::FixedSmall,
        },
        steps: Some(REVERSE_STEPS),
        spacing: TimestepSpacing::Trailing,
        clip_x0: model.domain().clip_x0(),
        seed,
    };
    let t_max = model.schedule.num_steps();
    let x_t = initial_noise(n, item_len, seed);
    let mut frames = vec![(t_max, to_points(&x_t))];
    run_reverse(
        &model,
        &model.schedule,
        x_t,
        t_max,
        &options,
        Some(cancel),
        |frame| {
            frames.push((frame.prev, to_points(frame.x_prev)));
            progress(frame.index + 1, frame.total);
            Flow::Continue
        },
    )?;
    if cancel.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(crate::app::jobs::Cancelled.into());
    }
    let data = Dataset::open(&model.config.data)
        .map(|(d, _)| to_points(&d.generate(seed ^ 0xDA7A, DATA_POINTS)))
        .unwrap_or_default();
    Ok(DenoiseRun {
        model_name: SHIPPED_MODEL.to_string(),
        num_params: model.num_params(),
        schedule_name: model.config.schedule.kind.diffusers_name(),
        train_steps: t_max,
        points: n,
        frames,
        data,
        elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// The step's state: the seed and the frame shown persist; runs are caches.
#[derive(Serialize, Deserialize)]
#[serde(default)]
pub struct DenoiserDemo {
    pub seed: u64,
    /// Which frame is shown: the number of reverse steps taken (0 = pure noise).
    pub frame: Scrubber,
    #[serde(skip)]
    job: KeyedJob<u64, DenoiseRun>,
    #[serde(skip)]
    seen: Option<u64>,
}

impl Default for DenoiserDemo {
    fn default() -> Self {
        let mut frame = Scrubber::new(REVERSE_STEPS);
        frame.speed = 25.0;
        Self {
            seed: 1,
            frame,
            job: KeyedJob::new("lesson-denoiser"),
            seen: None,
        }
    }
}

impl DenoiserDemo {
    /// Starts the run for the current seed unless it exists or is running.
    pub fn request(&mut self, repaint: Repaint, backend: BackendKind) {
        if !model_is_shipped() {
            return;
        }
        let seed = self.seed;
        self.job.request(&seed, repaint, move |ctx| {
            let mut throttle = ProgressThrottle::default();
            let cancel = ctx.cancel_flag();
            run_shipped_denoiser(backend, seed, SAMPLE_POINTS, &cancel, |done, total| {
                if throttle.due() {
                    ctx.set_progress(done as u64, total as u64, "");
                }
            })
        });
        // A new run arrived: show its end (the samples); the learner scrubs back.
        if self.job.latest_key() != self.seen.as_ref() {
            self.seen = self.job.latest_key().copied();
            if let Some(run) = self.job.latest() {
                self.frame.t = run.steps();
                self.frame.playing = false;
            }
        }
    }

    /// The latest finished run.
    pub fn run(&self) -> Option<&std::sync::Arc<DenoiseRun>> {
        self.job.latest()
    }

    /// True while a run is in flight.
    pub fn is_running(&self) -> bool {
        self.job.is_running()
    }

    /// Blocks until the run in flight ends. Tests only.
    pub fn finish_background_work(&mut self) {
        self.job.wait();
    }

    /// Buttons, model line, frame scrubber and the scatter plot.
    pub fn ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, plot_size: f32) {
        let lang = lab.lang();
        if !model_is_shipped() {
            ui.colored_label(
                ui.visuals().error_fg_color,
                fill(LessonText::ModelMissing.tr(lang), &[&SHIPPED_MODEL]),
            );
            return;
        }
        ui.horizontal(|ui| {
            let running = self.job.is_running();
            if ui
                .add_enabled(
                    !running,
                    egui::Button::new(LessonText::SampleAgain.tr(lang)),
                )
                .clicked()
            {
                self.seed = self.seed.wrapping_add(1);
            }
            if let Some(p) = self.job.progress() {
                let text = if p.total == 0 {
                    LessonText::Starting.tr(lang).to_string()
                } else {
                    fill(LessonText::Denoising.tr(lang), &[&p.done, &p.total])
                };
                ui.add(
                    egui::ProgressBar::new(p.fraction())
                        .desired_width(260.0)
                        .text(text),
                );
            }
        });
        if let Some(e) = self.job.error() {
            ui.colored_label(
                ui.visuals().error_fg_color,
                fill(LessonText::RunFailed.tr(lang), &[&e]),
            );
        }
        let Some(run) = self.job.latest().cloned() else {
            ui.add_space(plot_size);
            return;
        };
        ui.add(
            egui::Label::new(fill(
                LessonText::ModelLine.tr(lang),
                &[
                    &run.model_name,
                    &group_thousands(run.num_params),
                    &run.schedule_name,
                    &run.train_steps,
                    &run.points,
                    &run.steps(),
                ],
            ))
            .wrap(),
        )
        .on_hover_text(fill(
            LessonText::Timing.tr(lang),
            &[&format!("{:.0}", run.elapsed_ms)],
        ));
        let steps = run.steps().max(1);
        self.frame
            .ui(ui, LessonText::ReverseStep.tr(lang), 0, steps, lang);
        let k = self.frame.t.min(run.frames.len().saturating_sub(1));
        let Some((t, points)) = run.frames.get(k) else {
            return;
        };
        ui.label(fill(LessonText::FrameLine.tr(lang), &[&k, &steps, t]));
        Plot::new("lesson-denoiser")
            .width(plot_size)
            .height(plot_size)
            .data_aspect(1.0)
            .include_x(-2.5)
            .include_x(2.5)
            .include_y(-2.5)
            .include_y(2.5)
            .allow_scroll(false)
            .legend(Legend::default().position(Corner::LeftTop))
            .show(ui, |plot| {
                plot.points(
                    Points::new(
                        LessonText::TrainingData.tr(lang),
                        PlotPoints::Borrowed(&run.data),
                    )
                    .color(egui::Color32::from_rgba_unmultiplied(150, 150, 150, 150))
                    .shape(MarkerShape::Circle)
                    .radius(2.5),
                );
                plot.points(
                    Points::new(
                        fill(LessonText::Samples.tr(lang), &[t]),
                        PlotPoints::Borrowed(points),
                    )
                    .color(colors::PRIMARY)
                    .shape(MarkerShape::Circle)
                    .radius(1.8),
                );
            });
    }
}
