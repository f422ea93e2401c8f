//! Drawing the Image panel's pictures: x0, x_t, ε̂, x̂0 and μ̃ side by side, the pixel
//! histogram and the strip along the run.

use super::*;

impl ImagePanel {
    /// x0, x_t, ε̂, x̂0 and μ̃ side by side, each `side` points square.
    pub fn images_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, side: f32) {
        let lang = lab.lang();
        let (channels, size) = self.item_shape(lab);
        let shown = self.shown.clone();
        let clean = self.clean.clone();
        let has_model = self.loaded_model(lab).is_some();
        let ctx = ui.ctx().clone();
        let [tex_x0, tex_xt, tex_eps, tex_x0hat, tex_mean] = &mut self.textures;
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = 14.0;
            let cell = |ui: &mut egui::Ui,
                        slot: &mut TexSlot,
                        name: &str,
                        title: String,
                        hover: &str,
                        data: Option<&[f32]>,
                        shade: Shade,
                        note: Option<String>| {
                ui.vertical(|ui| {
                    ui.set_width(side);
                    let strong = ui.visuals().strong_text_color();
                    ui.label(math_job(ui, &title, egui::TextStyle::Body, Some(strong)))
                        .on_hover_ui(|ui| {
                            math_label(ui, hover);
                        });
                    match data {
                        Some(d) if d.len() == channels * size * size => {
                            let id = slot.texture(&ctx, name, hash_of(shade as u8, &[d]), || {
                                picture::item_picture(d, channels, size, shade)
                            });
                            ui.add(
                                egui::Image::from_texture((id, egui::vec2(side, side)))
                                    .alt_text(title.clone()),
                            );
                        }
                        _ => {
                            let (rect, _) = ui
                                .allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
                            ui.painter()
                                .rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
                        }
                    }
                    if let Some(n) = note {
                        let weak = ui.visuals().weak_text_color();
                        ui.label(math_job(ui, &n, egui::TextStyle::Body, Some(weak)));
                    }
                });
            };
            let t = shown.as_ref().map_or(0, |s| s.t);
            cell(
                ui,
                tex_x0,
                "image-x0",
                ImgText::X0.tr(lang).to_string(),
                ImgText::X0Hover.tr(lang),
                clean.as_ref().map(|c| c.x0.as_slice()),
                Shade::Value,
                None,
            );
            cell(
                ui,
                tex_xt,
                "image-xt",
                fill(ImgText::Xt.tr(lang), &[&t]),
                ImgText::XtHover.tr(lang),
                shown.as_ref().map(|s| s.x_t.as_slice()),
                Shade::Value,
                None,
            );
            let pred = shown.as_ref().and_then(|s| s.prediction.clone());
            let note = match (&shown, &pred) {
                (Some(s), Some(p)) if s.prediction_stale => Some(format!(
                    "{} · {}",
                    fill(ImgText::PredictedAt.tr(lang), &[&p.t]),
                    ImgText::Updating.tr(lang)
                )),
                (Some(s), Some(p)) if p.t != s.t => {
                    Some(fill(ImgText::PredictedAt.tr(lang), &[&p.t]))
                }
                (Some(s), None) if s.t == 0 => Some(ImgText::NothingAtZero.tr(lang).to_string()),
                (Some(_), None) if !has_model => Some(ImgText::NeedsModel.tr(lang).to_string()),
                (Some(_), None) => Some(ImgText::Updating.tr(lang).to_string()),
                _ => None,
            };
            cell(
                ui,
                tex_eps,
                "image-eps",
                ImgText::EpsHat.tr(lang).to_string(),
                ImgText::EpsHatHover.tr(lang),
                pred.as_ref().map(|p| p.pred_eps.as_slice()),
                Shade::Noise,
                Some(if channels == 1 {
                    ImgText::EpsScale.tr(lang).to_string()
                } else {
                    "±3".to_string()
                }),
            );
            cell(
                ui,
                tex_x0hat,
                "image-x0hat",
                ImgText::X0Hat.tr(lang).to_string(),
                ImgText::X0HatHover.tr(lang),
                pred.as_ref().map(|p| p.pred_x0.as_slice()),
                Shade::Value,
                note.clone(),
            );
            cell(
                ui,
                tex_mean,
                "image-mean",
                ImgText::Mean.tr(lang).to_string(),
                ImgText::MeanHover.tr(lang),
                pred.as_ref().map(|p| p.mean.as_slice()),
                Shade::Value,
                None,
            );
        });
    }

    /// The histogram of x_t's pixel values over the expected one and N(0, 1).
    pub fn histogram_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, height: f32) {
        let lang = lab.lang();
        let Some(h) = self.histogram.clone() else {
            ui.add_space(height);
            return;
        };
        let (channels, _) = self.item_shape(lab);
        let what = match (channels, h.channel) {
            (1, _) => ImgText::HistGrey.tr(lang),
            (_, None) => ImgText::HistAllChannels.tr(lang),
            (_, Some(0)) => ImgText::HistRed.tr(lang),
            (_, Some(1)) => ImgText::HistGreen.tr(lang),
            (_, Some(_)) => ImgText::HistBlue.tr(lang),
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(fill(ImgText::HistTitle.tr(lang), &[&h.t, &what])).strong());
            if channels > 1 {
                let mut channel = self.hist_channel;
                let name = |c: Option<usize>| match c {
                    None => ImgText::HistAllChannels.tr(lang),
                    Some(0) => ImgText::HistRed.tr(lang),
                    Some(1) => ImgText::HistGreen.tr(lang),
                    Some(_) => ImgText::HistBlue.tr(lang),
                };
                egui::ComboBox::from_label(ImgText::HistChannel.tr(lang))
                    .selected_text(name(channel))
                    .show_ui(ui, |ui| {
                        for c in [None, Some(0), Some(1), Some(2)] {
                            ui.selectable_value(&mut channel, c, name(c));
                        }
                    });
                self.hist_channel = channel;
            }
        });
        let (expected_name, line) = match h.reference {
            HistReference::CleanPicture => (
                ImgText::HistExpected.tr(lang).to_string(),
                ImgText::HistLine.tr(lang),
            ),
            HistReference::RunPrediction { predicted_at } => (
                fill(ImgText::HistExpectedRun.tr(lang), &[&predicted_at]),
                ImgText::HistLineRun.tr(lang),
            ),
        };
        let bins = Bins::over(-HIST_RANGE, HIST_RANGE, HIST_BINS);
        let normal = gaussian_curve(Gaussian::STANDARD, (-HIST_RANGE, HIST_RANGE));
        density_plot("image-histogram", height, Corner::RightTop)
            .include_x(-HIST_RANGE)
            .include_x(HIST_RANGE)
            .include_y(0.0)
            .show(ui, |plot| {
                let bars: Vec<Bar> = h
                    .bars
                    .iter()
                    .map(|&[x, d]| {
                        Bar::new(x, d)
                            .width(bins.width)
                            .fill(colors::THIRD.gamma_multiply(0.45))
                            .stroke(egui::Stroke::new(0.5, colors::THIRD))
                    })
                    .collect();
                plot.bar_chart(
                    BarChart::new(ImgText::HistBars.tr(lang), bars).color(colors::THIRD),
                );
                plot.line(curve(
                    expected_name.as_str(),
                    &h.expected,
                    colors::PRIMARY,
                    2.0,
                ));
                plot.line(dashed(
                    ImgText::HistNormal.tr(lang),
                    &normal,
                    colors::GREY,
                    1.5,
                ));
            });
        ui.label(fill(
            line,
            &[
                &format!("{:.3}", h.mean),
                &format!("{:.3}", h.expected_mean),
                &format!("{:.3}", h.variance),
                &format!("{:.3}", h.expected_variance),
            ],
        ));
        if h.outside > 0 {
            ui.weak(fill(ImgText::HistOutside.tr(lang), &[&h.outside]));
        }
    }

    /// Sampler, η, steps, seed, "denoise from here", progress and cancel.
    /// jumps there. `side` is a thumbnail's size in points.
    pub fn strip_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, side: f32) {
        let lang = lab.lang();
        let (channels, size) = self.item_shape(lab);
        let ctx = ui.ctx().clone();
        let len = channels * size * size;
        // (label t, jump target, x_t, x̂0)
        let mut cells: Vec<StripCell> = Vec::new();
        let reverse = self.mode == ViewMode::Reverse && self.run.is_some();
        if reverse {
            if let Some(run) = &self.run {
                for k in run.traj.strip_positions(STRIP_FRAMES) {
                    if let Some(v) = run.traj.view(k) {
                        cells.push((v.t, k, StripPicture::Reverse(k)));
                    }
                }
            }
        } else {
            let big_t = self.schedule(lab).num_steps();
            for i in 0..STRIP_FRAMES {
                let t = i * big_t / (STRIP_FRAMES - 1).max(1);
                if let Some(x) = self.forward_state(lab, t) {
                    cells.push((t, t, StripPicture::Forward(x)));
                }
            }
        }
        math_label(
            ui,
            if reverse {
                ImgText::StripTitle.tr(lang)
            } else {
                ImgText::StripForward.tr(lang)
            },
        );
        let rows = if reverse { 2 } else { 1 };
        self.strip_textures
            .resize_with(STRIP_FRAMES * 2, TexSlot::default);
        let mut jump = None;
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 6.0;
            for (i, (t, target, picture)) in cells.iter().enumerate() {
                ui.vertical(|ui| {
                    ui.spacing_mut().item_spacing.y = 2.0;
                    for r in 0..rows {
                        let data: Option<&[f32]> = match picture {
                            StripPicture::Forward(x) => (r == 0).then_some(x.as_slice()),
                            StripPicture::Reverse(k) => {
                                let view = self.run.as_ref().and_then(|run| run.traj.view(*k));
                                view.map(|v| if r == 0 { v.x } else { v.pred_x0 })
                            }
                        };
                        let Some(d) = data.filter(|d| d.len() == len) else {
                            continue;
                        };
                        let Some(slot) = self.strip_textures.get_mut(i * 2 + r) else {
                            continue;
                        };
                        let id = slot.texture(&ctx, "image-strip", hash_of(r, &[d]), || {
                            picture::item_picture(d, channels, size, Shade::Value)
                        });
                        let resp = ui.add(
                            egui::Image::from_texture((id, egui::vec2(side, side)))
                                .sense(egui::Sense::click())
                                .alt_text(format!("t = {t}")),
                        );
                        if resp.clicked() {
                            jump = Some(*target);
                        }
                    }
                    ui.set_width(side);
                    ui.label(RichText::new(format!("t = {t}")).small().weak());
                });
            }
        });
        if let Some(target) = jump {
            if reverse {
                self.reverse_scrubber.t = target;
                if let Some(run) = self.run.as_mut() {
                    run.follow = false;
                }
            } else {
                self.scrubber.t = target;
            }
        }
    }
}
