//! Exports of the Image panel (trajectory GIF, PNG strip, the frame on screen): the frames
//! are copied on the UI thread, encoded and written on a job.

use super::*;

impl ImagePanel {
    /// Starts an export on a job: to `target`, or to where a save dialog says (without
    /// file dialogs here, the path field opens instead).
    pub fn export(
        &mut self,
        kind: ExportKind,
        target: Option<PathBuf>,
        lab: &LabContext,
        repaint: Repaint,
    ) {
        if target.is_none() && !self.paths.open_dialog(PathPurpose::Save(kind)) {
            return;
        }
        let (channels, size) = self.item_shape(lab);
        let frames = self.export_frames(kind, lab);
        let filter: (&'static str, &'static [&'static str]) = match kind {
            ExportKind::Gif => ("GIF", &["gif"]),
            ExportKind::Strip | ExportKind::Frame => ("PNG", &["png"]),
        };
        self.export_status = None;
        if target.is_none() {
            self.export_dialog = Some(kind);
        }
        self.export_job = Some(dialogs::spawn_save(
            repaint,
            target,
            kind.file_name().to_string(),
            filter,
            move || encode_export(kind, &frames, channels, size),
        ));
    }

    /// The items an export draws, copied so the job owns them.
    fn export_frames(&mut self, kind: ExportKind, lab: &LabContext) -> Vec<ExportFrame> {
        let reverse = self.mode == ViewMode::Reverse;
        match kind {
            ExportKind::Frame => {
                let Some(s) = &self.shown else {
                    return Vec::new();
                };
                vec![ExportFrame {
                    x0: self.clean.as_ref().map(|c| c.x0.to_vec()),
                    x_t: s.x_t.to_vec(),
                    prediction: s
                        .prediction
                        .as_ref()
                        .map(|p| (p.pred_eps.clone(), p.pred_x0.clone(), p.mean.clone())),
                }]
            }
            ExportKind::Gif | ExportKind::Strip => {
                let n = if kind == ExportKind::Gif {
                    GIF_FRAMES
                } else {
                    STRIP_FRAMES
                };
                if reverse && let Some(run) = &self.run {
                    return run
                        .traj
                        .strip_positions(n)
                        .into_iter()
                        .filter_map(|k| run.traj.view(k))
                        .map(|v| ExportFrame {
                            x0: None,
                            x_t: v.x.to_vec(),
                            prediction: Some((
                                v.pred_eps.to_vec(),
                                v.pred_x0.to_vec(),
                                v.mean.to_vec(),
                            )),
                        })
                        .collect();
                }
                let big_t = self.schedule(lab).num_steps();
                (0..n)
                    .filter_map(|i| {
                        let t = i * big_t / (n - 1).max(1);
                        self.forward_state(lab, t).map(|x| ExportFrame {
                            x0: None,
                            x_t: x.to_vec(),
                            prediction: None,
                        })
                    })
                    .collect()
            }
        }
    }
}

/// What an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// An animated GIF of x_t (beside x̂0 for a reverse run).
    Gif,
    /// A PNG strip of x_t (over x̂0 for a reverse run).
    Strip,
    /// A PNG of what is on screen: x0, x_t, ε̂, x̂0, μ̃.
    Frame,
}

impl ExportKind {
    /// The file name a save starts from.
    pub fn file_name(self) -> &'static str {
        match self {
            ExportKind::Gif => "trajectory.gif",
            ExportKind::Strip => "trajectory_strip.png",
            ExportKind::Frame => "frame.png",
        }
    }
}

/// The whole-number scale that brings a `size`-pixel picture near `target` pixels (never
/// below 1: pictures of `target` or more are written one pixel per pixel).
pub fn export_scale(size: usize, target: usize) -> u32 {
    (target / size.max(1)).max(1) as u32
}

struct ExportFrame {
    x0: Option<Vec<f32>>,
    x_t: Vec<f32>,
    prediction: Option<(Vec<f32>, Vec<f32>, Vec<f32>)>,
}

fn encode_export(
    kind: ExportKind,
    frames: &[ExportFrame],
    channels: usize,
    size: usize,
) -> anyhow::Result<Vec<u8>> {
    let pic = |d: &[f32], shade| picture::item_picture(d, channels, size, shade);
    // Small items are blown up to be seen; full-size pictures keep their pixels.
    let (big, small) = (export_scale(size, 256), export_scale(size, 128));
    if frames.is_empty() {
        anyhow::bail!("there is nothing to export yet");
    }
    match kind {
        ExportKind::Frame => {
            let f = &frames[0];
            let mut row = Vec::new();
            if let Some(x0) = &f.x0 {
                row.push(picture::upscale(&pic(x0, Shade::Value), big));
            }
            row.push(picture::upscale(&pic(&f.x_t, Shade::Value), big));
            if let Some((eps, x0hat, mean)) = &f.prediction {
                row.push(picture::upscale(&pic(eps, Shade::Noise), big));
                row.push(picture::upscale(&pic(x0hat, Shade::Value), big));
                row.push(picture::upscale(&pic(mean, Shade::Value), big));
            }
            picture::png_bytes(&picture::row(&row, 8))
        }
        ExportKind::Strip => {
            let top: Vec<RgbImage> = frames
                .iter()
                .map(|f| picture::upscale(&pic(&f.x_t, Shade::Value), small))
                .collect();
            let mut rows = vec![picture::row(&top, 4)];
            if frames.iter().all(|f| f.prediction.is_some()) {
                let bottom: Vec<RgbImage> = frames
                    .iter()
                    .filter_map(|f| f.prediction.as_ref())
                    .map(|(_, x0hat, _)| picture::upscale(&pic(x0hat, Shade::Value), small))
                    .collect();
                rows.push(picture::row(&bottom, 4));
            }
            picture::png_bytes(&picture::column(&rows, 4))
        }
        ExportKind::Gif => {
            let mut gif: Vec<RgbImage> = frames
                .iter()
                .map(|f| {
                    let xt = picture::upscale(&pic(&f.x_t, Shade::Value), small);
                    match &f.prediction {
                        Some((_, x0hat, _)) => picture::row(
                            &[xt, picture::upscale(&pic(x0hat, Shade::Value), small)],
                            4,
                        ),
                        None => xt,
                    }
                })
                .collect();
            // Hold the last frame for a second.
            if let Some(last) = gif.last().cloned() {
                gif.extend(std::iter::repeat_n(last, 12));
            }
            picture::gif_bytes(&gif, 80)
        }
    }
}
