//! The model trained in the Points panel, kept in the app's data folder between runs: an
//! ordinary model folder (`config.json`, `model.bpk`, `points.csv` for drawn data) plus
//! `trained_here.json` saying what it was trained on. The folder is built beside its
//! place and renamed into it, so a crash leaves the old model or the new one, never half.

use super::PointSet;
use crate::model::BackendKind;
use crate::model::checkpoint::{self, Checkpoint};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file beside the model that says what it was trained on.
pub const TRAINED_HERE_FILE: &str = "trained_here.json";

/// What the stored model was trained on, and for how long.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainedHere {
    pub set: PointSet,
    /// Optimizer steps the model had when stored.
    pub steps: usize,
    /// For drawn points: a hash of the points, to tell whether the data shown still is
    /// what the model learned.
    pub drawn_hash: Option<u64>,
}

/// A stored model, loaded.
pub struct StoredModel {
    pub model: Checkpoint,
    pub about: TrainedHere,
}

/// A hash of drawn points (their exact bits).
pub fn points_hash(points: &[[f32; 2]]) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    points.len().hash(&mut h);
    for p in points {
        p[0].to_bits().hash(&mut h);
        p[1].to_bits().hash(&mut h);
    }
    h.finish()
}

/// Writes `model` as a model folder into `dir` (which must exist); drawn points go beside
/// it as `points.csv`, so the folder trains and evaluates from the CLI too.
pub fn write_model_folder(
    dir: &Path,
    model: &Checkpoint,
    drawn: Option<&[[f32; 2]]>,
) -> anyhow::Result<()> {
    let mut config = model.config.clone();
    if let Some(points) = drawn {
        let csv_path = dir.join("points.csv");
        let mut csv = String::from("x,y\n");
        for p in points {
            csv.push_str(&format!("{},{}\n", p[0], p[1]));
        }
        crate::fsutil::write_atomic(&csv_path, csv.as_bytes())?;
        config.data = config.data.clone().with_path(csv_path);
    }
    checkpoint::write_config(dir, &config)?;
    checkpoint::save_weights(dir, &model.model)?;
    Ok(())
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trained-points".into());
    dir.with_file_name(format!("{name}.{suffix}"))
}

/// Replaces the stored model in `dir` with `model`: built in `dir.partial`, then swapped
/// in by renames.
pub fn store(
    dir: &Path,
    model: &Checkpoint,
    drawn: Option<&[[f32; 2]]>,
    about: &TrainedHere,
) -> anyhow::Result<()> {
    let partial = sibling(dir, "partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    crate::fsutil::create_dir_all(&partial)?;
    write_model_folder(&partial, model, drawn)?;
    let mut text = serde_json::to_string_pretty(about)?;
    text.push('\n');
    crate::fsutil::write_atomic(&partial.join(TRAINED_HERE_FILE), text.as_bytes())?;
    // The config names points.csv by its path: point it at the final folder.
    if drawn.is_some() {
        let mut config = checkpoint::read_config(&partial)?;
        config.data = config.data.clone().with_path(dir.join("points.csv"));
        checkpoint::write_config(&partial, &config)?;
    }
    let old = sibling(dir, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    if dir.exists() {
        std::fs::rename(dir, &old)?;
    }
    std::fs::rename(&partial, dir)?;
    if old.exists() {
        // The new model is in place; a leftover old copy is only untidy.
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// Loads the stored model, `None` when there is none. A folder left by a crash between
/// the two renames (`dir.old` without `dir`) is the previous model and is used.
pub fn load(dir: &Path, backend: BackendKind) -> anyhow::Result<Option<StoredModel>> {
    let dir = if dir.is_dir() {
        dir.to_path_buf()
    } else {
        let old = sibling(dir, "old");
        if !old.is_dir() {
            return Ok(None);
        }
        old
    };
    let about_path = dir.join(TRAINED_HERE_FILE);
    let bytes = crate::fsutil::read_limited(&about_path, "trained-here note", 1 << 20)?;
    let about: TrainedHere = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", about_path.display()))?;
    let device = backend.device()?;
    let model = Checkpoint::load(&dir, &device)?;
    if model.domain().is_image() {
        anyhow::bail!("{} holds an image model", dir.display());
    }
    Ok(Some(StoredModel { model, about }))
}
