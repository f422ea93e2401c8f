//! How close a run's samples came to the points of the cloud: the nearest cloud point of
//! every sample and its distance. The ideal denoiser's samples land on cloud points (it is
//! the exact denoiser of those points, so all it can do is give them back); a network's
//! land between them, because it is not perfect.

use crate::diffusion::analytic::{IdealDenoiser, Nearest};
use crate::model::analytic::to_f64;

/// A sample closer to a cloud point than this fraction of the cloud's own spacing (the
/// median distance from a point to its nearest neighbour) counts as a copy of it.
///
/// Why relative: the ideal denoiser's last step averages the points within about
/// σ_1 = √(1 − ᾱ_1) of the sample (0.01 for the default schedule), so on a dense cloud
/// (1 000 moons points lie about 0.01 apart) it lands between neighbours, on a sparse one
/// (a few dozen drawn points) on a point itself.
pub const COPY_DISTANCE: f64 = 0.1;

/// The nearest cloud point of every sample of a finished run.
#[derive(Clone, Debug, PartialEq)]
pub struct NearestSummary {
    /// Per sample, in sample order.
    pub nearest: Vec<Nearest>,
    pub median: f64,
    pub max: f64,
    /// The median distance from a cloud point to its nearest other point (0 for a cloud of
    /// one point, or of repeated points).
    pub spacing: f64,
    /// Samples within [`COPY_DISTANCE`] × `spacing` of a cloud point.
    pub copies: usize,
}

impl NearestSummary {
    /// `samples`, `cloud`: flat 2-D points. `None` for an empty cloud or no samples, or
    /// when a sample is not finite (a run that diverged has no nearest point).
    pub fn of(samples: &[f32], cloud: &[f32]) -> Option<Self> {
        if samples.is_empty() || samples.len() % 2 != 0 || samples.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let index = IdealDenoiser::new(to_f64(cloud), 2).ok()?;
        let nearest: Vec<Nearest> = samples
            .chunks_exact(2)
            .map(|p| index.nearest(&[p[0] as f64, p[1] as f64]))
            .collect();
        let mut d: Vec<f64> = nearest.iter().map(|n| n.distance).collect();
        d.sort_by(f64::total_cmp);
        let median = d[d.len() / 2];
        let max = d[d.len() - 1];
        let spacing = spacing(cloud);
        let copies = d.iter().filter(|&&x| x <= COPY_DISTANCE * spacing).count();
        Some(Self {
            nearest,
            median,
            max,
            spacing,
            copies,
        })
    }

    /// The fraction of samples that are copies.
    pub fn copy_fraction(&self) -> f64 {
        self.copies as f64 / self.nearest.len().max(1) as f64
    }
}

/// The median distance from a point of `cloud` (flat 2-D) to its nearest other point.
fn spacing(cloud: &[f32]) -> f64 {
    let pts: Vec<[f64; 2]> = cloud
        .chunks_exact(2)
        .map(|p| [p[0] as f64, p[1] as f64])
        .collect();
    if pts.len() < 2 {
        return 0.0;
    }
    let mut d: Vec<f64> = pts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            pts.iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, b)| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2))
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .collect();
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_copies_of_a_small_case() {
        let cloud = [0.0, 0.0, 1.0, 0.0];
        // On the first point, 0.01 from the second, 0.5 between them, 3 away; the two
        // points lie 1 apart, so a copy is within 0.1.
        let samples = [0.0, 0.0, 1.0, 0.01, 0.5, 0.0, 0.0, 3.0];
        let s = NearestSummary::of(&samples, &cloud).expect("summary");
        let idx: Vec<usize> = s.nearest.iter().map(|n| n.index).collect();
        assert_eq!(idx, [0, 1, 0, 0]);
        assert!((s.nearest[1].distance - 0.01).abs() < 1e-6);
        assert!((s.max - 3.0).abs() < 1e-12);
        // Sorted: 0, 0.01, 0.5, 3 → the upper median.
        assert!((s.median - 0.5).abs() < 1e-12);
        assert!((s.spacing - 1.0).abs() < 1e-12);
        assert_eq!(s.copies, 2);
        assert_eq!(s.copy_fraction(), 0.5);
        assert!(NearestSummary::of(&[f32::NAN, 0.0], &cloud).is_none());
        assert!(NearestSummary::of(&samples, &[]).is_none());
    }
}
