//! A schedule drawn as a log-SNR curve: λ(u) through a few control points, with
//! u = (t − 1)/(T − 1) ∈ [0, 1], interpolated by a monotone cubic, and the β it implies.
//!
//! The Schedule panel's custom editor drags these points; the derived β list becomes a
//! `trained_betas` spec. Keeping the control points strictly decreasing keeps λ, hence ᾱ,
//! strictly decreasing, which is what a valid schedule needs.

use super::schedule::Schedule;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// |λ| is kept below this. At λ = 20, 1 − ᾱ ≈ 2·10⁻⁹: beyond it the steps are too small
/// for f64 to tell ᾱ_t from ᾱ_{t−1}.
pub const LOG_SNR_LIMIT: f64 = 20.0;

/// The smallest drop in λ between neighbouring control points.
pub const MIN_LOG_SNR_GAP: f64 = 0.05;

/// The smallest distance in u between neighbouring control points.
pub const MIN_U_GAP: f64 = 0.02;

/// How many control points a curve sampled from a schedule gets.
pub const DEFAULT_POINTS: usize = 7;

/// One control point: position u = (t − 1)/(T − 1) and log-SNR λ = ln(ᾱ/(1 − ᾱ)).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlPoint {
    pub u: f64,
    pub log_snr: f64,
}

/// Why a set of control points is not a curve.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum CurveError {
    #[error("a log-SNR curve needs at least 2 control points (got {0})")]
    TooFewPoints(usize),
    #[error("control point {index} is not a finite number")]
    NonFinite { index: usize },
    #[error("the first control point must sit at u = 0 and the last at u = 1")]
    EndsNotPinned,
    #[error("control point {index} is not to the right of the one before it")]
    NotIncreasingU { index: usize },
    #[error("control point {index} does not lie below the one before it: log-SNR must fall")]
    NotDecreasing { index: usize },
    #[error("control point {index} has |log-SNR| above {LOG_SNR_LIMIT}")]
    OutOfRange { index: usize },
    #[error("a log-SNR curve needs T ≥ 2 steps (got {0})")]
    TooFewSteps(usize),
}

/// A strictly decreasing log-SNR curve over u ∈ [0, 1].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<ControlPoint>", into = "Vec<ControlPoint>")]
pub struct LogSnrCurve {
    points: Vec<ControlPoint>,
}

impl TryFrom<Vec<ControlPoint>> for LogSnrCurve {
    type Error = CurveError;
    fn try_from(points: Vec<ControlPoint>) -> Result<Self, Self::Error> {
        Self::new(points)
    }
}

impl From<LogSnrCurve> for Vec<ControlPoint> {
    fn from(curve: LogSnrCurve) -> Self {
        curve.points
    }
}

impl Default for LogSnrCurve {
    /// The DDPM paper's schedule (linear, T = 1000, β 1e-4..0.02) as a curve.
    fn default() -> Self {
        match crate::diffusion::ScheduleSpec::default().build() {
            Ok(s) => Self::from_schedule(&s, DEFAULT_POINTS),
            Err(_) => Self::straight(9.0, -10.0),
        }
    }
}

impl LogSnrCurve {
    /// Validates the points: at least 2, u from exactly 0 to exactly 1 and increasing,
    /// λ finite, within ±[`LOG_SNR_LIMIT`] and strictly decreasing.
    pub fn new(points: Vec<ControlPoint>) -> Result<Self, CurveError> {
        if points.len() < 2 {
            return Err(CurveError::TooFewPoints(points.len()));
        }
        for (index, p) in points.iter().enumerate() {
            if !p.u.is_finite() || !p.log_snr.is_finite() {
                return Err(CurveError::NonFinite { index });
            }
            if p.log_snr.abs() > LOG_SNR_LIMIT {
                return Err(CurveError::OutOfRange { index });
            }
        }
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return Err(CurveError::TooFewPoints(points.len()));
        };
        if first.u != 0.0 || last.u != 1.0 {
            return Err(CurveError::EndsNotPinned);
        }
        for (i, w) in points.windows(2).enumerate() {
            if w[1].u <= w[0].u {
                return Err(CurveError::NotIncreasingU { index: i + 1 });
            }
            if w[1].log_snr >= w[0].log_snr {
                return Err(CurveError::NotDecreasing { index: i + 1 });
            }
        }
        Ok(Self { points })
    }

    /// A straight line from λ = `start` at u = 0 to λ = `end` at u = 1 (both clamped into
    /// range; `end` is pushed below `start` when needed).
    pub fn straight(start: f64, end: f64) -> Self {
        let start = start.clamp(-LOG_SNR_LIMIT + MIN_LOG_SNR_GAP, LOG_SNR_LIMIT);
        let end = end.clamp(-LOG_SNR_LIMIT, start - MIN_LOG_SNR_GAP);
        Self {
            points: vec![
                ControlPoint {
                    u: 0.0,
                    log_snr: start,
                },
                ControlPoint {
                    u: 1.0,
                    log_snr: end,
                },
            ],
        }
    }

    /// `n` control points on the schedule's log-SNR (−∞ at a zero-SNR end becomes
    /// −[`LOG_SNR_LIMIT`]), clamped into range and made strictly decreasing.
    ///
    /// Where the points sit matters: log-SNR falls fastest near t = 1 for linear schedules
    /// and near both ends for cosine. Three layouts are tried (even, denser at the start,
    /// denser at both ends) and the one whose ᾱ stays closest to the schedule's is kept;
    /// with 7 points ᾱ then stays within 0.01 of DDPM linear and Stable Diffusion and
    /// within 0.02 of cosine and sigmoid (evenly spaced points miss linear by 0.08).
    pub fn from_schedule(schedule: &Schedule, n: usize) -> Self {
        let n = n.max(2);
        let layouts: [fn(f64) -> f64; 3] = [
            |x| x,
            |x| x * x,
            |x| (1.0 - (std::f64::consts::PI * x).cos()) / 2.0,
        ];
        let candidates = layouts.map(|f| Self::sampled(schedule, n, f));
        let steps = schedule.num_steps();
        let error = |c: &Self| -> f64 {
            let Ok(betas) = c.betas(steps) else {
                return f64::INFINITY;
            };
            let mut alpha_bar = 1.0_f64;
            let mut worst = 0.0_f64;
            for (i, b) in betas.iter().enumerate() {
                alpha_bar *= 1.0 - b;
                worst = worst.max((alpha_bar - schedule.alpha_bar(i + 1)).abs());
            }
            worst
        };
        let [first, rest @ ..] = candidates;
        let mut best = (error(&first), first);
        for c in rest {
            let e = error(&c);
            if e < best.0 {
                best = (e, c);
            }
        }
        best.1
    }

    /// `n` points at u = layout(i/(n − 1)) on the schedule's log-SNR, made valid.
    fn sampled(schedule: &Schedule, n: usize, layout: fn(f64) -> f64) -> Self {
        let steps = schedule.num_steps().max(1);
        let mut points: Vec<ControlPoint> = Vec::with_capacity(n);
        for i in 0..n {
            let u = match i {
                0 => 0.0,
                i if i + 1 == n => 1.0,
                i => layout(i as f64 / (n - 1) as f64),
            };
            let t = 1 + (u * (steps - 1) as f64).round() as usize;
            let raw = schedule
                .log_snr_finite(t)
                .unwrap_or(-LOG_SNR_LIMIT)
                .clamp(-LOG_SNR_LIMIT, LOG_SNR_LIMIT);
            points.push(ControlPoint { u, log_snr: raw });
        }
        // Keep u strictly increasing (a tiny T can round two points together).
        for i in 1..points.len() {
            let floor = points[i - 1].u + MIN_U_GAP / 4.0;
            if points[i].u < floor {
                points[i].u = floor.min(1.0);
            }
        }
        if let Some(last) = points.last_mut() {
            last.u = 1.0;
        }
        // Make the values strictly decreasing with room for every later point.
        let last = points.len() - 1;
        for i in 0..points.len() {
            let room_below = (last - i) as f64 * MIN_LOG_SNR_GAP;
            let mut v = points[i].log_snr.max(-LOG_SNR_LIMIT + room_below);
            if i > 0 {
                v = v.min(points[i - 1].log_snr - MIN_LOG_SNR_GAP);
            }
            points[i].log_snr = v;
        }
        Self::new(points).unwrap_or_else(|_| Self::straight(9.0, -10.0))
    }

    pub fn points(&self) -> &[ControlPoint] {
        &self.points
    }

    /// The curve with point `index` moved as close to (u, λ) as the rules allow: the end
    /// points keep their u; interior points stay between their neighbours (by
    /// [`MIN_U_GAP`]); λ stays strictly between the neighbours' λ (by
    /// [`MIN_LOG_SNR_GAP`]) and within ±[`LOG_SNR_LIMIT`]. Always a valid curve.
    pub fn with_point_moved(&self, index: usize, u: f64, log_snr: f64) -> Self {
        let mut out = self.clone();
        let n = out.points.len();
        if index >= n || !u.is_finite() || !log_snr.is_finite() {
            return out;
        }
        let new_u = if index == 0 {
            0.0
        } else if index + 1 == n {
            1.0
        } else {
            let lo = out.points[index - 1].u + MIN_U_GAP;
            let hi = out.points[index + 1].u - MIN_U_GAP;
            if lo > hi {
                out.points[index].u
            } else {
                u.clamp(lo, hi)
            }
        };
        let hi = if index == 0 {
            LOG_SNR_LIMIT
        } else {
            out.points[index - 1].log_snr - MIN_LOG_SNR_GAP
        };
        let lo = if index + 1 == n {
            -LOG_SNR_LIMIT
        } else {
            out.points[index + 1].log_snr + MIN_LOG_SNR_GAP
        };
        let new_lambda = if lo > hi {
            out.points[index].log_snr
        } else {
            log_snr.clamp(lo, hi)
        };
        out.points[index] = ControlPoint {
            u: new_u,
            log_snr: new_lambda,
        };
        out
    }

    /// Fritsch–Carlson slopes of the monotone cubic at every control point.
    ///
    /// # Formula
    /// Interior: the weighted harmonic mean of the neighbouring secants δ (Fritsch &
    /// Butland 1984), w₁ = 2h_i + h_{i−1}, w₂ = h_i + 2h_{i−1},
    /// d_i = (w₁ + w₂)/(w₁/δ_{i−1} + w₂/δ_i); the ends take their secant. With strictly
    /// decreasing data every slope is negative and the cubic is monotone.
    fn slopes(&self) -> Vec<f64> {
        let p = &self.points;
        let n = p.len();
        let h: Vec<f64> = p.windows(2).map(|w| w[1].u - w[0].u).collect();
        let delta: Vec<f64> = p
            .windows(2)
            .zip(&h)
            .map(|(w, h)| (w[1].log_snr - w[0].log_snr) / h)
            .collect();
        let mut d = vec![0.0; n];
        d[0] = delta[0];
        d[n - 1] = delta[n - 2];
        for i in 1..n - 1 {
            let w1 = 2.0 * h[i] + h[i - 1];
            let w2 = h[i] + 2.0 * h[i - 1];
            d[i] = (w1 + w2) / (w1 / delta[i - 1] + w2 / delta[i]);
        }
        d
    }

    /// λ(u), u clamped into [0, 1].
    pub fn log_snr_at(&self, u: f64) -> f64 {
        self.sample(&[u.clamp(0.0, 1.0)])[0]
    }

    /// λ at each of `us` (each clamped into [0, 1]); `us` need not be sorted.
    fn sample(&self, us: &[f64]) -> Vec<f64> {
        let p = &self.points;
        let d = self.slopes();
        us.iter()
            .map(|&u| {
                let u = u.clamp(0.0, 1.0);
                // The segment holding u (the last one for u = 1).
                let i = p
                    .windows(2)
                    .position(|w| u <= w[1].u)
                    .unwrap_or(p.len() - 2);
                let (a, b) = (p[i], p[i + 1]);
                let h = b.u - a.u;
                let s = (u - a.u) / h;
                let s2 = s * s;
                let s3 = s2 * s;
                let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
                let h10 = s3 - 2.0 * s2 + s;
                let h01 = -2.0 * s3 + 3.0 * s2;
                let h11 = s3 - s2;
                h00 * a.log_snr + h10 * h * d[i] + h01 * b.log_snr + h11 * h * d[i + 1]
            })
            .collect()
    }

    /// λ_1..λ_T on t = 1..T (u = (t − 1)/(T − 1)).
    pub fn log_snrs(&self, steps: usize) -> Result<Vec<f64>, CurveError> {
        if steps < 2 {
            return Err(CurveError::TooFewSteps(steps));
        }
        let us: Vec<f64> = (0..steps).map(|i| i as f64 / (steps - 1) as f64).collect();
        Ok(self.sample(&us))
    }

    /// β_1..β_T of the curve sampled at T steps.
    ///
    /// # Formula
    /// ᾱ_t = σ(λ_t) and β_t = 1 − ᾱ_t/ᾱ_{t−1} (ᾱ_0 = 1, λ_0 = +∞), written without
    /// cancellation as β_t = (1 − ᾱ_t)·(1 − e^{λ_t − λ_{t−1}}) = σ(−λ_t)·(−expm1(Δλ)).
    pub fn betas(&self, steps: usize) -> Result<Vec<f64>, CurveError> {
        let lambdas = self.log_snrs(steps)?;
        let mut prev = f64::INFINITY;
        Ok(lambdas
            .iter()
            .map(|&l| {
                let one_minus_alpha_bar = 1.0 / (1.0 + l.exp());
                let step = if prev.is_infinite() {
                    1.0
                } else {
                    -(l - prev).exp_m1()
                };
                prev = l;
                one_minus_alpha_bar * step
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::ScheduleSpec;

    #[test]
    fn betas_reproduce_the_curve_through_alpha_bar() {
        let curve = LogSnrCurve::default();
        let betas = curve.betas(1000).unwrap();
        let schedule = ScheduleSpec::trained(betas).build().unwrap();
        let lambdas = curve.log_snrs(1000).unwrap();
        for t in [1, 2, 10, 500, 999, 1000] {
            let got = schedule.log_snr(t);
            assert!(
                (got - lambdas[t - 1]).abs() < 1e-6,
                "t = {t}: {got} vs {}",
                lambdas[t - 1]
            );
        }
    }

    #[test]
    fn a_seeded_curve_follows_its_schedule() {
        for (spec, max_err) in [
            (ScheduleSpec::default(), 0.01),
            (ScheduleSpec::scaled_linear(1000, 0.00085, 0.012), 0.01),
            (ScheduleSpec::cosine(1000), 0.02),
            (ScheduleSpec::sigmoid(1000, 1e-4, 0.02), 0.02),
        ] {
            let s = spec.build().unwrap();
            let c = LogSnrCurve::from_schedule(&s, DEFAULT_POINTS);
            let b = ScheduleSpec::trained(c.betas(1000).unwrap())
                .build()
                .unwrap();
            let err = (1..=1000)
                .map(|t| (b.alpha_bar(t) - s.alpha_bar(t)).abs())
                .fold(0.0, f64::max);
            assert!(err < max_err, "{:?}: max |Δᾱ| = {err}", spec.kind);
        }
    }

    #[test]
    fn the_curve_passes_through_its_points_and_is_monotone() {
        let curve = LogSnrCurve::default();
        for p in curve.points() {
            assert!((curve.log_snr_at(p.u) - p.log_snr).abs() < 1e-12);
        }
        let l = curve.log_snrs(10_000).unwrap();
        assert!(l.windows(2).all(|w| w[1] < w[0]));
    }

    #[test]
    fn moved_points_stay_valid() {
        let curve = LogSnrCurve::default();
        // Far above the previous point, far to the left: clamped.
        let moved = curve.with_point_moved(2, -5.0, 100.0);
        assert!(LogSnrCurve::new(moved.points().to_vec()).is_ok());
        assert!(moved.points()[2].log_snr < moved.points()[1].log_snr);
        assert!(moved.points()[2].u > moved.points()[1].u);
        // End points keep their u.
        let up = (curve.points()[0].log_snr + 1.0).min(LOG_SNR_LIMIT);
        let end = curve.with_point_moved(0, 0.5, up);
        assert_eq!(end.points()[0].u, 0.0);
        assert_eq!(end.points()[0].log_snr, up);
        assert!(
            ScheduleSpec::trained(moved.betas(10_000).unwrap())
                .build()
                .is_ok()
        );
    }

    #[test]
    fn rejects_bad_points() {
        let p = |u, log_snr| ControlPoint { u, log_snr };
        assert!(matches!(
            LogSnrCurve::new(vec![p(0.0, 1.0)]),
            Err(CurveError::TooFewPoints(1))
        ));
        assert!(matches!(
            LogSnrCurve::new(vec![p(0.0, 1.0), p(1.0, 2.0)]),
            Err(CurveError::NotDecreasing { index: 1 })
        ));
        assert!(matches!(
            LogSnrCurve::new(vec![p(0.0, 1.0), p(0.9, -2.0)]),
            Err(CurveError::EndsNotPinned)
        ));
        assert!(matches!(
            LogSnrCurve::new(vec![p(0.0, 30.0), p(1.0, -2.0)]),
            Err(CurveError::OutOfRange { index: 0 })
        ));
        assert!(
            serde_json::from_str::<LogSnrCurve>(r#"[{"u":0,"log_snr":1},{"u":1,"log_snr":3}]"#)
                .is_err()
        );
    }

    #[test]
    fn extreme_curves_still_build() {
        let steep = LogSnrCurve::straight(LOG_SNR_LIMIT, -LOG_SNR_LIMIT);
        for steps in [2, 10, 1000, 10_000] {
            let b = steep.betas(steps).unwrap();
            assert!(ScheduleSpec::trained(b).build().is_ok(), "T = {steps}");
        }
    }
}
