//! File dialogs and exports of the Schedule panel. Dialogs run on a background job (rfd's
//! async dialog driven by a tiny executor there), so the UI thread never blocks; files are
//! written with `fsutil::write_atomic`.

use crate::app::dialogs::{self, PathJob};
use crate::app::jobs::Repaint;
use crate::egui::{ColorImage, Rect};
use std::path::PathBuf;
use std::sync::Arc;

/// A dialog job: the path chosen (`None` when cancelled).
pub type DialogJob = PathJob;

/// Opens "pick a scheduler_config.json" on a background job.
pub fn spawn_open_config_dialog(repaint: Repaint) -> DialogJob {
    dialogs::spawn_pick_file(repaint, "scheduler_config.json", &["json"])
}

/// Asks where to save (on a background job) unless `target` says, then writes `bytes`
/// there atomically.
pub fn spawn_save_dialog(
    repaint: Repaint,
    target: Option<PathBuf>,
    file_name: &str,
    filter: (&'static str, &'static [&'static str]),
    bytes: Vec<u8>,
) -> DialogJob {
    dialogs::spawn_save(repaint, target, file_name.to_string(), filter, move || {
        Ok(bytes)
    })
}

/// Why a PNG could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("the region {0:?} is outside the {1}×{2} screenshot")]
    EmptyRegion(Rect, usize, usize),
    #[error("cannot encode the PNG: {0}")]
    Encode(#[from] image::ImageError),
}

/// The part of a screenshot inside `rect` (in points; `pixels_per_point` converts), as
/// PNG bytes. The rect is clipped to the image; an empty result is an error.
pub fn crop_to_png(
    screenshot: &ColorImage,
    rect: Rect,
    pixels_per_point: f32,
) -> Result<Vec<u8>, PngError> {
    let [w, h] = screenshot.size;
    let to_px = |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
    let (x0, x1) = (to_px(rect.min.x, w), to_px(rect.max.x, w));
    let (y0, y1) = (to_px(rect.min.y, h), to_px(rect.max.y, h));
    if x1 <= x0 || y1 <= y0 {
        return Err(PngError::EmptyRegion(rect, w, h));
    }
    let mut rgba = Vec::with_capacity((x1 - x0) * (y1 - y0) * 4);
    for row in screenshot.pixels.chunks(w.max(1)).skip(y0).take(y1 - y0) {
        for p in row.iter().skip(x0).take(x1 - x0) {
            rgba.extend_from_slice(&p.to_srgba_unmultiplied());
        }
    }
    let width = (x1 - x0) as u32;
    let height = (y1 - y0) as u32;
    let img =
        image::RgbaImage::from_raw(width, height, rgba).ok_or(PngError::EmptyRegion(rect, w, h))?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// Asks where to save unless `target` says, then crops, encodes and writes the screenshot
/// (all on a job).
pub fn spawn_png_export(
    repaint: Repaint,
    screenshot: Arc<ColorImage>,
    rect: Rect,
    pixels_per_point: f32,
    target: Option<PathBuf>,
) -> DialogJob {
    dialogs::spawn_save(
        repaint,
        target,
        "schedule_plots.png".to_string(),
        ("PNG", &["png"]),
        move || Ok(crop_to_png(&screenshot, rect, pixels_per_point)?),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::egui::{Color32, pos2};

    #[test]
    fn crops_the_rect_and_encodes_a_png() {
        let mut img = ColorImage::filled([20, 10], Color32::BLUE);
        img.pixels[3 * 20 + 4] = Color32::RED;
        let png = crop_to_png(
            &img,
            Rect::from_min_max(pos2(2.0, 1.5), pos2(6.0, 4.0)),
            2.0,
        )
        .unwrap();
        let back = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(back.dimensions(), (8, 5));
        // Pixel (4, 3) of the screenshot is (0, 0) of the crop at 2 px per point.
        assert_eq!(back.get_pixel(0, 0).0, [255, 0, 0, 255]);
        assert_eq!(back.get_pixel(1, 0).0, [0, 0, 255, 255]);
        // A rect outside the image is an error, not a panic.
        assert!(
            crop_to_png(
                &img,
                Rect::from_min_max(pos2(50.0, 50.0), pos2(60.0, 60.0)),
                1.0
            )
            .is_err()
        );
    }
}
