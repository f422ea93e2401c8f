//! Pictures of model items for files (the CLI's grids, scatter plots and GIF frames).
//! Plain `image` buffers: the app makes its own textures.

use super::data::DataDomain;
use image::{Rgb, RgbImage};

/// One value in [−1, 1] as a byte.
fn to_byte(v: f32) -> u8 {
    (((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round()) as u8
}

/// One channel-first image item (`channels` × `size` × `size`, [−1, 1]) as RGB.
pub fn item_to_rgb(item: &[f32], channels: usize, size: usize) -> RgbImage {
    let n = size * size;
    RgbImage::from_fn(size as u32, size as u32, |x, y| {
        let i = y as usize * size + x as usize;
        let get = |c: usize| item.get(c * n + i).copied().unwrap_or(-1.0);
        if channels >= 3 {
            Rgb([to_byte(get(0)), to_byte(get(1)), to_byte(get(2))])
        } else {
            let g = to_byte(get(0));
            Rgb([g, g, g])
        }
    })
}

/// Images side by side in a near-square grid, each scaled up by `scale` (nearest), with
/// `pad` pixels of mid-gray between them.
///
/// # Shapes
/// `items`: `count × channels·size·size`.
pub fn image_grid(items: &[f32], domain: DataDomain, scale: u32, pad: u32) -> RgbImage {
    let DataDomain::Image { channels, size } = domain else {
        return RgbImage::new(1, 1);
    };
    let len = domain.item_len().max(1);
    let count = items.len() / len;
    let cols = (count as f64).sqrt().ceil().max(1.0) as u32;
    let rows = (count as u32).div_ceil(cols).max(1);
    let cell = size as u32 * scale.max(1);
    let w = cols * cell + (cols + 1) * pad;
    let h = rows * cell + (rows + 1) * pad;
    let mut out = RgbImage::from_pixel(w, h, Rgb([128, 128, 128]));
    for (k, item) in items.chunks_exact(len).enumerate() {
        let img = item_to_rgb(item, channels, size);
        let (col, row) = (k as u32 % cols, k as u32 / cols);
        let (ox, oy) = (pad + col * (cell + pad), pad + row * (cell + pad));
        for y in 0..cell {
            for x in 0..cell {
                let p = *img.get_pixel(x / scale.max(1), y / scale.max(1));
                out.put_pixel(ox + x, oy + y, p);
            }
        }
    }
    out
}

/// A scatter plot of 2-D points over [−`extent`, `extent`]²: `reference` points (the
/// data) in light gray under `points` (samples) in blue, with the axes drawn.
pub fn scatter(points: &[f32], reference: Option<&[f32]>, side: u32, extent: f32) -> RgbImage {
    let mut img = RgbImage::from_pixel(side, side, Rgb([255, 255, 255]));
    let to_px = |v: f32| ((v / extent + 1.0) * 0.5 * (side - 1) as f32).round() as i64;
    let mid = to_px(0.0);
    for i in 0..side {
        img.put_pixel(
            i,
            mid.clamp(0, side as i64 - 1) as u32,
            Rgb([220, 220, 220]),
        );
        img.put_pixel(
            mid.clamp(0, side as i64 - 1) as u32,
            i,
            Rgb([220, 220, 220]),
        );
    }
    let mut dot = |x: f32, y: f32, colour: Rgb<u8>, r: i64| {
        let (cx, cy) = (to_px(x), to_px(-y));
        for dy in -r..=r {
            for dx in -r..=r {
                if dx * dx + dy * dy > r * r {
                    continue;
                }
                let (px, py) = (cx + dx, cy + dy);
                if px >= 0 && py >= 0 && px < side as i64 && py < side as i64 {
                    img.put_pixel(px as u32, py as u32, colour);
                }
            }
        }
    };
    if let Some(reference) = reference {
        for p in reference.chunks_exact(2) {
            dot(p[0], p[1], Rgb([190, 190, 190]), 1);
        }
    }
    for p in points.chunks_exact(2) {
        dot(p[0], p[1], Rgb([31, 90, 200]), 1);
    }
    img
}

/// PNG bytes of an image.
pub fn encode_png(img: &RgbImage) -> Result<Vec<u8>, image::ImageError> {
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )?;
    Ok(bytes)
}

/// An animated GIF (looping, `delay_ms` per frame) of same-sized frames.
pub fn encode_gif(frames: &[RgbImage], delay_ms: u32) -> Result<Vec<u8>, image::ImageError> {
    use image::codecs::gif::{GifEncoder, Repeat};
    let mut bytes = Vec::new();
    {
        let mut enc = GifEncoder::new_with_speed(&mut bytes, 10);
        enc.set_repeat(Repeat::Infinite)?;
        for f in frames {
            let rgba = image::DynamicImage::ImageRgb8(f.clone()).to_rgba8();
            let frame = image::Frame::from_parts(
                rgba,
                0,
                0,
                image::Delay::from_numer_denom_ms(delay_ms, 1),
            );
            enc.encode_frame(frame)?;
        }
    }
    Ok(bytes)
}

/// Two images side by side with a gap (x_t | x̂0 frames).
pub fn side_by_side(a: &RgbImage, b: &RgbImage, gap: u32) -> RgbImage {
    let w = a.width() + gap + b.width();
    let h = a.height().max(b.height());
    let mut out = RgbImage::from_pixel(w, h, Rgb([128, 128, 128]));
    image::imageops::overlay(&mut out, a, 0, 0);
    image::imageops::overlay(&mut out, b, (a.width() + gap) as i64, 0);
    out
}
