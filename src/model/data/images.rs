//! A folder of the user's images, and decoding one image within bounds.

use super::*;

/// Reads every image in `dir` (sorted by name), resized and centre-cropped to 32 × 32.
/// Unreadable files are skipped and listed.
pub(super) fn read_image_folder(
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
