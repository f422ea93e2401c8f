//! A test image the app draws itself (nothing is downloaded): a small landscape of smooth
//! gradients and a few flat shapes with anti-aliased edges, so noise is easy to judge by
//! eye. Also the seeded Gaussian noise ε shared by every schedule in the by-eye strip.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

/// An RGB image with values in [−1, 1], the range a diffusion model sees.
///
/// # Shapes
/// `pixels` is `[height, width, 3]`, row-major, channels interleaved.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<f32>,
}

type Rgb = [f32; 3];

fn mix(a: Rgb, b: Rgb, k: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * k,
        a[1] + (b[1] - a[1]) * k,
        a[2] + (b[2] - a[2]) * k,
    ]
}

/// Coverage of a shape with signed distance `sd` (negative inside) at pixel size `px`.
fn coverage(sd: f32, px: f32) -> f32 {
    (0.5 - sd / px).clamp(0.0, 1.0)
}

fn circle(x: f32, y: f32, cx: f32, cy: f32, r: f32) -> f32 {
    ((x - cx).powi(2) + (y - cy).powi(2)).sqrt() - r
}

fn ellipse(x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> f32 {
    // Not an exact distance, but smooth and exact on the boundary: enough for edges.
    let k = (((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2)).sqrt();
    (k - 1.0) * rx.min(ry)
}

fn rect(x: f32, y: f32, x0: f32, y0: f32, x1: f32, y1: f32) -> f32 {
    (x0 - x).max(x - x1).max(y0 - y).max(y - y1)
}

/// A triangle with apex (ax, ay) over a horizontal base at y = base from x0 to x1.
fn roof(x: f32, y: f32, apex: (f32, f32), base: f32, x0: f32, x1: f32) -> f32 {
    let (ax, ay) = apex;
    let edge = |px: f32, py: f32, qx: f32, qy: f32| {
        // Distance to the line p→q, positive on its right-hand (outer) side.
        let (dx, dy) = (qx - px, qy - py);
        let len = (dx * dx + dy * dy).sqrt();
        ((x - px) * dy - (y - py) * dx) / len
    };
    let left = edge(x0, base, ax, ay);
    let right = edge(ax, ay, x1, base);
    left.max(right).max(y - base)
}

impl SampleImage {
    /// The landscape at `width` × `height` (any size; the picture scales with it).
    /// Deterministic: the same size always gives the same pixels.
    pub fn landscape(width: usize, height: usize) -> Self {
        let mut pixels = Vec::with_capacity(width * height * 3);
        let px = 1.0 / width.max(height).max(1) as f32;
        for j in 0..height {
            let y = (j as f32 + 0.5) / height.max(1) as f32;
            for i in 0..width {
                let x = (i as f32 + 0.5) / width.max(1) as f32;
                let c = Self::shade(x, y, px);
                pixels.extend(c.iter().map(|v| v * 2.0 - 1.0));
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    /// The colour in [0, 1] at (x, y) ∈ [0, 1]², x to the right, y down.
    fn shade(x: f32, y: f32, px: f32) -> Rgb {
        use std::f32::consts::TAU;
        // Sky: deep blue at the top to pale near the horizon, with a faint warm band.
        let sky = mix(
            [0.16, 0.36, 0.80],
            [0.80, 0.86, 0.96],
            (y / 0.68).clamp(0.0, 1.0),
        );
        let sky = mix(
            sky,
            [0.98, 0.78, 0.55],
            0.25 * (-((y - 0.55) / 0.08).powi(2)).exp(),
        );
        let horizon = 0.66 + 0.035 * (TAU * 1.3 * x + 0.5).sin();
        let ground = mix(
            [0.40, 0.72, 0.28],
            [0.12, 0.38, 0.14],
            ((y - horizon) / (1.0 - horizon)).clamp(0.0, 1.0),
        );
        let mut c = mix(sky, ground, coverage(horizon - y, px));
        // Sun with a soft halo.
        let sun = circle(x, y, 0.78, 0.2, 0.1);
        c = mix(c, [1.0, 0.93, 0.6], 0.35 * (-(sun.max(0.0) / 0.06)).exp());
        c = mix(c, [1.0, 0.82, 0.16], coverage(sun, px));
        // A pond.
        let pond = ellipse(x, y, 0.72, 0.84, 0.17, 0.07);
        let water = mix(
            [0.25, 0.55, 0.85],
            [0.1, 0.3, 0.65],
            ((x - 0.55) / 0.34).clamp(0.0, 1.0),
        );
        c = mix(c, water, coverage(pond, px));
        // A house: wall, roof, door and a window.
        c = mix(
            c,
            [0.86, 0.26, 0.20],
            coverage(rect(x, y, 0.16, 0.5, 0.42, 0.8), px),
        );
        c = mix(
            c,
            [0.42, 0.18, 0.46],
            coverage(roof(x, y, (0.29, 0.32), 0.5, 0.12, 0.46), px),
        );
        c = mix(
            c,
            [0.30, 0.17, 0.08],
            coverage(rect(x, y, 0.25, 0.63, 0.32, 0.8), px),
        );
        c = mix(
            c,
            [0.98, 0.92, 0.45],
            coverage(rect(x, y, 0.345, 0.56, 0.395, 0.62), px),
        );
        // A ring in the sky.
        let ring = circle(x, y, 0.53, 0.2, 0.07).abs() - 0.018;
        c = mix(c, [0.95, 0.95, 0.98], coverage(ring, px));
        c
    }
}

/// `len` draws from N(0, 1), the same for the same `seed`.
pub fn standard_normal(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.sample(StandardNormal)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landscape_is_deterministic_and_in_range() {
        let a = SampleImage::landscape(64, 48);
        let b = SampleImage::landscape(64, 48);
        assert_eq!(a, b);
        assert_eq!(a.pixels.len(), 64 * 48 * 3);
        assert!(a.pixels.iter().all(|v| (-1.0..=1.0).contains(v)));
        // Colourful: the channels differ a lot somewhere.
        let spread = a
            .pixels
            .chunks(3)
            .map(|p| (p[0] - p[2]).abs())
            .fold(0.0_f32, f32::max);
        assert!(spread > 1.0, "spread {spread}");
    }

    #[test]
    fn noise_is_seeded_and_standard() {
        let e = standard_normal(100_000, 7);
        assert_eq!(e, standard_normal(100_000, 7));
        assert_ne!(e[..10], standard_normal(10, 8)[..]);
        let n = e.len() as f64;
        let mean = e.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = e.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }
}
