//! Drawing the Schedule panel: its side controls, the comparison, files and readout.

use super::*;

impl SchedulePanel {
    // ----- drawing ---------------------------------------------------------------------

    pub fn schedule_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        let lang = lab.lang();
        self.ensure_initialized();
        self.poll_files(ui.ctx(), lab);
        self.drop_stale_status();
        egui::Panel::left("schedule-controls")
            .resizable(true)
            .default_size(340.0)
            .min_size(260.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.controls_section(ui, lang);
                    ui.separator();
                    self.lint_section(ui, lang);
                    ui.separator();
                    self.compare_section(ui, lang);
                    ui.separator();
                    self.files_section(ui, lang);
                });
            });
        self.refresh_derived();
        self.publish(lab);
        egui::CentralPanel::default().show(ui, |ui| {
            let avail = ui.available_size();
            egui::ScrollArea::vertical().show(ui, |ui| {
                self.main_area(ui, lang, avail);
            });
        });
        self.request_png(ui.ctx(), lang);
    }

    /// Scrubber, readout, plots and strip, sized to fit `avail`.
    fn main_area(&mut self, ui: &mut egui::Ui, lang: Lang, avail: Vec2) {
        let top = ui.cursor().top();
        let shown_count = self.shown(lang).len();
        if shown_count == 0 {
            ui.colored_label(ui.visuals().warn_fg_color, SchedText::NoneShown.tr(lang));
        }
        let max_t = self.max_shown_steps();
        self.cursor
            .ui(ui, SchedText::CursorT.tr(lang), 1, max_t, lang);
        self.readout_section(ui, lang);
        // What is left is shared by two rows of plots (each with a title) and the strip.
        let spacing = ui.spacing().item_spacing;
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + spacing.y;
        let remaining = avail.y - (ui.cursor().top() - top);
        let rows = shown_count.max(1) as f32;
        let strip_h = |tile: f32| 3.0 * row_h + rows * (tile + spacing.y) + 8.0;
        let plots_extra = 3.0 * row_h + 12.0;
        let mut tile = ((avail.x - 120.0) / STRIP_FRAMES as f32 - spacing.x).clamp(36.0, 72.0);
        let plot_h_for = |tile: f32| (remaining - strip_h(tile) - plots_extra) / 2.0;
        while tile > 40.0 && plot_h_for(tile) < 150.0 {
            tile -= 2.0;
        }
        let plot_h = plot_h_for(tile).clamp(130.0, 360.0);
        let plot_w = ((avail.x - spacing.x * 3.0) / 2.0).max(200.0);
        self.plots_section(ui, lang, Vec2::new(plot_w, plot_h));
        ui.separator();
        self.strip_section(ui, lang, tile);
    }

    pub(super) fn max_shown_steps(&self) -> usize {
        let derived_max = self.derived.as_ref().map(|d| {
            d.entries()
                .iter()
                .filter_map(|e| e.as_ref().ok())
                .map(|e| e.schedule.num_steps())
                .max()
                .unwrap_or(0)
        });
        derived_max
            .filter(|m| *m > 0)
            .unwrap_or(self.spec.effective_steps())
            .max(1)
    }

    /// Presets, kind, T, β range, zero SNR, the custom curve, and any input problem.
    pub fn controls_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(SchedText::Presets.tr(lang));
        // Two columns of equal, fixed-size buttons: choosing one never re-wraps the rest,
        // so the next click lands where the eye expects.
        egui::Grid::new("schedule-presets")
            .num_columns(2)
            .spacing([4.0, 4.0])
            .show(ui, |ui| {
                for (i, p) in Preset::ALL.into_iter().enumerate() {
                    let selected = self.spec == p.spec();
                    let button = egui::Button::selectable(selected, p.label(lang));
                    if ui
                        .add_sized(PRESET_BUTTON, button)
                        .on_hover_text(p.hint(lang))
                        .clicked()
                    {
                        self.apply_preset(p);
                    }
                    if i % 2 == 1 {
                        ui.end_row();
                    }
                }
            });
        ui.add_space(4.0);
        let mut kind = self.inputs.kind;
        egui::ComboBox::from_label(SchedText::Kind.tr(lang))
            .selected_text(kind_label(kind, lang))
            .width(230.0)
            .show_ui(ui, |ui| {
                for k in ScheduleKind::ALL {
                    ui.selectable_value(&mut kind, k, kind_label(k, lang));
                }
            });
        if kind != self.inputs.kind {
            self.set_kind(kind);
        }
        let uses_range = self.inputs.kind.uses_beta_range();
        egui::Grid::new("schedule-inputs")
            .num_columns(3)
            .spacing([6.0, 4.0])
            .show(ui, |ui| {
                self.steps_row(ui, lang);
                ui.end_row();
                self.beta_row(ui, lang, true, uses_range);
                ui.end_row();
                self.beta_row(ui, lang, false, uses_range);
                ui.end_row();
            });
        if !uses_range {
            ui.weak(SchedText::BetaRangeUnused.tr(lang));
        }
        let mut zero = self.inputs.zero_snr;
        if ui
            .checkbox(&mut zero, SchedText::ZeroSnr.tr(lang))
            .on_hover_text(SchedText::ZeroSnrHint.tr(lang))
            .changed()
        {
            self.inputs.zero_snr = zero;
            self.apply_inputs();
        }
        if self.inputs.kind == ScheduleKind::TrainedBetas {
            self.custom_curve_section(ui, lang);
        }
        let problems = self.input_problems();
        if !problems.is_empty() {
            let color = ui.visuals().error_fg_color;
            for p in &problems {
                ui.colored_label(color, p.text(lang));
            }
            ui.colored_label(color, SchedText::KeptLastGood.tr(lang));
        }
    }

    /// The T label, log slider and typed value (one grid row).
    fn steps_row(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let label = ui.label(SchedText::Steps.tr(lang));
        let mut steps = self.inputs.num_steps.clamp(MIN_STEPS, MAX_STEPS);
        let slider = ui
            .add(
                egui::Slider::new(&mut steps, MIN_STEPS..=MAX_STEPS)
                    .custom_parser(crate::ui::widgets::finite_number)
                    .logarithmic(true)
                    .show_value(false),
            )
            .accessible_name(tr_fill(
                SchedText::SliderName,
                lang,
                &[&SchedText::Steps.tr(lang)],
            ));
        if slider.changed() && steps != self.inputs.num_steps {
            self.inputs.num_steps = steps;
            // A slider move leaves an imported list: the curve is resampled at the new T.
            self.inputs.imported_betas = None;
            self.sync_steps_text();
            self.apply_inputs();
        }
        let edit = ui
            .add(egui::TextEdit::singleline(&mut self.texts.steps).desired_width(80.0))
            .labelled_by(label.id);
        if edit.changed() {
            match parse_steps(&self.texts.steps) {
                Ok(n) => {
                    self.texts.steps_problem = None;
                    if n != self.inputs.num_steps {
                        self.inputs.num_steps = n;
                        self.inputs.imported_betas = None;
                        self.apply_inputs();
                    }
                }
                Err(p) => self.texts.steps_problem = Some(p),
            }
        }
        if edit.lost_focus() && self.texts.steps_problem.is_none() {
            self.sync_steps_text();
        }
    }

    /// A β label, log slider and typed value (one grid row).
    fn beta_row(&mut self, ui: &mut egui::Ui, lang: Lang, start: bool, enabled: bool) {
        let name = if start {
            SchedText::BetaStart
        } else {
            SchedText::BetaEnd
        };
        let label = ui.add_enabled(enabled, egui::Label::new(name.tr(lang)));
        let mut value = if start {
            self.inputs.beta_start
        } else {
            self.inputs.beta_end
        };
        let mut slider_value = value.clamp(BETA_SLIDER_MIN, BETA_SLIDER_MAX);
        let slider = ui
            .add_enabled(
                enabled,
                egui::Slider::new(&mut slider_value, BETA_SLIDER_MIN..=BETA_SLIDER_MAX)
                    .custom_parser(crate::ui::widgets::finite_number)
                    .logarithmic(true)
                    .show_value(false),
            )
            .accessible_name(tr_fill(SchedText::SliderName, lang, &[&name.tr(lang)]));
        let mut changed_by_slider = false;
        if slider.changed() {
            let v = round_sig3(slider_value);
            if v != value {
                value = v;
                changed_by_slider = true;
            }
        }
        let text = if start {
            &mut self.texts.beta_start
        } else {
            &mut self.texts.beta_end
        };
        let edit = ui
            .add_enabled(
                enabled,
                egui::TextEdit::singleline(text).desired_width(80.0),
            )
            .labelled_by(label.id);
        let mut typed: Option<Result<f64, InputProblem>> = None;
        if edit.changed() {
            let key = if start { "β_start" } else { "β_end" };
            typed = Some(parse_beta(key, text));
        }
        let lost_focus = edit.lost_focus();
        if changed_by_slider {
            if start {
                self.inputs.beta_start = value;
                self.sync_beta_start_text();
            } else {
                self.inputs.beta_end = value;
                self.sync_beta_end_text();
            }
            self.apply_inputs();
        }
        match typed {
            Some(Ok(v)) => {
                if start {
                    self.texts.beta_start_problem = None;
                    self.inputs.beta_start = v;
                } else {
                    self.texts.beta_end_problem = None;
                    self.inputs.beta_end = v;
                }
                self.apply_inputs();
            }
            Some(Err(p)) => {
                if start {
                    self.texts.beta_start_problem = Some(p);
                } else {
                    self.texts.beta_end_problem = Some(p);
                }
            }
            None => {}
        }
        if lost_focus {
            if start && self.texts.beta_start_problem.is_none() {
                self.sync_beta_start_text();
            } else if !start && self.texts.beta_end_problem.is_none() {
                self.sync_beta_end_text();
            }
        }
    }

    /// Notes and a reset for the custom log-SNR curve; the β it gives.
    fn custom_curve_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let note = if self.inputs.imported_betas.is_some() {
            SchedText::CustomImported
        } else {
            SchedText::CustomHint
        };
        ui.label(note.tr(lang));
        if let Some(entry) = self.current_entry() {
            let betas = entry.schedule.betas();
            let largest = betas.iter().copied().fold(0.0_f64, f64::max);
            ui.label(tr_fill(
                SchedText::DerivedBetas,
                lang,
                &[
                    &fmt_sig(entry.schedule.beta(1)),
                    &fmt_sig(entry.schedule.beta(entry.schedule.num_steps())),
                    &fmt_sig(largest),
                ],
            ));
        }
        if ui
            .button(SchedText::CustomReset.tr(lang))
            .on_hover_text(SchedText::CustomResetHint.tr(lang))
            .clicked()
        {
            self.inputs.curve = LogSnrCurve::default();
            self.inputs.imported_betas = None;
            self.apply_inputs();
        }
    }

    /// The derived entry of the current schedule when it is shown and built.
    fn current_entry(&self) -> Option<&DerivedEntry> {
        let d = self.derived.as_ref()?;
        d.entries()
            .iter()
            .filter_map(|e| e.as_ref().ok())
            .find(|e| e.spec == self.spec)
    }

    /// The linter's findings on the current inputs, coloured by severity.
    pub fn lint_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(SchedText::Linter.tr(lang));
        let findings = self.findings();
        if findings.is_empty() && self.lint.is_some() {
            ui.label(SchedText::NoFindings.tr(lang));
        }
        for f in findings {
            let color = severity_color(ui.visuals(), f.severity);
            ui.label(
                RichText::new(format!(
                    "{}: {}",
                    severity_text(f.severity, lang),
                    finding_text(&f.kind, lang)
                ))
                .color(color),
            );
        }
    }

    /// The shown schedules: visibility, colour, edit, remove; "add current".
    pub fn compare_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(SchedText::Shown.tr(lang))
            .on_hover_text(SchedText::ActiveHint.tr(lang));
        let active_slot = self.shown(lang).first().map(|s| s.slot);
        // Above the list, so it stays put as rows are added.
        let full = self.compared.len() >= MAX_COMPARED;
        if ui
            .add_enabled(!full, egui::Button::new(SchedText::AddToCompare.tr(lang)))
            .clicked()
        {
            self.add_current_to_comparison();
        }
        if full || self.compare_full {
            ui.weak(SchedText::CompareFull.tr(lang));
        }
        // The current schedule.
        ui.horizontal_wrapped(|ui| {
            swatch(ui, PALETTE[0]).on_hover_text(SchedText::ColourHint.tr(lang));
            let label = format!(
                "{}: {}",
                SchedText::Current.tr(lang),
                spec_summary(&self.spec, lang)
            );
            let active = active_slot == Some(0);
            wrapped_checkbox(ui, &mut self.current_visible, label);
            if active {
                active_badge(ui, lang);
            }
        });
        let mut remove = None;
        let mut edit = None;
        for c in &mut self.compared {
            ui.horizontal_wrapped(|ui| {
                swatch(ui, PALETTE[c.slot.min(MAX_SHOWN - 1)])
                    .on_hover_text(SchedText::ColourHint.tr(lang));
                let name = tr_fill(SchedText::Compared, lang, &[&c.slot]);
                let active = active_slot == Some(c.slot);
                wrapped_checkbox(
                    ui,
                    &mut c.visible,
                    format!("{name}: {}", spec_summary(&c.spec, lang)),
                );
                if active {
                    active_badge(ui, lang);
                }
                if ui
                    .small_button("✎")
                    .on_hover_text(SchedText::EditHint.tr(lang))
                    .accessible_name(tr_fill(SchedText::EditNamed, lang, &[&name]))
                    .clicked()
                {
                    edit = Some(c.spec.clone());
                }
                if ui
                    .small_button("✖")
                    .accessible_name(tr_fill(SchedText::RemoveNamed, lang, &[&name]))
                    .on_hover_text(tr_fill(SchedText::RemoveNamed, lang, &[&name]))
                    .clicked()
                {
                    remove = Some(c.slot);
                }
            });
        }
        if let Some(slot) = remove {
            self.remove_compared(slot);
        }
        if let Some(spec) = edit {
            self.load_spec(&spec);
            self.current_visible = true;
        }
        // Entries that could not be built (e.g. from an older state file).
        if let Some(d) = &self.derived {
            for e in d.entries() {
                if let Err((spec, err)) = e {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        tr_fill(
                            SchedText::NotBuilt,
                            lang,
                            &[&spec_summary(spec, lang), &schedule_error_text(err, lang)],
                        ),
                    );
                }
            }
        }
        if let Some(e) = &self.publish_problem {
            ui.colored_label(ui.visuals().error_fg_color, schedule_error_text(e, lang));
        }
    }

    /// Import and export buttons, and what the last file action did.
    pub fn files_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.strong(SchedText::Files.tr(lang));
        let busy = self.dialog.is_some() || self.screenshot.is_some() || self.png_request.is_some();
        let repaint = Self::repaint(ui.ctx());
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new(SchedText::Import.tr(lang)))
                .clicked()
            {
                self.open_import_dialog(repaint.clone());
            }
            for (kind, text) in [
                (SchedExport::Csv, SchedText::ExportCsv),
                (SchedExport::Config, SchedText::ExportConfig),
                (SchedExport::Png, SchedText::ExportPng),
            ] {
                if ui
                    .add_enabled(!busy, egui::Button::new(text.tr(lang)))
                    .clicked()
                {
                    self.export(kind, None, lang, repaint.clone());
                }
            }
        });
        self.path_field_ui(ui, lang);
        ui.weak(SchedText::DropHint.tr(lang));
        if busy {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(SchedText::DialogOpen.tr(lang));
            });
        }
        match &self.file_status {
            Some(FileStatus::Saved(p)) => {
                ui.label(tr_fill(SchedText::Saved, lang, &[&p.display()]));
            }
            Some(FileStatus::Cancelled) => {
                ui.weak(SchedText::Cancelled.tr(lang));
            }
            Some(FileStatus::Failed(e)) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    tr_fill(SchedText::SaveFailed, lang, &[e]),
                );
            }
            None => {}
        }
        match &self.import_status {
            Some(ImportStatus::Imported {
                file,
                summary,
                warnings,
            }) => {
                ui.label(tr_fill(
                    SchedText::Imported,
                    lang,
                    &[file, &spec_summary(summary, lang)],
                ));
                if !warnings.is_empty() {
                    let color = ui.visuals().warn_fg_color;
                    ui.colored_label(color, SchedText::ImportWarnings.tr(lang));
                    for w in warnings {
                        ui.colored_label(color, format!("• {}", import_warning_text(w, lang)));
                    }
                }
            }
            Some(ImportStatus::Failed { file, error }) => {
                let color = ui.visuals().error_fg_color;
                ui.colored_label(
                    color,
                    tr_fill(SchedText::ImportFailed, lang, &[file, &error.text(lang)]),
                );
                ui.colored_label(color, SchedText::ImportKeptPrevious.tr(lang));
            }
            None => {}
        }
    }

    /// The t shown in the readout: the hovered t, else the cursor's.
    pub fn readout_t(&self) -> usize {
        self.hover_t.unwrap_or(self.cursor.t)
    }

    /// Every quantity at the readout t for every shown schedule.
    pub fn readout_section(&mut self, ui: &mut egui::Ui, lang: Lang) {
        let t = self.readout_t();
        let shown = self.shown(lang);
        let Some(derived) = &self.derived else {
            return;
        };
        egui::Grid::new("schedule-readout")
            .num_columns(8)
            .spacing([14.0, 2.0])
            .striped(true)
            .show(ui, |ui| {
                let strong = ui.visuals().strong_text_color();
                for h in [
                    SchedText::ColSchedule.tr(lang),
                    "t",
                    "βₜ",
                    "β̃ₜ",
                    "ᾱₜ",
                    "√ᾱₜ",
                    "√(1−ᾱₜ)",
                    "λₜ (log-SNR)",
                ] {
                    ui.label(math_job(ui, h, egui::TextStyle::Body, Some(strong)));
                }
                ui.end_row();
                for (i, s) in shown.iter().enumerate() {
                    let Some(entry) = derived.get(i) else {
                        continue;
                    };
                    let schedule = &entry.schedule;
                    ui.horizontal(|ui| {
                        swatch(ui, PALETTE[s.slot]);
                        ui.label(&s.name);
                    });
                    if t > schedule.num_steps() {
                        ui.label(format!("{t} > T"));
                        ui.end_row();
                        continue;
                    }
                    let row = schedule.row(t);
                    ui.label(row.t.to_string());
                    ui.label(fmt_sig(row.beta));
                    ui.label(fmt_sig(row.posterior_variance));
                    ui.label(fmt_sig(row.alpha_bar));
                    ui.label(fmt_sig(row.sqrt_alpha_bar));
                    ui.label(fmt_sig(row.sqrt_one_minus_alpha_bar));
                    ui.label(
                        schedule
                            .log_snr_finite(t)
                            .map(fmt_sig)
                            .unwrap_or_else(|| "−∞".to_string()),
                    );
                    ui.end_row();
                }
            });
    }
}

fn severity_color(visuals: &egui::Visuals, s: Severity) -> Color32 {
    match s {
        Severity::Error => visuals.error_fg_color,
        Severity::Warning => visuals.warn_fg_color,
        Severity::Info => {
            if visuals.dark_mode {
                Color32::from_rgb(130, 180, 255)
            } else {
                Color32::from_rgb(20, 90, 190)
            }
        }
    }
}

/// A small filled square in `color`.
pub(super) fn swatch(ui: &mut egui::Ui, color: Color32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(12.0), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, color);
    response
}

/// A checkbox whose text wraps within the panel (in a wrapping row) instead of widening
/// it: a long schedule summary would otherwise push the side panel wider and re-flow
/// everything in it.
fn wrapped_checkbox(ui: &mut egui::Ui, checked: &mut bool, text: String) -> egui::Response {
    let mut response = ui.checkbox(checked, "");
    let label = ui.add(egui::Label::new(text).wrap().sense(egui::Sense::click()));
    if label.clicked() {
        *checked = !*checked;
        response.mark_changed();
    }
    response.labelled_by(label.id)
}

fn active_badge(ui: &mut egui::Ui, lang: Lang) {
    ui.label(RichText::new(SchedText::Active.tr(lang)).strong())
        .on_hover_text(SchedText::ActiveHint.tr(lang));
}
