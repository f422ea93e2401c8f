//! The Schedule panel's four plots over t and the by-eye strip.

use super::view::swatch;
use super::*;
use crate::ui::widgets::clip::{ClipBox, clip_polyline};

impl SchedulePanel {
    /// The four plots in a 2 × 2 grid, each `size`.
    pub fn plots_section(&mut self, ui: &mut egui::Ui, lang: Lang, size: Vec2) {
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.log_snr_view.on, SchedText::LogSnrView.tr(lang));
            if !self.log_snr_view.on {
                ui.checkbox(&mut self.log_beta_axis, SchedText::LogBeta.tr(lang));
                ui.weak(SchedText::PlotHint.tr(lang));
            }
        });
        if self.log_snr_view.on {
            let shown: Vec<Shown<'_>> = self.shown(lang);
            let shown: Vec<(usize, String, ScheduleSpec)> = shown
                .into_iter()
                .map(|s| (s.slot, s.name, s.spec.clone()))
                .collect();
            let shown: Vec<Shown<'_>> = shown
                .iter()
                .map(|(slot, name, spec)| Shown {
                    slot: *slot,
                    name: name.clone(),
                    spec,
                })
                .collect();
            let top = ui.cursor().top();
            // Four plots and a row of controls in the space of the four plots.
            let plot_size = Vec2::new(size.x, (size.y - 24.0).max(100.0));
            self.log_snr_view.ui(ui, lang, &shown, plot_size);
            self.plots_rect = Some(Rect::from_min_max(
                egui::pos2(ui.min_rect().left(), top),
                egui::pos2(ui.min_rect().right(), ui.cursor().top()),
            ));
            self.hover_t = None;
            return;
        }
        let mut rect: Option<Rect> = None;
        let mut hover_t = None;
        let mut clicked_t = None;
        for pair in PlotKind::ALL.chunks(2) {
            ui.horizontal(|ui| {
                for &kind in pair {
                    let block = ui.vertical(|ui| {
                        let title = kind.title(lang, self.editing_curve());
                        ui.horizontal(|ui| {
                            // The row keeps its height whether the button shows or not.
                            ui.set_min_height(ui.spacing().interact_size.y);
                            ui.label(math_job(ui, title, egui::TextStyle::Body, None));
                            if self.view_moved[kind.index()]
                                && ui
                                    .small_button(SchedText::ResetView.tr(lang))
                                    .on_hover_text(SchedText::ResetViewHint.tr(lang))
                                    .clicked()
                            {
                                self.view_reset[kind.index()] = true;
                            }
                        });
                        self.plot(ui, lang, kind, size)
                    });
                    let r = block.inner;
                    // The PNG takes titles and axes too.
                    let whole = block.response.rect.expand(4.0);
                    if r.rect.is_positive() {
                        rect = Some(rect.map_or(whole, |a| a.union(whole)));
                    }
                    if let Some(t) = r.hover_t {
                        hover_t = Some(t);
                    }
                    if let Some(t) = r.clicked_t {
                        clicked_t = Some(t);
                    }
                }
            });
        }
        self.plots_rect = rect;
        self.hover_t = hover_t;
        if let Some(t) = clicked_t {
            self.cursor.t = t.clamp(1, self.max_shown_steps());
        }
    }

    /// Where the custom curve's control points are on screen (empty unless the log-SNR
    /// plot is editing the curve).
    pub fn control_point_screen_positions(&self) -> &[egui::Pos2] {
        &self.control_point_positions
    }

    /// Recomputes the drawn custom curve when the curve or T changed.
    fn refresh_curve_line(&mut self, steps: usize) {
        let fresh = self
            .curve_line
            .as_ref()
            .is_some_and(|(c, n, _)| *n == steps && *c == self.inputs.curve);
        if fresh {
            return;
        }
        // A few hundred points draw the smooth curve at any T.
        let samples = steps.clamp(2, 400);
        let line = self
            .inputs
            .curve
            .log_snrs(samples)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let u = i as f64 / (samples - 1) as f64;
                PlotPoint::new(1.0 + u * (steps - 1) as f64, *l)
            })
            .collect();
        self.curve_line = Some((self.inputs.curve.clone(), steps, line));
    }

    /// The screen rect of the plot grid (titles and axes included) last frame.
    pub fn plots_rect(&self) -> Option<Rect> {
        self.plots_rect
    }

    /// True when the log-SNR plot edits the custom curve.
    fn editing_curve(&self) -> bool {
        self.inputs.kind == ScheduleKind::TrainedBetas && self.current_visible
    }

    fn plot(&mut self, ui: &mut egui::Ui, lang: Lang, kind: PlotKind, size: Vec2) -> PlotOutcome {
        let editing = kind == PlotKind::LogSnr && self.editing_curve();
        if editing {
            self.refresh_curve_line(self.inputs.num_steps.max(2));
        }
        let reset_view = std::mem::take(&mut self.view_reset[kind.index()]);
        let shown = self.shown(lang);
        let log_beta = self.log_beta_axis;
        let cursor_t = self.cursor.t as f64;
        let steps = self.inputs.num_steps.max(2);
        let curve_points: Vec<PlotPoint> = self
            .inputs
            .curve
            .points()
            .iter()
            .map(|p| PlotPoint::new(1.0 + p.u * (steps - 1) as f64, p.log_snr))
            .collect();
        let Some(derived) = &self.derived else {
            return PlotOutcome {
                rect: Rect::NOTHING,
                hover_t: None,
                clicked_t: None,
            };
        };
        let entries: Vec<(usize, &str, &DerivedEntry)> = shown
            .iter()
            .enumerate()
            .filter_map(|(i, s)| derived.get(i).map(|e| (s.slot, s.name.as_str(), e)))
            .collect();
        let tooltip_rows: Vec<(usize, String, Arc<Schedule>)> = entries
            .iter()
            .map(|(slot, name, e)| (*slot, name.to_string(), e.schedule.clone()))
            .collect();
        let cursor_color = ui.visuals().text_color().gamma_multiply(0.7);
        // Hovering right of t = T (the plot's margin) reads T, not a t that does not exist.
        let max_t = self.max_shown_steps();
        let mut plot = Plot::new(kind.id())
            .id(kind.plot_id())
            .width(size.x)
            .height(size.y)
            .allow_scroll(false)
            .link_cursor(egui::Id::unique("schedule-plots-cursor"), [true, false])
            .y_axis_min_width(36.0);
        if kind == PlotKind::AlphaBar {
            plot = plot.legend(
                Legend::default()
                    .position(Corner::RightTop)
                    .follow_insertion_order(true),
            );
        }
        if kind == PlotKind::Beta && log_beta {
            plot = plot.y_axis_formatter(|mark, _| log10_tick_label(mark.value, mark.step_size));
        }
        if reset_view {
            plot = plot.reset();
        }
        if editing {
            plot = plot
                .allow_drag(false)
                .allow_zoom(false)
                .allow_boxed_zoom(false)
                .allow_double_click_reset(false);
        }
        let editing_color = PALETTE[0];
        let curve_line: Option<&[PlotPoint]> = if editing {
            self.curve_line.as_ref().map(|(_, _, l)| l.as_slice())
        } else {
            None
        };
        let response = plot.show(ui, |pui| {
            // A zoomed-in view (auto bounds off) clips the curves to a box around it: a
            // dashed curve is laid out dash by dash along its whole length on screen, and
            // under a 10⁶× zoom that is billions of dashes (see `widgets::clip`).
            let auto = pui.auto_bounds();
            let clip = ClipBox::around_view(&pui.plot_bounds(), 1.0, [!auto.x, !auto.y]);
            for (slot, name, e) in &entries {
                let color = PALETTE[*slot];
                let c = &e.curves;
                let (solid, dashed): (&[PlotPoint], Option<&[PlotPoint]>) = match kind {
                    PlotKind::Beta if log_beta => {
                        (&c.beta_log10, Some(&c.posterior_variance_log10))
                    }
                    PlotKind::Beta => (&c.beta, Some(&c.posterior_variance)),
                    PlotKind::AlphaBar => (&c.alpha_bar, None),
                    PlotKind::SignalNoise => (&c.signal, Some(&c.noise)),
                    PlotKind::LogSnr => (&c.log_snr, None),
                };
                // The current schedule a little bolder: it is the one being tuned.
                let width = if *slot == 0 { 2.2 } else { 1.6 };
                for points in clipped(solid, &clip) {
                    pui.line(Line::new(*name, points).color(color).width(width));
                }
                for points in dashed.map(|d| clipped(d, &clip)).unwrap_or_default() {
                    pui.line(
                        Line::new(*name, points)
                            .color(color)
                            .width(1.4)
                            .style(LineStyle::dashed_loose()),
                    );
                }
            }
            if let Some(line) = curve_line {
                for points in clipped(line, &clip) {
                    pui.line(
                        Line::new("", points)
                            .color(editing_color.gamma_multiply(0.6))
                            .width(1.0)
                            .style(LineStyle::dotted_dense())
                            .allow_hover(false),
                    );
                }
                pui.points(
                    Points::new("", PlotPoints::Owned(curve_points.clone()))
                        .shape(MarkerShape::Circle)
                        .radius(6.0)
                        .filled(true)
                        .color(editing_color)
                        .allow_hover(false),
                );
                // Fixed bounds while editing, so a dragged point does not move the axes.
                let margin = steps as f64 * 0.03;
                pui.set_plot_bounds(PlotBounds::from_min_max(
                    [-margin, -LOG_SNR_LIMIT - 1.5],
                    [steps as f64 + margin, LOG_SNR_LIMIT + 1.5],
                ));
            }
            pui.vline(
                VLine::new("", cursor_t)
                    .color(cursor_color)
                    .width(1.0)
                    .allow_hover(false),
            );
            pui.auto_bounds()
        });
        // The editing plot holds fixed bounds on purpose: nothing to reset there.
        self.view_moved[kind.index()] = !editing && !response.inner.all();
        let mut outcome = PlotOutcome {
            rect: response.response.rect,
            hover_t: None,
            clicked_t: None,
        };
        let transform = response.transform;
        if let Some(pos) = response.response.hover_pos() {
            let x = transform.value_from_position(pos).x;
            if x.is_finite() {
                let t = (x.round().max(1.0) as usize).min(max_t);
                outcome.hover_t = Some(t);
                if self.drag_point.is_none() {
                    response
                        .response
                        .clone()
                        .on_hover_ui_at_pointer(|ui| hover_table(ui, kind, t, &tooltip_rows));
                }
            }
        }
        if kind == PlotKind::LogSnr {
            self.control_point_positions = if editing {
                curve_points
                    .iter()
                    .map(|p| transform.position_from_point(p))
                    .collect()
            } else {
                Vec::new()
            };
        }
        if editing {
            let r = &response.response;
            if r.drag_started()
                && let Some(origin) = ui.input(|i| i.pointer.press_origin())
            {
                self.drag_point = curve_points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, transform.position_from_point(p).distance(origin)))
                    .filter(|(_, d)| *d <= 12.0)
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(i, _)| i);
            }
            if let Some(i) = self.drag_point
                && r.dragged()
                && let Some(pos) = r.interact_pointer_pos()
            {
                let v = transform.value_from_position(pos);
                let u = (v.x - 1.0) / (steps - 1) as f64;
                self.move_control_point(i, u, v.y);
            }
            if r.drag_stopped() {
                self.drag_point = None;
            }
            if let Some(pos) = r.hover_pos() {
                let near = curve_points
                    .iter()
                    .any(|p| transform.position_from_point(p).distance(pos) <= 12.0);
                if near || self.drag_point.is_some() {
                    ui.ctx().set_cursor_icon(egui::CursorIcon::Grab);
                }
            }
        }
        if response.response.clicked()
            && let Some(pos) = response.response.interact_pointer_pos()
        {
            let x = transform.value_from_position(pos).x;
            if x.is_finite() {
                outcome.clicked_t = Some((x.round().max(1.0) as usize).min(max_t));
            }
        }
        outcome
    }

    /// The by-eye strip: one row of noised images per shown schedule.
    pub fn strip_section(&mut self, ui: &mut egui::Ui, lang: Lang, tile: f32) {
        ui.strong(SchedText::Strip.tr(lang));
        let shown: Vec<(usize, String)> = self
            .shown(lang)
            .into_iter()
            .map(|s| (s.slot, s.name))
            .collect();
        let Some(derived) = &self.derived else {
            return;
        };
        let ctx = ui.ctx().clone();
        // Upload textures for entries that are new since the last frame.
        for entry in derived.entries().iter().filter_map(|e| e.as_ref().ok()) {
            if !self.textures.iter().any(|(rev, _)| *rev == entry.revision) {
                let handles = entry
                    .strip
                    .iter()
                    .enumerate()
                    .map(|(k, img)| {
                        ctx.load_texture(
                            format!("schedule-strip-{}-{k}", entry.revision),
                            img.clone(),
                            egui::TextureOptions::LINEAR,
                        )
                    })
                    .collect();
                self.textures.push((entry.revision, handles));
            }
        }
        let textures = &self.textures;
        egui::Grid::new("schedule-strip")
            .spacing([4.0, 4.0])
            .show(ui, |ui| {
                ui.label(SchedText::StripFraction.tr(lang));
                for k in 0..STRIP_FRAMES {
                    let f = k as f64 / (STRIP_FRAMES - 1) as f64;
                    ui.vertical_centered(|ui| {
                        ui.set_width(tile);
                        ui.small(format!("{f:.2}"));
                    });
                }
                ui.end_row();
                for (i, (slot, name)) in shown.iter().enumerate() {
                    let Some(entry) = derived.get(i) else {
                        continue;
                    };
                    let Some((_, handles)) =
                        textures.iter().find(|(rev, _)| *rev == entry.revision)
                    else {
                        continue;
                    };
                    ui.horizontal(|ui| {
                        swatch(ui, PALETTE[*slot]);
                        ui.label(name);
                    });
                    for (k, h) in handles.iter().enumerate() {
                        let t = entry.strip_times.get(k).copied().unwrap_or(0);
                        let ab = entry.schedule.alpha_bar(t);
                        ui.add(
                            egui::Image::new((h.id(), Vec2::splat(tile)))
                                .sense(egui::Sense::hover()),
                        )
                        .on_hover_text(tr_fill(
                            SchedText::StripTile,
                            lang,
                            &[name, &t, &fmt_sig(ab)],
                        ));
                    }
                    ui.end_row();
                }
            });
    }
}

/// A screenshot on its way, and where its crop goes.
pub(super) struct PendingScreenshot {
    pub(super) image: Receiver<Arc<ColorImage>>,
    pub(super) rect: Rect,
    pub(super) ppp: f32,
    pub(super) target: Option<PathBuf>,
}

struct PlotOutcome {
    rect: Rect,
    hover_t: Option<usize>,
    clicked_t: Option<usize>,
}

/// The hover table of a plot: t and this plot's quantities for every shown schedule.
fn hover_table(
    ui: &mut egui::Ui,
    kind: PlotKind,
    t: usize,
    rows: &[(usize, String, Arc<Schedule>)],
) {
    ui.strong(format!("t = {t}"));
    egui::Grid::new("schedule-hover")
        .spacing([10.0, 2.0])
        .show(ui, |ui| {
            for (slot, name, sched) in rows {
                if t > sched.num_steps() {
                    continue;
                }
                ui.horizontal(|ui| {
                    swatch(ui, PALETTE[*slot]);
                    ui.label(name);
                });
                let cells: Vec<String> = match kind {
                    PlotKind::Beta => vec![
                        format!("βₜ = {}", fmt_sig(sched.beta(t))),
                        format!("β̃ₜ = {}", fmt_sig(sched.posterior_variance(t))),
                    ],
                    PlotKind::AlphaBar => vec![format!("ᾱₜ = {}", fmt_sig(sched.alpha_bar(t)))],
                    PlotKind::SignalNoise => vec![
                        format!("√ᾱₜ = {}", fmt_sig(sched.sqrt_alpha_bar(t))),
                        format!("√(1−ᾱₜ) = {}", fmt_sig(sched.sqrt_one_minus_alpha_bar(t))),
                    ],
                    PlotKind::LogSnr => vec![format!(
                        "λₜ = {}",
                        sched
                            .log_snr_finite(t)
                            .map(fmt_sig)
                            .unwrap_or_else(|| "−∞".into())
                    )],
                };
                for c in cells {
                    ui.label(math_job(ui, &c, egui::TextStyle::Body, None));
                }
                ui.end_row();
            }
        });
}

/// A log10 axis tick: "1e-2", or "1e-1.4" between decades, with only the decimals the
/// tick spacing needs (never "1e-1.4000000000000001").
pub fn log10_tick_label(exponent: f64, step: f64) -> String {
    let decimals = if step.is_finite() && step > 0.0 {
        (-step.log10().floor()).clamp(0.0, 6.0) as usize
    } else {
        0
    };
    let mut text = format!("{exponent:.decimals$}");
    // "-0" and "-0.0" are 0.
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text.remove(0);
    }
    format!("1e{text}")
}

/// `line` as egui_plot points: borrowed as it is where nothing is clipped, else the parts
/// of it inside `clip`.
fn clipped<'a>(line: &'a [PlotPoint], clip: &ClipBox) -> Vec<PlotPoints<'a>> {
    if *clip == ClipBox::UNBOUNDED {
        return vec![PlotPoints::Borrowed(line)];
    }
    let xy: Vec<[f64; 2]> = line.iter().map(|p| [p.x, p.y]).collect();
    clip_polyline(&xy, clip)
        .into_iter()
        .map(PlotPoints::new)
        .collect()
}
