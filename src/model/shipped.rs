//! The denoisers that ship with the app, embedded in the binary at build time (`build.rs`
//! lists every `assets/models/<name>/` holding `config.json` and `model.bpk`). Embedding
//! makes the app work out of the box wherever the binary is copied; the models are small
//! (a few hundred KB to about a megabyte each).
//!
//! Loading goes through the same validation as a folder on disk: the config is parsed and
//! checked, the weights are read with burn's fallible record loader, and every problem is a
//! [`CheckpointError`], never a panic.

use super::checkpoint::{Checkpoint, CheckpointConfig, CheckpointError};
use super::data::DataDomain;
use super::{Denoiser, ModelConfig};
use burn::prelude::*;
use burn::store::{ModuleRecord, RecordError};
use std::path::PathBuf;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/shipped_models.rs"));
}

/// One model embedded in the binary.
#[derive(Clone, Copy, Debug)]
pub struct ShippedModel {
    /// The folder name under `assets/models/` (`glyphs`, `moons`, …).
    pub name: &'static str,
    config_json: &'static str,
    weights: &'static [u8],
}

/// Every shipped model, sorted by name.
pub fn all() -> Vec<ShippedModel> {
    embedded::EMBEDDED
        .iter()
        .map(|&(name, config_json, weights)| ShippedModel {
            name,
            config_json,
            weights,
        })
        .collect()
}

/// The shipped model called `name`, if this build has one.
pub fn find(name: &str) -> Option<ShippedModel> {
    all().into_iter().find(|m| m.name == name)
}

/// What the UI needs to list a shipped model, parsed once per process.
#[derive(Clone, Debug, PartialEq)]
pub struct ShippedInfo {
    pub name: &'static str,
    pub domain: DataDomain,
    /// The data set it was trained on.
    pub dataset: super::data::DatasetKind,
}

/// Every shipped model whose config is valid, with its domain and data set (cached: the
/// panels ask every frame).
pub fn catalog() -> &'static [ShippedInfo] {
    static CATALOG: std::sync::OnceLock<Vec<ShippedInfo>> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        all()
            .into_iter()
            .filter_map(|m| {
                let c = m.config().ok()?;
                Some(ShippedInfo {
                    name: m.name,
                    domain: c.domain(),
                    dataset: c.data.dataset,
                })
            })
            .collect()
    })
}

/// The shipped models of images (`true`) or of 2-D points (`false`).
pub fn for_images(images: bool) -> Vec<ShippedInfo> {
    catalog()
        .iter()
        .filter(|m| m.domain.is_image() == images)
        .cloned()
        .collect()
}

impl ShippedModel {
    /// The parsed and validated `config.json`.
    pub fn config(&self) -> Result<CheckpointConfig, CheckpointError> {
        let config: CheckpointConfig =
            serde_json::from_str(self.config_json).map_err(|e| CheckpointError::BadConfig {
                path: self.pseudo_dir().join(super::checkpoint::CONFIG_FILE),
                message: e.to_string(),
            })?;
        config.validate()?;
        Ok(config)
    }

    /// The data this model takes (`None` when its config is broken).
    pub fn domain(&self) -> Option<DataDomain> {
        self.config().ok().map(|c| c.domain())
    }

    /// Size of the embedded weights in bytes.
    pub fn weights_len(&self) -> usize {
        self.weights.len()
    }

    /// Where the model came from, as a path-like label (`<shipped>/glyphs`).
    pub fn pseudo_dir(&self) -> PathBuf {
        PathBuf::from(format!("<shipped>/{}", self.name))
    }

    /// Builds the network and loads the embedded weights onto `device`.
    pub fn load(&self, device: &Device) -> Result<Checkpoint, CheckpointError> {
        let config = self.config()?;
        let schedule = config.validate()?;
        let model = load_weights_from_bytes(
            self.weights.to_vec(),
            &config.model,
            device,
            self.pseudo_dir(),
        )?;
        Ok(Checkpoint {
            dir: self.pseudo_dir(),
            config,
            schedule,
            model,
            device: device.clone(),
        })
    }
}

/// Builds the network `config` describes and loads burnpack `bytes` into it. `origin`
/// names the source in errors.
pub fn load_weights_from_bytes(
    bytes: Vec<u8>,
    config: &ModelConfig,
    device: &Device,
    origin: PathBuf,
) -> Result<Denoiser, CheckpointError> {
    let model = config.init(device)?;
    // As for files: a damaged buffer could trip an assertion deep in the reader, so a
    // panic is caught and reported like any other corrupt weights.
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))?;
        model.try_load_record(record)
    }));
    match loaded {
        Ok(Ok(model)) => Ok(model),
        Ok(Err(RecordError::Validation(message))) => Err(CheckpointError::Mismatch {
            path: origin,
            message: one_line(&message),
        }),
        Ok(Err(RecordError::Io(message))) => Err(CheckpointError::CorruptWeights {
            path: origin,
            message: one_line(&message),
        }),
        Err(_) => Err(CheckpointError::CorruptWeights {
            path: origin,
            message: "the reader failed on its contents".into(),
        }),
    }
}

fn one_line(message: &str) -> String {
    const MAX: usize = 300;
    let line = message.replace('\n', " ");
    if line.chars().count() <= MAX {
        line
    } else {
        format!("{}…", line.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BackendKind;

    #[test]
    fn shipped_models_load_and_match_their_folders() {
        let device = BackendKind::Flex.device().unwrap();
        let models = all();
        // The MLPs for moons and swiss_roll ship with the project.
        assert!(models.iter().any(|m| m.name == "moons"), "{models:?}");
        for m in &models {
            let ckpt = m.load(&device).unwrap();
            assert!(ckpt.num_params() > 0);
            assert_eq!(Some(ckpt.domain()), m.domain());
        }
        assert!(find("no-such-model").is_none());
        assert!(for_images(false).iter().any(|m| m.name == "moons"));
    }

    #[test]
    fn broken_weights_are_an_error_not_a_panic() {
        let device = BackendKind::Flex.device().unwrap();
        let moons = find("moons").unwrap();
        let config = moons.config().unwrap();
        let truncated = moons.weights[..moons.weights.len() / 2].to_vec();
        assert!(load_weights_from_bytes(truncated, &config.model, &device, "x".into()).is_err());
        assert!(
            load_weights_from_bytes(b"garbage".to_vec(), &config.model, &device, "x".into())
                .is_err()
        );
    }
}
