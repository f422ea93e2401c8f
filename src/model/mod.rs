//! The denoiser: burn models, offline data, training, sampling and checkpoints.
//!
//! Laid out as burn's guide suggests: [`data`] (data sets and the diffusion batcher),
//! [`mlp`] and [`unet`] (the models), [`training`] (a hand-written loop), [`inference`]
//! (reverse runs with DDPM or DDIM), [`checkpoint`] (save/load) and [`backend`] (which
//! burn device runs it). Every diffusion formula comes from [`crate::diffusion`]: the
//! model only predicts, the core's step functions turn predictions into samples.
//!
//! No egui here: the app drives these functions from its background jobs.

pub mod analytic;
pub mod backend;
pub mod checkpoint;
pub mod data;
pub mod dead_leaves;
mod embedding;
pub mod eval;
pub mod fused;
pub mod inference;
pub mod kernels;
pub mod mlp;
pub mod photo_eval;
pub mod render;
pub mod session;
pub mod shipped;
pub mod step_error;
pub mod training;
pub mod unet;

pub use backend::{BackendKind, BackendUnavailable};
pub use checkpoint::{Checkpoint, CheckpointConfig, CheckpointError, SizeError, SizedDenoiser};
pub use data::{DataDomain, DataSpec, Dataset, DatasetKind};
pub use inference::{Denoise, Flow, Frame, ReverseOptions, Sampler};
pub use mlp::{MlpDenoiser, MlpDenoiserConfig};
pub use training::TrainingConfig;
pub use unet::{UNet, UNetConfig};

use crate::diffusion::PredictionType;
use burn::module::{ModuleVisitor, Param};
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use thiserror::Error;

/// A model configuration that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid model configuration: {0}")]
pub struct ModelConfigError(pub String);

impl ModelConfigError {
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

/// Which network, and its shape (`config.json`'s `model`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConfig {
    Mlp(MlpDenoiserConfig),
    Unet(UNetConfig),
}

impl ModelConfig {
    /// The default network for a data domain: the MLP for points, the UNet for images.
    pub fn for_domain(domain: DataDomain) -> Self {
        match domain {
            DataDomain::Points2d => ModelConfig::Mlp(MlpDenoiserConfig::new()),
            DataDomain::Image { channels, size } => ModelConfig::Unet(
                UNetConfig::new()
                    .with_in_channels(channels)
                    .with_image_size(size),
            ),
        }
    }

    pub fn validate(&self) -> Result<(), ModelConfigError> {
        match self {
            ModelConfig::Mlp(c) => c.validate(),
            ModelConfig::Unet(c) => c.validate(),
        }
    }

    /// The data this network takes.
    pub fn domain(&self) -> DataDomain {
        match self {
            ModelConfig::Mlp(_) => DataDomain::Points2d,
            ModelConfig::Unet(c) => DataDomain::Image {
                channels: c.in_channels,
                size: c.image_size,
            },
        }
    }

    /// Builds the network with lazily initialised parameters (cheap: loading a
    /// checkpoint replaces them without ever computing the random ones).
    pub fn init(&self, device: &Device) -> Result<Denoiser, ModelConfigError> {
        Ok(match self {
            ModelConfig::Mlp(c) => Denoiser::Mlp(c.init(device)?),
            ModelConfig::Unet(c) => Denoiser::UNet(c.init(device)?),
        })
    }

    /// Builds the network with parameters drawn from `seed`: the same seed gives the same
    /// weights. burn's generator is global per backend, so seeding and drawing happen under
    /// one lock.
    pub fn init_seeded(&self, device: &Device, seed: u64) -> Result<Denoiser, ModelConfigError> {
        static INIT_LOCK: Mutex<()> = Mutex::new(());
        let _guard = INIT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        device.seed(seed);
        let model = self.init(device)?;
        // Parameters are lazy: draw them all now, while the seed is ours.
        model.visit(&mut Materialize);
        Ok(model)
    }
}

/// Forces every lazily initialised parameter to be drawn.
struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// A denoiser of either kind, behind one flat interface.
#[allow(clippy::large_enum_variant)] // one per model, moved rarely; boxing fights burn's derive
#[derive(Module, Debug)]
pub enum Denoiser {
    Mlp(MlpDenoiser),
    UNet(UNet),
}

impl Denoiser {
    /// The network's output (ε, x0 or v, as trained) for flat items.
    ///
    /// # Shapes
    /// `x_t`: [B, D] (D = 2 for points, C·S·S for images, channel-first); `t`: [B] paper
    /// timesteps as floats → [B, D].
    pub fn forward_flat(&self, x_t: Tensor<2>, t: Tensor<1>) -> Tensor<2> {
        match self {
            Denoiser::Mlp(m) => m.forward(x_t, t),
            Denoiser::UNet(u) => {
                // The side comes from the data (D = C·S·S), not from the size the model was
                // trained at: the network is convolutional, so it runs at any side that is
                // a multiple of its downsampling factor (callers check that, see
                // `Checkpoint::at_size`).
                let (c, _) = u.image_shape();
                let [b, d] = x_t.dims();
                let s = side_of(d, c);
                u.forward(x_t.reshape([b, c, s, s]), t).reshape([b, d])
            }
        }
    }
}

/// The side S of a square C-channel item of `len` = C·S·S numbers (rounded down when
/// `len` is not such a number; callers validate lengths first).
pub fn side_of(len: usize, channels: usize) -> usize {
    let per_channel = len / channels.max(1);
    let mut s = (per_channel as f64).sqrt() as usize;
    // Correct any rounding of the float square root.
    while s * s > per_channel {
        s -= 1;
    }
    while (s + 1) * (s + 1) <= per_channel {
        s += 1;
    }
    s
}

/// How much a UNet shrinks its input on the way down: 2^(levels − 1). An image side must
/// be a multiple of it.
pub fn downsampling_factor(config: &UNetConfig) -> usize {
    1usize << config.channels.len().saturating_sub(1).min(16)
}

/// How the per-sample loss is weighted over t.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LossWeighting {
    /// Every t counts the same (Ho et al.'s simple loss).
    #[default]
    Uniform,
    /// Min-SNR-γ (Hang et al. 2023): caps the weight of low-noise steps.
    MinSnr { gamma: f64 },
}

impl LossWeighting {
    /// The weight of a sample at signal-to-noise ratio `snr` = ᾱ/(1−ᾱ) (from the
    /// schedule) for a network predicting `prediction`.
    ///
    /// # Formula
    /// Min-SNR-γ expressed per objective: ε: min(SNR, γ)/SNR; x0: min(SNR, γ);
    /// v: min(SNR, γ)/(SNR + 1). At SNR = 0 (zero terminal SNR) the ε weight's limit, 1, is
    /// used.
    pub fn weight(self, prediction: PredictionType, snr: f64) -> f64 {
        match self {
            LossWeighting::Uniform => 1.0,
            LossWeighting::MinSnr { gamma } => {
                let clipped = snr.min(gamma);
                match prediction {
                    PredictionType::Epsilon => {
                        if snr > 0.0 {
                            clipped / snr
                        } else {
                            1.0
                        }
                    }
                    PredictionType::Sample => clipped,
                    PredictionType::VPrediction => clipped / (snr + 1.0),
                }
            }
        }
    }
}

impl fmt::Display for LossWeighting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LossWeighting::Uniform => f.write_str("uniform"),
            LossWeighting::MinSnr { gamma } => write!(f, "min-SNR-γ (γ = {gamma})"),
        }
    }
}

/// The CLI's names for objectives: eps, x0, v.
pub fn objective_name(prediction: PredictionType) -> &'static str {
    match prediction {
        PredictionType::Epsilon => "eps",
        PredictionType::Sample => "x0",
        PredictionType::VPrediction => "v",
    }
}

/// Parses an objective name (eps/epsilon, x0/sample, v/v_prediction).
pub fn parse_objective(s: &str) -> Result<PredictionType, String> {
    PredictionType::from_str(s.trim())
}
