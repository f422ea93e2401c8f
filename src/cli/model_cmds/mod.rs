//! Subcommands over the denoiser: train, sample, reverse, eval, bench.

use super::output::UsageError;
use super::schedule_cmds::ScheduleCommon;
use crate::diffusion::samplers::sigmas::{MAX_SHIFT, MIN_SHIFT};
use crate::diffusion::samplers::{OdeSampler, SigmaOptions};
use crate::diffusion::{PredictionType, Schedule, TimestepSpacing, VarianceType};
use crate::fsutil::{create_dir_all, write_atomic};
use crate::model::checkpoint::{self, Checkpoint, CheckpointConfig, SizedDenoiser};
use crate::model::data::{DataDomain, DataSpec, Dataset, DatasetKind, load_image_item_at};
use crate::model::eval::{EVAL_TIMESTEPS, evaluate};
use crate::model::inference::{
    self, Denoise, Flow, ReverseOptions, Sampler, noise_to, run_reverse,
};
use crate::model::render;
use crate::model::training::{TrainEvent, TrainRequest, TrainingConfig, train as train_loop};
use crate::model::{
    BackendKind, LossWeighting, MlpDenoiserConfig, ModelConfig, UNetConfig, objective_name,
};
use anyhow::{Context, Result, anyhow};
use burn::prelude::Device;
use clap::{Args, ValueEnum};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

mod measure;
mod reverse;
mod sample;

pub use measure::*;
pub use reverse::*;
pub use sample::*;

/// Set by Ctrl-C; long commands check it between steps and stop cleanly.
fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = flag.clone();
        // If a handler cannot be installed, Ctrl-C simply kills the process as usual.
        let _ = ctrlc::set_handler(move || {
            if handler_flag.swap(true, Ordering::SeqCst) {
                // A second Ctrl-C: the user insists.
                std::process::exit(130);
            }
            eprintln!(
                "\ninterrupted: finishing the current step and saving (Ctrl-C again to abort)"
            );
        });
        flag
    })
    .clone()
}

fn device_for(backend: BackendKind) -> Result<Device> {
    backend
        .device()
        .map_err(|e| UsageError::new(e.to_string()).into())
}

pub(super) fn parse_backend(s: &str) -> Result<BackendKind, String> {
    s.parse()
}

fn parse_objective(s: &str) -> Result<PredictionType, String> {
    crate::model::parse_objective(s)
}

fn parse_dataset(s: &str) -> Result<DatasetKind, String> {
    s.parse()
}

/// A comma-separated list of channel counts (`32,64,64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelList(pub Vec<usize>);

fn parse_channels(s: &str) -> Result<ChannelList, String> {
    s.split(',')
        .map(|c| {
            c.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{c}` is not a channel count (expected e.g. 32,64,64)"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(ChannelList)
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// glyphs, shapes, dead_leaves, moons, swiss_roll, circles, ring8, csv (points) or folder (images).
    #[arg(long, value_name = "NAME", value_parser = parse_dataset)]
    pub dataset: DatasetKind,
    /// The CSV file (csv) or image folder (folder).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Channels of folder images: 1 (grayscale) or 3 (RGB).
    #[arg(long, value_name = "C", default_value_t = 3)]
    pub image_channels: usize,
    /// Side of the training crops of a generated image set (dead_leaves: default 64).
    #[arg(long = "crop", value_name = "N")]
    pub crop: Option<usize>,
    /// Number of diffusion steps T.
    #[arg(long = "timesteps", value_name = "T", default_value_t = 1000)]
    pub timesteps: usize,
    #[command(flatten)]
    pub schedule: ScheduleCommon,
    /// Optimizer steps.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub steps: usize,
    /// Batch size.
    #[arg(long, value_name = "B", default_value_t = 64)]
    pub batch: usize,
    /// Peak learning rate (AdamW; warm-up then cosine decay to 10 %).
    #[arg(long, value_name = "LR", default_value_t = 1e-3)]
    pub lr: f64,
    /// Learning-rate warm-up steps.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub warmup: usize,
    /// What the network predicts: eps, x0 or v.
    #[arg(long, value_name = "OBJ", default_value = "eps", value_parser = parse_objective)]
    pub objective: PredictionType,
    /// Weight the loss with min-SNR-γ (e.g. 5); uniform when absent.
    #[arg(long, value_name = "G")]
    pub min_snr: Option<f64>,
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// The model folder (config.json, model.bpk, train_log.csv).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Continue the run in --out from its last checkpoint, up to --steps in total. The
    /// folder's config.json wins over the other flags (only a larger --steps is taken).
    #[arg(long)]
    pub resume: bool,
    /// Save a checkpoint every N steps.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub checkpoint_every: usize,
    /// Write a train_log.csv row every N steps.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub log_every: usize,
    /// UNet channels per resolution, highest first.
    #[arg(long, value_name = "LIST", default_value = "32,64,64", value_parser = parse_channels)]
    pub channels: ChannelList,
    /// UNet residual blocks per resolution.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub res_blocks: usize,
    /// Leave out the UNet's self-attention at the lowest resolution.
    #[arg(long)]
    pub no_attention: bool,
    /// MLP hidden width.
    #[arg(long, value_name = "W", default_value_t = 128)]
    pub hidden: usize,
    /// MLP hidden layers.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub layers: usize,
    /// flex (default), ndarray or gpu (when compiled in).
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
}

impl TrainArgs {
    fn config(&self) -> Result<CheckpointConfig> {
        let mut data = DataSpec::new(self.dataset);
        data.channels = self.image_channels;
        if let Some(crop) = self.crop {
            if self.dataset != DatasetKind::DeadLeaves {
                return Err(UsageError::new(format!(
                    "--crop applies to generated colour sets (dead_leaves), not {}",
                    self.dataset
                ))
                .into());
            }
            if !(8..=MAX_TRAIN_CROP).contains(&crop) {
                // Past this the UNet's self-attention at the lowest resolution alone needs
                // gigabytes (a 512 crop took 15 GB for one step of batch 1).
                return Err(UsageError::new(format!(
                    "--crop must be 8..={MAX_TRAIN_CROP} (got {crop})"
                ))
                .into());
            }
            data.size = Some(crop);
        }
        if self.dataset.needs_path() {
            let path = self.data_dir.clone().ok_or_else(|| {
                UsageError::new(format!(
                    "--dataset {} needs --data-dir (a {})",
                    self.dataset,
                    if self.dataset == DatasetKind::Csv {
                        "CSV file"
                    } else {
                        "folder of images"
                    }
                ))
            })?;
            data = data.with_path(path);
        }
        let (spec, _) = self.schedule.resolve(self.timesteps)?;
        spec.build()
            .map_err(|e| UsageError::new(format!("invalid schedule: {e}")))?;
        let model = match ModelConfig::for_domain(data.domain()) {
            ModelConfig::Mlp(_) => ModelConfig::Mlp(
                MlpDenoiserConfig::new()
                    .with_hidden(self.hidden)
                    .with_hidden_layers(self.layers),
            ),
            ModelConfig::Unet(c) => ModelConfig::Unet(
                c.with_channels(self.channels.0.clone())
                    .with_res_blocks(self.res_blocks)
                    .with_attention(!self.no_attention),
            ),
        };
        model
            .validate()
            .map_err(|e| UsageError::new(e.to_string()))?;
        let weighting = match self.min_snr {
            None => LossWeighting::Uniform,
            Some(g) if g.is_finite() && g > 0.0 => LossWeighting::MinSnr { gamma: g },
            Some(g) => {
                return Err(UsageError::new(format!(
                    "--min-snr must be a positive number (got {g})"
                ))
                .into());
            }
        };
        let training = TrainingConfig::new()
            .with_steps(self.steps)
            .with_batch_size(self.batch)
            .with_learning_rate(self.lr)
            .with_seed(self.seed)
            .with_warmup_steps(self.warmup)
            .with_checkpoint_every(self.checkpoint_every)
            .with_log_every(self.log_every);
        training
            .validate()
            .map_err(|e| UsageError::new(e.to_string()))?;
        Ok(CheckpointConfig::new(
            model,
            spec,
            self.objective,
            weighting,
            data,
            training,
        ))
    }
}

fn progress_bar(total: u64, start: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps  loss {msg}  {per_sec}  ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_position(start);
    bar.reset_eta();
    bar
}

/// The largest training crop side of a generated image set.
pub const MAX_TRAIN_CROP: usize = 128;

/// Most image pixels (items × side², all channels counted once) in one training batch:
/// 128 items of 32 × 32 (or 32 of 64 × 64) keep a UNet step under 2 GB of memory.
pub const MAX_TRAIN_BATCH_PIXELS: usize = 128 * 32 * 32;
/// Most image pixels sampled at once (one batch through the network): 256 items of 32 × 32.
pub const MAX_SAMPLE_PIXELS: usize = 256 * 32 * 32;

/// Refuses an image batch above `limit` pixels, naming the flag and its largest value.
pub(super) fn check_image_pixels(
    domain: DataDomain,
    count: usize,
    limit: usize,
    flag: &str,
) -> Result<(), UsageError> {
    if let DataDomain::Image { size, .. } = domain {
        let max = (limit / (size * size).max(1)).max(1);
        if count > max {
            return Err(UsageError::new(format!(
                "{flag} must be 1..={max} for {size} × {size} images (got {count}): larger batches do not fit in 2 GB"
            )));
        }
    }
    Ok(())
}

pub fn train(args: TrainArgs) -> Result<()> {
    let config = args.config()?;
    check_image_pixels(
        config.domain(),
        config.training.batch_size,
        MAX_TRAIN_BATCH_PIXELS,
        "--batch",
    )?;
    let device = device_for(args.backend)?;
    let cancel = interrupt_flag();
    let tty = std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut rate_clock = Instant::now();
    let mut rate_from = 0usize;
    let mut loss_ema: Option<f64> = None;
    let summary = train_loop(
        TrainRequest {
            config,
            out_dir: args.out.clone(),
            resume: args.resume,
            device,
        },
        &cancel,
        |event| match event {
            TrainEvent::Started {
                start_step,
                total,
                num_params,
                skipped_files,
            } => {
                for s in &skipped_files {
                    eprintln!("skipped {}: {}", s.path.display(), s.reason);
                }
                eprintln!(
                    "training {} parameters on {} for steps {}..{total} into {}",
                    num_params,
                    args.backend,
                    start_step + 1,
                    args.out.display()
                );
                rate_from = start_step;
                rate_clock = Instant::now();
                if tty {
                    bar = Some(progress_bar(total as u64, start_step as u64));
                }
            }
            TrainEvent::Step { step, loss, .. } => {
                let ema = loss_ema.map_or(loss as f64, |e| 0.95 * e + 0.05 * loss as f64);
                loss_ema = Some(ema);
                if let Some(b) = &bar {
                    b.set_position(step as u64);
                    b.set_message(format!("{ema:.4}"));
                }
            }
            TrainEvent::Logged(row) => {
                if bar.is_none() {
                    // Not a terminal (nohup, a log file): one line per log row instead.
                    let secs = rate_clock.elapsed().as_secs_f64().max(1e-9);
                    let rate = (row.step - rate_from) as f64 / secs;
                    let left = summary_total(&args).saturating_sub(row.step) as f64;
                    eprintln!(
                        "step {}  loss {:.5}  lr {:.2e}  {:.2} it/s  ETA {:.0} s",
                        row.step,
                        row.loss,
                        row.learning_rate,
                        rate,
                        if rate > 0.0 { left / rate } else { 0.0 }
                    );
                }
            }
            TrainEvent::Saved { step } => {
                if let Some(b) = &bar {
                    b.println(format!("checkpoint saved at step {step}"));
                }
            }
        },
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let loss = summary
        .final_loss
        .map_or("n/a".to_string(), |l| format!("{l:.5}"));
    if summary.cancelled {
        eprintln!(
            "stopped at step {}/{} (saved; continue with --resume), loss {loss}",
            summary.steps_done, summary.total
        );
    } else {
        eprintln!(
            "done: {} steps, final loss {loss}, {:.0} s of training in total; model in {}",
            summary.steps_done,
            summary.elapsed_seconds,
            args.out.display()
        );
    }
    Ok(())
}

fn summary_total(args: &TrainArgs) -> usize {
    args.steps
}

pub(super) fn load_model(dir: &Path, backend: BackendKind) -> Result<Checkpoint> {
    let device = device_for(backend)?;
    Ok(Checkpoint::load(dir, &device)?)
}
