//! Drawing the Posterior panel: the mixture editor, walk controls, the posterior plot,
//! readouts and the curves over t.

use super::*;

impl PosteriorPanel {
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
                            .custom_parser(crate::ui::widgets::finite_number)
                            .range(0.0..=100.0)
                            .speed(0.01)
                            .max_decimals(4),
                    )
                    .accessible_name(format!("{} {n}", PostText::Weight.tr(lang)));
                    ui.add(
                        egui::DragValue::new(&mut c.mean)
                            .custom_parser(crate::ui::widgets::finite_number)
                            .range(-5.0..=5.0)
                            .speed(0.01)
                            .max_decimals(4),
                    )
                    .accessible_name(format!("{} {n}", PostText::MeanCol.tr(lang)));
                    ui.add(
                        egui::DragValue::new(&mut c.std)
                            .custom_parser(crate::ui::widgets::finite_number)
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
        ui.add(
            egui::Slider::new(&mut self.x_t, -4.0..=4.0)
                .custom_parser(crate::ui::widgets::finite_number)
                .text(PostText::Xt.tr(lang)),
        );
        ui.add(
            egui::Slider::new(&mut self.x0, -4.0..=4.0)
                .custom_parser(crate::ui::widgets::finite_number)
                .text(PostText::X0.tr(lang)),
        );
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
        let frame = density_plot("posterior-density", height, Corner::LeftTop);
        let curves: [&[[f64; 2]]; 3] = [&s.prev_marginal, &s.marginal, &s.true_curve];
        keep_in_view(frame, &curves).show(ui, |plot| {
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
