//! A trained model on disk: a folder with `config.json` (model, schedule, data, objective,
//! training settings) beside `model.bpk` (burnpack weights, written with burn's
//! `save_file` and read with its fallible `load_file` twin).
//!
//! Every way a folder can be wrong (missing files, bad JSON, an unknown format version,
//! truncated weights, weights of another shape) is a [`CheckpointError`], never a panic.

use super::data::{DataDomain, DataSpec};
use super::training::TrainingConfig;
use super::{Denoiser, LossWeighting, ModelConfig, ModelConfigError};
use crate::diffusion::{PredictionType, Schedule, ScheduleError, ScheduleSpec};
use crate::fsutil::{ReadError, WriteError, read_text_limited, write_atomic};
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The configuration file of a checkpoint folder.
pub const CONFIG_FILE: &str = "config.json";
/// The weights (burnpack).
pub const WEIGHTS_FILE: &str = "model.bpk";
/// The optimizer state, kept for `--resume` (not needed for sampling).
pub const OPTIMIZER_FILE: &str = "optimizer.bpk";
/// Training progress (step reached), for `--resume`.
pub const STATE_FILE: &str = "state.json";
/// The loss log.
pub const LOG_FILE: &str = "train_log.csv";

/// `config.json`'s `format` value.
pub const FORMAT_NAME: &str = "ddpm-lab-denoiser";
/// The config version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;
/// Weights larger than this are refused before reading.
pub const MAX_WEIGHTS_BYTES: u64 = 1024 * 1024 * 1024;

/// Everything needed to rebuild, sample from and keep training a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointConfig {
    pub format: String,
    pub version: u32,
    pub model: ModelConfig,
    pub schedule: ScheduleSpec,
    /// What the network predicts (ε, x0 or v).
    pub objective: PredictionType,
    pub loss_weighting: LossWeighting,
    pub data: DataSpec,
    pub training: TrainingConfig,
}

impl CheckpointConfig {
    pub fn new(
        model: ModelConfig,
        schedule: ScheduleSpec,
        objective: PredictionType,
        loss_weighting: LossWeighting,
        data: DataSpec,
        training: TrainingConfig,
    ) -> Self {
        Self {
            format: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
            model,
            schedule,
            objective,
            loss_weighting,
            data,
            training,
        }
    }

    /// Checks that the parts agree (model vs data) and that the schedule builds.
    pub fn validate(&self) -> Result<Schedule, CheckpointError> {
        if self.format != FORMAT_NAME {
            return Err(CheckpointError::Invalid(format!(
                "`format` is `{}`, expected `{FORMAT_NAME}`",
                self.format
            )));
        }
        if self.version != FORMAT_VERSION {
            return Err(CheckpointError::Invalid(format!(
                "version {} is not supported (this build reads version {FORMAT_VERSION})",
                self.version
            )));
        }
        self.model.validate()?;
        let model_domain = self.model.domain();
        let data_domain = self.data.domain();
        if model_domain != data_domain {
            return Err(CheckpointError::Invalid(format!(
                "the model takes {model_domain:?} but the data set `{}` is {data_domain:?}",
                self.data.dataset
            )));
        }
        if let LossWeighting::MinSnr { gamma } = self.loss_weighting
            && !(gamma.is_finite() && gamma > 0.0)
        {
            return Err(CheckpointError::Invalid(format!(
                "min-SNR γ must be a positive number (got {gamma})"
            )));
        }
        Ok(self.schedule.build()?)
    }

    pub fn domain(&self) -> DataDomain {
        self.model.domain()
    }
}

/// Why a checkpoint could not be saved or loaded.
#[derive(Debug, Error)]
pub enum CheckpointError {
    #[error("“{}” is not a model folder (no {CONFIG_FILE})", .0.display())]
    MissingConfig(PathBuf),
    #[error("“{}” has no weights ({WEIGHTS_FILE})", .0.display())]
    MissingWeights(PathBuf),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("“{path}”: not a valid model config: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("invalid model config: {0}")]
    Invalid(String),
    #[error(transparent)]
    Model(#[from] ModelConfigError),
    #[error("the model's schedule does not build: {0}")]
    Schedule(#[from] ScheduleError),
    #[error("“{path}”: the weights file is damaged or not burnpack: {message}")]
    CorruptWeights { path: PathBuf, message: String },
    #[error("“{path}”: the weights do not match config.json's model: {message}")]
    Mismatch { path: PathBuf, message: String },
    #[error("cannot save the weights to “{path}”: {message}")]
    Save { path: PathBuf, message: String },
}

/// Reads and validates `dir/config.json`.
pub fn read_config(dir: &Path) -> Result<CheckpointConfig, CheckpointError> {
    let path = dir.join(CONFIG_FILE);
    if !path.is_file() {
        return Err(CheckpointError::MissingConfig(dir.to_path_buf()));
    }
    let text = read_text_limited(&path, "model config", MAX_CONFIG_BYTES)?;
    parse_config(&text, &path)
}

/// Parses and validates config.json text (`path` names it in errors).
pub fn parse_config(text: &str, path: &Path) -> Result<CheckpointConfig, CheckpointError> {
    let config: CheckpointConfig =
        serde_json::from_str(text).map_err(|e| CheckpointError::BadConfig {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    config.validate()?;
    Ok(config)
}

/// Writes `dir/config.json` atomically (the folder must exist).
pub fn write_config(dir: &Path, config: &CheckpointConfig) -> Result<(), CheckpointError> {
    let mut text =
        serde_json::to_string_pretty(config).map_err(|e| CheckpointError::BadConfig {
            path: dir.join(CONFIG_FILE),
            message: e.to_string(),
        })?;
    text.push('\n');
    write_atomic(&dir.join(CONFIG_FILE), text.as_bytes())?;
    Ok(())
}

/// Writes the weights to `dir/model.bpk`. burn's `save_file` builds the file beside the
/// target and renames it into place, so a crash never leaves half a file behind.
pub fn save_weights(dir: &Path, model: &Denoiser) -> Result<(), CheckpointError> {
    let path = dir.join(WEIGHTS_FILE);
    model
        .clone()
        .save_file(&path)
        .map_err(|e| CheckpointError::Save {
            path: path.clone(),
            message: e.to_string(),
        })
}

/// Builds the network `config` describes and loads `dir/model.bpk` into it.
pub fn load_weights(
    dir: &Path,
    config: &ModelConfig,
    device: &Device,
) -> Result<Denoiser, CheckpointError> {
    let path = dir.join(WEIGHTS_FILE);
    let meta = std::fs::metadata(&path).map_err(|_| CheckpointError::MissingWeights(dir.into()))?;
    if !meta.is_file() {
        return Err(CheckpointError::MissingWeights(dir.into()));
    }
    if meta.len() > MAX_WEIGHTS_BYTES {
        return Err(ReadError::TooLarge {
            what: "weights",
            path,
            size: meta.len(),
            limit_mb: MAX_WEIGHTS_BYTES / (1024 * 1024),
        }
        .into());
    }
    let model = config.init(device)?;
    // `try_load_file` is `load_file` without the panic. A damaged file could still trip an
    // assertion deep in a reader; catch that too, so a bad file is always an error.
    let loaded =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.try_load_file(&path)));
    load_outcome(loaded, path)
}

/// Loads weights from the bytes of a burnpack file (`path` names it in errors): the same
/// checks as [`load_weights`], without the file.
pub fn load_weights_from_bytes(
    bytes: Vec<u8>,
    path: &Path,
    config: &ModelConfig,
    device: &Device,
) -> Result<Denoiser, CheckpointError> {
    let model = config.init(device)?;
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
            .and_then(|record| model.try_load_record(record))
    }));
    load_outcome(loaded, path.to_path_buf())
}

fn load_outcome(
    loaded: std::thread::Result<Result<Denoiser, burn::store::RecordError>>,
    path: PathBuf,
) -> Result<Denoiser, CheckpointError> {
    match loaded {
        Ok(Ok(model)) => Ok(model),
        Ok(Err(burn::store::RecordError::Validation(message))) => Err(CheckpointError::Mismatch {
            path,
            message: shorten(&message),
        }),
        Ok(Err(burn::store::RecordError::Io(message))) => Err(CheckpointError::CorruptWeights {
            path,
            message: shorten(&message),
        }),
        Err(_) => Err(CheckpointError::CorruptWeights {
            path,
            message: "the reader failed on its contents".into(),
        }),
    }
}

/// burn's validation messages list every tensor; keep the line readable.
fn shorten(message: &str) -> String {
    const MAX: usize = 300;
    let one_line = message.replace('\n', " ");
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// The largest image side a model is run at (the app and the CLI refuse more).
pub const MAX_RUN_SIZE: usize = 512;

/// Why a model cannot run at an image size.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SizeError {
    #[error("the image size must be at least 1 pixel (got 0)")]
    Zero,
    #[error(
        "the image size {size} is not a multiple of {factor} (this model halves the picture {halvings} times on the way down; try {below} or {above})"
    )]
    NotMultiple {
        size: usize,
        factor: usize,
        halvings: u32,
        below: usize,
        above: usize,
    },
    #[error("the image size {size} is larger than the limit of {max}")]
    TooLarge { size: usize, max: usize },
    #[error("this model takes 2-D points, not images")]
    NotImage,
}

/// Checks that the network of `config` can run on `size` × `size` images: an image model,
/// a positive multiple of its downsampling factor, at most [`MAX_RUN_SIZE`].
pub fn check_run_size(config: &ModelConfig, size: usize) -> Result<(), SizeError> {
    let ModelConfig::Unet(unet) = config else {
        return Err(SizeError::NotImage);
    };
    let factor = super::downsampling_factor(unet);
    if size == 0 {
        return Err(SizeError::Zero);
    }
    if size > MAX_RUN_SIZE {
        return Err(SizeError::TooLarge {
            size,
            max: MAX_RUN_SIZE,
        });
    }
    if !size.is_multiple_of(factor) {
        let below = (size / factor * factor).max(factor);
        return Err(SizeError::NotMultiple {
            size,
            factor,
            halvings: factor.trailing_zeros(),
            below,
            above: (size / factor + 1) * factor,
        });
    }
    Ok(())
}

/// A checkpoint run at another image size than the one it was trained at (the UNet is
/// convolutional: the same weights apply at any multiple of its downsampling factor).
/// Made by [`Checkpoint::at_size`], which validated the size.
#[derive(Debug, Clone, Copy)]
pub struct SizedDenoiser<'a> {
    pub checkpoint: &'a Checkpoint,
    pub channels: usize,
    pub size: usize,
}

impl SizedDenoiser<'_> {
    /// The items this denoiser takes.
    pub fn domain(&self) -> DataDomain {
        DataDomain::Image {
            channels: self.channels,
            size: self.size,
        }
    }
}

/// A loaded model: the network, its config and its built schedule.
#[derive(Debug)]
pub struct Checkpoint {
    pub dir: PathBuf,
    pub config: CheckpointConfig,
    pub schedule: Schedule,
    pub model: Denoiser,
    pub device: Device,
}

impl Checkpoint {
    /// Loads `dir` (config.json + model.bpk) onto `device`.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, CheckpointError> {
        let config = read_config(dir)?;
        let schedule = config.validate()?;
        let model = load_weights(dir, &config.model, device)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            config,
            schedule,
            model,
            device: device.clone(),
        })
    }

    pub fn domain(&self) -> DataDomain {
        self.config.domain()
    }

    pub fn objective(&self) -> PredictionType {
        self.config.objective
    }

    /// Number of trainable parameters.
    pub fn num_params(&self) -> usize {
        self.model.num_params()
    }

    /// This image model run on `size` × `size` pictures (its own channels), after checking
    /// the size ([`check_run_size`]).
    pub fn at_size(&self, size: usize) -> Result<SizedDenoiser<'_>, SizeError> {
        check_run_size(&self.config.model, size)?;
        let DataDomain::Image { channels, .. } = self.domain() else {
            return Err(SizeError::NotImage);
        };
        Ok(SizedDenoiser {
            checkpoint: self,
            channels,
            size,
        })
    }
}
