//! Training data, generated or read locally (nothing is downloaded): 2-D toy sets, points
//! from a CSV, rasterised digit glyphs, coloured shapes and a folder of user images.
//!
//! Every item is a flat `Vec<f32>` in the model's units: points as (x, y) scaled to about
//! [−1, 1]; images channel-first (C × H × W) in [−1, 1]. Everything is deterministic for a
//! seed: the same seed always draws the same items.

use crate::fsutil::{ReadError, read_limited, read_text_limited};
use ab_glyph::{Font, FontRef, OutlineCurve};
use ab_glyph_rasterizer::{Rasterizer, point};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::f32::consts::PI;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use thiserror::Error;

mod glyphs;
mod images;
mod points;
mod shapes;

use glyphs::GlyphRenderer;
pub use images::*;
pub use points::*;
use shapes::render_shape;

/// The random generator used for data, noise and timesteps: portable and seedable.
pub type DataRng = Xoshiro256PlusPlus;

/// A generator for `seed`, optionally split into independent streams (`stream` picks one:
/// training step, held-out set, sampler noise).
pub fn rng_for(seed: u64, stream: u64) -> DataRng {
    // SplitMix64-style mixing so neighbouring (seed, stream) pairs give unrelated streams.
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    DataRng::seed_from_u64(z ^ (z >> 31))
}

/// A standard normal f32.
pub fn normal(rng: &mut DataRng) -> f32 {
    rng.sample::<f32, _>(StandardNormal)
}

/// Fills `out` with standard normal noise.
pub fn fill_normal(rng: &mut DataRng, out: &mut [f32]) {
    for v in out {
        *v = normal(rng);
    }
}

/// Side of the square images every image set produces.
pub const IMAGE_SIZE: usize = 32;

/// Largest image file read from a user folder.
const MAX_IMAGE_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// Largest width or height decoded.
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// Most memory the image decoder may allocate.
pub const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// Largest CSV of points.
const MAX_CSV_BYTES: u64 = 64 * 1024 * 1024;
/// Most images kept from a user folder (they are held in memory).
pub const MAX_FOLDER_IMAGES: usize = 20_000;

/// The data sets the trainer knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    /// Two interleaved half circles (scikit-learn's `make_moons`).
    Moons,
    /// A 2-D swiss roll (a spiral).
    SwissRoll,
    /// Two concentric circles.
    Circles,
    /// Eight Gaussians on a ring.
    Ring8,
    /// Points (x, y) from a user CSV file.
    Csv,
    /// Digits 0–9 rasterised from DejaVu Sans with random affine jitter and stroke width,
    /// 1 × 32 × 32 (MNIST-like: light strokes on dark).
    Glyphs,
    /// Coloured circles, squares and triangles on gradient backgrounds, 3 × 32 × 32.
    Shapes,
    /// A folder of user images, resized and centre-cropped to 32 × 32.
    Folder,
    /// Colour "dead leaves": random occluding textured shapes with power-law sizes
    /// (see [`super::dead_leaves`]), 3 × size × size random crops (64 by default).
    DeadLeaves,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 9] = [
        Self::Moons,
        Self::SwissRoll,
        Self::Circles,
        Self::Ring8,
        Self::Csv,
        Self::Glyphs,
        Self::Shapes,
        Self::Folder,
        Self::DeadLeaves,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Moons => "moons",
            Self::SwissRoll => "swiss_roll",
            Self::Circles => "circles",
            Self::Ring8 => "ring8",
            Self::Csv => "csv",
            Self::Glyphs => "glyphs",
            Self::Shapes => "shapes",
            Self::Folder => "folder",
            Self::DeadLeaves => "dead_leaves",
        }
    }

    /// Whether items are 2-D points (else images).
    pub fn is_points(self) -> bool {
        matches!(
            self,
            Self::Moons | Self::SwissRoll | Self::Circles | Self::Ring8 | Self::Csv
        )
    }

    /// Whether the set reads a user path (CSV file or image folder).
    pub fn needs_path(self) -> bool {
        matches!(self, Self::Csv | Self::Folder)
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "moons" => Ok(Self::Moons),
            "swiss_roll" | "swissroll" => Ok(Self::SwissRoll),
            "circles" => Ok(Self::Circles),
            "ring8" => Ok(Self::Ring8),
            "csv" | "points" => Ok(Self::Csv),
            "glyphs" => Ok(Self::Glyphs),
            "shapes" => Ok(Self::Shapes),
            "folder" => Ok(Self::Folder),
            "dead_leaves" | "deadleaves" => Ok(Self::DeadLeaves),
            other => Err(format!(
                "unknown dataset `{other}` (expected glyphs, shapes, dead_leaves, moons, swiss_roll, circles, ring8, csv or folder)"
            )),
        }
    }
}

/// What one item is, so the app knows how to show samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataDomain {
    /// A point (x, y).
    Points2d,
    /// A channel-first image, `channels` × `size` × `size`.
    Image { channels: usize, size: usize },
}

impl DataDomain {
    /// Floats per item.
    pub fn item_len(self) -> usize {
        match self {
            DataDomain::Points2d => 2,
            DataDomain::Image { channels, size } => channels * size * size,
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, DataDomain::Image { .. })
    }

    /// Whether x̂0 should be clipped to [−1, 1] when sampling: images live there, points
    /// may not.
    pub fn clip_x0(self) -> bool {
        self.is_image()
    }
}

/// How user points were mapped into model units: model = (raw − offset)·scale.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointNormalization {
    pub offset: [f64; 2],
    pub scale: f64,
}

impl PointNormalization {
    pub fn identity() -> Self {
        Self {
            offset: [0.0, 0.0],
            scale: 1.0,
        }
    }

    /// Model units back to the user's units.
    pub fn to_raw(&self, x: f32, y: f32) -> [f64; 2] {
        [
            x as f64 / self.scale + self.offset[0],
            y as f64 / self.scale + self.offset[1],
        ]
    }
}

/// A data set as `config.json` records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    pub dataset: DatasetKind,
    /// The CSV file (`csv`) or image folder (`folder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Channels of folder images: 1 (grayscale) or 3 (RGB).
    #[serde(default = "default_folder_channels")]
    pub channels: usize,
    /// Set for `csv` once the points have been read (filled in by [`Dataset::open`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalization: Option<PointNormalization>,
    /// Side of the generated crops (`dead_leaves`; others are 32 × 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<usize>,
}

/// Crop side of the dead-leaves set when none is given.
pub const DEAD_LEAVES_SIZE: usize = 64;
/// Largest crop side a generated set accepts.
pub const MAX_GENERATED_SIZE: usize = 512;

fn default_folder_channels() -> usize {
    3
}

impl DataSpec {
    pub fn new(dataset: DatasetKind) -> Self {
        Self {
            dataset,
            path: None,
            channels: default_folder_channels(),
            normalization: None,
            size: None,
        }
    }

    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The shape of one item (known without reading any file).
    pub fn domain(&self) -> DataDomain {
        match self.dataset {
            k if k.is_points() => DataDomain::Points2d,
            DatasetKind::Glyphs => DataDomain::Image {
                channels: 1,
                size: IMAGE_SIZE,
            },
            DatasetKind::Shapes => DataDomain::Image {
                channels: 3,
                size: IMAGE_SIZE,
            },
            DatasetKind::DeadLeaves => DataDomain::Image {
                channels: 3,
                size: self.size.unwrap_or(DEAD_LEAVES_SIZE),
            },
            _ => DataDomain::Image {
                channels: self.channels,
                size: IMAGE_SIZE,
            },
        }
    }
}

/// Why a data set could not be opened.
#[derive(Debug, Error)]
pub enum DataError {
    #[error("the `{0}` dataset needs a path (--data-dir)")]
    MissingPath(DatasetKind),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("“{path}”: line {line}: {message}")]
    Csv {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("“{path}”: no points found (expected lines of `x,y`)")]
    NoPoints { path: PathBuf },
    #[error("cannot list the folder “{path}”: {source}")]
    ListFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("“{path}”: no readable images ({skipped} files skipped)")]
    NoImages { path: PathBuf, skipped: usize },
    #[error("folder images must have 1 or 3 channels (got {0})")]
    BadChannels(usize),
    #[error("the shipped font could not be parsed")]
    Font,
    #[error("image size {0} is out of range (8..={max}, a multiple of 8)", max = MAX_GENERATED_SIZE)]
    BadSize(usize),
}

/// A file of a user folder that was skipped, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// An opened data set: draws items deterministically from a random generator.
pub struct Dataset {
    spec: DataSpec,
    domain: DataDomain,
    source: Source,
}

enum Source {
    Toy(DatasetKind),
    Glyphs(Box<GlyphRenderer>),
    Shapes,
    DeadLeaves(super::dead_leaves::DeadLeavesParams),
    /// Fixed items (CSV points or folder images), flat, `item_len` floats each.
    Table {
        items: Vec<f32>,
        count: usize,
    },
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("spec", &self.spec)
            .field("domain", &self.domain)
            .finish()
    }
}

impl Dataset {
    /// Opens a data set. For a folder, unreadable files are skipped and returned.
    pub fn open(spec: &DataSpec) -> Result<(Self, Vec<SkippedFile>), DataError> {
        let mut spec = spec.clone();
        let domain = spec.domain();
        let mut skipped = Vec::new();
        let source = match spec.dataset {
            DatasetKind::Moons
            | DatasetKind::SwissRoll
            | DatasetKind::Circles
            | DatasetKind::Ring8 => Source::Toy(spec.dataset),
            DatasetKind::Glyphs => Source::Glyphs(Box::new(GlyphRenderer::new()?)),
            DatasetKind::Shapes => Source::Shapes,
            DatasetKind::DeadLeaves => {
                let size = spec.size.unwrap_or(DEAD_LEAVES_SIZE);
                if !(8..=MAX_GENERATED_SIZE).contains(&size) || !size.is_multiple_of(8) {
                    return Err(DataError::BadSize(size));
                }
                Source::DeadLeaves(Default::default())
            }
            DatasetKind::Csv => {
                let path = spec
                    .path
                    .clone()
                    .ok_or(DataError::MissingPath(spec.dataset))?;
                let raw = read_points_csv(&path)?;
                let norm = spec
                    .normalization
                    .unwrap_or_else(|| normalization_for(&raw));
                spec.normalization = Some(norm);
                let items: Vec<f32> = raw
                    .iter()
                    .flat_map(|p| {
                        [
                            ((p[0] - norm.offset[0]) * norm.scale) as f32,
                            ((p[1] - norm.offset[1]) * norm.scale) as f32,
                        ]
                    })
                    .collect();
                Source::Table {
                    count: raw.len(),
                    items,
                }
            }
            DatasetKind::Folder => {
                if spec.channels != 1 && spec.channels != 3 {
                    return Err(DataError::BadChannels(spec.channels));
                }
                let path = spec
                    .path
                    .clone()
                    .ok_or(DataError::MissingPath(spec.dataset))?;
                let (items, count, skip) = read_image_folder(&path, spec.channels)?;
                skipped = skip;
                Source::Table { items, count }
            }
        };
        Ok((
            Self {
                spec,
                domain,
                source,
            },
            skipped,
        ))
    }

    /// The spec, with any normalisation found while opening filled in.
    pub fn spec(&self) -> &DataSpec {
        &self.spec
    }

    pub fn domain(&self) -> DataDomain {
        self.domain
    }

    pub fn item_len(&self) -> usize {
        self.domain.item_len()
    }

    /// Number of fixed items (CSV rows, folder images); `None` for generated sets.
    pub fn fixed_len(&self) -> Option<usize> {
        match &self.source {
            Source::Table { count, .. } => Some(*count),
            _ => None,
        }
    }

    /// The fixed items (CSV points in model units, folder images), flat; `None` for
    /// generated sets.
    pub fn fixed_items(&self) -> Option<&[f32]> {
        match &self.source {
            Source::Table { items, .. } => Some(items),
            _ => None,
        }
    }

    /// Draws `n` items into a flat buffer.
    ///
    /// # Shapes
    /// Returns `n × item_len` floats, item-major.
    pub fn sample(&self, rng: &mut DataRng, n: usize) -> Vec<f32> {
        let len = self.item_len();
        let mut out = vec![0.0_f32; n * len];
        for item in out.chunks_exact_mut(len) {
            self.draw_into(rng, item);
        }
        out
    }

    /// `n` items for a seed: the same seed always gives the same items.
    pub fn generate(&self, seed: u64, n: usize) -> Vec<f32> {
        self.sample(&mut rng_for(seed, 0), n)
    }

    fn draw_into(&self, rng: &mut DataRng, out: &mut [f32]) {
        match &self.source {
            Source::Toy(kind) => {
                let [x, y] = toy_point(*kind, rng);
                out[0] = x;
                out[1] = y;
            }
            Source::Glyphs(r) => {
                let digit = rng.random_range(0..10);
                r.render(digit, rng, out);
            }
            Source::Shapes => render_shape(rng, out),
            Source::DeadLeaves(params) => {
                let side = match self.domain {
                    DataDomain::Image { size, .. } => size,
                    DataDomain::Points2d => 0,
                };
                super::dead_leaves::render(rng, side, params, out)
            }
            Source::Table { items, count } => {
                let i = rng.random_range(0..*count);
                let len = out.len();
                out.copy_from_slice(&items[i * len..(i + 1) * len]);
            }
        }
    }
}
