//! 2-D toy sets and points read from a CSV.

use super::*;

/// One point of a toy set, scaled to about [−1, 1].
pub(super) fn toy_point(kind: DatasetKind, rng: &mut DataRng) -> [f32; 2] {
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
                RING8_RADIUS * theta.cos() + RING8_STD * normal(rng),
                RING8_RADIUS * theta.sin() + RING8_STD * normal(rng),
            ]
        }
    }
}

const RING8_RADIUS: f32 = 0.8;
const RING8_STD: f32 = 0.05;

/// The ring8 set's own distribution, as (weight, mean, standard deviation) of its eight
/// isotropic Gaussians: what its exact (population) denoiser is built from.
pub fn ring8_components() -> Vec<(f64, [f64; 2], f64)> {
    (0..8)
        .map(|k| {
            let theta = k as f64 * std::f64::consts::PI / 4.0;
            let r = RING8_RADIUS as f64;
            (
                1.0 / 8.0,
                [r * theta.cos(), r * theta.sin()],
                RING8_STD as f64,
            )
        })
        .collect()
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
