//! Model items as pictures: what the Image panel shows and what its exports write are made
//! by the same functions, so a saved frame looks exactly like the screen.
//!
//! Values live in [−1, 1] (x_t, x̂0, μ̃ are clamped there for display); ε̂ is about
//! N(0, 1), so it gets its own map: a blue–white–red scale over [−3, 3] for grayscale
//! models, each channel scaled from [−3, 3] for colour ones.

use crate::model::render::{encode_gif, encode_png, item_to_rgb};
use image::{Rgb, RgbImage, imageops};

/// How an item's numbers become colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shade {
    /// Values in [−1, 1]: black to white (or RGB).
    Value,
    /// Noise, about N(0, 1): diverging over [−3, 3].
    Noise,
}

/// The range of ε̂ the noise map spans (±3 standard deviations).
pub const NOISE_RANGE: f32 = 3.0;

/// One channel-first item (`channels × size × size`) as an RGB picture.
pub fn item_picture(item: &[f32], channels: usize, size: usize, shade: Shade) -> RgbImage {
    match shade {
        Shade::Value => item_to_rgb(item, channels, size),
        Shade::Noise => noise_picture(item, channels, size),
    }
}

fn noise_picture(item: &[f32], channels: usize, size: usize) -> RgbImage {
    let n = size * size;
    RgbImage::from_fn(size as u32, size as u32, |x, y| {
        let i = y as usize * size + x as usize;
        let get = |c: usize| item.get(c * n + i).copied().unwrap_or(0.0);
        if channels >= 3 {
            let b = |v: f32| (((v / NOISE_RANGE).clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8;
            Rgb([b(get(0)), b(get(1)), b(get(2))])
        } else {
            diverging(get(0) / NOISE_RANGE)
        }
    })
}

/// A blue (−1) – white (0) – red (+1) scale.
pub fn diverging(v: f32) -> Rgb<u8> {
    let v = if v.is_finite() {
        v.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let (blue, red) = ([33.0, 102.0, 172.0], [178.0, 24.0, 43.0]);
    let end = if v < 0.0 { blue } else { red };
    let k = v.abs();
    let mix = |c: usize| (255.0 + (end[c] - 255.0) * k).round() as u8;
    Rgb([mix(0), mix(1), mix(2)])
}

/// Scales a picture up by a whole factor, nearest neighbour (pixels stay sharp squares).
pub fn upscale(img: &RgbImage, factor: u32) -> RgbImage {
    let f = factor.max(1);
    imageops::resize(
        img,
        img.width() * f,
        img.height() * f,
        imageops::FilterType::Nearest,
    )
}

/// Pictures in a row, `gap` pixels apart on a mid-grey background.
pub fn row(pictures: &[RgbImage], gap: u32) -> RgbImage {
    let w: u32 = pictures.iter().map(|p| p.width()).sum::<u32>()
        + gap * (pictures.len().saturating_sub(1)) as u32;
    let h = pictures.iter().map(|p| p.height()).max().unwrap_or(1);
    let mut out = RgbImage::from_pixel(w.max(1), h.max(1), Rgb([128, 128, 128]));
    let mut x = 0i64;
    for p in pictures {
        imageops::overlay(&mut out, p, x, 0);
        x += (p.width() + gap) as i64;
    }
    out
}

/// Rows stacked, `gap` pixels apart.
pub fn column(rows: &[RgbImage], gap: u32) -> RgbImage {
    let h: u32 =
        rows.iter().map(|p| p.height()).sum::<u32>() + gap * (rows.len().saturating_sub(1)) as u32;
    let w = rows.iter().map(|p| p.width()).max().unwrap_or(1);
    let mut out = RgbImage::from_pixel(w.max(1), h.max(1), Rgb([128, 128, 128]));
    let mut y = 0i64;
    for p in rows {
        imageops::overlay(&mut out, p, 0, y);
        y += (p.height() + gap) as i64;
    }
    out
}

/// PNG bytes of a picture.
pub fn png_bytes(img: &RgbImage) -> anyhow::Result<Vec<u8>> {
    Ok(encode_png(img)?)
}

/// An animated, looping GIF of same-sized pictures.
pub fn gif_bytes(frames: &[RgbImage], delay_ms: u32) -> anyhow::Result<Vec<u8>> {
    if frames.is_empty() {
        anyhow::bail!("there are no frames to write");
    }
    Ok(encode_gif(frames, delay_ms)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_values_and_noise() {
        let item = [-1.0_f32, 0.0, 1.0, 5.0];
        let v = item_picture(&item, 1, 2, Shade::Value);
        assert_eq!(v.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(v.get_pixel(0, 1).0, [255, 255, 255]);
        let n = item_picture(&item, 1, 2, Shade::Noise);
        assert_eq!(n.get_pixel(1, 0).0, [255, 255, 255]);
        assert_eq!(n.get_pixel(1, 1).0, [178, 24, 43]);
        let up = upscale(&v, 4);
        assert_eq!(up.dimensions(), (8, 8));
        assert_eq!(up.get_pixel(7, 7), v.get_pixel(1, 1));
        let r = row(&[up.clone(), up.clone()], 2);
        assert_eq!(r.dimensions(), (18, 8));
        assert_eq!(column(&[r.clone(), r], 3).dimensions(), (18, 19));
        assert!(gif_bytes(&[], 50).is_err());
        let png = png_bytes(&v).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
