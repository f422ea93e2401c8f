//! A colour "dead leaves" image generator: the training data of the natural-image model.
//!
//! Dead leaves (Matheron 1968; Lee, Mumford & Huang 2001) stacks random occluding shapes
//! whose sizes follow a power law, so the images are scale invariant, piecewise smooth and
//! full of occlusion edges — the statistics that make natural photographs what they are
//! (power-law spectra, heavy-tailed gradients). Denoisers trained on such images transfer
//! to real photos (e.g. Achddou, Gousseau & Ladjal 2021, "Synthetic images as a
//! regularity prior for image restoration neural networks"). This version adds what
//! photos have and flat leaves do not: smooth shading gradients inside each leaf,
//! oriented stripe and noise textures, edges blurred by a random amount (depth of field),
//! and a slow illumination gradient over the whole image.
//!
//! Every image is a window of an infinite leaf plane: shape centres are drawn over the
//! window grown by the largest radius, so a generated item is a random crop of a larger
//! picture at any size.

use super::data::{DataRng, normal};
use rand::{Rng, RngExt};
use std::f32::consts::PI;

/// The generator's knobs (the defaults are what the shipped natural model saw).
#[derive(Clone, Debug, PartialEq)]
pub struct DeadLeavesParams {
    /// Smallest and largest leaf radius, as a fraction of the image side.
    pub radius_range: (f32, f32),
    /// Power-law exponent α of the radius density p(r) ∝ r^(−α); α = 3 is scale invariant.
    pub alpha: f32,
    /// Leaves are dropped until this fraction of pixels is covered (the rest keeps the
    /// background), or `max_leaves` is reached.
    pub coverage: f32,
    pub max_leaves: usize,
}

impl Default for DeadLeavesParams {
    fn default() -> Self {
        Self {
            radius_range: (0.025, 0.7),
            alpha: 2.6,
            coverage: 0.995,
            max_leaves: 4000,
        }
    }
}

/// A leaf's outline.
#[derive(Clone, Copy, Debug)]
enum Outline {
    /// An ellipse with semi-axes r and r·aspect.
    Ellipse { aspect: f32 },
    /// A rectangle with half sides r and r·aspect.
    Rect { aspect: f32 },
    /// A triangle inscribed in a circle of radius r.
    Triangle,
}

/// How a leaf's colour varies inside it.
#[derive(Clone, Copy, Debug)]
enum Fill {
    Flat,
    /// Linear shading from `colour` to `other` along `dir` over the leaf's diameter.
    Gradient {
        other: [f32; 3],
        dir: [f32; 2],
    },
    /// Sinusoidal stripes of `other` with period `period` px along `dir`.
    Stripes {
        other: [f32; 3],
        dir: [f32; 2],
        period: f32,
        phase: f32,
    },
    /// Value noise of amplitude `amp` on a `cell`-px lattice (seeded per leaf).
    Noise {
        amp: f32,
        cell: f32,
        seed: u32,
    },
}

struct Leaf {
    cx: f32,
    cy: f32,
    r: f32,
    cos: f32,
    sin: f32,
    outline: Outline,
    colour: [f32; 3],
    fill: Fill,
    /// Width of the soft edge in pixels (≥ 0.5: anti-aliasing; more: defocus).
    edge: f32,
}

impl Leaf {
    /// Signed distance (pixels, negative inside; exact for discs, a close bound otherwise).
    fn distance(&self, px: f32, py: f32) -> f32 {
        let (dx, dy) = (px - self.cx, py - self.cy);
        let (u, v) = (
            self.cos * dx + self.sin * dy,
            -self.sin * dx + self.cos * dy,
        );
        match self.outline {
            Outline::Ellipse { aspect } => {
                // Distance in the stretched frame, scaled back: a bound good near the edge.
                let vv = v / aspect;
                ((u * u + vv * vv).sqrt() - self.r) * aspect.min(1.0).max(0.3)
            }
            Outline::Rect { aspect } => {
                let (hx, hy) = (self.r, self.r * aspect);
                let qx = u.abs() - hx;
                let qy = v.abs() - hy;
                let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
                outside + qx.max(qy).min(0.0)
            }
            Outline::Triangle => {
                let mut d = f32::MIN;
                for k in 0..3 {
                    let a = k as f32 * 2.0 * PI / 3.0;
                    d = d.max(u * a.cos() + v * a.sin() - self.r * 0.5);
                }
                d
            }
        }
    }

    fn colour_at(&self, px: f32, py: f32) -> [f32; 3] {
        let c = self.colour;
        match self.fill {
            Fill::Flat => c,
            Fill::Gradient { other, dir } => {
                let s = ((px - self.cx) * dir[0] + (py - self.cy) * dir[1]) / (2.0 * self.r);
                let s = (s + 0.5).clamp(0.0, 1.0);
                mix(c, other, s)
            }
            Fill::Stripes {
                other,
                dir,
                period,
                phase,
            } => {
                let s = (px * dir[0] + py * dir[1]) * 2.0 * PI / period + phase;
                mix(c, other, 0.5 + 0.5 * s.sin())
            }
            Fill::Noise { amp, cell, seed } => {
                let n = value_noise(px / cell, py / cell, seed) * amp;
                [c[0] + n, c[1] + n, c[2] + n]
            }
        }
    }
}

fn mix(a: [f32; 3], b: [f32; 3], s: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * s,
        a[1] + (b[1] - a[1]) * s,
        a[2] + (b[2] - a[2]) * s,
    ]
}

/// Smooth value noise in [−1, 1] on the integer lattice (bilinear over hashed corners).
fn value_noise(x: f32, y: f32, seed: u32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let h = |i: i32, j: i32| -> f32 {
        let mut k = (i as u32).wrapping_mul(0x27d4_eb2d) ^ (j as u32).wrapping_mul(0x1656_67b1);
        k ^= seed.wrapping_mul(0x9e37_79b9);
        k = (k ^ (k >> 15)).wrapping_mul(0x2c1b_3c6d);
        k = (k ^ (k >> 12)).wrapping_mul(0x297a_2d39);
        k ^= k >> 15;
        (k as f32 / u32::MAX as f32) * 2.0 - 1.0
    };
    let (i, j) = (x0 as i32, y0 as i32);
    let a = h(i, j) + (h(i + 1, j) - h(i, j)) * sx;
    let b = h(i, j + 1) + (h(i + 1, j + 1) - h(i, j + 1)) * sx;
    a + (b - a) * sy
}

/// A colour as photos have them: mostly muted, sometimes saturated, any brightness.
fn random_colour(rng: &mut DataRng) -> [f32; 3] {
    let grey: f32 = rng.random::<f32>().powf(0.9);
    let saturation: f32 = rng.random::<f32>().powi(2) * 0.9;
    let hue = rng.random::<f32>() * 2.0 * PI;
    // Chroma around the grey axis, in two opponent directions (roughly R−G and Y−B).
    let (a, b) = (hue.cos() * saturation, hue.sin() * saturation);
    [
        (grey + 0.55 * a + 0.2 * b).clamp(0.0, 1.0),
        (grey - 0.45 * a + 0.2 * b).clamp(0.0, 1.0),
        (grey - 0.1 * a - 0.6 * b).clamp(0.0, 1.0),
    ]
}

/// A radius from p(r) ∝ r^(−α) on [r_min, r_max] (inverse CDF).
fn power_law_radius(rng: &mut DataRng, r_min: f32, r_max: f32, alpha: f32) -> f32 {
    let u: f32 = rng.random();
    if (alpha - 1.0).abs() < 1e-4 {
        return r_min * (r_max / r_min).powf(u);
    }
    let e = 1.0 - alpha;
    let (a, b) = (r_min.powf(e), r_max.powf(e));
    (a + (b - a) * u).powf(1.0 / e)
}

fn unit_dir(rng: &mut DataRng) -> [f32; 2] {
    let phi = rng.random::<f32>() * 2.0 * PI;
    [phi.cos(), phi.sin()]
}

fn random_leaf(rng: &mut DataRng, side: f32, params: &DeadLeavesParams, detail: f32) -> Leaf {
    let (rmin, rmax) = params.radius_range;
    let r = power_law_radius(rng, rmin * detail * side, rmax * side, params.alpha).max(0.6);
    // Centres over the window grown by the largest radius: a crop of an infinite plane.
    let grow = rmax * side;
    let cx = rng.random_range(-grow..side + grow);
    let cy = rng.random_range(-grow..side + grow);
    let rot = rng.random::<f32>() * 2.0 * PI;
    let (sin, cos) = rot.sin_cos();
    let outline = match rng.random_range(0..10u32) {
        0..=4 => Outline::Ellipse {
            aspect: rng.random_range(0.35_f32..1.0),
        },
        5..=7 => Outline::Rect {
            aspect: rng.random_range(0.2_f32..1.0),
        },
        _ => Outline::Triangle,
    };
    let colour = random_colour(rng);
    let other = mix(colour, random_colour(rng), rng.random_range(0.2_f32..0.8));
    let fill = match rng.random_range(0..10u32) {
        0..=3 => Fill::Flat,
        4..=6 => Fill::Gradient {
            other,
            dir: unit_dir(rng),
        },
        7..=8 => Fill::Stripes {
            other,
            dir: unit_dir(rng),
            period: rng.random_range(2.5_f32..(r * 0.8).max(3.0)),
            phase: rng.random::<f32>() * 2.0 * PI,
        },
        _ => Fill::Noise {
            amp: rng.random_range(0.03_f32..0.18),
            cell: rng.random_range(1.5_f32..(r * 0.5).max(2.0)),
            seed: rng.next_u32(),
        },
    };
    // Most edges sharp (anti-aliased), some defocused; the blur grows with the leaf.
    let edge = if rng.random::<f32>() < 0.7 {
        0.6
    } else {
        0.6 + rng.random::<f32>() * (0.08 * r).min(4.0)
    };
    Leaf {
        cx,
        cy,
        r,
        cos,
        sin,
        outline,
        colour,
        fill,
        edge,
    }
}

/// Renders one `3 × side × side` dead-leaves image, channel-first, in [−1, 1].
///
/// Leaves are drawn front to back: each pixel keeps the colour of the first leaves that
/// cover it (with soft edges composited "under" what is already there), so drawing stops
/// once the image is covered instead of painting thousands of hidden leaves.
pub fn render(rng: &mut DataRng, side: usize, params: &DeadLeavesParams, out: &mut [f32]) {
    let n = side * side;
    debug_assert_eq!(out.len(), 3 * n);
    let s = side as f32;
    // Accumulated colour and the opacity still free per pixel (1 = nothing drawn yet).
    let mut acc = vec![[0.0_f32; 3]; n];
    let mut free = vec![1.0_f32; n];
    let mut covered = 0usize;
    let target = (params.coverage.clamp(0.0, 1.0) * n as f32) as usize;
    // Per image, how fine its smallest leaves are (×1–4 the smallest radius): some scenes
    // are busy, others a few large smooth surfaces, as photos are.
    let detail = 1.0 + 3.0 * rng.random::<f32>().powi(2);
    for _ in 0..params.max_leaves {
        if covered >= target {
            break;
        }
        let leaf = random_leaf(rng, s, params, detail);
        let reach = leaf.r * 1.05 + leaf.edge + 1.0;
        let x0 = ((leaf.cx - reach).floor().max(0.0)) as usize;
        let y0 = ((leaf.cy - reach).floor().max(0.0)) as usize;
        let x1 = ((leaf.cx + reach).ceil().min(s)) as usize;
        let y1 = ((leaf.cy + reach).ceil().min(s)) as usize;
        for y in y0..y1 {
            for x in x0..x1 {
                let i = y * side + x;
                let f = free[i];
                if f <= 1e-3 {
                    continue;
                }
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let d = leaf.distance(px, py);
                // Coverage of the pixel: a smooth step over the edge width.
                let a = (0.5 - d / (2.0 * leaf.edge)).clamp(0.0, 1.0);
                if a <= 0.0 {
                    continue;
                }
                let a = a * a * (3.0 - 2.0 * a);
                let c = leaf.colour_at(px, py);
                let w = f * a;
                for k in 0..3 {
                    acc[i][k] += w * c[k];
                }
                free[i] = f - w;
                if free[i] <= 1e-3 {
                    covered += 1;
                }
            }
        }
    }
    // Whatever stays uncovered shows a far background leaf: a shaded plane.
    let back = random_colour(rng);
    let back2 = random_colour(rng);
    let dir = unit_dir(rng);
    // A slow illumination gradient over everything (light falling across the scene).
    let light_dir = unit_dir(rng);
    let light = rng.random_range(0.0_f32..0.35);
    let grain = rng.random_range(0.0_f32..0.02);
    for y in 0..side {
        for x in 0..side {
            let i = y * side + x;
            let (u, v) = ((x as f32 + 0.5) / s - 0.5, (y as f32 + 0.5) / s - 0.5);
            let t = (0.5 + u * dir[0] + v * dir[1]).clamp(0.0, 1.0);
            let bg = mix(back, back2, t);
            let shade = 1.0 + light * (u * light_dir[0] + v * light_dir[1]) * 2.0;
            let noise = if grain > 0.0 {
                grain * normal(rng)
            } else {
                0.0
            };
            for k in 0..3 {
                let value = (acc[i][k] + free[i] * bg[k]) * shade + noise;
                out[k * n + i] = value.clamp(0.0, 1.0) * 2.0 - 1.0;
            }
        }
    }
}
