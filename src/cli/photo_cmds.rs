//! `ddpm-lab eval-photos`: an image model on real photographs it never saw, beside the
//! best Gaussian blur (see `model::photo_eval`).

use super::output::{Output, UsageError};
use crate::app::image_input::BundledPhoto;
use crate::model::BackendKind;
use crate::model::checkpoint::Checkpoint;
use crate::model::data::{DataDomain, decode_image_bounded, image_to_item, load_image_item_at};
use crate::model::photo_eval::{PhotoRow, evaluate_photos};
use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The largest working size `eval-photos` accepts (memory: a few photos × 3 × size²).
const MAX_EVAL_SIZE: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PhotoFormat {
    Text,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct EvalPhotosArgs {
    /// The model folder (a colour image model).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// Photos to score (default: the photos bundled in assets/photos).
    #[arg(long = "image", value_name = "FILE")]
    pub images: Vec<PathBuf>,
    /// Working size: each photo's shorter side is resized to N and centre-cropped to N × N.
    #[arg(long, value_name = "N", default_value_t = 128)]
    pub size: usize,
    /// Timesteps (paper notation, 1..=T), comma-separated.
    #[arg(long, value_name = "T,…", value_delimiter = ',', default_values_t = [50, 100, 200])]
    pub t: Vec<usize>,
    /// Seed of the noise.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PhotoFormat,
    /// Write the table here (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = |s: &str| s.parse::<BackendKind>())]
    pub backend: BackendKind,
}

pub fn eval_photos(args: EvalPhotosArgs) -> Result<()> {
    if args.size == 0 || args.size > MAX_EVAL_SIZE {
        return Err(UsageError::new(format!(
            "--size must be 1..={MAX_EVAL_SIZE} (got {})",
            args.size
        ))
        .into());
    }
    if args.t.is_empty() {
        return Err(UsageError::new("--t needs at least one timestep").into());
    }
    let device = args
        .backend
        .device()
        .map_err(|e| UsageError::new(e.to_string()))?;
    let ckpt = Checkpoint::load(&args.model, &device)?;
    let DataDomain::Image { channels: 3, .. } = ckpt.domain() else {
        return Err(UsageError::new("eval-photos needs a colour (3-channel) image model").into());
    };
    let big_t = ckpt.schedule.num_steps();
    if let Some(&bad) = args.t.iter().find(|&&t| t == 0 || t > big_t) {
        return Err(UsageError::new(format!("--t {bad}: must be 1..={big_t}")).into());
    }
    let sized = ckpt
        .at_size(args.size)
        .map_err(|e| UsageError::new(format!("--size {}: {e}", args.size)))?;
    let photos: Vec<(String, Vec<f32>)> = if args.images.is_empty() {
        BundledPhoto::ALL
            .iter()
            .map(|p| {
                let img = decode_image_bounded(p.bytes())
                    .map_err(|e| anyhow!("{}: {e}", p.file_name()))?;
                Ok((p.file_name().to_string(), image_to_item(&img, 3, args.size)))
            })
            .collect::<Result<_>>()?
    } else {
        args.images
            .iter()
            .map(|path| {
                let item = load_image_item_at(path, 3, args.size)
                    .map_err(|e| anyhow!("{}: {e}", path.display()))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string());
                Ok((name, item))
            })
            .collect::<Result<_>>()?
    };
    let rows = evaluate_photos(
        &sized,
        &ckpt.schedule,
        &photos,
        args.size,
        &args.t,
        args.seed,
    )?;
    let text = match args.format {
        PhotoFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
        PhotoFormat::Csv => {
            let mut s = String::from("photo,t,psnr_noisy,psnr_blur,blur_sigma,psnr_model\n");
            for r in &rows {
                let _ = writeln!(
                    s,
                    "{},{},{:.3},{:.3},{:.1},{:.3}",
                    r.photo, r.t, r.psnr_noisy, r.psnr_blur, r.blur_sigma, r.psnr_model
                );
            }
            s
        }
        PhotoFormat::Text => text_table(&rows, args.size),
    };
    Output::new(args.out).write(&text)
}

/// The per-photo rows, then the mean over photos per t.
fn text_table(rows: &[PhotoRow], size: usize) -> String {
    let mut s = format!(
        "PSNR (dB) at {size} × {size}: x_t/√ᾱ_t, the best Gaussian blur of it (width chosen \
         knowing the clean photo), the model's one-step x̂0\n"
    );
    let _ = writeln!(
        s,
        "{:<16} {:>5} {:>8} {:>8} {:>6} {:>8} {:>7}",
        "photo", "t", "noisy", "blur", "σ px", "model", "gain"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:<16} {:>5} {:>8.2} {:>8.2} {:>6.1} {:>8.2} {:>+7.2}",
            r.photo,
            r.t,
            r.psnr_noisy,
            r.psnr_blur,
            r.blur_sigma,
            r.psnr_model,
            r.psnr_model - r.psnr_blur
        );
    }
    let mut ts: Vec<usize> = rows.iter().map(|r| r.t).collect();
    ts.dedup();
    for t in ts {
        let at: Vec<&PhotoRow> = rows.iter().filter(|r| r.t == t).collect();
        let mean = |f: fn(&PhotoRow) -> f64| at.iter().map(|r| f(r)).sum::<f64>() / at.len() as f64;
        let _ = writeln!(
            s,
            "{:<16} {:>5} {:>8.2} {:>8.2} {:>6} {:>8.2} {:>+7.2}",
            "mean",
            t,
            mean(|r| r.psnr_noisy),
            mean(|r| r.psnr_blur),
            "",
            mean(|r| r.psnr_model),
            mean(|r| r.psnr_model - r.psnr_blur)
        );
    }
    s
}
