//! Lesson step 5: the app's sample picture noised to a chosen t, and a row of the same
//! picture at evenly spaced t. The pixels come from the Schedule panel's by-eye strip
//! code ([`StripBase`], [`strip_frames`], [`strip_times`]), on the active schedule.

use super::text::LessonText;
use crate::app::LabContext;
use crate::egui::{self, TextureHandle, TextureOptions, Vec2};
use crate::ui::forward_step::{FwdText, num};
use crate::ui::i18n::{Text, fill};
use crate::ui::schedule::{StripBase, strip_frames, strip_times};
use crate::ui::widgets::{Scrubber, math_job};

/// Side of the noised picture, in pixels.
pub const IMAGE_SIZE: usize = 192;
/// Pictures in the row (t/T = 0, 0.2, …, 1).
pub const ROW_FRAMES: usize = 6;

/// Textures of the picture at t and of the row, keyed on what they show.
#[derive(Default)]
pub struct NoisingView {
    base: Option<StripBase>,
    /// (schedule revision, t) and the texture of the big picture.
    big: Option<((u64, usize), TextureHandle)>,
    /// Schedule revision and the row's (t, texture).
    row: Option<(u64, Vec<(usize, TextureHandle)>)>,
}

impl NoisingView {
    /// The scrubber for t (0 = the clean picture), the readout, the picture at t and the
    /// row. `scrubber` is the lesson's (it persists).
    pub fn ui(&mut self, ui: &mut egui::Ui, lab: &LabContext, scrubber: &mut Scrubber) {
        let lang = lab.lang();
        let schedule = lab.schedule.clone();
        let t_max = schedule.num_steps();
        scrubber.ui(ui, FwdText::T.tr(lang), 0, t_max, lang);
        let t = scrubber.t.min(t_max);
        let readout = fill(
            LessonText::ImageAt.tr(lang),
            &[
                &t,
                &t_max,
                &num(schedule.sqrt_alpha_bar(t)),
                &num(schedule.sqrt_one_minus_alpha_bar(t)),
            ],
        );
        ui.label(math_job(ui, &readout, egui::TextStyle::Body, None));
        let base = self.base.get_or_insert_with(|| StripBase::new(IMAGE_SIZE));
        let ctx = ui.ctx().clone();
        let key = (lab.schedule_revision, t);
        if self.big.as_ref().map(|(k, _)| *k) != Some(key)
            && let Some(image) = strip_frames(&schedule, base, &[t]).into_iter().next()
        {
            let image = (*image).clone();
            match &mut self.big {
                Some((k, handle)) => {
                    handle.set(image, TextureOptions::LINEAR);
                    *k = key;
                }
                None => {
                    let handle = ctx.load_texture("lesson-noised", image, TextureOptions::LINEAR);
                    self.big = Some((key, handle));
                }
            }
        }
        if self.row.as_ref().map(|(r, _)| *r) != Some(lab.schedule_revision) {
            let times = strip_times(t_max, ROW_FRAMES);
            let frames = strip_frames(&schedule, base, &times);
            let textures = times
                .iter()
                .zip(frames)
                .enumerate()
                .map(|(k, (&t, image))| {
                    let name = format!("lesson-row-{k}");
                    (
                        t,
                        ctx.load_texture(name, (*image).clone(), TextureOptions::LINEAR),
                    )
                })
                .collect();
            self.row = Some((lab.schedule_revision, textures));
        }
        let side = (ui.available_width() * 0.45).clamp(160.0, 300.0);
        if let Some((_, handle)) = &self.big {
            ui.add(egui::Image::new((handle.id(), Vec2::splat(side))))
                .on_hover_text(fill(LessonText::ImageName.tr(lang), &[&t]));
        }
        ui.add_space(6.0);
        ui.label(fill(
            LessonText::StripCaption.tr(lang),
            &[&schedule.spec().kind.diffusers_name()],
        ));
        if let Some((_, row)) = &self.row {
            let spacing = ui.spacing().item_spacing.x;
            let tile = ((ui.available_width() - spacing * ROW_FRAMES as f32) / ROW_FRAMES as f32)
                .clamp(48.0, 112.0);
            ui.horizontal(|ui| {
                for (t, handle) in row {
                    ui.vertical(|ui| {
                        ui.add(egui::Image::new((handle.id(), Vec2::splat(tile))));
                        ui.small(fill(LessonText::StripTile.tr(lang), &[t]));
                    });
                }
            });
        }
    }
}
