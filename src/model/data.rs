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
    #[error("{path}: line {line}: {message}")]
    Csv {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: no points found (expected lines of `x,y`)")]
    NoPoints { path: PathBuf },
    #[error("cannot list the folder {path}: {source}")]
    ListFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: no readable images ({skipped} files skipped)")]
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

// ---------------------------------------------------------------------------------------
// 2-D toy sets

/// One point of a toy set, scaled to about [−1, 1].
fn toy_point(kind: DatasetKind, rng: &mut DataRng) -> [f32; 2] {
    match kind {
        DatasetKind::Moons => {
            // make_moons: outer (cos θ, sin θ), inner (1 − cos θ, 0.5 − sin θ), noise 0.05;
            // then centred on (0.5, 0.25) and scaled by 0.6 into [−1, 1].
            let theta = rng.random::<f32>() * PI;
            let (x, y) = if rng.random::<bool>() {
                (theta.cos(), theta.sin())
            } else {
                (1.0 - theta.cos(), 0.5 - theta.sin())
            };
            let x = x + 0.05 * normal(rng);
            let y = y + 0.05 * normal(rng);
            [(x - 0.5) * 0.6, (y - 0.25) * 0.6]
        }
        DatasetKind::SwissRoll => {
            // make_swiss_roll's (x, z): t = 1.5π(1 + 2u), (t cos t, t sin t), t ≤ 4.5π.
            let t = 1.5 * PI * (1.0 + 2.0 * rng.random::<f32>());
            let scale = 1.0 / (4.5 * PI);
            [
                t * t.cos() * scale + 0.015 * normal(rng),
                t * t.sin() * scale + 0.015 * normal(rng),
            ]
        }
        DatasetKind::Circles => {
            let theta = rng.random::<f32>() * 2.0 * PI;
            let r = if rng.random::<bool>() { 0.9 } else { 0.45 };
            [
                r * theta.cos() + 0.02 * normal(rng),
                r * theta.sin() + 0.02 * normal(rng),
            ]
        }
        _ => {
            // ring8: eight Gaussians (σ = 0.05) on a circle of radius 0.8.
            let k = rng.random_range(0..8) as f32;
            let theta = k * PI / 4.0;
            [
                0.8 * theta.cos() + 0.05 * normal(rng),
                0.8 * theta.sin() + 0.05 * normal(rng),
            ]
        }
    }
}

/// Reads `x,y` rows: an optional header, `#` comments and blank lines are skipped; extra
/// columns are ignored.
pub fn read_points_csv(path: &Path) -> Result<Vec<[f64; 2]>, DataError> {
    let text = read_text_limited(path, "points CSV", MAX_CSV_BYTES)?;
    parse_points_csv(&text, path)
}

/// [`read_points_csv`] on text already read (`path` names it in errors).
pub fn parse_points_csv(text: &str, path: &Path) -> Result<Vec<[f64; 2]>, DataError> {
    let mut points = Vec::new();
    let mut seen_data = false;
    for (i, line) in text.lines().enumerate() {
        let l = line.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        let fields: Vec<&str> = l.split([',', ';', '\t']).map(str::trim).collect();
        let parsed: Vec<Option<f64>> = fields.iter().take(2).map(|f| f.parse().ok()).collect();
        match parsed.as_slice() {
            [Some(x), Some(y)] if x.is_finite() && y.is_finite() => {
                points.push([*x, *y]);
                seen_data = true;
            }
            _ if !seen_data && fields.iter().any(|f| f.parse::<f64>().is_err()) => {
                // A header line before the first data row.
                seen_data = true;
            }
            _ => {
                return Err(DataError::Csv {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: format!("expected two finite numbers `x,y`, got `{l}`"),
                });
            }
        }
    }
    if points.is_empty() {
        return Err(DataError::NoPoints {
            path: path.to_path_buf(),
        });
    }
    Ok(points)
}

/// Centres points on their mean and scales the farthest coordinate to 1.
pub fn normalization_for(points: &[[f64; 2]]) -> PointNormalization {
    let n = points.len().max(1) as f64;
    let mean = [
        points.iter().map(|p| p[0]).sum::<f64>() / n,
        points.iter().map(|p| p[1]).sum::<f64>() / n,
    ];
    let max_abs = points
        .iter()
        .map(|p| (p[0] - mean[0]).abs().max((p[1] - mean[1]).abs()))
        .fold(0.0_f64, f64::max);
    PointNormalization {
        offset: mean,
        scale: if max_abs > 0.0 { 1.0 / max_abs } else { 1.0 },
    }
}

// ---------------------------------------------------------------------------------------
// Glyphs

/// The font the project ships (also the UI's fallback font).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Supersampling factor of the glyph raster.
const GLYPH_SUPERSAMPLE: usize = 2;

/// Renders digits 0–9 with random affine jitter and stroke width.
struct GlyphRenderer {
    /// Per digit: outline curves in font units, and the outline's bounding box centre
    /// and height.
    digits: Vec<(Vec<OutlineCurve>, [f32; 2], f32)>,
}

impl GlyphRenderer {
    fn new() -> Result<Self, DataError> {
        let font = FontRef::try_from_slice(DEJAVU_SANS).map_err(|_| DataError::Font)?;
        let mut digits = Vec::with_capacity(10);
        for c in '0'..='9' {
            let outline = font.outline(font.glyph_id(c)).ok_or(DataError::Font)?;
            let b = outline.bounds;
            let centre = [(b.min.x + b.max.x) / 2.0, (b.min.y + b.max.y) / 2.0];
            let height = (b.max.y - b.min.y).abs().max(1.0);
            digits.push((outline.curves, centre, height));
        }
        Ok(Self { digits })
    }

    /// Draws `digit` into `out` (1 × 32 × 32, background −1, strokes +1).
    fn render(&self, digit: usize, rng: &mut DataRng, out: &mut [f32]) {
        let Some((curves, centre, height)) = self.digits.get(digit) else {
            out.fill(-1.0);
            return;
        };
        let ss = GLYPH_SUPERSAMPLE;
        let side = IMAGE_SIZE * ss;
        // Jitter: glyph height 17–23 px, aspect, rotation ±12°, shear, shift ±2 px.
        let target_h = rng.random_range(17.0_f32..23.0) * ss as f32;
        let scale = target_h / height;
        let aspect = rng.random_range(0.8_f32..1.15);
        let rot = rng.random_range(-0.21_f32..0.21);
        let shear = rng.random_range(-0.25_f32..0.25);
        let shift = [
            rng.random_range(-2.0_f32..2.0) * ss as f32,
            rng.random_range(-2.0_f32..2.0) * ss as f32,
        ];
        let dilate = rng.random_range(0..3_usize);
        let (sin, cos) = rot.sin_cos();
        let half = side as f32 / 2.0;
        let map = |p: ab_glyph::Point| {
            // Font units are y-up; the raster is y-down.
            let x = (p.x - centre[0]) * scale * aspect;
            let y = -(p.y - centre[1]) * scale;
            let x = x + shear * y;
            let (x, y) = (cos * x - sin * y, sin * x + cos * y);
            let lim = side as f32;
            point(
                (x + half + shift[0]).clamp(0.0, lim),
                (y + half + shift[1]).clamp(0.0, lim),
            )
        };
        let mut r = Rasterizer::new(side, side);
        for c in curves {
            match *c {
                OutlineCurve::Line(a, b) => r.draw_line(map(a), map(b)),
                OutlineCurve::Quad(a, b, c) => r.draw_quad(map(a), map(b), map(c)),
                OutlineCurve::Cubic(a, b, c, d) => r.draw_cubic(map(a), map(b), map(c), map(d)),
            }
        }
        let mut hi = vec![0.0_f32; side * side];
        r.for_each_pixel(|i, a| {
            if let Some(v) = hi.get_mut(i) {
                // The accumulator leaves ~1e-7 residue in empty pixels: snap it to 0 so the
                // background is exactly −1.
                let a = a.abs().min(1.0);
                *v = if a < 1e-4 { 0.0 } else { a };
            }
        });
        for pass in 0..dilate {
            hi = dilate_max(&hi, side, pass % 2 == 1);
        }
        // Box-filter down to 32 × 32, then map coverage [0, 1] to [−1, 1].
        let inv = 1.0 / (ss * ss) as f32;
        for y in 0..IMAGE_SIZE {
            for x in 0..IMAGE_SIZE {
                let mut acc = 0.0;
                for dy in 0..ss {
                    for dx in 0..ss {
                        acc += hi[(y * ss + dy) * side + x * ss + dx];
                    }
                }
                out[y * IMAGE_SIZE + x] = acc * inv * 2.0 - 1.0;
            }
        }
    }
}

/// One grayscale dilation: the max over a 3 × 3 square, or over a plus when `cross` is
/// set (alternating the two grows strokes roughly round).
fn dilate_max(src: &[f32], side: usize, cross: bool) -> Vec<f32> {
    let mut out = src.to_vec();
    for y in 0..side {
        for x in 0..side {
            let mut m = src[y * side + x];
            for dy in -1_i64..=1 {
                for dx in -1_i64..=1 {
                    if cross && dx != 0 && dy != 0 {
                        continue;
                    }
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx >= 0 && ny >= 0 && (nx as usize) < side && (ny as usize) < side {
                        m = m.max(src[ny as usize * side + nx as usize]);
                    }
                }
            }
            out[y * side + x] = m;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Shapes

/// A random colour in [0, 1]³.
fn random_colour(rng: &mut DataRng) -> [f32; 3] {
    [rng.random(), rng.random(), rng.random()]
}

/// Draws one shape on a gradient into `out` (3 × 32 × 32, channel-first, [−1, 1]).
fn render_shape(rng: &mut DataRng, out: &mut [f32]) {
    let n = IMAGE_SIZE;
    let c0 = random_colour(rng);
    let c1 = random_colour(rng);
    let phi = rng.random::<f32>() * 2.0 * PI;
    let dir = [phi.cos(), phi.sin()];
    let bg_mean = [
        (c0[0] + c1[0]) / 2.0,
        (c0[1] + c1[1]) / 2.0,
        (c0[2] + c1[2]) / 2.0,
    ];
    // A shape colour that stands out from the background (a few tries, then its inverse).
    let mut colour = random_colour(rng);
    for _ in 0..8 {
        let d: f32 = (0..3).map(|k| (colour[k] - bg_mean[k]).powi(2)).sum();
        if d.sqrt() > 0.45 {
            break;
        }
        colour = random_colour(rng);
    }
    let kind = rng.random_range(0..3_u32);
    let size = rng.random_range(5.0_f32..11.0);
    let margin = size + 1.0;
    let cx = rng.random_range(margin..n as f32 - margin);
    let cy = rng.random_range(margin..n as f32 - margin);
    let rot = rng.random::<f32>() * 2.0 * PI;
    let (sin, cos) = rot.sin_cos();
    let inside = |px: f32, py: f32| -> bool {
        let (dx, dy) = (px - cx, py - cy);
        // Rotate into the shape's frame.
        let (u, v) = (cos * dx + sin * dy, -sin * dx + cos * dy);
        match kind {
            0 => u * u + v * v <= size * size,
            1 => u.abs() <= size * 0.85 && v.abs() <= size * 0.85,
            _ => {
                // Equilateral triangle with circumradius `size`: three half-planes.
                (0..3).all(|k| {
                    let a = k as f32 * 2.0 * PI / 3.0;
                    u * a.cos() + v * a.sin() <= size * 0.5
                })
            }
        }
    };
    const SS: usize = 3;
    for y in 0..n {
        for x in 0..n {
            let t = 0.5
                + 0.5
                    * (((x as f32 + 0.5 - n as f32 / 2.0) * dir[0]
                        + (y as f32 + 0.5 - n as f32 / 2.0) * dir[1])
                        / (n as f32 / 2.0));
            let t = t.clamp(0.0, 1.0);
            let mut cover = 0.0;
            for sy in 0..SS {
                for sx in 0..SS {
                    let px = x as f32 + (sx as f32 + 0.5) / SS as f32;
                    let py = y as f32 + (sy as f32 + 0.5) / SS as f32;
                    if inside(px, py) {
                        cover += 1.0;
                    }
                }
            }
            let cover = cover / (SS * SS) as f32;
            for k in 0..3 {
                let bg = c0[k] + (c1[k] - c0[k]) * t;
                let v = bg + (colour[k] - bg) * cover;
                out[k * n * n + y * n + x] = v * 2.0 - 1.0;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// User image folder

/// Reads every image in `dir` (sorted by name), resized and centre-cropped to 32 × 32.
/// Unreadable files are skipped and listed.
fn read_image_folder(
    dir: &Path,
    channels: usize,
) -> Result<(Vec<f32>, usize, Vec<SkippedFile>), DataError> {
    let list_err = |source| DataError::ListFolder {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(list_err)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    let mut items = Vec::new();
    let mut count = 0;
    let mut skipped = Vec::new();
    for path in paths {
        if count >= MAX_FOLDER_IMAGES {
            skipped.push(SkippedFile {
                path,
                reason: format!("over the limit of {MAX_FOLDER_IMAGES} images"),
            });
            continue;
        }
        match load_image_item(&path, channels) {
            Ok(item) => {
                items.extend_from_slice(&item);
                count += 1;
            }
            Err(reason) => skipped.push(SkippedFile { path, reason }),
        }
    }
    if count == 0 {
        return Err(DataError::NoImages {
            path: dir.to_path_buf(),
            skipped: skipped.len(),
        });
    }
    Ok((items, count, skipped))
}

/// One image file as a channel-first 32 × 32 item in [−1, 1].
pub fn load_image_item(path: &Path, channels: usize) -> Result<Vec<f32>, String> {
    load_image_item_at(path, channels, IMAGE_SIZE)
}

/// [`load_image_item`] at `size` × `size` (centre crop and resize; a picture of that size
/// is used as it is).
pub fn load_image_item_at(path: &Path, channels: usize, size: usize) -> Result<Vec<f32>, String> {
    let bytes = read_limited(path, "image", MAX_IMAGE_FILE_BYTES).map_err(|e| e.to_string())?;
    let img = decode_image_bounded(&bytes).map_err(|e| format!("not a readable image: {e}"))?;
    Ok(image_to_item(&img, channels, size))
}

/// Decodes image bytes of any supported format under `image::Limits`
/// ([`MAX_IMAGE_SIDE`], [`MAX_DECODE_ALLOC`]): a small file that claims a gigantic canvas
/// (a decompression bomb) is an `ImageError::Limits`, never an allocation. Every image a
/// user gives (folder data, `reverse --image`, the Image panel) is decoded here.
pub fn decode_image_bounded(bytes: &[u8]) -> Result<image::DynamicImage, image::ImageError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
    if reader.format().is_none() {
        return Err(image::ImageError::Unsupported(
            image::error::UnsupportedError::from_format_and_kind(
                image::error::ImageFormatHint::Unknown,
                image::error::UnsupportedErrorKind::Format(image::error::ImageFormatHint::Unknown),
            ),
        ));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    reader.decode()
}

/// An image as a model item: the shorter side resized to `size`, centre-cropped to
/// `size` × `size`, channel-first, values in [−1, 1]. One channel: luma; three: RGB.
///
/// # Shapes
/// Returns `channels × size × size` floats.
pub fn image_to_item(img: &image::DynamicImage, channels: usize, size: usize) -> Vec<f32> {
    let s = size.max(1) as u32;
    let resized;
    let img = if img.width() == s && img.height() == s {
        img
    } else {
        resized = img.resize_to_fill(s, s, image::imageops::FilterType::Triangle);
        &resized
    };
    let n = (s * s) as usize;
    let mut out = vec![0.0_f32; channels * n];
    if channels == 1 {
        for (o, p) in out.iter_mut().zip(img.to_luma8().pixels()) {
            *o = p.0[0] as f32 / 127.5 - 1.0;
        }
    } else {
        for (i, p) in img.to_rgb8().pixels().enumerate().take(n) {
            for (k, &v) in p.0.iter().enumerate().take(channels) {
                if let Some(o) = out.get_mut(k * n + i) {
                    *o = v as f32 / 127.5 - 1.0;
                }
            }
        }
    }
    out
}
