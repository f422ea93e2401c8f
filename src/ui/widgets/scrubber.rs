//! The timestep scrubber every t-driven panel shares: a slider, play/pause, speed, and
//! the keyboard (←/→ step, Shift+←/→ by 10, Home/End, Space play/pause).

use crate::app::Lang;
use crate::egui;
use crate::ui::i18n::Text;
use serde::{Deserialize, Serialize};

crate::i18n_table! {
    pub enum ScrubText {
        Play => "▶ Play", "▶ 재생";
        Pause => "‖ Pause", "‖ 일시정지";
        Speed => "{0|step|steps}/s", "스텝/초";
        KeysHint => "←/→ step · Shift ×10 · Home/End · Space play", "←/→ 한 스텝 · Shift ×10 · Home/End · Space 재생";
    }
}

/// Width of `text` in the body font.
fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    ui.fonts_mut(|f| {
        f.layout_no_wrap(text.to_owned(), font, egui::Color32::PLACEHOLDER)
            .size()
            .x
    })
}

/// Width of a drag-value box showing `text` (at least the interact width).
fn value_box_width(ui: &egui::Ui, text: &str) -> f32 {
    let padding = 2.0 * ui.spacing().button_padding.x;
    (text_width(ui, text) + padding).max(ui.spacing().interact_size.x)
}

/// A t in [min, max] that the user scrubs, plays and steps with the keyboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scrubber {
    pub t: usize,
    #[serde(skip)]
    pub playing: bool,
    /// Steps per second while playing.
    pub speed: f32,
    /// Fractional steps carried between frames while playing.
    #[serde(skip)]
    carry: f64,
}

impl Default for Scrubber {
    fn default() -> Self {
        Self::new(1)
    }
}

impl Scrubber {
    pub fn new(t: usize) -> Self {
        Self {
            t,
            playing: false,
            speed: 100.0,
            carry: 0.0,
        }
    }

    /// Applies a keyboard step to t; returns true if t changed. Separate from drawing so
    /// it can be tested and reused.
    pub fn apply_keys(&mut self, input: &egui::InputState, min: usize, max: usize) -> bool {
        let before = self.t;
        let big = if input.modifiers.shift { 10 } else { 1 };
        if input.key_pressed(egui::Key::ArrowRight) {
            self.t = (self.t + big).min(max);
        }
        if input.key_pressed(egui::Key::ArrowLeft) {
            self.t = self.t.saturating_sub(big).max(min);
        }
        if input.key_pressed(egui::Key::Home) {
            self.t = min;
        }
        if input.key_pressed(egui::Key::End) {
            self.t = max;
        }
        if input.key_pressed(egui::Key::Space) {
            self.playing = !self.playing;
            // Playing from the end restarts at the beginning.
            if self.playing && self.t >= max {
                self.t = min;
            }
        }
        self.t != before
    }

    /// Advances t while playing by `speed`·dt; stops at `max`. Returns true if t changed.
    pub fn advance(&mut self, dt: f64, min: usize, max: usize) -> bool {
        if !self.playing {
            return false;
        }
        self.carry += dt * self.speed as f64;
        let whole = self.carry.floor();
        self.carry -= whole;
        let before = self.t;
        self.t = (self.t + whole as usize).clamp(min, max);
        if self.t >= max {
            self.playing = false;
        }
        self.t != before
    }

    /// Draws the scrubber for t in [min, max] with its label; handles keys when no text
    /// field has focus. Returns true when t changed this frame.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        min: usize,
        max: usize,
        lang: Lang,
    ) -> bool {
        let (min, max) = (min.min(max), max.max(min));
        let mut changed = false;
        self.t = self.t.clamp(min, max);
        if !ui.ctx().egui_wants_keyboard_input() {
            changed |= ui.input(|i| self.apply_keys(i, min, max));
        }
        let dt = ui.input(|i| i.stable_dt) as f64;
        if self.advance(dt, min, max) {
            changed = true;
        }
        if self.playing {
            ui.ctx().request_repaint();
        }
        ui.horizontal(|ui| {
            let play_text = if self.playing {
                ScrubText::Pause.tr(lang)
            } else {
                ScrubText::Play.tr(lang)
            };
            if ui.button(play_text).clicked() {
                self.playing = !self.playing;
                if self.playing && self.t >= max {
                    self.t = min;
                    changed = true;
                }
            }
            // The slider gets what is left after its value box, its label and the speed
            // box, so the row never runs past the right edge.
            // "1 step/s", "30 steps/s": the unit follows the number shown.
            let speed_shown = format!("{:.0}", self.speed);
            let unit = crate::ui::i18n::fill(ScrubText::Speed.tr(lang), &[&speed_shown]);
            let speed_text = format!("{speed_shown} {unit}");
            let others = value_box_width(ui, &max.to_string())
                + text_width(ui, label)
                + value_box_width(ui, &speed_text)
                + 4.0 * ui.spacing().item_spacing.x;
            let width = (ui.available_width() - others).max(80.0);
            ui.spacing_mut().slider_width = width;
            let logarithmic = max > 2000;
            changed |= ui
                .add(
                    egui::Slider::new(&mut self.t, min..=max)
                        .custom_parser(crate::ui::widgets::finite_number)
                        .text(label)
                        .logarithmic(logarithmic),
                )
                .changed();
            ui.add(
                egui::DragValue::new(&mut self.speed)
                    .custom_parser(crate::ui::widgets::finite_number)
                    .range(1.0..=2000.0)
                    .speed(1.0)
                    .suffix(format!(" {unit}")),
            );
        });
        ui.weak(ScrubText::KeysHint.tr(lang));
        changed
    }
}
