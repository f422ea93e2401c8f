//! File dialogs and exports of the Schedule panel. Dialogs run on a background job (rfd's
//! async dialog driven by a tiny executor there), so the UI thread never blocks; files are
//! written with `fsutil::write_atomic`.

use crate::app::jobs::{self, JobHandle, Repaint};
use crate::egui::{ColorImage, Rect};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Runs a future to completion on the current thread (a background job's thread): the
/// waker unparks it. Enough for rfd's dialogs, which do their work elsewhere.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// A dialog job: the path chosen (`None` when cancelled).
pub type DialogJob = JobHandle<(), Option<PathBuf>>;

/// Opens "pick a scheduler_config.json" on a background job.
pub fn spawn_open_config_dialog(repaint: Repaint) -> DialogJob {
    jobs::spawn("open-config-dialog", repaint, |_ctx| {
        let picked = block_on(
            rfd::AsyncFileDialog::new()
                .add_filter("scheduler_config.json", &["json"])
                .pick_file(),
        );
        Ok(picked.map(|h| h.path().to_path_buf()))
    })
}

/// Asks where to save (on a background job), then writes `bytes` there atomically.
pub fn spawn_save_dialog(
    repaint: Repaint,
    file_name: &str,
    filter: &'static str,
    extension: &'static str,
    bytes: Vec<u8>,
) -> DialogJob {
    let file_name = file_name.to_string();
    jobs::spawn("save-dialog", repaint, move |_ctx| {
        let picked = block_on(
            rfd::AsyncFileDialog::new()
                .set_file_name(file_name)
                .add_filter(filter, &[extension])
                .save_file(),
        );
        match picked {
            None => Ok(None),
            Some(h) => {
                let path = h.path().to_path_buf();
                crate::fsutil::write_atomic(&path, &bytes)?;
                Ok(Some(path))
            }
        }
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

/// Crops and encodes a screenshot, asks where to save it unless `target` says, and
/// writes it (all on a job).
pub fn spawn_png_export(
    repaint: Repaint,
    screenshot: Arc<ColorImage>,
    rect: Rect,
    pixels_per_point: f32,
    target: Option<PathBuf>,
) -> DialogJob {
    jobs::spawn("export-png", repaint, move |_ctx| {
        let png = crop_to_png(&screenshot, rect, pixels_per_point)?;
        let path = match target {
            Some(p) => p,
            None => {
                let picked = block_on(
                    rfd::AsyncFileDialog::new()
                        .set_file_name("schedule_plots.png")
                        .add_filter("PNG", &["png"])
                        .save_file(),
                );
                match picked {
                    None => return Ok(None),
                    Some(h) => h.path().to_path_buf(),
                }
            }
        };
        crate::fsutil::write_atomic(&path, &png)?;
        Ok(Some(path))
    })
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

    #[test]
    fn block_on_runs_a_ready_future() {
        assert_eq!(block_on(async { 41 + 1 }), 42);
    }
}
