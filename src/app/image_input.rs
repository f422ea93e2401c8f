//! Images for the denoiser: user files (any common format and size, checked before and
//! while decoding) and the samples the app makes itself. The conversion to a model item is
//! `model::data::image_to_item`, the one the CLI and training use.
//!
//! A file is refused before reading when it is too large, and decoding goes through
//! `model::data::decode_image_bounded` (`image::Limits`), so a small file that claims a
//! gigantic canvas (a decompression bomb) is an error instead of an allocation. The file dialog, a drop on the window and the
//! tests all come through [`load_image_file`].

use super::sample_image::SampleImage;
use crate::fsutil::{ReadError, read_limited};
use crate::model::data::{DataSpec, Dataset, DatasetKind, decode_image_bounded};
use crate::model::render::item_to_rgb;
use image::{DynamicImage, imageops::FilterType};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Largest image file read (checked before reading a byte).
pub const MAX_IMAGE_FILE_BYTES: u64 = 64 * 1024 * 1024;
pub use crate::model::data::{MAX_DECODE_ALLOC, MAX_IMAGE_SIDE};
/// Decoded images are kept at most this large (the model sees 32 × 32 anyway).
const KEEP_SIDE: u32 = 512;
/// File extensions offered in the open dialog and accepted from a drop.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "webp"];

/// Why an image could not be used.
#[derive(Debug, Error)]
pub enum ImageLoadError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("“{path}”: not an image this app reads (PNG, JPEG, GIF, BMP or WebP)")]
    UnknownFormat { path: PathBuf },
    #[error(
        "{path}: the image is larger than the {MAX_IMAGE_SIDE} px / 512 MB decoding limit ({message})"
    )]
    TooLarge { path: PathBuf, message: String },
    #[error("“{path}”: the image is damaged or cannot be decoded ({message})")]
    Decode { path: PathBuf, message: String },
    #[error("“{path}”: the image is empty (0 × 0 pixels)")]
    Empty { path: PathBuf },
}

/// A decoded user image.
#[derive(Clone, Debug)]
pub struct LoadedImage {
    /// The file name, for display.
    pub name: String,
    /// The size of the file's image.
    pub original_size: (u32, u32),
    /// The picture, shrunk to at most 512 px a side.
    pub image: DynamicImage,
}

/// Whether a path's extension is one of [`IMAGE_EXTENSIONS`] (case-insensitive).
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str()))
}

/// Reads and decodes an image file, with the size limits above.
pub fn load_image_file(path: &Path) -> Result<LoadedImage, ImageLoadError> {
    let bytes = read_limited(path, "image", MAX_IMAGE_FILE_BYTES)?;
    decode_image(&bytes, path)
}

/// Decodes image bytes (`path` names them in errors) with the limits of
/// [`decode_image_bounded`].
pub fn decode_image(bytes: &[u8], path: &Path) -> Result<LoadedImage, ImageLoadError> {
    // The content decides, not the extension (a text file named .jpg is not an image).
    if image::guess_format(bytes).is_err() {
        return Err(ImageLoadError::UnknownFormat {
            path: path.to_path_buf(),
        });
    }
    let image = decode_image_bounded(bytes).map_err(|e| match e {
        image::ImageError::Limits(l) => ImageLoadError::TooLarge {
            path: path.to_path_buf(),
            message: l.to_string(),
        },
        other => ImageLoadError::Decode {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    })?;
    let original_size = (image.width(), image.height());
    if original_size.0 == 0 || original_size.1 == 0 {
        return Err(ImageLoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let image = if image.width().max(image.height()) > KEEP_SIDE {
        image.resize(KEEP_SIDE, KEEP_SIDE, FilterType::Triangle)
    } else {
        image
    };
    Ok(LoadedImage {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
        original_size,
        image,
    })
}

/// The real photographs this build embeds (`assets/photos/`, public domain or CC0, each
/// 256 × 256; see `assets/photos/README.md` for sources and licences).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundledPhoto {
    Cat,
    Coffee,
    Astronaut,
    Rocket,
}

impl BundledPhoto {
    pub const ALL: [BundledPhoto; 4] = [Self::Cat, Self::Coffee, Self::Astronaut, Self::Rocket];

    /// The file name under `assets/photos/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Cat => "cat.jpg",
            Self::Coffee => "coffee.jpg",
            Self::Astronaut => "astronaut.jpg",
            Self::Rocket => "rocket.jpg",
        }
    }

    /// The embedded JPEG.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Self::Cat => include_bytes!("../../assets/photos/cat.jpg"),
            Self::Coffee => include_bytes!("../../assets/photos/coffee.jpg"),
            Self::Astronaut => include_bytes!("../../assets/photos/astronaut.jpg"),
            Self::Rocket => include_bytes!("../../assets/photos/rocket.jpg"),
        }
    }

    /// The decoded photo (through the same bounded decoder as a user's file).
    pub fn load(self) -> Result<LoadedImage, ImageLoadError> {
        decode_image(self.bytes(), Path::new(self.file_name()))
    }
}

/// The samples the app makes itself (nothing is downloaded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SampleKind {
    /// A digit from the `glyphs` data set (what the shipped UNet was trained on).
    #[default]
    Glyph,
    /// A coloured shape on a gradient from the `shapes` data set.
    Shape,
    /// The app's drawn landscape (house, sun, pond).
    Landscape,
    /// A checkerboard: hard edges, two values.
    Checker,
}

impl SampleKind {
    pub const ALL: [SampleKind; 4] = [Self::Glyph, Self::Shape, Self::Landscape, Self::Checker];

    /// Whether a seed changes the picture.
    pub fn is_seeded(self) -> bool {
        matches!(self, Self::Glyph | Self::Shape)
    }
}

/// A sample picture (64 × 64 or the data set's 32 × 32), deterministic for its seed.
pub fn sample_image(kind: SampleKind, seed: u64) -> DynamicImage {
    let from_dataset = |dataset: DatasetKind| -> Option<DynamicImage> {
        let spec = DataSpec::new(dataset);
        let domain = spec.domain();
        let (data, _) = Dataset::open(&spec).ok()?;
        let item = data.generate(seed, 1);
        match domain {
            crate::model::DataDomain::Image { channels, size } => {
                Some(DynamicImage::ImageRgb8(item_to_rgb(&item, channels, size)))
            }
            crate::model::DataDomain::Points2d => None,
        }
    };
    let picture = match kind {
        SampleKind::Glyph => from_dataset(DatasetKind::Glyphs),
        SampleKind::Shape => from_dataset(DatasetKind::Shapes),
        SampleKind::Landscape => None,
        SampleKind::Checker => Some(DynamicImage::ImageRgb8(image::RgbImage::from_fn(
            32,
            32,
            |x, y| {
                if (x / 8 + y / 8) % 2 == 0 {
                    image::Rgb([235, 235, 235])
                } else {
                    image::Rgb([25, 25, 25])
                }
            },
        ))),
    };
    picture.unwrap_or_else(landscape)
}

fn landscape() -> DynamicImage {
    let s = SampleImage::landscape(64, 64);
    let bytes: Vec<u8> = s
        .pixels
        .iter()
        .map(|v| ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8)
        .collect();
    image::RgbImage::from_raw(s.width as u32, s.height as u32, bytes)
        .map(DynamicImage::ImageRgb8)
        .unwrap_or_else(|| DynamicImage::new_rgb8(1, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::data::image_to_item;
    use std::io::Cursor;

    fn png_bytes(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x * 7) as u8, 0, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// CRC-32 (IEEE) as PNG chunks use it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A small PNG whose IHDR says `w` × `h`.
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut png = png_bytes(1, 1);
        png[16..20].copy_from_slice(&w.to_be_bytes());
        png[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn decodes_resizes_and_converts() {
        let loaded = decode_image(&png_bytes(700, 300), Path::new("wide.png")).unwrap();
        assert_eq!(loaded.original_size, (700, 300));
        assert_eq!(loaded.image.width(), 512);
        let item = image_to_item(&loaded.image, 3, 32);
        assert_eq!(item.len(), 3 * 32 * 32);
        assert!(item.iter().all(|v| (-1.0..=1.0).contains(v)));
        // Blue is full everywhere, green is zero everywhere.
        assert!(item[2 * 1024..].iter().all(|&v| v > 0.99));
        assert!(item[1024..2048].iter().all(|&v| v < -0.99));
        assert_eq!(image_to_item(&loaded.image, 1, 16).len(), 256);
    }

    #[test]
    fn refuses_garbage_and_bombs() {
        let err = decode_image(b"hello, not an image", Path::new("a.png")).unwrap_err();
        assert!(matches!(err, ImageLoadError::UnknownFormat { .. }), "{err}");
        let mut truncated = png_bytes(64, 64);
        truncated.truncate(80);
        let err = decode_image(&truncated, Path::new("t.png")).unwrap_err();
        assert!(matches!(err, ImageLoadError::Decode { .. }), "{err}");
        // A 1 × 1 PNG whose header (with a valid CRC) claims 100 000 × 100 000 pixels:
        // the decoder must refuse it by its limits, not try to allocate 40 GB.
        let bomb = png_claiming(100_000, 100_000);
        let err = decode_image(&bomb, Path::new("bomb.png")).unwrap_err();
        assert!(matches!(err, ImageLoadError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn folder_data_and_the_cli_refuse_bombs_too() {
        // `ddpm-lab reverse --image` and `--dataset folder` read through the same bounded
        // decoder.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.png");
        std::fs::write(&path, png_claiming(100_000, 100_000)).unwrap();
        let err = crate::model::data::load_image_item(&path, 1).unwrap_err();
        assert!(err.contains("limit"), "{err}");
        let ok = dir.path().join("ok.png");
        std::fs::write(&ok, png_bytes(40, 20)).unwrap();
        assert_eq!(
            crate::model::data::load_image_item(&ok, 3).unwrap().len(),
            3 * 32 * 32
        );
    }

    #[test]
    fn bundled_photos_decode_to_256_colour_squares() {
        for photo in BundledPhoto::ALL {
            let loaded = photo.load().unwrap();
            assert_eq!(loaded.original_size, (256, 256), "{photo:?}");
            // Real colour: the channels differ somewhere by a clear margin.
            let rgb = loaded.image.to_rgb8();
            let colourful = rgb
                .pixels()
                .filter(|p| p.0[0].abs_diff(p.0[1]).max(p.0[1].abs_diff(p.0[2])) > 30)
                .count();
            assert!(colourful > 256 * 256 / 50, "{photo:?}: {colourful}");
        }
    }

    #[test]
    fn samples_are_deterministic() {
        for kind in SampleKind::ALL {
            let a = sample_image(kind, 3);
            let b = sample_image(kind, 3);
            assert_eq!(a.to_rgb8().as_raw(), b.to_rgb8().as_raw(), "{kind:?}");
        }
        assert!(has_image_extension(Path::new("x.JPG")));
        assert!(!has_image_extension(Path::new("x.json")));
    }
}
