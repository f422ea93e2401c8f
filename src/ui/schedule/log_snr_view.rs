//! The Schedule panel's log-SNR view: λ(t) with a sampler's noise levels on it (Karras
//! σ's, a resolution shift), the density of λ that a uniform t implies, the weight each
//! training objective puts on the ε-error, and their product, the effective weighting of
//! the noise levels (Kingma & Gao 2023), for the schedules on show.

use super::text::SchedText;
use super::{PALETTE, Shown};
use crate::app::Lang;
use crate::diffusion::log_snr_weighting::{Objective, effective_weighting, log_snr_density};
use crate::diffusion::samplers::sigmas::{MAX_SHIFT, MIN_SHIFT};
use crate::diffusion::samplers::{OdeSampler, SigmaOptions, sampling_schedule};
use crate::diffusion::{Schedule, ScheduleSpec, TimestepSpacing};
use crate::egui::{self, Color32, Vec2};
use crate::ui::i18n::{Text, fill};
use egui_plot::{Corner, Legend, Line, MarkerShape, Plot, PlotPoints, Points};
use serde::{Deserialize, Serialize};

/// What the view shows; persisted with the panel.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSnrView {
    /// Show this view in place of the four schedule plots.
    pub on: bool,
    /// γ of min-SNR-γ.
    pub gamma: f64,
    /// Whose noise levels are drawn on λ(t).
    pub sampler: OdeSampler,
    pub steps: usize,
    pub karras: bool,
    pub shift: f64,
    #[serde(skip)]
    cache: Option<(CacheKey, ViewData)>,
}

impl Default for LogSnrView {
    fn default() -> Self {
        Self {
            on: false,
            gamma: 5.0,
            sampler: OdeSampler::Euler,
            steps: 20,
            karras: false,
            shift: 1.0,
            cache: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct CacheKey {
    specs: Vec<(usize, String, ScheduleSpec)>,
    gamma: f64,
    sampler: OdeSampler,
    steps: usize,
    karras: bool,
    shift: f64,
}

/// One shown schedule's curves.
#[derive(Clone, Debug, Default)]
struct Curves {
    slot: usize,
    name: String,
    /// (t, λ_t).
    lambda: Vec<[f64; 2]>,
    /// (λ, p(λ)).
    density: Vec<[f64; 2]>,
}

/// Everything drawn, derived from the key.
#[derive(Clone, Debug, Default)]
pub struct ViewData {
    curves: Vec<Curves>,
    /// The sampler's levels on the first schedule: (t, λ) of each σ > 0.
    levels: Vec<[f64; 2]>,
    /// Why the levels could not be made.
    levels_problem: Option<String>,
    /// (λ, log10 factor) per objective, over the first schedule's λ range.
    factors: Vec<(Objective, Vec<[f64; 2]>)>,
    /// (λ, log10 p·factor) per objective, on the first schedule.
    effective: Vec<(Objective, Vec<[f64; 2]>)>,
}

fn objectives(gamma: f64) -> [Objective; 4] {
    [
        Objective::Epsilon,
        Objective::Sample,
        Objective::VPrediction,
        Objective::MinSnr { gamma },
    ]
}

fn objective_name(o: Objective, lang: Lang) -> String {
    match o {
        Objective::Epsilon => SchedText::LvEps.tr(lang).to_string(),
        Objective::Sample => SchedText::LvX0.tr(lang).to_string(),
        Objective::VPrediction => SchedText::LvV.tr(lang).to_string(),
        Objective::MinSnr { gamma } => fill(SchedText::LvMinSnr.tr(lang), &[&gamma]),
    }
}

fn objective_color(o: Objective) -> Color32 {
    match o {
        Objective::Epsilon => Color32::from_rgb(66, 146, 230),
        Objective::Sample => Color32::from_rgb(238, 134, 40),
        Objective::VPrediction => Color32::from_rgb(60, 170, 90),
        Objective::MinSnr { .. } => Color32::from_rgb(210, 80, 160),
    }
}

fn sampler_name(s: OdeSampler, lang: Lang) -> &'static str {
    match s {
        OdeSampler::Euler => SchedText::LvEuler.tr(lang),
        OdeSampler::Heun => SchedText::LvHeun.tr(lang),
        OdeSampler::DpmSolverPlusPlus2M => SchedText::LvDpm.tr(lang),
    }
}

/// log10 of the positive, finite values (the weights span many decades).
fn log10_points(points: impl Iterator<Item = (f64, f64)>) -> Vec<[f64; 2]> {
    points
        .filter(|(x, y)| x.is_finite() && y.is_finite() && *y > 0.0)
        .map(|(x, y)| [x, y.log10()])
        .collect()
}

impl ViewData {
    fn compute(key: &CacheKey) -> Self {
        let schedules: Vec<(usize, String, Schedule)> = key
            .specs
            .iter()
            .filter_map(|(slot, name, spec)| spec.build().ok().map(|s| (*slot, name.clone(), s)))
            .collect();
        let curves = schedules
            .iter()
            .map(|(slot, name, s)| Curves {
                slot: *slot,
                name: name.clone(),
                lambda: (1..=s.num_steps())
                    .filter_map(|t| s.log_snr_finite(t).map(|l| [t as f64, l]))
                    .collect(),
                density: log_snr_density(s)
                    .into_iter()
                    .map(|(l, p)| [l, p])
                    .collect(),
            })
            .collect();
        let mut data = ViewData {
            curves,
            ..Default::default()
        };
        let Some((_, _, first)) = schedules.first() else {
            return data;
        };
        let options = SigmaOptions {
            karras: key.karras,
            shift: key.shift,
        };
        match sampling_schedule(
            first,
            key.sampler,
            key.steps,
            TimestepSpacing::Linspace,
            options,
        ) {
            Ok(plan) => {
                data.levels = plan
                    .levels()
                    .iter()
                    .filter(|l| l.sigma > 0.0)
                    .map(|l| [l.t, l.log_snr()])
                    .collect();
            }
            Err(e) => data.levels_problem = Some(e.to_string()),
        }
        let lambdas: Vec<f64> = (1..=first.num_steps())
            .filter_map(|t| first.log_snr_finite(t))
            .collect();
        let lo = lambdas.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = lambdas.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for o in objectives(key.gamma) {
            let grid = (0..200).map(|i| lo + (hi - lo) * i as f64 / 199.0);
            data.factors
                .push((o, log10_points(grid.map(|l| (l, o.factor(l))))));
            data.effective
                .push((o, log10_points(effective_weighting(first, o).into_iter())));
        }
        data
    }
}

fn plot(id: &str, size: Vec2) -> Plot<'_> {
    Plot::new(id)
        .width(size.x)
        .height(size.y)
        .allow_scroll(false)
        .y_axis_min_width(36.0)
        .legend(
            Legend::default()
                .position(Corner::RightTop)
                .follow_insertion_order(true),
        )
}

impl LogSnrView {
    fn key(&self, shown: &[Shown<'_>]) -> CacheKey {
        CacheKey {
            specs: shown
                .iter()
                .map(|s| (s.slot, s.name.clone(), s.spec.clone()))
                .collect(),
            gamma: self.gamma,
            sampler: self.sampler,
            steps: self.steps,
            karras: self.karras,
            shift: self.shift,
        }
    }

    /// The data for `shown` (recomputed only when it or the settings change).
    pub fn data(&mut self, shown: &[Shown<'_>]) -> &ViewData {
        let key = self.key(shown);
        let cache = match self.cache.take() {
            Some((k, data)) if k == key => (k, data),
            _ => {
                let data = ViewData::compute(&key);
                (key, data)
            }
        };
        &self.cache.insert(cache).1
    }

    /// The controls and the four plots, each `size`.
    pub fn ui(&mut self, ui: &mut egui::Ui, lang: Lang, shown: &[Shown<'_>], size: Vec2) {
        ui.horizontal_wrapped(|ui| {
            egui::ComboBox::from_label(SchedText::LvSampler.tr(lang))
                .selected_text(sampler_name(self.sampler, lang))
                .show_ui(ui, |ui| {
                    for s in OdeSampler::ALL {
                        ui.selectable_value(&mut self.sampler, s, sampler_name(s, lang));
                    }
                });
            let steps_label = ui.label(SchedText::LvSteps.tr(lang));
            ui.add(
                egui::DragValue::new(&mut self.steps)
                    .range(1..=1000)
                    .speed(1.0),
            )
            .labelled_by(steps_label.id);
            ui.checkbox(&mut self.karras, SchedText::LvKarras.tr(lang));
            let shift_label = ui.label(SchedText::LvShift.tr(lang));
            ui.add(
                egui::DragValue::new(&mut self.shift)
                    .range(MIN_SHIFT..=MAX_SHIFT)
                    .speed(0.02)
                    .max_decimals(3),
            )
            .labelled_by(shift_label.id);
            let gamma_label = ui.label(SchedText::LvGamma.tr(lang));
            ui.add(
                egui::DragValue::new(&mut self.gamma)
                    .range(0.1..=100.0)
                    .speed(0.1),
            )
            .labelled_by(gamma_label.id);
        });
        let sampler = sampler_name(self.sampler, lang).to_string();
        let steps = self.steps;
        let data = self.data(shown).clone();
        if let Some(problem) = &data.levels_problem {
            ui.colored_label(ui.visuals().warn_fg_color, problem);
        }
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.label(SchedText::LvLambda.tr(lang));
                plot("schedule-logsnr-lambda", size).show(ui, |pui| {
                    for c in &data.curves {
                        pui.line(
                            Line::new(c.name.as_str(), PlotPoints::from(c.lambda.clone()))
                                .color(PALETTE[c.slot.min(PALETTE.len() - 1)]),
                        );
                    }
                    let name = fill(SchedText::LvLevels.tr(lang), &[&sampler, &steps]);
                    pui.points(
                        Points::new(name, PlotPoints::from(data.levels.clone()))
                            .shape(MarkerShape::Circle)
                            .radius(3.5)
                            .filled(true)
                            .color(Color32::from_rgb(220, 60, 60)),
                    );
                });
            });
            ui.vertical(|ui| {
                ui.label(SchedText::LvDensity.tr(lang));
                plot("schedule-logsnr-density", size).show(ui, |pui| {
                    for c in &data.curves {
                        pui.line(
                            Line::new(c.name.as_str(), PlotPoints::from(c.density.clone()))
                                .color(PALETTE[c.slot.min(PALETTE.len() - 1)]),
                        );
                    }
                });
            });
        });
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.label(SchedText::LvFactor.tr(lang));
                plot("schedule-logsnr-factor", size).show(ui, |pui| {
                    for (o, pts) in &data.factors {
                        pui.line(
                            Line::new(objective_name(*o, lang), PlotPoints::from(pts.clone()))
                                .color(objective_color(*o)),
                        );
                    }
                });
            });
            ui.vertical(|ui| {
                let first = data.curves.first().map_or("", |c| c.name.as_str());
                ui.label(fill(SchedText::LvEffective.tr(lang), &[&first]));
                plot("schedule-logsnr-effective", size).show(ui, |pui| {
                    for (o, pts) in &data.effective {
                        pui.line(
                            Line::new(objective_name(*o, lang), PlotPoints::from(pts.clone()))
                                .color(objective_color(*o)),
                        );
                    }
                });
            });
        });
    }
}
