//! What the pixel values of a noised image should look like. Under q(x_t|x_0) every pixel
//! p is an independent N(√ᾱ_t·x0_p, 1 − ᾱ_t), so the values of one x_t, taken together,
//! follow the mixture (1/P)·Σ_p N(√ᾱ_t·x0_p, 1 − ᾱ_t): the image's own value histogram,
//! shrunk by √ᾱ_t and blurred by √(1 − ᾱ_t); N(0, 1) once ᾱ_t ≈ 0 at T.
//!
//! The Image panel draws a histogram of x_t over this density. Both are computed on fixed
//! bins: the expected histogram is the mixture's probability mass per bin (exact, through
//! the normal CDF), so bars and curve compare like with like at every t, even at t = 0
//! where the mixture is a set of point masses.

use super::schedule::Schedule;
use thiserror::Error;

/// Pixel values are merged into levels this fine: an 8-bit image's values (k/127.5 − 1)
/// stay distinct, and the mixture never has more than 8193 components over [−1, 1].
const LEVEL_STEP: f64 = 1.0 / 4096.0;

/// The marginal cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PixelMarginalError {
    #[error("the image has no finite pixel values")]
    Empty,
}

/// Equal-width bins over [lo, lo + count·width].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bins {
    pub lo: f64,
    pub width: f64,
    pub count: usize,
}

impl Bins {
    /// `count` bins spanning [lo, hi] (at least one bin; a degenerate span gets width 1).
    pub fn over(lo: f64, hi: f64, count: usize) -> Self {
        let count = count.max(1);
        let width = if hi > lo && (hi - lo).is_finite() {
            (hi - lo) / count as f64
        } else {
            1.0
        };
        Self { lo, width, count }
    }

    pub fn hi(&self) -> f64 {
        self.lo + self.width * self.count as f64
    }

    /// The centre of bin `i`.
    pub fn centre(&self, i: usize) -> f64 {
        self.lo + (i as f64 + 0.5) * self.width
    }

    /// The bin a value falls in; values outside the range go to the end bins.
    pub fn index(&self, v: f64) -> usize {
        let k = ((v - self.lo) / self.width).floor();
        if k.is_nan() || k < 0.0 {
            0
        } else {
            (k as usize).min(self.count - 1)
        }
    }
}

/// A histogram of `values` on `bins` as densities (count / (n·width), so the bars
/// integrate to 1), and how many values fell outside the range (counted in the end bins).
pub fn histogram_density(values: &[f32], bins: &Bins) -> (Vec<f64>, usize) {
    let mut counts = vec![0usize; bins.count];
    let mut outside = 0;
    let mut n = 0usize;
    for &v in values {
        let v = v as f64;
        if !v.is_finite() {
            continue;
        }
        n += 1;
        if v < bins.lo || v > bins.hi() {
            outside += 1;
        }
        if let Some(c) = counts.get_mut(bins.index(v)) {
            *c += 1;
        }
    }
    let norm = (n.max(1)) as f64 * bins.width;
    (counts.iter().map(|&c| c as f64 / norm).collect(), outside)
}

/// The distribution of one image's pixel values: levels and their weights.
#[derive(Clone, Debug, PartialEq)]
pub struct PixelMarginal {
    /// (level value, fraction of pixels at it), sorted by value; fractions sum to 1.
    levels: Vec<(f64, f64)>,
    /// Mean and variance of the values themselves (before merging into levels).
    mean0: f64,
    var0: f64,
}

impl PixelMarginal {
    /// The value distribution of a clean image `x0` (any layout: only values matter).
    pub fn new(x0: &[f32]) -> Result<Self, PixelMarginalError> {
        let mut keys = Vec::with_capacity(x0.len());
        let mut sum = 0.0_f64;
        for &v in x0 {
            if v.is_finite() {
                sum += v as f64;
                keys.push((v as f64 / LEVEL_STEP).round() as i64);
            }
        }
        let n = keys.len();
        if n == 0 {
            return Err(PixelMarginalError::Empty);
        }
        // Counted per level: in a dense table when the levels span less than 2^20 of them
        // (any picture in [−1, 1] spans 8 193), else by sorting. A 128² RGB picture takes
        // well under a millisecond either way (a B-tree of 49 152 inserts took ~5 ms).
        let (lo, hi) = keys
            .iter()
            .fold((i64::MAX, i64::MIN), |(a, b), &k| (a.min(k), b.max(k)));
        let counts: Vec<(i64, usize)> = if hi.saturating_sub(lo) < 1 << 20 {
            let mut dense = vec![0usize; (hi - lo + 1) as usize];
            for &k in &keys {
                dense[(k - lo) as usize] += 1;
            }
            dense
                .into_iter()
                .enumerate()
                .filter(|&(_, c)| c > 0)
                .map(|(i, c)| (lo + i as i64, c))
                .collect()
        } else {
            keys.sort_unstable();
            let mut runs: Vec<(i64, usize)> = Vec::new();
            for k in keys {
                match runs.last_mut() {
                    Some((last, c)) if *last == k => *c += 1,
                    _ => runs.push((k, 1)),
                }
            }
            runs
        };
        let levels = counts
            .into_iter()
            .map(|(k, c)| (k as f64 * LEVEL_STEP, c as f64 / n as f64))
            .collect();
        let mean0 = sum / n as f64;
        let var0 = x0
            .iter()
            .filter(|v| v.is_finite())
            .map(|&v| (v as f64 - mean0).powi(2))
            .sum::<f64>()
            / n as f64;
        Ok(Self {
            levels,
            mean0,
            var0,
        })
    }

    /// Number of distinct levels.
    pub fn num_levels(&self) -> usize {
        self.levels.len()
    }

    /// Mean of the pixel values of x_t: √ᾱ_t·mean(x0).
    pub fn mean(&self, schedule: &Schedule, t: usize) -> f64 {
        schedule.sqrt_alpha_bar(t) * self.mean0
    }

    /// Variance of the pixel values of x_t: ᾱ_t·Var(x0) + (1 − ᾱ_t).
    ///
    /// # Formula
    /// Var = E[Var(x_t|x0)] + Var(E[x_t|x0]) = (1 − ᾱ_t) + ᾱ_t·Var(x0).
    pub fn variance(&self, schedule: &Schedule, t: usize) -> f64 {
        schedule.alpha_bar(t) * self.var0 + schedule.one_minus_alpha_bar(t)
    }

    /// The mixture density at x for timestep t ≥ 1 (t = 0 is a set of point masses: NaN).
    pub fn pdf(&self, schedule: &Schedule, t: usize, x: f64) -> f64 {
        let var = schedule.one_minus_alpha_bar(t);
        if var.is_nan() || var <= 0.0 {
            return f64::NAN;
        }
        let a = schedule.sqrt_alpha_bar(t);
        let norm = 1.0 / (2.0 * std::f64::consts::PI * var).sqrt();
        self.levels
            .iter()
            .map(|(v, w)| w * norm * (-(x - a * v).powi(2) / (2.0 * var)).exp())
            .sum()
    }

    /// The expected histogram of x_t on `bins`: the mixture's mass in each bin divided by
    /// the bin width (mass outside the range is put in the end bins, as
    /// [`histogram_density`] does with values).
    pub fn bin_densities(&self, schedule: &Schedule, t: usize, bins: &Bins) -> Vec<f64> {
        let a = schedule.sqrt_alpha_bar(t);
        let sd = schedule.one_minus_alpha_bar(t).max(0.0).sqrt();
        let mut mass = vec![0.0_f64; bins.count];
        if sd == 0.0 {
            for &(v, w) in &self.levels {
                if let Some(m) = mass.get_mut(bins.index(a * v)) {
                    *m += w;
                }
            }
            return mass.iter().map(|m| m / bins.width).collect();
        }
        // The components' means a·v, merged onto a grid a 64th of the narrower of a bin and
        // the noise's sd. A bin's mass under N(m, sd²) moves with m at most 1/(sd·√(2π))
        // per unit, so a shift of at most half a grid step changes it by under 0.4 % of
        // the component's weight: invisible in a histogram of one picture, and up to 8 193
        // components become a few hundred.
        let step = bins.width.min(sd) / 64.0;
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for &(v, w) in &self.levels {
            let mean = ((a * v) / step).round() * step;
            match merged.last_mut() {
                Some((m, acc)) if *m == mean => *acc += w,
                _ => merged.push((mean, w)),
            }
        }
        // A component puts mass only within 8.5 sd of its mean (beyond: below 1e-16).
        let reach = 8.5 * sd;
        for (mean, w) in merged {
            let first = bins.index(mean - reach);
            let last = bins.index(mean + reach);
            // The first bin also takes everything below the range; the last, above (and
            // the window's ends what lies beyond the window).
            let mut below = 0.0;
            for (i, m) in mass.iter_mut().enumerate().take(last + 1).skip(first) {
                let edge = bins.lo + (i + 1) as f64 * bins.width;
                let upto = if i == last {
                    1.0
                } else {
                    normal_cdf((edge - mean) / sd)
                };
                *m += w * (upto - below);
                below = upto;
            }
        }
        mass.iter().map(|m| m / bins.width).collect()
    }
}

/// The standard normal CDF Φ(z).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function, to a relative error below 1.2e-7 (Numerical
/// Recipes' Chebyshev fit `erfcc`): ample for drawing and for bin masses.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::ScheduleSpec;

    #[test]
    fn normal_cdf_matches_reference_values() {
        // scipy.stats.norm.cdf
        for (z, want) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-2.0, 0.022_750_131_948_179_2),
            (3.0, 0.998_650_101_968_369_9),
        ] {
            assert!((normal_cdf(z) - want).abs() < 2e-7, "Φ({z})");
        }
    }

    #[test]
    fn expected_histogram_is_a_density_with_the_right_moments() {
        let schedule = ScheduleSpec::default().build().unwrap();
        let x0: Vec<f32> = (0..1000)
            .map(|i| if i % 4 == 0 { 0.9 } else { -1.0 })
            .collect();
        let m = PixelMarginal::new(&x0).unwrap();
        assert_eq!(m.num_levels(), 2);
        let bins = Bins::over(-4.0, 4.0, 80);
        for t in [0, 1, 50, 300, 1000] {
            let d = m.bin_densities(&schedule, t, &bins);
            let total: f64 = d.iter().map(|v| v * bins.width).sum();
            assert!((total - 1.0).abs() < 1e-9, "t = {t}: {total}");
            let mean: f64 = d
                .iter()
                .enumerate()
                .map(|(i, v)| v * bins.width * bins.centre(i))
                .sum();
            // Bin centres round each value by at most half a bin.
            assert!((mean - m.mean(&schedule, t)).abs() < bins.width, "t = {t}");
        }
        // At t = 0 the mass sits in the bins of −1 and 0.9.
        let d0 = m.bin_densities(&schedule, 0, &bins);
        assert!((d0[bins.index(-1.0)] * bins.width - 0.75).abs() < 1e-12);
        // At T the mixture is N(0, 1) to within ᾱ_T.
        let t = schedule.num_steps();
        assert!((m.pdf(&schedule, t, 0.0) - 0.398_942_28).abs() < 1e-3);
        assert!((m.variance(&schedule, t) - 1.0).abs() < 1e-3);
        assert!(PixelMarginal::new(&[f32::NAN]).is_err());
    }

    #[test]
    fn merged_components_match_the_exact_mixture() {
        // A continuous picture (every value its own level) against the mixture summed
        // component by component over every bin.
        let mut state = 0x2545_f491_u64;
        let x0: Vec<f32> = (0..20_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                ((state >> 40) as f64 / (1u64 << 24) as f64 * 2.2 - 1.1) as f32
            })
            .collect();
        let m = PixelMarginal::new(&x0).unwrap();
        assert!(m.num_levels() > 5000);
        let schedule = crate::diffusion::ScheduleSpec::default().build().unwrap();
        let bins = Bins::over(-4.0, 4.0, 64);
        for t in [1, 5, 50, 200, 600, 1000] {
            let a = schedule.sqrt_alpha_bar(t);
            let sd = schedule.one_minus_alpha_bar(t).sqrt();
            let mut exact = vec![0.0; bins.count];
            for &(v, w) in &m.levels {
                let mut below = 0.0;
                for (i, e) in exact.iter_mut().enumerate() {
                    let edge = bins.lo + (i + 1) as f64 * bins.width;
                    let upto = if i + 1 == bins.count {
                        1.0
                    } else {
                        normal_cdf((edge - a * v) / sd)
                    };
                    *e += w * (upto - below);
                    below = upto;
                }
            }
            let fast = m.bin_densities(&schedule, t, &bins);
            for (i, (&f, &e)) in fast.iter().zip(&exact).enumerate() {
                let (f, e) = (f * bins.width, e);
                assert!((f - e).abs() < 4e-3, "t = {t}, bin {i}: {f} vs {e}");
            }
            let total: f64 = fast.iter().sum::<f64>() * bins.width;
            assert!((total - 1.0).abs() < 1e-9, "t = {t}: {total}");
        }
    }

    #[test]
    fn histogram_counts_every_value_once() {
        let bins = Bins::over(-1.0, 1.0, 4);
        let (d, outside) = histogram_density(&[-0.9, -0.1, 0.1, 0.2, 5.0, f32::NAN], &bins);
        assert_eq!(outside, 1);
        let total: f64 = d.iter().map(|v| v * bins.width).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert_eq!(d[3] * bins.width * 5.0, 1.0);
    }
}
