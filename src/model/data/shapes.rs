//! Random coloured shapes.

use super::*;

/// A random colour in [0, 1]³.
fn random_colour(rng: &mut DataRng) -> [f32; 3] {
    [rng.random(), rng.random(), rng.random()]
}

/// Draws one shape on a gradient into `out` (3 × 32 × 32, channel-first, [−1, 1]).
pub(super) fn render_shape(rng: &mut DataRng, out: &mut [f32]) {
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
