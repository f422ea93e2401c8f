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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplerName {
    Ddpm,
    Ddim,
    Euler,
    Heun,
    Dpmpp2m,
}

impl SamplerName {
    /// The ODE solver this name means, if it is one.
    pub fn ode(self) -> Option<OdeSampler> {
        match self {
            SamplerName::Euler => Some(OdeSampler::Euler),
            SamplerName::Heun => Some(OdeSampler::Heun),
            SamplerName::Dpmpp2m => Some(OdeSampler::DpmSolverPlusPlus2M),
            SamplerName::Ddpm | SamplerName::Ddim => None,
        }
    }
}

/// Sampler options shared by `sample` and `reverse`.
#[derive(Debug, Args)]
pub struct SamplerArgs {
    /// ddpm (ancestral), ddim, or an ODE solver as diffusers defines it: euler, heun
    /// (2N−1 evaluations for N steps) or dpmpp2m (DPM-Solver++(2M)).
    #[arg(long, value_enum, default_value = "ddpm")]
    pub sampler: SamplerName,
    /// Sampling steps (default: every t for ddpm, 50 for the others).
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// DDIM stochasticity η (0 = deterministic).
    #[arg(long, value_name = "E", default_value_t = 0.0)]
    pub eta: f64,
    /// Timestep spacing: leading, trailing or linspace (default: trailing for ddpm and
    /// ddim, linspace, diffusers' default, for euler, heun and dpmpp2m).
    #[arg(long, value_name = "SPACING")]
    pub spacing: Option<TimestepSpacing>,
    /// Karras σ's (ρ = 7) for euler, heun and dpmpp2m.
    #[arg(long)]
    pub karras: bool,
    /// Resolution shift s of log-SNR, λ' = λ − 2 ln s (σ' = s·σ), for euler, heun and
    /// dpmpp2m; 0.001..=1000, 1 = none.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub shift: f64,
    /// DDPM variance: fixed_small (β̃) or fixed_large (β).
    #[arg(long)]
    pub fixed_large: bool,
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
}

impl SamplerArgs {
    pub(super) fn options(
        &self,
        schedule: &Schedule,
        domain: DataDomain,
    ) -> Result<ReverseOptions> {
        if !(self.eta.is_finite() && (0.0..=1.0).contains(&self.eta)) {
            return Err(
                UsageError::new(format!("--eta must be in [0, 1] (got {})", self.eta)).into(),
            );
        }
        let ode = self.sampler.ode();
        if ode.is_none() && (self.karras || self.shift != 1.0) {
            return Err(UsageError::new(
                "--karras and --shift are for --sampler euler, heun or dpmpp2m",
            )
            .into());
        }
        if !(self.shift.is_finite() && (MIN_SHIFT..=MAX_SHIFT).contains(&self.shift)) {
            return Err(UsageError::new(format!(
                "--shift must be in [{MIN_SHIFT}, {MAX_SHIFT}] (got {})",
                self.shift
            ))
            .into());
        }
        let steps = match (self.sampler, self.steps) {
            (SamplerName::Ddpm, s) => s,
            (_, None) => Some(50.min(schedule.num_steps())),
            (_, s) => s,
        };
        if let Some(n) = steps
            && (n == 0 || n > schedule.num_steps())
        {
            return Err(UsageError::new(format!(
                "--steps must be 1..={} (the model's T)",
                schedule.num_steps()
            ))
            .into());
        }
        let sampler = match self.sampler {
            SamplerName::Ddpm => Sampler::Ddpm {
                variance: if self.fixed_large {
                    VarianceType::FixedLarge
                } else {
                    VarianceType::FixedSmall
                },
            },
            SamplerName::Ddim => Sampler::Ddim { eta: self.eta },
            SamplerName::Euler | SamplerName::Heun | SamplerName::Dpmpp2m => Sampler::Ode {
                solver: ode.unwrap_or_default(),
                sigmas: SigmaOptions {
                    karras: self.karras,
                    shift: self.shift,
                },
            },
        };
        let spacing = self.spacing.unwrap_or(if ode.is_some() {
            TimestepSpacing::Linspace
        } else {
            TimestepSpacing::Trailing
        });
        let options = ReverseOptions {
            sampler,
            steps,
            spacing,
            clip_x0: domain.clip_x0(),
            seed: self.seed,
        };
        if ode.is_some() {
            // Fail here, as a usage error, rather than at the first step.
            inference::reverse_plan(schedule, schedule.num_steps(), &options)
                .map_err(|e| UsageError::new(format!("--steps {}: {e}", steps.unwrap_or(0))))?;
        }
        Ok(options)
    }
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The model folder (or sample an exact denoiser: --mixture2d, --denoiser).
    #[arg(long, value_name = "DIR", required_unless_present_any = ["mixture2d", "denoiser"])]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub analytic: super::analytic_cmds::AnalyticSampleArgs,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Number of samples.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub n: usize,
    /// grid.png for images; points.csv (or a .png scatter plot) for points.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Pixel scale of the image grid.
    #[arg(long, value_name = "K", default_value_t = 2)]
    pub scale: u32,
    /// Sample N × N images (default: the model's own size; a multiple of its downsampling
    /// factor, at most 512).
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
}

/// The image model of `ckpt` at `--size` (or its own size), with the size checked.
fn sized_model(ckpt: &Checkpoint, size: Option<usize>) -> Result<SizedDenoiser<'_>> {
    let n = match (size, ckpt.domain()) {
        (Some(n), _) => n,
        (None, DataDomain::Image { size, .. }) => size,
        (None, DataDomain::Points2d) => {
            return Err(UsageError::new("this model takes 2-D points, not images").into());
        }
    };
    ckpt.at_size(n)
        .map_err(|e| UsageError::new(format!("--size {n}: {e}")).into())
}

pub(super) fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn progress_for(total: u64, what: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:30}} {{pos}}/{{len}}  t = {{msg}}  {{per_sec}}  ETA {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

pub fn sample(args: SampleArgs) -> Result<()> {
    let Some(model_dir) = args.model.clone() else {
        return super::analytic_cmds::sample_analytic(args);
    };
    if args.n == 0 || args.n > 100_000 {
        return Err(UsageError::new("--n must be 1..=100000").into());
    }
    if args.scale == 0 || args.scale > 16 {
        return Err(UsageError::new("--scale must be 1..=16").into());
    }
    let ext = extension(&args.out);
    let ckpt = load_model(&model_dir, args.backend)?;
    if args.size.is_some() && !ckpt.domain().is_image() {
        return Err(
            UsageError::new("--size is for image models (this one is for 2-D points)").into(),
        );
    }
    let sized = match ckpt.domain() {
        DataDomain::Image { .. } => Some(sized_model(&ckpt, args.size)?),
        DataDomain::Points2d => None,
    };
    let domain = sized.as_ref().map_or(ckpt.domain(), |s| s.domain());
    let denoiser: &dyn Denoise = match &sized {
        Some(s) => s,
        None => &ckpt,
    };
    check_image_pixels(domain, args.n, MAX_SAMPLE_PIXELS, "--n")?;
    match (domain, ext.as_str()) {
        (DataDomain::Image { .. }, "png") | (DataDomain::Points2d, "csv" | "png") => {}
        (DataDomain::Image { .. }, _) => {
            return Err(UsageError::new("--out must be a .png for an image model").into());
        }
        (DataDomain::Points2d, _) => {
            return Err(
                UsageError::new("--out must be a .csv (or .png) for a points model").into(),
            );
        }
    }
    let options = args.sampler.options(&ckpt.schedule, domain)?;
    let cancel = interrupt_flag();
    let total = inference::reverse_plan(&ckpt.schedule, ckpt.schedule.num_steps(), &options)?.len();
    let bar = progress_for(total as u64, "sampling");
    let result = inference::sample(
        denoiser,
        &ckpt.schedule,
        args.n,
        &options,
        Some(&cancel),
        |f| {
            if let Some(b) = &bar {
                b.set_position(f.index as u64 + 1);
                b.set_message(f.t.to_string());
            }
            Flow::Continue
        },
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if result.stopped {
        return Err(anyhow!(
            "interrupted at t = {}; nothing written",
            result.t_reached
        ));
    }
    write_samples(&ckpt, domain, &result.x, &args.out, args.scale)?;
    eprintln!("wrote {} samples to {}", args.n, args.out.display());
    Ok(())
}

fn write_samples(
    ckpt: &Checkpoint,
    domain: DataDomain,
    x: &[f32],
    out: &Path,
    scale: u32,
) -> Result<()> {
    let bytes = match domain {
        DataDomain::Image { .. } => render::encode_png(&render::image_grid(x, domain, scale, 2))?,
        DataDomain::Points2d if extension(out) == "png" => {
            let (data, _) = Dataset::open(&ckpt.config.data)?;
            let reference = data.generate(12_345, 4000);
            render::encode_png(&render::scatter(x, Some(&reference), 512, 1.25))?
        }
        DataDomain::Points2d => {
            let norm = ckpt
                .config
                .data
                .normalization
                .unwrap_or_else(crate::model::data::PointNormalization::identity);
            let mut s = String::from("x,y\n");
            for p in x.chunks_exact(2) {
                let [a, b] = norm.to_raw(p[0], p[1]);
                let _ = writeln!(s, "{a},{b}");
            }
            s.into_bytes()
        }
    };
    write_atomic(out, &bytes)?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct ReverseArgs {
    /// The model folder (an image model).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// The image to noise and denoise (centre-cropped and resized to --size).
    #[arg(long, value_name = "IN")]
    pub image: PathBuf,
    /// Work at N × N: the image is centre-cropped and resized to it (an N × N image is used
    /// as it is). Default: the model's own size. A multiple of the model's downsampling
    /// factor, at most 512.
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
    /// Noise the image to this t with the closed form, then denoise from it.
    #[arg(long, value_name = "T", default_value_t = 500)]
    pub t: usize,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Folder for the x_t and x̂0 frames (created if missing).
    #[arg(long, value_name = "FRAMES")]
    pub out_dir: PathBuf,
    /// Also write an animated GIF of x_t | x̂0.
    #[arg(long, value_name = "FILE")]
    pub gif: Option<PathBuf>,
    /// Write a frame every K steps (and always the first and last; default: ~40 frames).
    #[arg(long, value_name = "K")]
    pub every: Option<usize>,
    /// Pixel scale of the frames (1: one pixel per pixel).
    #[arg(long, value_name = "K", default_value_t = 4)]
    pub scale: u32,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
}

fn scaled(item: &[f32], channels: usize, size: usize, scale: u32) -> image::RgbImage {
    let img = render::item_to_rgb(item, channels, size);
    image::imageops::resize(
        &img,
        size as u32 * scale,
        size as u32 * scale,
        image::imageops::FilterType::Nearest,
    )
}

pub fn reverse(args: ReverseArgs) -> Result<()> {
    if args.scale == 0 || args.scale > 16 || args.every == Some(0) {
        return Err(UsageError::new("--scale must be 1..=16 and --every at least 1").into());
    }
    if let Some(g) = &args.gif
        && extension(g) != "gif"
    {
        return Err(UsageError::new("--gif must name a .gif file").into());
    }
    let ckpt = load_model(&args.model, args.backend)?;
    let DataDomain::Image { channels, .. } = ckpt.domain() else {
        return Err(
            UsageError::new("reverse needs an image model (this one is for 2-D points)").into(),
        );
    };
    let sized = sized_model(&ckpt, args.size)?;
    let size = sized.size;
    let big_t = ckpt.schedule.num_steps();
    if args.t == 0 || args.t > big_t {
        return Err(UsageError::new(format!("--t must be 1..={big_t}")).into());
    }
    let options = args.sampler.options(&ckpt.schedule, ckpt.domain())?;
    let x0 = load_image_item_at(&args.image, channels, size)
        .map_err(|e| anyhow!("{}: {e}", args.image.display()))?;
    let (x_t, _) = noise_to(&ckpt.schedule, args.t, &x0, args.sampler.seed)?;
    create_dir_all(&args.out_dir)?;
    let total = inference::reverse_plan(&ckpt.schedule, args.t, &options)?.len();
    let every = args.every.unwrap_or_else(|| total.div_ceil(40).max(1));
    let cancel = interrupt_flag();
    let bar = progress_for(total as u64, "denoising");
    let mut gif_frames = Vec::new();
    let mut write_error: Option<anyhow::Error> = None;
    let mut written = 0usize;
    // Frame files: `xt_tNNNN.png` is the sample at t = NNNN; `x0_tNNNN.png` is the x̂0 the
    // model predicted from it. The GIF shows them side by side.
    let frame =
        |t_sample: usize, xt: &[f32], t_pred: usize, x0_hat: &[f32]| -> Result<image::RgbImage> {
            let a = scaled(xt, channels, size, args.scale);
            let b = scaled(x0_hat, channels, size, args.scale);
            write_atomic(
                &args.out_dir.join(format!("xt_t{t_sample:04}.png")),
                &render::encode_png(&a)?,
            )?;
            write_atomic(
                &args.out_dir.join(format!("x0_t{t_pred:04}.png")),
                &render::encode_png(&b)?,
            )?;
            Ok(render::side_by_side(&a, &b, 4))
        };
    // The input as the model sees it (resized and cropped), and its noised version.
    write_atomic(
        &args.out_dir.join("input.png"),
        &render::encode_png(&scaled(&x0, channels, size, args.scale))?,
    )?;
    write_atomic(
        &args.out_dir.join(format!("xt_t{:04}.png", args.t)),
        &render::encode_png(&scaled(&x_t, channels, size, args.scale))?,
    )?;
    let result = run_reverse(
        &sized,
        &ckpt.schedule,
        x_t,
        args.t,
        &options,
        Some(&cancel),
        |f| {
            if let Some(b) = &bar {
                b.set_position(f.index as u64 + 1);
                b.set_message(f.t.to_string());
            }
            let last = f.index + 1 == f.total;
            if f.index == 0 || (f.index + 1) % every == 0 || last {
                match frame(f.prev, f.x_prev, f.t, f.pred_x0) {
                    Ok(img) => {
                        gif_frames.push(img);
                        written += 1;
                    }
                    Err(e) => {
                        write_error = Some(e);
                        return Flow::Stop;
                    }
                }
            }
            Flow::Continue
        },
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(e) = write_error {
        return Err(e);
    }
    if let Some(gif) = &args.gif {
        write_atomic(gif, &render::encode_gif(&gif_frames, 120)?)?;
        eprintln!("wrote {}", gif.display());
    }
    eprintln!(
        "wrote the input, x_{} and {} frame pairs (x_t, x̂0) to {}{}",
        args.t,
        written,
        args.out_dir.display(),
        if result.stopped { " (interrupted)" } else { "" }
    );
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model folder.
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// Held-out items per t.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub n: usize,
    /// Seed of the held-out set.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: EvalFormat,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
}

pub fn eval(args: EvalArgs) -> Result<()> {
    if args.n == 0 || args.n > 1_000_000 {
        return Err(UsageError::new("--n must be 1..=1000000").into());
    }
    let ckpt = load_model(&args.model, args.backend)?;
    let (data, _) = Dataset::open(&ckpt.config.data)
        .with_context(|| format!("the model's data set ({})", ckpt.config.data.dataset))?;
    let batch = if ckpt.domain().is_image() { 64 } else { 4096 };
    let rows = evaluate(
        &ckpt,
        &ckpt.schedule,
        &data,
        &EVAL_TIMESTEPS,
        args.n,
        batch,
        args.seed,
    )?;
    let text = match args.format {
        EvalFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
        EvalFormat::Text => {
            let obj = objective_name(ckpt.objective());
            let mut s = format!(
                "{} ({} parameters, objective {obj}, {} held-out items per t)\n",
                args.model.display(),
                ckpt.num_params(),
                args.n
            );
            let own = ckpt.objective() != PredictionType::Epsilon;
            let _ = write!(s, "{:>6}", "t");
            if own {
                let _ = write!(s, "  {:>12}", format!("{obj}-MSE"));
            }
            let _ = writeln!(s, "  {:>12}  {:>14}", "eps-MSE", "baseline eps=0");
            for r in &rows {
                let _ = write!(s, "{:>6}", r.t);
                if own {
                    let _ = write!(s, "  {:>12.5}", r.objective_mse);
                }
                let _ = writeln!(s, "  {:>12.5}  {:>14.5}", r.eps_mse, r.eps_baseline);
            }
            s
        }
    };
    print!("{text}");
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchArch {
    Unet,
    Mlp,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Time this model folder's network (default: a fresh one of --arch).
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// The fresh network to time: unet (glyph-sized, 32,64,64) or mlp.
    #[arg(long, value_enum, default_value = "unet")]
    pub arch: BenchArch,
    /// Batch size.
    #[arg(long, value_name = "B", default_value_t = 32)]
    pub batch: usize,
    /// Timed repetitions (after one warm-up).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub iters: usize,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
    /// Time the fixed suite `scripts/torch_peer.py` times too (UNet 32/64/64 forward at
    /// batch 1 and 16, its training step at 32; MLP forward of 2000 points, its training
    /// step at 512) and print one `name: milliseconds` line each
    /// (`scripts/bench_vs_torch.sh` pairs them).
    #[arg(long)]
    pub suite: bool,
}

/// The configuration `bench` and the PyTorch peer time for an architecture.
fn bench_config(arch: BenchArch, batch: usize) -> CheckpointConfig {
    let dataset = match arch {
        BenchArch::Unet => DatasetKind::Glyphs,
        BenchArch::Mlp => DatasetKind::Moons,
    };
    crate::model::training::reference_config(dataset, batch)
}

/// `bench --suite`: the shapes of the PyTorch peer, median milliseconds.
fn bench_suite(args: &BenchArgs) -> Result<()> {
    use crate::model::training::{time_forward, time_train_step};
    let device = device_for(args.backend)?;
    let iters = args.iters;
    let unet = |b| bench_config(BenchArch::Unet, b);
    let mlp = |b| bench_config(BenchArch::Mlp, b);
    let rows = [
        (
            "unet_forward_b1",
            time_forward(&unet(1), &device, 1, iters * 2)?,
        ),
        (
            "unet_forward_b16",
            time_forward(&unet(16), &device, 16, iters)?,
        ),
        (
            "unet_train_step_b32",
            time_train_step(&unet(32), &device, 32, iters)?.1,
        ),
        (
            "mlp_forward_2000",
            time_forward(&mlp(2000), &device, 2000, iters * 5)?,
        ),
        (
            "mlp_train_step_b512",
            time_train_step(&mlp(512), &device, 512, iters * 5)?.1,
        ),
    ];
    println!(
        "ddpm-lab {}, {} on {} threads",
        env!("CARGO_PKG_VERSION"),
        args.backend,
        rayon::current_num_threads()
    );
    for (name, seconds) in rows {
        println!("{name}: {:.3} ms", seconds * 1e3);
    }
    Ok(())
}

/// A quick it/s measurement (forward and training step) to size a training run; the
/// careful numbers come from `cargo bench --bench model`.
pub fn bench(args: BenchArgs) -> Result<()> {
    if args.batch == 0 || args.batch > 4096 || args.iters == 0 || args.iters > 1000 {
        return Err(UsageError::new("--batch must be 1..=4096 and --iters 1..=1000").into());
    }
    if args.suite {
        return bench_suite(&args);
    }
    let device = device_for(args.backend)?;
    let config = match &args.model {
        Some(dir) => checkpoint::read_config(dir)?,
        None => bench_config(args.arch, args.batch),
    };
    check_image_pixels(
        config.domain(),
        args.batch,
        MAX_TRAIN_BATCH_PIXELS,
        "--batch",
    )?;
    let timing = crate::model::training::time_steps(&config, &device, args.batch, args.iters)?;
    let name = match &config.model {
        ModelConfig::Unet(UNetConfig { channels, .. }) => format!("UNet {channels:?}"),
        ModelConfig::Mlp(c) => format!("MLP {}×{}", c.hidden_layers, c.hidden),
    };
    println!(
        "{name}, {} parameters, batch {} on {}:\n  forward       {:>9.2} ms\n  training step {:>9.2} ms  ({:.2} it/s)",
        timing.num_params,
        args.batch,
        args.backend,
        timing.forward_seconds * 1e3,
        timing.train_step_seconds * 1e3,
        1.0 / timing.train_step_seconds.max(1e-12)
    );
    Ok(())
}
