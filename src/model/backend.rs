//! Which burn backend runs the denoiser. Chosen only at the edges (the CLI's `--backend`
//! flag, an app setting); everything else takes a [`Device`].

use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// A CPU or GPU backend this build may offer. Every kind exists in every build (so a saved
/// setting always parses); [`BackendKind::device`] says whether this build compiled it in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// burn's pure-Rust `flex` CPU backend (the default).
    #[default]
    Flex,
    /// burn's `ndarray` CPU backend (cargo feature `ndarray`; deprecated upstream).
    Ndarray,
    /// burn's `wgpu` GPU backend (cargo feature `gpu`).
    Gpu,
}

/// A backend that this build does not contain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "the `{kind}` backend is not compiled into this build (rebuild with `--features {feature}`); available: {available}"
)]
pub struct BackendUnavailable {
    pub kind: BackendKind,
    pub feature: &'static str,
    pub available: String,
}

impl BackendKind {
    pub const ALL: [BackendKind; 3] = [BackendKind::Flex, BackendKind::Ndarray, BackendKind::Gpu];

    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Flex => "flex",
            BackendKind::Ndarray => "ndarray",
            BackendKind::Gpu => "gpu",
        }
    }

    /// The cargo feature that compiles this backend in.
    pub fn feature(self) -> &'static str {
        self.name()
    }

    /// Whether this build contains the backend.
    pub fn is_available(self) -> bool {
        match self {
            BackendKind::Flex => cfg!(feature = "flex"),
            BackendKind::Ndarray => cfg!(feature = "ndarray"),
            BackendKind::Gpu => cfg!(feature = "gpu"),
        }
    }

    /// The kinds this build contains, in the order a picker lists them.
    pub fn available() -> Vec<BackendKind> {
        Self::ALL.into_iter().filter(|k| k.is_available()).collect()
    }

    /// The device for this backend (without autodiff; training adds it).
    pub fn device(self) -> Result<Device, BackendUnavailable> {
        match self {
            #[cfg(feature = "flex")]
            BackendKind::Flex => Ok(Device::flex()),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            // kept on purpose: the design card's original CPU backend
            BackendKind::Ndarray => Ok(Device::ndarray()),
            #[cfg(feature = "gpu")]
            BackendKind::Gpu => Ok(Device::wgpu(burn::prelude::DeviceKind::DefaultDevice)),
            #[allow(unreachable_patterns)]
            other => Err(BackendUnavailable {
                kind: other,
                feature: other.feature(),
                available: Self::available()
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "flex" => Ok(BackendKind::Flex),
            "ndarray" => Ok(BackendKind::Ndarray),
            "gpu" | "wgpu" => Ok(BackendKind::Gpu),
            other => Err(format!(
                "unknown backend `{other}` (expected flex, ndarray or gpu)"
            )),
        }
    }
}
