//! The training loop, written by hand as in burn's custom-training-loop example: draw a
//! batch, noise it, predict, weight the loss, backward, AdamW step; checkpoint every so
//! often; log the loss per t bucket; resume from the last checkpoint.
//!
//! Noising uses the core's [`add_noise`] (√ᾱ_t·x0 + √(1−ᾱ_t)·ε on f32 buffers) and its
//! prediction conversions for the v target, so training and sampling share one set of
//! formulas. Each step draws its batch from a generator seeded by (seed, step), so a
//! resumed run sees exactly the batches an uninterrupted one would.

use super::checkpoint::{
    self, CheckpointConfig, CheckpointError, LOG_FILE, OPTIMIZER_FILE, STATE_FILE, WEIGHTS_FILE,
};
use super::data::{DataError, DataRng, Dataset, SkippedFile, fill_normal, rng_for};
use super::{Denoiser, LossWeighting};
use crate::diffusion::forward::add_noise;
use crate::diffusion::reverse::v_from_x0_eps;
use crate::diffusion::{PredictionType, Schedule};
use crate::fsutil::{self, read_text_limited, write_atomic};
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;
use web_time::Instant;

/// The loop's settings (`config.json`'s `training`).
#[derive(Config, Debug, PartialEq)]
pub struct TrainingConfig {
    /// Optimizer steps in total (a resumed run continues up to this).
    #[config(default = 10_000)]
    pub steps: usize,
    #[config(default = 64)]
    pub batch_size: usize,
    /// Peak learning rate (AdamW), reached after the warm-up, then cosine-decayed to 10 %.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    #[config(default = 0)]
    pub seed: u64,
    #[config(default = 200)]
    pub warmup_steps: usize,
    /// Clip the gradient's global norm to this (0 turns clipping off).
    #[config(default = 1.0)]
    pub grad_clip: f64,
    /// Save weights, optimizer state and progress every this many steps.
    #[config(default = 500)]
    pub checkpoint_every: usize,
    /// Write a `train_log.csv` row every this many steps.
    #[config(default = 50)]
    pub log_every: usize,
    /// Number of equal-width t buckets in the log.
    #[config(default = 10)]
    pub t_buckets: usize,
}

impl TrainingConfig {
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |m: String| Err(TrainError::Invalid(m));
        if self.steps == 0 {
            return bad("--steps must be at least 1".into());
        }
        if self.batch_size == 0 || self.batch_size > 65_536 {
            return bad(format!(
                "--batch must be 1..=65536 (got {})",
                self.batch_size
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate < 1.0)
        {
            return bad(format!(
                "--lr must be in (0, 1) (got {})",
                self.learning_rate
            ));
        }
        if !(self.grad_clip.is_finite() && self.grad_clip >= 0.0) {
            return bad(format!("grad_clip must be ≥ 0 (got {})", self.grad_clip));
        }
        if self.checkpoint_every == 0 || self.log_every == 0 || self.t_buckets == 0 {
            return bad("checkpoint_every, log_every and t_buckets must be at least 1".into());
        }
        Ok(())
    }

    /// The learning rate at a (0-based) step: linear warm-up, then cosine to 10 %.
    pub fn learning_rate_at(&self, step: usize) -> f64 {
        let peak = self.learning_rate;
        if step < self.warmup_steps {
            return peak * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let span = self.steps.saturating_sub(self.warmup_steps).max(1) as f64;
        let progress = ((step - self.warmup_steps) as f64 / span).clamp(0.0, 1.0);
        let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
        peak * (0.1 + 0.9 * cosine)
    }
}

/// Why training stopped with an error.
#[derive(Debug, Error)]
pub enum TrainError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Write(#[from] fsutil::WriteError),
    #[error(transparent)]
    Read(#[from] fsutil::ReadError),
    #[error("{} already holds a model; pass --resume to continue it, or choose another folder", .0.display())]
    OutExists(PathBuf),
    #[error("cannot resume: {0}")]
    Resume(String),
    #[error("the loss became {loss} at step {step}; lower the learning rate")]
    Diverged { step: usize, loss: f32 },
    #[error("burn could not read a tensor back: {0}")]
    Readback(String),
}

/// One noised batch, ready for the network.
///
/// # Shapes
/// `x_t`, `target`: [B, D]; `t`, `weight`: [B]; `timesteps`: B paper timesteps.
pub struct DiffusionBatch {
    pub x_t: Tensor<2>,
    pub t: Tensor<1>,
    pub target: Tensor<2>,
    pub weight: Tensor<1>,
    pub timesteps: Vec<usize>,
}

/// Turns clean items into noised training batches (burn's "batcher" role).
pub struct DiffusionBatcher<'a> {
    pub schedule: &'a Schedule,
    pub objective: PredictionType,
    pub weighting: LossWeighting,
    pub device: Device,
}

impl DiffusionBatcher<'_> {
    /// Noises `x0` (B items of `item_len`) at uniformly drawn t with fresh ε.
    ///
    /// # Formula
    /// x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε (core `add_noise`); target ε, x0 or
    /// v = √ᾱ_t·ε − √(1−ᾱ_t)·x0 (core `v_from_x0_eps`); weight from SNR_t.
    pub fn batch(&self, x0: &[f32], item_len: usize, rng: &mut DataRng) -> DiffusionBatch {
        let b = x0.len() / item_len.max(1);
        let big_t = self.schedule.num_steps();
        let timesteps: Vec<usize> = (0..b).map(|_| rng.random_range(1..=big_t)).collect();
        let mut eps = vec![0.0_f32; x0.len()];
        fill_normal(rng, &mut eps);
        let mut x_t = vec![0.0_f32; x0.len()];
        let mut target = vec![0.0_f32; x0.len()];
        let mut weight = Vec::with_capacity(b);
        for (i, &t) in timesteps.iter().enumerate() {
            let span = i * item_len..(i + 1) * item_len;
            let (x0_i, eps_i) = (&x0[span.clone()], &eps[span.clone()]);
            // Lengths agree by construction; an error here cannot happen.
            let _ = add_noise(self.schedule, t, x0_i, eps_i, &mut x_t[span.clone()]);
            let alpha_bar = self.schedule.alpha_bar(t);
            let tgt = &mut target[span];
            match self.objective {
                PredictionType::Epsilon => tgt.copy_from_slice(eps_i),
                PredictionType::Sample => tgt.copy_from_slice(x0_i),
                PredictionType::VPrediction => {
                    for ((o, &x), &e) in tgt.iter_mut().zip(x0_i).zip(eps_i) {
                        *o = v_from_x0_eps(x as f64, e as f64, alpha_bar) as f32;
                    }
                }
            }
            weight.push(self.weighting.weight(self.objective, self.schedule.snr(t)) as f32);
        }
        let d = &self.device;
        DiffusionBatch {
            x_t: Tensor::from_data(TensorData::new(x_t, [b, item_len]), d),
            t: Tensor::from_data(
                TensorData::new(timesteps.iter().map(|&t| t as f32).collect(), [b]),
                d,
            ),
            target: Tensor::from_data(TensorData::new(target, [b, item_len]), d),
            weight: Tensor::from_data(TensorData::new(weight, [b]), d),
            timesteps,
        }
    }
}

/// The weighted loss and the per-sample (unweighted) MSE of a batch.
///
/// # Shapes
/// `pred`, `target`: [B, D]; `weight`: [B] → (scalar [1], per-sample [B]).
pub fn diffusion_loss(
    pred: Tensor<2>,
    target: Tensor<2>,
    weight: Tensor<1>,
) -> (Tensor<1>, Tensor<1>) {
    let [b, _] = pred.dims();
    let per_sample = (pred - target).square().mean_dim(1).reshape([b]);
    let loss = (per_sample.clone() * weight).mean();
    (loss, per_sample)
}

/// Training progress, as `state.json` records it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimizer steps done.
    pub step: usize,
    /// The mean loss over the last log window.
    pub loss: Option<f32>,
    /// Wall time spent training so far (all sessions).
    pub elapsed_seconds: f64,
}

/// What the loop reports as it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainEvent {
    /// The loop is about to run steps `start_step..total`.
    Started {
        start_step: usize,
        total: usize,
        num_params: usize,
        skipped_files: Vec<SkippedFile>,
    },
    /// One optimizer step finished.
    Step {
        step: usize,
        total: usize,
        loss: f32,
        learning_rate: f64,
    },
    /// A `train_log.csv` row was written.
    Logged(LogRow),
    /// A checkpoint was saved after `step` steps.
    Saved { step: usize },
}

/// One `train_log.csv` row: the mean loss since the last row and the mean unweighted MSE
/// per t bucket (`None` for a bucket no sample fell in).
#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    pub step: usize,
    pub loss: f32,
    pub learning_rate: f64,
    pub bucket_mse: Vec<Option<f32>>,
}

/// How the loop ended.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainSummary {
    pub steps_done: usize,
    pub total: usize,
    pub final_loss: Option<f32>,
    pub elapsed_seconds: f64,
    /// True when it stopped because of the cancel flag (a checkpoint was still saved).
    pub cancelled: bool,
}

/// A training run: where, on what, and whether to continue a previous one.
pub struct TrainRequest {
    pub config: CheckpointConfig,
    pub out_dir: PathBuf,
    pub resume: bool,
    pub device: Device,
}

/// The bucket of timestep t among `buckets` equal-width buckets of 1..=T.
pub fn t_bucket(t: usize, big_t: usize, buckets: usize) -> usize {
    ((t.saturating_sub(1)) * buckets / big_t.max(1)).min(buckets.saturating_sub(1))
}

fn log_header(buckets: usize, big_t: usize) -> String {
    let mut h = String::from("step,loss,learning_rate");
    for k in 0..buckets {
        let lo = k * big_t / buckets + 1;
        let hi = (k + 1) * big_t / buckets;
        h.push_str(&format!(",mse_t{lo}_{hi}"));
    }
    h.push('\n');
    h
}

fn log_line(row: &LogRow) -> String {
    let mut s = format!("{},{:.6},{:.6e}", row.step, row.loss, row.learning_rate);
    for m in &row.bucket_mse {
        match m {
            Some(v) => s.push_str(&format!(",{v:.6}")),
            None => s.push(','),
        }
    }
    s.push('\n');
    s
}

/// Trains (or resumes) a model. `cancel` stops it cleanly after the current step, with a
/// checkpoint saved. Events go to `on_event` (the CLI's progress bar, the app's job).
///
/// Nothing half-written: `config.json` is written last in every checkpoint, so a folder
/// that has one also has the weights it describes; a fresh run that fails before its
/// first checkpoint removes the folder it created.
pub fn train(
    request: TrainRequest,
    cancel: &AtomicBool,
    on_event: impl FnMut(TrainEvent),
) -> Result<TrainSummary, TrainError> {
    let out_dir = request.out_dir.clone();
    let created_here = !out_dir.exists();
    let result = train_in_folder(request, cancel, on_event);
    if result.is_err() && created_here && !out_dir.join(checkpoint::CONFIG_FILE).is_file() {
        // Only files this run wrote are inside: the folder holds no usable model.
        let _ = std::fs::remove_dir_all(&out_dir);
    }
    result
}

fn train_in_folder(
    request: TrainRequest,
    cancel: &AtomicBool,
    mut on_event: impl FnMut(TrainEvent),
) -> Result<TrainSummary, TrainError> {
    let TrainRequest {
        config: requested,
        out_dir,
        resume,
        device,
    } = request;
    requested.training.validate()?;
    let config_path = out_dir.join(checkpoint::CONFIG_FILE);
    let has_model = config_path.is_file();
    if has_model && !resume {
        return Err(TrainError::OutExists(out_dir));
    }
    fsutil::create_dir_all(&out_dir)?;

    // On resume the folder's config wins, except for the total number of steps, which may
    // be raised to train longer.
    let (mut config, state) = if resume && has_model {
        let mut saved = checkpoint::read_config(&out_dir)?;
        saved.training.steps = requested.training.steps.max(saved.training.steps);
        let state = read_state(&out_dir)?;
        (saved, state)
    } else {
        (requested, TrainState::default())
    };
    let schedule = config.validate()?;
    let (dataset, skipped_files) = Dataset::open(&config.data)?;
    // Record what opening the data learned (a CSV's normalisation).
    config.data = dataset.spec().clone();
    let tc = config.training.clone();
    let big_t = schedule.num_steps();

    let ad_device = device.clone().autodiff();
    let mut model: Denoiser = if state.step > 0 {
        checkpoint::load_weights(&out_dir, &config.model, &ad_device)?
    } else {
        config
            .model
            .init_seeded(&ad_device, tc.seed)
            .map_err(CheckpointError::from)?
    };
    let mut adamw = AdamWConfig::new().with_weight_decay(0.0);
    if tc.grad_clip > 0.0 {
        adamw = adamw.with_grad_clipping(Some(GradientClippingConfig::Norm(tc.grad_clip as f32)));
    }
    let mut optim = adamw.init();
    if state.step > 0 {
        let path = out_dir.join(OPTIMIZER_FILE);
        if path.is_file() {
            optim = optim
                .load(&path)
                .map_err(|e| TrainError::Resume(format!("{}: {e}", path.display())))?;
        }
    }
    if state.step > 0 {
        // A resumed folder already has its weights; a fresh one gets its config with them.
        checkpoint::write_config(&out_dir, &config)?;
    }
    let log_path = out_dir.join(LOG_FILE);
    let mut log_text = if state.step > 0 && log_path.is_file() {
        read_text_limited(&log_path, "training log", 256 * 1024 * 1024)?
    } else {
        log_header(tc.t_buckets, big_t)
    };

    let batcher = DiffusionBatcher {
        schedule: &schedule,
        objective: config.objective,
        weighting: config.loss_weighting,
        device: ad_device.clone(),
    };
    on_event(TrainEvent::Started {
        start_step: state.step,
        total: tc.steps,
        num_params: model.num_params(),
        skipped_files,
    });

    let started = Instant::now();
    let elapsed_before = state.elapsed_seconds;
    let mut step = state.step;
    let mut last_loss = state.loss;
    let mut window_loss = 0.0_f64;
    let mut window_count = 0usize;
    let mut bucket_sum = vec![0.0_f64; tc.t_buckets];
    let mut bucket_n = vec![0usize; tc.t_buckets];
    let mut saved_at = step;
    let mut cancelled = false;

    let save = |model: &Denoiser,
                optim: &burn::optim::ModuleOptimizer,
                step: usize,
                loss: Option<f32>,
                log_text: &str|
     -> Result<(), TrainError> {
        checkpoint::save_weights(&out_dir, model)?;
        optim
            .save(out_dir.join(OPTIMIZER_FILE))
            .map_err(|e| CheckpointError::Save {
                path: out_dir.join(OPTIMIZER_FILE),
                message: e.to_string(),
            })?;
        write_atomic(&out_dir.join(LOG_FILE), log_text.as_bytes())?;
        let state = TrainState {
            step,
            loss,
            elapsed_seconds: elapsed_before + started.elapsed().as_secs_f64(),
        };
        let json = serde_json::to_string_pretty(&state).unwrap_or_default() + "\n";
        write_atomic(&out_dir.join(STATE_FILE), json.as_bytes())?;
        // Last: a folder with a config.json always has the weights it describes.
        checkpoint::write_config(&out_dir, &config)?;
        Ok(())
    };

    while step < tc.steps {
        if cancel.load(Ordering::Relaxed) {
            cancelled = true;
            break;
        }
        let mut rng = rng_for(tc.seed, step as u64 + 1);
        let lr = tc.learning_rate_at(step);
        let (next, out) = train_step(
            model,
            &mut optim,
            &batcher,
            &dataset,
            &mut rng,
            tc.batch_size,
            lr,
        )?;
        model = next;
        let loss_value = out.loss;
        if !loss_value.is_finite() {
            // Keep the last good checkpoint; report instead of saving garbage.
            return Err(TrainError::Diverged {
                step: step + 1,
                loss: loss_value,
            });
        }
        let (per_sample, timesteps) = (out.per_sample, out.timesteps);
        step += 1;

        window_loss += loss_value as f64;
        window_count += 1;
        for (&t, &mse) in timesteps.iter().zip(&per_sample) {
            let k = t_bucket(t, big_t, tc.t_buckets);
            bucket_sum[k] += mse as f64;
            bucket_n[k] += 1;
        }
        on_event(TrainEvent::Step {
            step,
            total: tc.steps,
            loss: loss_value,
            learning_rate: lr,
        });
        if step % tc.log_every == 0 || step == tc.steps {
            let row = LogRow {
                step,
                loss: (window_loss / window_count.max(1) as f64) as f32,
                learning_rate: lr,
                bucket_mse: bucket_sum
                    .iter()
                    .zip(&bucket_n)
                    .map(|(&s, &n)| (n > 0).then(|| (s / n as f64) as f32))
                    .collect(),
            };
            last_loss = Some(row.loss);
            log_text.push_str(&log_line(&row));
            on_event(TrainEvent::Logged(row));
            window_loss = 0.0;
            window_count = 0;
            bucket_sum.iter_mut().for_each(|v| *v = 0.0);
            bucket_n.iter_mut().for_each(|v| *v = 0);
        }
        if step % tc.checkpoint_every == 0 && step < tc.steps {
            save(&model, &optim, step, last_loss, &log_text)?;
            saved_at = step;
            on_event(TrainEvent::Saved { step });
        }
    }
    if window_count > 0 {
        last_loss = Some((window_loss / window_count as f64) as f32);
    }
    if saved_at != step || !out_dir.join(WEIGHTS_FILE).is_file() {
        save(&model, &optim, step, last_loss, &log_text)?;
        on_event(TrainEvent::Saved { step });
    }
    Ok(TrainSummary {
        steps_done: step,
        total: tc.steps,
        final_loss: last_loss,
        elapsed_seconds: elapsed_before + started.elapsed().as_secs_f64(),
        cancelled,
    })
}

/// Reads `state.json` (a folder with a config but no state has done 0 steps).
pub fn read_state(dir: &Path) -> Result<TrainState, TrainError> {
    let path = dir.join(STATE_FILE);
    if !path.is_file() {
        return Ok(TrainState::default());
    }
    let text = read_text_limited(&path, "training state", 1024 * 1024)?;
    serde_json::from_str(&text).map_err(|e| TrainError::Resume(format!("{}: {e}", path.display())))
}

/// What one optimizer step saw.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutcome {
    /// The weighted loss the gradient came from.
    pub loss: f32,
    /// Unweighted MSE per sample, and the sample's t.
    pub per_sample: Vec<f32>,
    pub timesteps: Vec<usize>,
}

/// One training step: draw `batch_size` items, noise them, predict, backward, AdamW.
pub fn train_step(
    model: Denoiser,
    optim: &mut burn::optim::ModuleOptimizer,
    batcher: &DiffusionBatcher,
    dataset: &Dataset,
    rng: &mut DataRng,
    batch_size: usize,
    learning_rate: f64,
) -> Result<(Denoiser, StepOutcome), TrainError> {
    let item_len = dataset.item_len();
    let x0 = dataset.sample(rng, batch_size);
    let batch = batcher.batch(&x0, item_len, rng);
    let pred = model.forward_flat(batch.x_t, batch.t);
    let (loss, per_sample) = diffusion_loss(pred, batch.target, batch.weight);
    let loss_value = loss
        .clone()
        .try_into_scalar::<f32>()
        .map_err(|e| TrainError::Readback(format!("{e:?}")))?;
    let per_sample = per_sample
        .detach()
        .try_into_vec_as::<f32>()
        .map_err(|e| TrainError::Readback(format!("{e:?}")))?;
    if !loss_value.is_finite() {
        return Ok((
            model,
            StepOutcome {
                loss: loss_value,
                per_sample,
                timesteps: batch.timesteps,
            },
        ));
    }
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let model = optim.step(learning_rate, model, grads);
    Ok((
        model,
        StepOutcome {
            loss: loss_value,
            per_sample,
            timesteps: batch.timesteps,
        },
    ))
}

/// The configuration benchmarks time for a data set: its default network, the default
/// schedule, ε-prediction, uniform loss weighting, default training settings at `batch`
/// (`ddpm-lab bench`, `benches/model.rs` and the PyTorch peer's shapes).
pub fn reference_config(dataset: super::data::DatasetKind, batch: usize) -> CheckpointConfig {
    let data = super::data::DataSpec::new(dataset);
    CheckpointConfig::new(
        super::ModelConfig::for_domain(data.domain()),
        crate::diffusion::ScheduleSpec::default(),
        crate::diffusion::PredictionType::Epsilon,
        super::LossWeighting::Uniform,
        data,
        TrainingConfig::new().with_batch_size(batch),
    )
}

/// Median wall times of a forward pass and of a training step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepTiming {
    pub num_params: usize,
    pub forward_seconds: f64,
    pub train_step_seconds: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Times `iters` forward passes and training steps at `batch` (after one warm-up each),
/// to size a training run before starting it.
pub fn time_steps(
    config: &CheckpointConfig,
    device: &Device,
    batch: usize,
    iters: usize,
) -> Result<StepTiming, TrainError> {
    let forward_seconds = time_forward(config, device, batch, iters)?;
    let (num_params, train_step_seconds) = time_train_step(config, device, batch, iters)?;
    Ok(StepTiming {
        num_params,
        forward_seconds,
        train_step_seconds,
    })
}

/// Median wall time of one forward pass (plain device, no autodiff) after one warm-up.
pub fn time_forward(
    config: &CheckpointConfig,
    device: &Device,
    batch: usize,
    iters: usize,
) -> Result<f64, TrainError> {
    let schedule = config.validate()?;
    let (dataset, _) = Dataset::open(&config.data)?;
    let item_len = dataset.item_len();
    let model = config
        .model
        .init_seeded(device, 0)
        .map_err(CheckpointError::from)?;
    let x = dataset.generate(1, batch);
    let mut forward = Vec::with_capacity(iters);
    for i in 0..=iters {
        let start = Instant::now();
        super::inference::predict_with(
            &model,
            device,
            &x,
            500.min(schedule.num_steps()),
            batch,
            item_len,
        )
        .map_err(|e| TrainError::Readback(e.to_string()))?;
        if i > 0 {
            forward.push(start.elapsed().as_secs_f64());
        }
    }
    Ok(median(forward))
}

/// The parameter count and the median wall time of one training step (AdamW) after one
/// warm-up.
pub fn time_train_step(
    config: &CheckpointConfig,
    device: &Device,
    batch: usize,
    iters: usize,
) -> Result<(usize, f64), TrainError> {
    let schedule = config.validate()?;
    let (dataset, _) = Dataset::open(&config.data)?;
    let ad = device.clone().autodiff();
    let mut model = config
        .model
        .init_seeded(&ad, 0)
        .map_err(CheckpointError::from)?;
    // The optimiser a training run uses (gradient clipping included, as the PyTorch peer).
    let mut adamw = AdamWConfig::new().with_weight_decay(0.0);
    if config.training.grad_clip > 0.0 {
        adamw = adamw.with_grad_clipping(Some(GradientClippingConfig::Norm(
            config.training.grad_clip as f32,
        )));
    }
    let mut optim = adamw.init();
    let batcher = DiffusionBatcher {
        schedule: &schedule,
        objective: config.objective,
        weighting: config.loss_weighting,
        device: ad.clone(),
    };
    let mut steps = Vec::with_capacity(iters);
    for i in 0..=iters {
        let mut rng = rng_for(0, i as u64);
        let start = Instant::now();
        model = train_step(model, &mut optim, &batcher, &dataset, &mut rng, batch, 1e-4)?.0;
        if i > 0 {
            steps.push(start.elapsed().as_secs_f64());
        }
    }
    Ok((model.num_params(), median(steps)))
}
