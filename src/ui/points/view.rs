//! Drawing the Points panel: data and model controls, the cloud plot, reverse sampling
//! and training.

use super::*;

impl PointsPanel {
    // ------------------------------------------------------------------ the panel

    pub fn points_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        self.update(ui.ctx(), lab);
        // The plot's side comes from the panel's size alone, not from what is left below
        // the status lines: a message appearing moves the plot down (the area scrolls)
        // but never shrinks it.
        let plot_side = (ui.available_width() * 0.5)
            .min(ui.available_height() - PLOT_HEADROOM)
            .clamp(260.0, 640.0);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.heading(PtsText::Title.tr(lang));
                self.data_controls_ui(ui, lab);
                self.model_controls_ui(ui, lab);
                ui.separator();
                self.scrubber_ui(ui, lab);
                self.update(ui.ctx(), lab);
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(plot_side);
                        self.cloud_plot_ui(ui, lab, plot_side);
                    });
                    ui.separator();
                    ui.vertical(|ui| {
                        self.reverse_controls_ui(ui, lab);
                        ui.separator();
                        self.training_ui(ui, lab, 200.0);
                    });
                });
                ui.separator();
                let schedule = self
                    .model_checkpoint(lab)
                    .map(|c| c.schedule.clone())
                    .or_else(|| crate::diffusion::ScheduleSpec::default().build().ok());
                if let Some(schedule) = schedule {
                    self.step_error.ui(ui, lang, &schedule);
                }
                ui.separator();
                self.explain_ui(ui, lab);
            });
    }

    /// Data set, point count, re-draw, and the drawing tools.
    pub fn data_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.horizontal_wrapped(|ui| {
            let before = self.set;
            egui::ComboBox::from_label(PtsText::Data.tr(lang))
                .selected_text(self.set.label(lang))
                .show_ui(ui, |ui| {
                    for kind in TOY_SETS {
                        ui.selectable_value(&mut self.set, PointSet::Toy(kind), kind.name());
                    }
                    ui.selectable_value(&mut self.set, PointSet::Drawn, PtsText::Drawn.tr(lang));
                });
            if self.set != before {
                // The shipped model for the new set, if any (or the one trained here).
                self.model = None;
                self.cancel_run();
                self.run = None;
                self.companion = None;
            }
            if ui
                .add_enabled(
                    self.csv_dialog.is_none(),
                    egui::Button::new(PtsText::OpenCsv.tr(lang)),
                )
                .on_hover_text(PtsText::CsvHint.tr(lang))
                .clicked()
            {
                self.open_csv_dialog(repaint_of(ui.ctx()));
            }
            if let PointSet::Toy(_) = self.set {
                egui::ComboBox::from_label(PtsText::Count.tr(lang))
                    .selected_text(self.count.to_string())
                    .show_ui(ui, |ui| {
                        for n in COUNT_CHOICES {
                            ui.selectable_value(&mut self.count, n, n.to_string());
                        }
                    });
                if ui.button(PtsText::AnotherDraw.tr(lang)).clicked() {
                    self.data_seed = next_seed(self.data_seed);
                }
            } else {
                ui.add(
                    egui::Slider::new(&mut self.brush, 0.0..=0.2)
                        .custom_parser(crate::ui::widgets::finite_number)
                        .text(PtsText::Brush.tr(lang)),
                );
                if ui.button(PtsText::Clear.tr(lang)).clicked() {
                    self.drawn.clear();
                    self.drawn_generation += 1;
                    self.cloud = None;
                }
                ui.weak(fill(PtsText::DrawnCount.tr(lang), &[&self.drawn.len()]));
            }
        });
        if self.set == PointSet::Drawn {
            ui.weak(if self.drawn.is_empty() {
                PtsText::NoDrawn.tr(lang)
            } else {
                PtsText::DrawHint.tr(lang)
            });
        }
        match &self.csv_status {
            Some(Ok((name, n))) => {
                ui.weak(fill(PtsText::CsvLoaded.tr(lang), &[name, n]));
            }
            Some(Err((name, failure))) => {
                let m = match failure {
                    CsvFailure::Data(e) => data_error_text(e, lang),
                    CsvFailure::Other(m) => m.clone(),
                };
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    fill(PtsText::CsvFailed.tr(lang), &[name, &m]),
                );
            }
            None => {}
        }
        self.path_field_ui(ui, lab, &[PathPurpose::OpenCsv]);
    }

    fn cancel_run(&mut self) {
        if let Some(run) = &self.run {
            run.cancel();
        }
        self.cancel_companion();
    }

    /// Model picker, folder loading, device, and the model's status.
    pub fn model_controls_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        let current = self.model_choice();
        // Says whether there is a model trained here, not just that one could be.
        let trained_name = if self.trained.is_some() {
            PtsText::Trained
        } else if self.store_load.is_some() {
            PtsText::TrainedLoading
        } else {
            PtsText::TrainedNone
        };
        let name = |m: &PointsModel| match m {
            PointsModel::Trained => trained_name.tr(lang).to_string(),
            PointsModel::Source(s @ ModelSource::Folder(_)) => {
                fill(PtsText::Folder.tr(lang), &[&s.label()])
            }
            PointsModel::Source(ModelSource::Shipped(n)) => fill(PtsText::Shipped.tr(lang), &[n]),
            PointsModel::Exact(AnalyticFit::Ideal) => PtsText::ExactIdeal.tr(lang).to_string(),
            PointsModel::Exact(AnalyticFit::Gaussian) => {
                PtsText::ExactGaussian.tr(lang).to_string()
            }
            PointsModel::TrueMixture => PtsText::TrueMixture.tr(lang).to_string(),
        };
        let mut choices: Vec<PointsModel> = shipped::for_images(false)
            .iter()
            .map(|m| PointsModel::Source(ModelSource::Shipped(m.name.to_string())))
            .collect();
        choices.push(PointsModel::Trained);
        if let Some(m @ PointsModel::Source(ModelSource::Folder(_))) = &self.model {
            choices.push(m.clone());
        }
        choices.extend(AnalyticFit::ALL.map(PointsModel::Exact));
        if self.set_is_a_mixture() {
            choices.push(PointsModel::TrueMixture);
        }
        ui.horizontal_wrapped(|ui| {
            if let Some(c) = model_combo(
                ui,
                PtsText::Model.tr(lang),
                name(&current),
                &choices,
                Some(&current),
                name,
            ) {
                self.model = Some(c);
            }
            if load_folder_button::<PtsText>(ui, self.folder_dialog.is_none(), lang) {
                self.open_folder_dialog(repaint_of(ui.ctx()));
            }
            device_picker(ui, lab);
        });
        let warn = ui.visuals().warn_fg_color;
        match &current {
            PointsModel::Trained => match (&self.trained, &self.trained_on) {
                (Some(_), Some(on)) => {
                    let mut text = fill(
                        PtsText::TrainedOn.tr(lang),
                        &[&on.set.label(lang), &self.trained_steps()],
                    );
                    if on.set != self.set
                        || (on.set == PointSet::Drawn
                            && on.drawn_generation != self.drawn_generation)
                    {
                        text.push(' ');
                        text.push_str(&fill(PtsText::OtherData.tr(lang), &[&on.set.label(lang)]));
                        ui.colored_label(warn, text);
                    } else {
                        ui.weak(text);
                    }
                }
                _ => {
                    ui.weak(PtsText::NoTrained.tr(lang));
                }
            },
            PointsModel::Exact(fit) => {
                let n = self.cloud().map_or(0, |c| c.len() / 2);
                let about = match fit {
                    AnalyticFit::Ideal => fill(PtsText::ExactIdealAbout.tr(lang), &[&n]),
                    AnalyticFit::Gaussian => PtsText::ExactGaussianAbout.tr(lang).to_string(),
                };
                ui.label(about);
                if let Some(e) = self.exact_error() {
                    ui.colored_label(warn, fill(PtsText::ExactFailed.tr(lang), &[&e]));
                }
                ui.weak(fill(
                    PtsText::ExactSchedule.tr(lang),
                    &[&schedule_summary(lab.schedule.spec())],
                ));
            }
            PointsModel::TrueMixture => {
                if self.set_is_a_mixture() {
                    ui.label(PtsText::TrueMixtureAbout.tr(lang));
                } else {
                    ui.colored_label(warn, PtsText::TrueMixtureOnlyRing.tr(lang));
                }
                ui.weak(fill(
                    PtsText::ExactSchedule.tr(lang),
                    &[&schedule_summary(lab.schedule.spec())],
                ));
            }
            PointsModel::Source(s) => {
                model_load_status_ui::<PtsText, _, _>(ui, &self.model_job, lang);
                if let Some(k) = self.model_key(lab)
                    && self.model_job.is_current(&k)
                    && self
                        .model_job
                        .latest()
                        .is_some_and(|m| m.domain().is_image())
                {
                    ui.colored_label(warn, fill(PtsText::NotPointsModel.tr(lang), &[&s.label()]));
                }
            }
        }
        if let Some(m) = self.model_checkpoint(lab) {
            let spec: &ScheduleSpec = m.schedule.spec();
            if spec != lab.schedule.spec() {
                ui.colored_label(
                    warn,
                    format!(
                        "{} {}",
                        fill(PtsText::Schedule.tr(lang), &[&schedule_summary(spec)]),
                        PtsText::ScheduleDiffers.tr(lang)
                    ),
                );
            } else {
                ui.weak(fill(PtsText::Schedule.tr(lang), &[&schedule_summary(spec)]));
            }
        }
        self.path_field_ui(ui, lab, &[PathPurpose::ModelFolder]);
        if let Some((key, m)) = &self.store_error {
            ui.colored_label(warn, fill(key.tr(lang), &[m]));
        }
    }

    /// The t scrubber (forward) or the step scrubber (reverse), with the view switch.
    pub fn scrubber_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let has_run = self.run.as_ref().is_some_and(RunState::has_steps);
        ui.horizontal(|ui| {
            view_mode_switch::<PtsText>(ui, &mut self.mode, has_run, lang);
            ui.separator();
            ui.checkbox(&mut self.show_field, PtsText::ShowField.tr(lang))
                .on_hover_text(PtsText::FieldNote.tr(lang));
            ui.checkbox(&mut self.show_paths, PtsText::ShowPaths.tr(lang));
            ui.add_enabled(
                self.show_paths,
                egui::Checkbox::new(&mut self.compare_paths, PtsText::ComparePaths.tr(lang)),
            )
            .on_hover_text(PtsText::ComparePathsNote.tr(lang));
        });
        let big_t = self.schedule(lab).num_steps();
        let scrubbers = (&mut self.scrubber, &mut self.reverse_scrubber);
        scrubber_row::<PtsText, _>(ui, self.mode, scrubbers, self.run.as_mut(), big_t, lang);
    }

    /// The cloud: data, x_t or samples, the ε field and the paths of a few points; in
    /// "draw your own" mode a drag adds points. `side` is the plot's size in points.
    pub fn cloud_plot_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, side: f32) {
        let lang = lab.lang();
        let t = self.shown_t();
        let data: Vec<[f64; 2]> = self
            .cloud()
            .map(|c| {
                c.chunks_exact(2)
                    .map(|p| [p[0] as f64, p[1] as f64])
                    .collect()
            })
            .unwrap_or_default();
        let shown: Vec<[f64; 2]> = self
            .shown_points(lab)
            .map(|c| {
                c.chunks_exact(2)
                    .map(|p| [p[0] as f64, p[1] as f64])
                    .collect()
            })
            .unwrap_or_default();
        let reverse = self.mode == ViewMode::Reverse && self.run.is_some();
        let paths: Vec<Vec<[f64; 2]>> = match (&self.run, reverse && self.show_paths) {
            (Some(run), true) => {
                let upto = self
                    .reverse_scrubber
                    .t
                    .min(run.traj.positions().saturating_sub(1));
                // The run's extra: the indices of the tracked points.
                run.extra
                    .iter()
                    .map(|&i| {
                        (0..=upto)
                            .filter_map(|k| run.traj.view(k))
                            .filter_map(|v| {
                                Some([*v.x.get(2 * i)? as f64, *v.x.get(2 * i + 1)? as f64])
                            })
                            .collect()
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        // The other family's paths from the same starts, down to the t on screen.
        let companion: Vec<Vec<[f64; 2]>> = if reverse && self.show_paths && self.compare_paths {
            self.companion_paths(t)
        } else {
            Vec::new()
        };
        // At a finished run's last position: each tracked sample's nearest data point.
        let at_end = reverse
            && self.run.as_ref().is_some_and(|r| {
                r.traj.finished && self.reverse_scrubber.t + 1 >= r.traj.positions()
            });
        let nearest_of = |i: usize| -> Option<([f64; 2], [f64; 2], f64)> {
            let s = self.nearest_summary()?;
            let n = s.nearest.get(i)?;
            let c = self.cloud()?;
            let sample = *shown.get(i)?;
            let point = [*c.get(2 * n.index)? as f64, *c.get(2 * n.index + 1)? as f64];
            Some((sample, point, n.distance))
        };
        let nearest_links: Vec<[[f64; 2]; 2]> = if at_end {
            self.run
                .as_ref()
                .map(|r| {
                    r.extra
                        .iter()
                        .filter_map(|&i| nearest_of(i).map(|(a, b, _)| [a, b]))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let hovered_nearest = if at_end {
            self.hovered_sample.and_then(nearest_of)
        } else {
            None
        };
        let companion_name = match self.companion_kind() {
            Some(CompanionKind::Ode) => PtsText::OdePaths.tr(lang),
            Some(CompanionKind::Sde) | None => PtsText::SdePaths.tr(lang),
        };
        let field: Option<(PlotXy, PlotXy)> =
            self.show_field
                .then(|| self.field())
                .flatten()
                .map(|(_, arrows)| {
                    (
                        arrows.iter().map(|a| [a[0], a[1]]).collect(),
                        arrows.iter().map(|a| [a[2], a[3]]).collect(),
                    )
                });
        let shown_name = if reverse {
            fill(PtsText::PlotSamples.tr(lang), &[&t])
        } else {
            fill(PtsText::PlotXt.tr(lang), &[&t])
        };
        let drawing = self.set == PointSet::Drawn && self.mode == ViewMode::Forward;
        let dark = ui.visuals().dark_mode;
        let data_color = if dark {
            Color32::from_rgba_unmultiplied(0xc8, 0xc8, 0xc8, 0x70)
        } else {
            Color32::from_rgba_unmultiplied(0x60, 0x60, 0x60, 0x60)
        };
        let arrow_color = if dark {
            Color32::from_rgba_unmultiplied(0xa0, 0xa0, 0xa0, 0x90)
        } else {
            Color32::from_rgba_unmultiplied(0x70, 0x70, 0x70, 0xa0)
        };
        // Three views a side: what is drawn beyond is never seen (the view is fixed).
        let view_box = ClipBox::centred(3.0 * VIEW_EXTENT);
        let in_view_box = |p: &&[f64; 2]| view_box.contains(**p);
        // Points far outside are not drawn either: at 1e37 their screen position is ∞ in f32.
        let in_box = |mut pts: Vec<[f64; 2]>| {
            pts.retain(|p| view_box.contains(*p));
            pts
        };
        let response = Plot::new("points-cloud")
            .width(side)
            .height(side)
            .data_aspect(1.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .default_x_bounds(-VIEW_EXTENT, VIEW_EXTENT)
            .default_y_bounds(-VIEW_EXTENT, VIEW_EXTENT)
            .show_crosshair(drawing)
            .legend(
                Legend::default()
                    .position(egui_plot::Corner::LeftTop)
                    .follow_insertion_order(true)
                    .background_alpha(0.8),
            )
            .show(ui, |plot| {
                // Screen points per plot unit (last frame's): a dashed or dotted line is
                // drawn solid where it would be too long on screen (see `widgets::clip`).
                let scale = plot.transform().dpos_dvalue();
                if let Some((origins, tips)) = field {
                    plot.arrows(
                        Arrows::new(PtsText::PlotField.tr(lang), origins, tips)
                            .color(arrow_color)
                            .tip_length(5.0),
                    );
                }
                plot.points(
                    Points::new(PtsText::PlotData.tr(lang), PlotPoints::new(in_box(data)))
                        .color(data_color)
                        .radius(1.5),
                );
                // Paths are clipped to a box around the fixed view: a diverging path far
                // outside it would otherwise be laid out dash by dash (see `widgets::clip`).
                for (i, path) in paths.iter().enumerate() {
                    let color = PATH_COLORS[i % PATH_COLORS.len()].gamma_multiply(0.8);
                    for run in clip_polyline(path, &view_box) {
                        plot.line(
                            Line::new(PtsText::PlotPaths.tr(lang), PlotPoints::new(run))
                                .color(color)
                                .width(1.3),
                        );
                    }
                }
                for (i, path) in companion.iter().enumerate() {
                    let color = PATH_COLORS[i % PATH_COLORS.len()].gamma_multiply(0.8);
                    for run in clip_polyline(path, &view_box) {
                        let style = LineStyle::Dashed { length: 6.0 };
                        let style = style_within_budget(style, &run, scale);
                        plot.line(
                            Line::new(companion_name, PlotPoints::new(run))
                                .color(color)
                                .style(style)
                                .width(1.3),
                        );
                    }
                }
                if t > 0 || reverse {
                    plot.points(
                        Points::new(shown_name, PlotPoints::new(in_box(shown.clone())))
                            .color(colors::PRIMARY)
                            .radius(1.8),
                    );
                }
                for (i, path) in paths.iter().enumerate() {
                    if let Some(&end) = path.last().filter(|p| in_view_box(p)) {
                        plot.points(
                            Points::new(PtsText::PlotPaths.tr(lang), vec![end])
                                .color(PATH_COLORS[i % PATH_COLORS.len()])
                                .shape(MarkerShape::Circle)
                                .radius(4.0),
                        );
                    }
                }
                for (i, path) in companion.iter().enumerate() {
                    if let Some(&end) = path.last().filter(|p| in_view_box(p)) {
                        plot.points(
                            Points::new(companion_name, vec![end])
                                .color(PATH_COLORS[i % PATH_COLORS.len()])
                                .shape(MarkerShape::Diamond)
                                .filled(false)
                                .radius(4.5),
                        );
                    }
                }
                for link in nearest_links
                    .iter()
                    .flat_map(|l| clip_polyline(l, &view_box))
                {
                    let style = LineStyle::Dotted { spacing: 3.0 };
                    let style = style_within_budget(style, &link, scale);
                    plot.line(
                        Line::new(PtsText::PlotNearest.tr(lang), PlotPoints::new(link))
                            .color(colors::MARK)
                            .style(style)
                            .width(1.2),
                    );
                }
                if let Some((a, b, d)) = hovered_nearest {
                    plot.line(
                        Line::new(PtsText::PlotNearest.tr(lang), PlotPoints::new(vec![a, b]))
                            .color(colors::MARK)
                            .width(1.6),
                    );
                    plot.text(
                        egui_plot::Text::new(
                            PtsText::PlotNearest.tr(lang),
                            egui_plot::PlotPoint::new(a[0], a[1] + 0.15),
                            fill(
                                PtsText::NearestHover.tr(lang),
                                &[&crate::ui::forward_step::num(d)],
                            ),
                        )
                        .color(colors::MARK),
                    );
                }
                let pointer = plot.pointer_coordinate();
                let r = plot.response();
                (pointer, r.dragged() || r.clicked())
            });
        // The sample under the pointer (within 0.1) for the next frame's nearest line.
        self.hovered_sample = match (at_end, response.inner.0) {
            (true, Some(p)) => shown
                .iter()
                .enumerate()
                .map(|(i, s)| (i, (s[0] - p.x).powi(2) + (s[1] - p.y).powi(2)))
                .filter(|(_, d2)| *d2 < 0.01)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i),
            _ => None,
        };
        self.plot_rect = Some(response.response.rect);
        if drawing && let (Some(p), true) = response.inner {
            let n = if response.response.clicked() { 8 } else { 3 };
            self.add_drawn_points(p.x, p.y, n);
        }
    }

    /// Sampler settings, "sample from noise", "denoise this cloud", progress and cancel.
    pub fn reverse_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.label(RichText::new(PtsText::SampleTitle.tr(lang)).strong());
        let big_t = self.schedule(lab).num_steps().max(1);
        ui.horizontal_wrapped(|ui| {
            sampler_and_steps_ui::<PtsText>(ui, &mut self.reverse, big_t, lang);
            let l = ui.label(PtsText::Seed.tr(lang));
            ui.add(
                egui::DragValue::new(&mut self.reverse.seed)
                    .custom_parser(crate::ui::widgets::finite_number)
                    .speed(1.0),
            )
            .labelled_by(l.id);
        });
        if self.reverse.sampler == SamplerKind::Ddim {
            ui.add(
                egui::Slider::new(&mut self.reverse.eta, 0.0..=1.0)
                    .custom_parser(crate::ui::widgets::finite_number)
                    .text(PtsText::Eta.tr(lang)),
            );
        }
        let running = self.run.as_ref().is_some_and(RunState::is_running);
        let has_model = self.run_model(lab).is_some();
        let t = self.scrubber.t;
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(
                    has_model && !running,
                    egui::Button::new(PtsText::FromNoise.tr(lang)),
                )
                .clicked()
            {
                self.start_reverse(lab, true, repaint_of(ui.ctx()));
            }
            if ui
                .add_enabled(
                    has_model && !running && t > 0 && self.mode == ViewMode::Forward,
                    egui::Button::new(fill(PtsText::FromHere.tr(lang), &[&t])),
                )
                .clicked()
            {
                self.start_reverse(lab, false, repaint_of(ui.ctx()));
            }
            if running && ui.button(PtsText::Cancel.tr(lang)).clicked() {
                self.cancel_run();
            }
            if !has_model {
                ui.weak(PtsText::NeedModel.tr(lang));
            }
        });
        // A finished run's line ("DDIM-20 … in 0.62 s") describes the sampler it ran
        // with: once the sampler settings change, it goes (the run stays on screen).
        let current_label = self.reverse.label(big_t);
        let run = self
            .run
            .as_ref()
            .filter(|r| r.is_running() || r.label == current_label);
        run_status_ui::<PtsText, _>(ui, run, lang, |run, s| {
            fill(
                PtsText::RunDone.tr(lang),
                &[&run.label, &s.steps, &format!("{:.2}", s.seconds)],
            )
        });
        if let Some(s) = self.nearest_summary() {
            use crate::ui::forward_step::num;
            ui.label(fill(
                PtsText::NearestLine.tr(lang),
                &[
                    &num(s.median),
                    &num(s.max),
                    &s.copies,
                    &s.nearest.len(),
                    &format!("{:.0} %", 100.0 * s.copy_fraction()),
                    &COPY_DISTANCE,
                    &num(s.spacing),
                ],
            ));
        }
    }

    /// Training settings, train/stop/continue/start over/save, progress and the loss curve.
    pub fn training_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        ui.label(RichText::new(PtsText::TrainTitle.tr(lang)).strong());
        let training = self.train_job.is_some();
        ui.add_enabled_ui(!training, |ui| {
            ui.horizontal_wrapped(|ui| {
                let l = ui.label(PtsText::TrainSteps.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.steps)
                        .custom_parser(crate::ui::widgets::finite_number)
                        .range(1..=100_000)
                        .speed(10.0),
                )
                .labelled_by(l.id);
                let l = ui.label(PtsText::Batch.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.batch)
                        .custom_parser(crate::ui::widgets::finite_number)
                        .range(1..=4096)
                        .speed(4.0),
                )
                .labelled_by(l.id);
                let l = ui.label(PtsText::Lr.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.learning_rate)
                        .custom_parser(crate::ui::widgets::finite_number)
                        .range(1e-5..=0.05)
                        .speed(1e-4)
                        .max_decimals(5),
                )
                .labelled_by(l.id);
                let l = ui.label(PtsText::Hidden.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.hidden)
                        .custom_parser(crate::ui::widgets::finite_number)
                        .range(8..=512)
                        .speed(1.0),
                )
                .labelled_by(l.id);
                let l = ui.label(PtsText::Layers.tr(lang));
                ui.add(
                    egui::DragValue::new(&mut self.training.layers)
                        .custom_parser(crate::ui::widgets::finite_number)
                        .range(1..=8),
                )
                .labelled_by(l.id);
            });
        });
        let can_continue = self.session_matches(lab);
        let has_data = self.set != PointSet::Drawn || !self.drawn.is_empty();
        ui.horizontal_wrapped(|ui| {
            let label = if can_continue {
                PtsText::Continue.tr(lang)
            } else {
                PtsText::Train.tr(lang)
            };
            if ui
                .add_enabled(!training && has_data, egui::Button::new(label))
                .clicked()
            {
                self.start_training(lab, repaint_of(ui.ctx()));
            }
            if training && ui.button(PtsText::Stop.tr(lang)).clicked() {
                self.stop_training();
            }
            if ui
                .add_enabled(
                    !training && self.session.is_some(),
                    egui::Button::new(PtsText::Reset.tr(lang)),
                )
                .clicked()
            {
                self.session = None;
                self.losses.clear();
                self.loss_avg.clear();
            }
            if ui
                .add_enabled(
                    !training && self.trained.is_some() && self.save_dialog.is_none(),
                    egui::Button::new(PtsText::Save.tr(lang)),
                )
                .clicked()
            {
                self.open_save_dialog(repaint_of(ui.ctx()));
            }
        });
        if let Some(job) = &self.train_job {
            let done = self.losses.last().map_or(0, |p| p[0] as usize);
            let start = self.train_target.saturating_sub(self.training.steps.max(1));
            let frac = (done.saturating_sub(start)) as f32 / self.training.steps.max(1) as f32;
            let loss = self
                .loss_avg
                .last()
                .map_or("—".to_string(), |p| format!("{:.4}", p[1]));
            ui.add(
                egui::ProgressBar::new(frac.clamp(0.0, 1.0))
                    .desired_width(ui.available_width().min(360.0))
                    .text(fill(
                        PtsText::Training.tr(lang),
                        &[&done, &self.train_target, &loss],
                    )),
            );
            if job.is_cancel_requested() {
                ui.spinner();
            }
        } else if let Some(last) = self.loss_avg.last() {
            ui.weak(fill(
                PtsText::TrainedSteps.tr(lang),
                &[&self.trained_steps(), &format!("{:.4}", last[1])],
            ));
        }
        if let Some(e) = &self.train_error {
            ui.colored_label(
                ui.visuals().error_fg_color,
                fill(PtsText::TrainFailed.tr(lang), &[e]),
            );
        }
        self.path_field_ui(ui, lab, &[PathPurpose::SaveModel]);
        let saving = self.save_dialog.is_some() || self.save_job.is_some();
        save_status_ui::<PtsText>(ui, saving, self.save_status.as_ref(), lang);
        self.loss_plot_ui(ui, lab, height);
    }

    /// The live loss curve.
    pub fn loss_plot_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        ui.label(PtsText::LossTitle.tr(lang));
        if self.losses.is_empty() {
            ui.weak(PtsText::NoLossYet.tr(lang));
            return;
        }
        let raw = self.losses.clone();
        let avg = self.loss_avg.clone();
        crate::ui::widgets::density::density_plot(
            "points-loss",
            height,
            egui_plot::Corner::RightTop,
        )
        .include_y(0.0)
        .show(ui, |plot| {
            plot.line(
                Line::new(PtsText::Loss.tr(lang), PlotPoints::new(raw))
                    .color(colors::FAINT_GREY)
                    .width(1.0),
            );
            plot.line(
                Line::new(PtsText::LossAvg.tr(lang), PlotPoints::new(avg))
                    .color(colors::SECOND)
                    .width(2.0),
            );
        });
    }
}

const PATH_COLORS: [Color32; 6] = [
    Color32::from_rgb(0xd6, 0x27, 0x28),
    Color32::from_rgb(0xe3, 0x6c, 0x09),
    Color32::from_rgb(0x2c, 0xa0, 0x2c),
    Color32::from_rgb(0xb0, 0x3a, 0xc8),
    Color32::from_rgb(0x17, 0xbe, 0xcf),
    Color32::from_rgb(0x8c, 0x56, 0x4b),
];
