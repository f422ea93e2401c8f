//! Drawing the Forward-step panel: inputs, the density plot, the particle chain and the
//! worked example.

use super::*;

impl ForwardStepPanel {
    pub fn forward_step_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        self.keep_inputs_in_range();
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
        self.keep_inputs_in_range();
        let schedule = lab.schedule.clone();
        ui.spacing_mut().slider_width = (ui.available_width() - 200.0).clamp(120.0, 360.0);
        ui.add(
            egui::Slider::new(&mut self.x_prev, X_PREV_RANGE)
                .custom_parser(crate::ui::widgets::finite_number)
                .text(FwdText::XPrev.tr(lang)),
        );
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
        ui.add(
            egui::Slider::new(&mut self.eps, EPS_RANGE)
                .custom_parser(crate::ui::widgets::finite_number)
                .text(FwdText::Eps.tr(lang)),
        );
    }

    /// The density of q(x_t|x_{t−1}) with its mean, x_{t−1} and the sample x_t marked.
    pub fn density_plot_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        self.keep_inputs_in_range();
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
        let frame = density_plot("forward-step-density", height, Corner::LeftTop);
        keep_in_view(frame, &[&p.curve]).show(ui, |plot| {
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
            ui.add(
                egui::DragValue::new(&mut self.chain.seed)
                    .custom_parser(crate::ui::widgets::finite_number)
                    .speed(1.0),
            )
            .labelled_by(seed_label.id);
            if ui.button(FwdText::Reroll.tr(lang)).clicked() {
                self.chain.seed = next_seed(self.chain.seed);
            }
            ui.separator();
            let x0_label = ui.label(FwdText::StartX0.tr(lang));
            ui.add(
                egui::DragValue::new(&mut self.chain.x0)
                    .custom_parser(crate::ui::widgets::finite_number)
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
    egui::Slider::new(beta, BETA_RANGE)
        .custom_parser(crate::ui::widgets::finite_number)
        .logarithmic(true)
        .text(label.to_string())
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
