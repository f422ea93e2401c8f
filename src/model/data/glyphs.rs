//! Rasterised digit glyphs.

use super::*;

/// The font the project ships (also the UI's fallback font).
static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Supersampling factor of the glyph raster.
const GLYPH_SUPERSAMPLE: usize = 2;

/// Renders digits 0–9 with random affine jitter and stroke width.
pub(super) struct GlyphRenderer {
    /// Per digit: outline curves in font units, and the outline's bounding box centre
    /// and height.
    digits: Vec<(Vec<OutlineCurve>, [f32; 2], f32)>,
}

impl GlyphRenderer {
    pub(super) fn new() -> Result<Self, DataError> {
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
    pub(super) fn render(&self, digit: usize, rng: &mut DataRng, out: &mut [f32]) {
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
