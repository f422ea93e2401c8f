//! Density-plot helpers the Forward-step and Posterior panels share: sampling a Gaussian
//! or a mixture on a grid fine enough for its narrowest peak, histogram bars, the plot
//! frame and a fixed palette. Every point handed to egui_plot is finite.

use crate::diffusion::Gaussian;
use crate::diffusion::chain::Histogram;
use crate::diffusion::gmm1d::Mixture;
use crate::egui;
use egui::Color32;
use egui_plot::{Bar, BarChart, Corner, Legend, Line, LineStyle, Plot, PlotPoints, VLine};

/// Points per curve on the uniform part of the grid.
pub const CURVE_POINTS: usize = 400;
/// Extra points spread over ±6 s.d. of every narrow component, so a spike is drawn whole.
const PEAK_POINTS: usize = 121;

/// Colours that read on both the light and the dark theme.
pub mod colors {
    use super::Color32;
    pub const PRIMARY: Color32 = Color32::from_rgb(0x1f, 0x77, 0xd4);
    pub const SECOND: Color32 = Color32::from_rgb(0xe3, 0x6c, 0x09);
    pub const THIRD: Color32 = Color32::from_rgb(0x2c, 0xa0, 0x2c);
    pub const FOURTH: Color32 = Color32::from_rgb(0xb0, 0x3a, 0xc8);
    pub const MARK: Color32 = Color32::from_rgb(0xd6, 0x27, 0x28);
    pub const GREY: Color32 = Color32::from_rgb(0x80, 0x80, 0x80);
    pub const FAINT_GREEN: Color32 = Color32::from_rgba_unmultiplied_const(0x2c, 0xa0, 0x2c, 0x90);
    pub const FAINT_GREY: Color32 = Color32::from_rgba_unmultiplied_const(0x70, 0x70, 0x70, 0x90);
}

/// Drops any point with a non-finite coordinate (egui_plot must never see NaN or ∞).
pub fn finite_points(points: impl IntoIterator<Item = [f64; 2]>) -> Vec<[f64; 2]> {
    points
        .into_iter()
        .filter(|[x, y]| x.is_finite() && y.is_finite())
        .collect()
}

/// A uniform grid over `range` plus dense points around each centre whose spread is small
/// against the range, sorted.
fn grid(range: (f64, f64), peaks: impl Iterator<Item = (f64, f64)>) -> Vec<f64> {
    let (lo, hi) = range;
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Vec::new();
    }
    let step = (hi - lo) / (CURVE_POINTS - 1) as f64;
    let mut xs: Vec<f64> = (0..CURVE_POINTS).map(|i| lo + step * i as f64).collect();
    for (mean, sd) in peaks {
        if !(mean.is_finite() && sd.is_finite()) || sd <= 0.0 || 12.0 * sd > 0.5 * (hi - lo) {
            continue;
        }
        let h = 12.0 * sd / (PEAK_POINTS - 1) as f64;
        xs.extend(
            (0..PEAK_POINTS)
                .map(|i| mean - 6.0 * sd + h * i as f64)
                .filter(|&x| x >= lo && x <= hi),
        );
    }
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs
}

/// The pdf of `g` over `range`. Empty for a point mass (variance ≤ 0): draw it as a
/// vertical line instead.
pub fn gaussian_curve(g: Gaussian, range: (f64, f64)) -> Vec<[f64; 2]> {
    if !(g.variance > 0.0 && g.variance.is_finite()) {
        return Vec::new();
    }
    finite_points(
        grid(range, std::iter::once((g.mean, g.std())))
            .into_iter()
            .map(|x| [x, g.pdf(x)]),
    )
}

/// The pdf of `m` over `range`, dense around each narrow component.
pub fn mixture_curve(m: &Mixture, range: (f64, f64)) -> Vec<[f64; 2]> {
    let peaks = m.components().iter().map(|g| (g.mean, g.std()));
    finite_points(grid(range, peaks).into_iter().map(|x| [x, m.pdf(x)]))
}

/// The union of mean ± k·sd over `gaussians`, widened to at least `min_width`.
pub fn span_of(
    gaussians: impl IntoIterator<Item = Gaussian>,
    k: f64,
    min_width: f64,
) -> (f64, f64) {
    let (mut lo, mut hi) = gaussians
        .into_iter()
        .filter(|g| g.mean.is_finite() && g.variance.is_finite() && g.variance >= 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), g| {
            (lo.min(g.mean - k * g.std()), hi.max(g.mean + k * g.std()))
        });
    if !(lo.is_finite() && hi.is_finite()) {
        (lo, hi) = (-1.0, 1.0);
    }
    widen(&mut lo, &mut hi, min_width);
    (lo, hi)
}

/// Widens [lo, hi] to include `x`.
pub fn include(range: (f64, f64), x: f64) -> (f64, f64) {
    if x.is_finite() {
        (range.0.min(x), range.1.max(x))
    } else {
        range
    }
}

/// Adds a small margin on both sides (so markers at the edge stay visible).
pub fn pad(range: (f64, f64), fraction: f64) -> (f64, f64) {
    let m = (range.1 - range.0) * fraction;
    (range.0 - m, range.1 + m)
}

fn widen(lo: &mut f64, hi: &mut f64, min_width: f64) {
    if *hi - *lo < min_width {
        let mid = 0.5 * (*lo + *hi);
        *lo = mid - 0.5 * min_width;
        *hi = mid + 0.5 * min_width;
    }
}

/// A histogram as density bars (area 1), ready for a [`BarChart`].
pub fn histogram_chart(name: &str, hist: &Histogram, color: Color32) -> BarChart {
    let bars: Vec<Bar> = hist
        .densities()
        .into_iter()
        .filter(|(x, d)| x.is_finite() && d.is_finite())
        .map(|(x, d)| {
            Bar::new(x, d)
                .width(hist.bin_width)
                .fill(color.gamma_multiply(0.45))
                .stroke(egui::Stroke::new(0.5, color))
        })
        .collect();
    BarChart::new(name, bars).color(color)
}

/// A named solid curve.
pub fn curve<'a>(name: &str, points: &[[f64; 2]], color: Color32, width: f32) -> Line<'a> {
    Line::new(name, PlotPoints::new(points.to_vec()))
        .color(color)
        .width(width)
}

/// A named dashed curve.
pub fn dashed<'a>(name: &str, points: &[[f64; 2]], color: Color32, width: f32) -> Line<'a> {
    curve(name, points, color, width).style(LineStyle::Dashed { length: 8.0 })
}

/// `plot` with the x span and the height (down to 0) of `curves` always in view, so
/// that hiding them from the legend leaves the axes where they were. What is left
/// otherwise — markers, a sample point — can lie a subnormal distance apart (x_{t−1} = 0
/// and ε = 1e-308 put the sample 6e-310 from the mean): a width egui_plot takes as valid
/// and a height it sanitises from it, which its transform then divides as 0 / 0.
pub fn keep_in_view<'a>(mut plot: Plot<'a>, curves: &[&[[f64; 2]]]) -> Plot<'a> {
    let finite = curves
        .iter()
        .flat_map(|c| c.iter())
        .filter(|p| p[0].is_finite() && p[1].is_finite());
    let (mut x_lo, mut x_hi, mut y_hi) = (f64::INFINITY, f64::NEG_INFINITY, 0.0_f64);
    for p in finite {
        x_lo = x_lo.min(p[0]);
        x_hi = x_hi.max(p[0]);
        y_hi = y_hi.max(p[1]);
    }
    if x_lo < x_hi {
        plot = plot.include_x(x_lo).include_x(x_hi);
    }
    if y_hi > 0.0 {
        plot = plot.include_y(0.0).include_y(y_hi);
    }
    plot
}

/// A vertical marker at `x` (nothing when `x` is not finite: the caller skips `None`).
pub fn marker(name: &str, x: f64, color: Color32, style: LineStyle) -> Option<VLine> {
    x.is_finite()
        .then(|| VLine::new(name, x).color(color).width(1.5).style(style))
}

/// The frame every density plot uses: fixed height, fitted to its data every frame (no
/// pan or zoom, so a change of input never leaves the view somewhere stale), legend at
/// `corner`, entries in the order they were added.
pub fn density_plot<'a>(id: &str, height: f32, corner: Corner) -> Plot<'a> {
    Plot::new(id)
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .auto_bounds(egui::Vec2b::new(true, true))
        .legend(
            Legend::default()
                .position(corner)
                .follow_insertion_order(true)
                .background_alpha(0.8),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_are_finite_and_resolve_narrow_peaks() {
        let g = Gaussian::new(0.3, 1e-8);
        let pts = gaussian_curve(g, (-2.0, 2.0));
        assert!(pts.iter().all(|[x, y]| x.is_finite() && y.is_finite()));
        let peak = pts.iter().map(|p| p[1]).fold(0.0, f64::max);
        // The grid hits the centre of a 1e-4-wide spike.
        assert!((peak - g.pdf(0.3)).abs() / g.pdf(0.3) < 1e-3);
        assert!(gaussian_curve(Gaussian::new(0.0, 0.0), (-1.0, 1.0)).is_empty());
        assert!(gaussian_curve(g, (1.0, 1.0)).is_empty());
        let m: Mixture = "0.5:-1:0.01,0.5:1:0.01".parse().unwrap();
        let pts = mixture_curve(&m, (-3.0, 3.0));
        let peak = pts.iter().map(|p| p[1]).fold(0.0, f64::max);
        assert!((peak - m.pdf(1.0)).abs() / m.pdf(1.0) < 1e-3);
        let r = span_of(
            [Gaussian::new(0.0, 1.0), Gaussian::new(f64::NAN, 1.0)],
            4.0,
            0.1,
        );
        assert_eq!(r, (-4.0, 4.0));
    }
}
