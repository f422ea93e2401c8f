//! Drawing the Image panel: every section reads the state and sends intents; the
//! textures it draws are owned here.

use super::*;

#[derive(Default)]
pub(super) struct TexSlot {
    hash: u64,
    handle: Option<egui::TextureHandle>,
}

impl TexSlot {
    pub(super) fn texture(
        &mut self,
        ctx: &egui::Context,
        name: &str,
        hash: u64,
        make: impl FnOnce() -> RgbImage,
    ) -> egui::TextureId {
        if self.hash != hash || self.handle.is_none() {
            let img = make();
            let color = egui::ColorImage::from_rgb(
                [img.width() as usize, img.height() as usize],
                img.as_raw(),
            );
            match &mut self.handle {
                Some(h) => h.set(color, egui::TextureOptions::NEAREST),
                None => {
                    self.handle = Some(ctx.load_texture(name, color, egui::TextureOptions::NEAREST))
                }
            }
            self.hash = hash;
        }
        self.handle.as_ref().map(|h| h.id()).unwrap_or_default()
    }
}

impl ImagePanel {
    // ------------------------------------------------------------------ the whole panel

    pub fn image_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        self.update(ui.ctx(), lab);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.heading(ImgText::Title.tr(lang));
                ui.horizontal_wrapped(|ui| {
                    self.picture_controls_ui(ui, lab);
                    ui.separator();
                    self.model_controls_ui(ui, lab);
                });
                self.status_ui(ui, lab);
                ui.separator();
                self.forward_controls_ui(ui, lab);
                self.scrubber_ui(ui, lab);
                // Inputs may have changed: show this frame what they ask for.
                self.update(ui.ctx(), lab);
                // The five pictures, with the denoising controls beside them.
                let controls_width = 330.0;
                let side =
                    ((ui.available_width() - controls_width - 5.0 * 14.0) / 5.0).clamp(96.0, 200.0);
                ui.horizontal_top(|ui| {
                    self.images_ui(ui, lab, side);
                    ui.add_space(12.0);
                    ui.vertical(|ui| {
                        self.reverse_controls_ui(ui, lab);
                        ui.separator();
                        self.export_ui(ui, lab);
                    });
                });
                ui.separator();
                ui.columns(2, |cols| {
                    if let [left, right] = cols {
                        self.histogram_ui(left, lab, 220.0);
                        // A little slack: the column's edge is the panel's margin.
                        let thumb =
                            ((right.available_width() - 9.0 * 6.0 - 16.0) / 10.0).clamp(28.0, 72.0);
                        self.strip_ui(right, lab, thumb);
                    }
                });
                ui.separator();
                self.explain_ui(ui, lab);
            });
    }

    // ------------------------------------------------------------------ sections

    /// Picture picker (generated samples and bundled photos), "another sample", "open
    /// image…" and the working size.
    pub fn picture_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let selected = match (&self.choice, &self.picture) {
            (ImageChoice::Sample { kind, .. }, _) => sample_name(*kind, lang).to_string(),
            (ImageChoice::Photo(p), _) => photo_name(*p, lang).to_string(),
            (ImageChoice::File(_), Some(p)) => fill(ImgText::UserFile.tr(lang), &[&p.name]),
            (ImageChoice::File(p), None) => fill(ImgText::UserFile.tr(lang), &[&p.display()]),
        };
        let mut picked_sample = None;
        let mut picked_photo = None;
        egui::ComboBox::from_label(ImgText::Picture.tr(lang))
            .selected_text(selected)
            .show_ui(ui, |ui| {
                ui.weak(ImgText::Generated.tr(lang));
                for kind in SampleKind::ALL {
                    let on =
                        matches!(&self.choice, ImageChoice::Sample { kind: k, .. } if *k == kind);
                    if ui.selectable_label(on, sample_name(kind, lang)).clicked() {
                        picked_sample = Some(kind);
                    }
                }
                ui.separator();
                ui.weak(ImgText::Photos.tr(lang));
                for photo in BundledPhoto::ALL {
                    let on = self.choice == ImageChoice::Photo(photo);
                    if ui.selectable_label(on, photo_name(photo, lang)).clicked() {
                        picked_photo = Some(photo);
                    }
                }
            });
        if let Some(kind) = picked_sample {
            let seed = match &self.choice {
                ImageChoice::Sample { seed, .. } => *seed,
                _ => 7,
            };
            self.use_sample(kind, seed);
        }
        if let Some(photo) = picked_photo {
            self.use_photo(photo);
        }
        if let ImageChoice::Sample { kind, seed } = self.choice.clone()
            && kind.is_seeded()
            && ui.button(ImgText::Another.tr(lang)).clicked()
        {
            self.use_sample(kind, next_seed(seed));
        }
        let busy = self.image_dialog.is_some();
        if ui
            .add_enabled(!busy, egui::Button::new(ImgText::OpenImage.tr(lang)))
            .on_hover_text(ImgText::DropHint.tr(lang))
            .clicked()
        {
            self.open_image_dialog(repaint_of(ui.ctx()));
        }
        self.size_picker_ui(ui, lab);
    }

    /// The working size: automatic, the model's own, or 64, 128, 256.
    pub fn size_picker_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let own = self.model_shape(lab).1;
        let auto = if self.choice.is_photo() {
            PHOTO_SIZE
        } else {
            own
        };
        let name = |choice: Option<usize>| match choice {
            None => fill(ImgText::SizeAuto.tr(lang), &[&auto]),
            Some(n) if n == own => fill(ImgText::SizeOwn.tr(lang), &[&n]),
            Some(n) => format!("{n} × {n}"),
        };
        let mut options: Vec<Option<usize>> = vec![None];
        if !WORK_SIZES.contains(&own) {
            options.push(Some(own));
        }
        options.extend(WORK_SIZES.iter().map(|&n| Some(n)));
        let mut chosen = self.work_size;
        egui::ComboBox::from_label(ImgText::WorkSize.tr(lang))
            .selected_text(name(self.work_size))
            .show_ui(ui, |ui| {
                for o in options {
                    ui.selectable_value(&mut chosen, o, name(o));
                }
            });
        self.work_size = chosen;
    }

    /// The model picker, "load model folder…" and the device the model runs on (an app
    /// setting shared with the Points panel).
    pub fn model_controls_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        let current = self.model_source();
        let name = |s: &ModelSource| match s {
            ModelSource::Shipped(n) => fill(ImgText::Shipped.tr(lang), &[n]),
            ModelSource::Folder(_) => fill(ImgText::Folder.tr(lang), &[&s.label()]),
        };
        let mut choices: Vec<ModelSource> = shipped::for_images(true)
            .iter()
            .map(|m| ModelSource::Shipped(m.name.to_string()))
            .collect();
        if let Some(ModelSource::Folder(p)) = &self.model {
            choices.push(ModelSource::Folder(p.clone()));
        }
        if let Some(c) = model_combo(
            ui,
            ImgText::Model.tr(lang),
            current.as_ref().map(name).unwrap_or_else(|| "—".into()),
            &choices,
            current.as_ref(),
            name,
        ) {
            self.use_model(c);
        }
        {
            use crate::model::analytic::AnalyticFit;
            let dname = |d: &Option<AnalyticFit>| match d {
                None => ImgText::DenoiserNetwork.tr(lang).to_string(),
                Some(AnalyticFit::Ideal) => ImgText::DenoiserIdeal.tr(lang).to_string(),
                Some(AnalyticFit::Gaussian) => ImgText::DenoiserGaussian.tr(lang).to_string(),
            };
            let options = [None, Some(AnalyticFit::Ideal), Some(AnalyticFit::Gaussian)];
            if let Some(d) = model_combo(
                ui,
                ImgText::Denoiser.tr(lang),
                dname(&self.denoiser),
                &options,
                Some(&self.denoiser),
                dname,
            ) {
                self.denoiser = d;
            }
        }
        if ui
            .add_enabled(
                self.folder_dialog.is_none(),
                egui::Button::new(ImgText::LoadFolder.tr(lang)),
            )
            .clicked()
        {
            self.open_folder_dialog(repaint_of(ui.ctx()));
        }
        device_picker(ui, lab);
    }

    /// Picture size, loading and errors, the model's summary and the schedule note.
    pub fn status_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let (channels, size) = self.item_shape(lab);
        let err = ui.visuals().error_fg_color;
        let warn = ui.visuals().warn_fg_color;
        ui.horizontal_wrapped(|ui| {
            if let Some(p) = &self.picture {
                let kind = if channels == 1 {
                    ImgText::Gray.tr(lang)
                } else {
                    ImgText::Rgb.tr(lang)
                };
                let size = if p.original_size == (size as u32, size as u32) {
                    fill(ImgText::SizeAsIs.tr(lang), &[&size])
                } else {
                    fill(ImgText::SizeCropped.tr(lang), &[&size])
                };
                ui.weak(fill(
                    ImgText::SizeNote.tr(lang),
                    &[
                        &p.name,
                        &p.original_size.0,
                        &p.original_size.1,
                        &size,
                        &kind,
                    ],
                ));
            }
            if let Some((path, _)) = &self.load_job {
                ui.spinner();
                ui.label(fill(ImgText::Loading.tr(lang), &[&path.display()]));
            }
            if self.image_dialog.is_some() || self.folder_dialog.is_some() {
                ui.spinner();
                ui.weak(ImgText::Waiting.tr(lang));
            }
        });
        if let Some((name, failure, _)) = &self.load_error {
            let message = load_failure_text(failure, lang);
            ui.colored_label(err, fill(ImgText::LoadFailed.tr(lang), &[name, &message]));
        }
        if let Some(e) = self.size_error(lab) {
            let own = self.model_shape(lab).1;
            let message = size_error_text(&e, lang);
            ui.colored_label(err, fill(ImgText::SizeRefused.tr(lang), &[&message, &own]));
        }
        if let Some((name, message)) = &self.model_failure {
            ui.colored_label(err, fill(ImgText::FolderFailed.tr(lang), &[name, message]));
        }
        self.path_entry_ui(ui, lab);
        let key = self.model_key(lab);
        match (&key, self.model_job.latest()) {
            (None, _) => {
                ui.colored_label(warn, ImgText::NoModel.tr(lang));
            }
            (Some(k), Some(m)) if self.model_job.is_current(k) => {
                if m.domain().is_image() {
                    ui.weak(fill(
                        ImgText::ModelInfo.tr(lang),
                        &[
                            &k.0.label(),
                            &thousands(m.num_params()),
                            &objective_name(m.objective()),
                            &m.config.training.steps,
                            &m.config.data.dataset,
                        ],
                    ));
                    if let Some(note) = knows_only_note(m.config.data.dataset) {
                        ui.label(note.tr(lang));
                    }
                } else {
                    ui.colored_label(warn, fill(ImgText::NotImageModel.tr(lang), &[&k.0.label()]));
                }
            }
            _ => {}
        }
        model_load_status_ui::<ImgText, _, _>(ui, &self.model_job, lang);
        match self.loaded_model(lab) {
            Some(m) => {
                let own = schedule_summary(m.schedule.spec());
                if m.schedule.spec() != lab.schedule.spec() {
                    ui.colored_label(
                        warn,
                        format!(
                            "{} {}",
                            fill(ImgText::ScheduleOwn.tr(lang), &[&own]),
                            fill(
                                ImgText::ScheduleDiffers.tr(lang),
                                &[&schedule_summary(lab.schedule.spec())]
                            )
                        ),
                    );
                } else {
                    ui.weak(fill(ImgText::ScheduleOwn.tr(lang), &[&own]));
                }
            }
            None => {
                ui.weak(fill(
                    ImgText::ScheduleLab.tr(lang),
                    &[&schedule_summary(lab.schedule.spec())],
                ));
            }
        }
    }

    /// Forward/reverse view, closed form or chain, ε's seed and re-roll.
    pub fn forward_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let has_run = self.run.as_ref().is_some_and(RunState::has_steps);
        ui.horizontal_wrapped(|ui| {
            view_mode_switch::<ImgText>(ui, &mut self.mode, has_run, lang);
            ui.separator();
            egui::ComboBox::from_label(ImgText::NoiseKind.tr(lang))
                .selected_text(match self.forward_kind {
                    ForwardKind::ClosedForm => ImgText::ClosedForm.tr(lang),
                    ForwardKind::Chain => ImgText::Chain.tr(lang),
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(
                        &mut self.forward_kind,
                        ForwardKind::ClosedForm,
                        ImgText::ClosedForm.tr(lang),
                    );
                    ui.selectable_value(
                        &mut self.forward_kind,
                        ForwardKind::Chain,
                        ImgText::Chain.tr(lang),
                    );
                });
            let seed_label = ui.label(ImgText::NoiseSeed.tr(lang));
            ui.add(
                egui::DragValue::new(&mut self.noise_seed)
                    .custom_parser(crate::ui::widgets::finite_number)
                    .speed(1.0),
            )
            .labelled_by(seed_label.id);
            if ui.button(ImgText::Reroll.tr(lang)).clicked() {
                self.noise_seed = next_seed(self.noise_seed);
            }
        });
        if self.forward_kind == ForwardKind::Chain
            && let Some(p) = self.chain_job.progress()
        {
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(p.fraction())
                        .desired_width(160.0)
                        .show_percentage(),
                );
                ui.weak(ImgText::ChainRunning.tr(lang));
            });
        }
    }

    /// The t scrubber (forward) or the step scrubber (reverse).
    pub fn scrubber_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        let big_t = self.schedule(lab).num_steps();
        let scrubbers = (&mut self.scrubber, &mut self.reverse_scrubber);
        scrubber_row::<ImgText, _>(ui, self.mode, scrubbers, self.run.as_mut(), big_t, lang);
    }

    pub fn reverse_controls_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.label(RichText::new(ImgText::ReverseTitle.tr(lang)).strong());
        let big_t = self.schedule(lab).num_steps().max(1);
        ui.horizontal_wrapped(|ui| {
            sampler_and_steps_ui::<ImgText>(ui, &mut self.reverse, big_t, lang);
        });
        ui.horizontal_wrapped(|ui| {
            if self.reverse.sampler == SamplerKind::Ddim {
                ui.spacing_mut().slider_width = 110.0;
                ui.add(
                    egui::Slider::new(&mut self.reverse.eta, 0.0..=1.0)
                        .custom_parser(crate::ui::widgets::finite_number)
                        .text(ImgText::Eta.tr(lang)),
                );
            }
            let seed_label = ui.label(ImgText::Seed.tr(lang));
            ui.add(
                egui::DragValue::new(&mut self.reverse.seed)
                    .custom_parser(crate::ui::widgets::finite_number)
                    .speed(1.0),
            )
            .labelled_by(seed_label.id);
        });
        let running = self.run.as_ref().is_some_and(RunState::is_running);
        let t = self.shown.as_ref().map_or(0, |s| s.t);
        let can_start =
            !running && t > 0 && self.run_model(lab).is_some() && self.size_error(lab).is_none();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    can_start,
                    egui::Button::new(fill(ImgText::DenoiseFrom.tr(lang), &[&t])),
                )
                .clicked()
            {
                self.start_reverse(lab, repaint_of(ui.ctx()));
            }
            if running && ui.button(ImgText::Cancel.tr(lang)).clicked() {
                self.cancel_run();
            }
        });
        // "DDIM-50 … in 0.62 s" describes the sampler it ran with: once another sampler or
        // step count is chosen, it is no longer about what the button would do.
        let current = self.reverse.label(big_t);
        let run = self
            .run
            .as_ref()
            .filter(|r| r.is_running() || r.label == current);
        run_status_ui::<ImgText, _>(ui, run, lang, |run, s| {
            fill(
                ImgText::RunDone.tr(lang),
                &[
                    &run.label,
                    &s.steps,
                    &run.traj.start_t,
                    &format!("{:.2}", s.seconds),
                ],
            )
        });
        self.exact_ui(ui, lab);
    }

    /// What the chosen exact denoiser is, why it cannot run, and the nearest training
    /// picture of the finished run.
    fn exact_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        use crate::model::analytic::AnalyticFit;
        let lang = lab.lang();
        let Some(fit) = self.denoiser else {
            return;
        };
        let warn = ui.visuals().warn_fg_color;
        if self.loaded_model(lab).is_some() && self.explain_key(lab).is_none() {
            ui.colored_label(warn, ImgText::ExactNoData.tr(lang));
            return;
        }
        if let Some((_, own)) = self.exact_size_error(lab) {
            ui.colored_label(warn, fill(ImgText::ExactSize.tr(lang), &[&own]));
            return;
        }
        if self.run_model(lab).is_none() && self.exact_job.is_running() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak(ImgText::ExactFitting.tr(lang));
            });
        }
        let (channels, size) = self.model_shape(lab);
        let item_len = (channels * size * size).max(1);
        let n = self
            .exact_job
            .latest()
            .map_or(0, |m| m.train.len() / item_len);
        ui.label(match fit {
            AnalyticFit::Ideal => fill(ImgText::ExactIdealAbout.tr(lang), &[&n]),
            AnalyticFit::Gaussian => ImgText::ExactGaussianAbout.tr(lang).to_string(),
        });
        if let Some(near) = self.nearest_training().cloned() {
            ui.label(fill(
                ImgText::NearestTrain.tr(lang),
                &[
                    &near.nearest.index,
                    &crate::ui::forward_step::num(near.nearest.distance),
                    &crate::ui::forward_step::num(near.rms),
                ],
            ));
            let id = self.nearest_texture.texture(
                ui.ctx(),
                "image-nearest-training",
                hash_of(near.nearest.index, &[&near.item]),
                || picture::item_picture(&near.item, channels, size, Shade::Value),
            );
            ui.add(
                egui::Image::from_texture((id, egui::vec2(96.0, 96.0)))
                    .alt_text(format!("training picture #{}", near.nearest.index)),
            );
        }
    }

    /// Thumbnails along the reverse run (x_t over x̂0) or the forward process; a click

    /// GIF of the trajectory, PNG strip and the current frame, each saved atomically.
    pub fn export_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        ui.label(RichText::new(ImgText::Export.tr(lang)).strong());
        let busy = self.export_job.is_some();
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new(ImgText::ExportGif.tr(lang)))
                .clicked()
            {
                self.export(ExportKind::Gif, None, lab, repaint_of(ui.ctx()));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(ImgText::ExportStrip.tr(lang)))
                .clicked()
            {
                self.export(ExportKind::Strip, None, lab, repaint_of(ui.ctx()));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(ImgText::SaveFrame.tr(lang)))
                .clicked()
            {
                self.export(ExportKind::Frame, None, lab, repaint_of(ui.ctx()));
            }
        });
        save_status_ui::<ImgText>(ui, busy, self.export_status.as_ref(), lang);
    }
}

/// The burn backend the denoiser panels use (only the ones compiled in are offered).
pub fn device_picker(ui: &mut egui::Ui, lab: &mut LabContext) {
    let lang = lab.lang();
    let mut backend = lab.settings.backend;
    egui::ComboBox::from_label(ImgText::Device.tr(lang))
        .selected_text(backend.name())
        .show_ui(ui, |ui| {
            for b in BackendKind::available() {
                ui.selectable_value(&mut backend, b, b.name());
            }
        });
    lab.settings.backend = backend;
}
