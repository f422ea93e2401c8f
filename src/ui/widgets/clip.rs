//! Clipping plot polylines to a box around the view before egui_plot draws them.
//!
//! Why: egui_plot lays out a dashed or dotted line's dashes along its whole length on
//! screen, visible or not. A path that runs far outside a fixed or zoomed-in view (a
//! diverging sampler path at 1e30, a β̃ curve under a 10⁶× zoom) is billions of screen
//! pixels long, and one frame then allocated ~16 GB. Clipped to a box a little larger than
//! the view, every segment is at most a few screens long, so a frame's dashes are bounded
//! by the number of segments, and what is seen does not change.

use egui_plot::PlotBounds;

/// An axis-aligned box in plot coordinates. An axis whose range is infinite is not
/// clipped (`f64::NEG_INFINITY..f64::INFINITY` keeps everything finite on that axis).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipBox {
    pub min: [f64; 2],
    pub max: [f64; 2],
}

impl ClipBox {
    /// Nothing is clipped on either axis.
    pub const UNBOUNDED: ClipBox = ClipBox {
        min: [f64::NEG_INFINITY; 2],
        max: [f64::INFINITY; 2],
    };

    /// The square `[-half_side, half_side]²`.
    pub fn centred(half_side: f64) -> Self {
        ClipBox {
            min: [-half_side; 2],
            max: [half_side; 2],
        }
    }

    /// The view `bounds` grown by `margin` view sizes on every side, on the axes marked in
    /// `clip` (an axis egui_plot fits to its data each frame is left unclipped: its view
    /// holds the data already, and last frame's bounds would cut off new data).
    pub fn around_view(bounds: &PlotBounds, margin: f64, clip: [bool; 2]) -> Self {
        let (min, max) = (bounds.min(), bounds.max());
        let mut b = ClipBox::UNBOUNDED;
        for axis in 0..2 {
            let (lo, hi) = (min[axis], max[axis]);
            if !clip[axis] || !lo.is_finite() || !hi.is_finite() || hi <= lo {
                continue;
            }
            // Halves, so that a view spanning all of f64 does not overflow to ∞.
            let grow = (hi / 2.0 - lo / 2.0) * 2.0 * margin;
            b.min[axis] = lo - grow;
            b.max[axis] = hi + grow;
        }
        b
    }

    /// Whether `p` lies in the box (edges included).
    pub fn contains(&self, p: [f64; 2]) -> bool {
        (0..2).all(|a| p[a] >= self.min[a] && p[a] <= self.max[a])
    }
}

/// The parts of `points` (a polyline) inside `clip`, as polylines: a path that leaves the
/// box and comes back becomes two. Points that are not finite break the line there (they
/// are never drawn). Inside the box every point is kept exactly as it was.
pub fn clip_polyline(points: &[[f64; 2]], clip: &ClipBox) -> Vec<Vec<[f64; 2]>> {
    let mut runs: Vec<Vec<[f64; 2]>> = Vec::new();
    let finite = |p: &[f64; 2]| p[0].is_finite() && p[1].is_finite();
    if points.len() == 1 {
        if finite(&points[0]) && clip.contains(points[0]) {
            runs.push(vec![points[0]]);
        }
        return runs;
    }
    // Whether the last run ends at the unclipped start of the next segment.
    let mut open = false;
    for seg in points.windows(2) {
        let (p0, p1) = (seg[0], seg[1]);
        let clipped = if finite(&p0) && finite(&p1) {
            clip_segment(p0, p1, clip)
        } else {
            None
        };
        match clipped {
            Some((a, b)) => {
                let continues = open && a == p0;
                match runs.last_mut() {
                    Some(run) if continues => run.push(b),
                    _ => runs.push(vec![a, b]),
                }
                // The next segment joins this run only where this one was not cut at its end.
                open = b == p1;
            }
            None => open = false,
        }
    }
    runs
}

/// The part of the segment `p0 → p1` inside `clip` (Cohen–Sutherland): each end outside
/// is moved onto the edge it lies beyond, until both are inside or the segment misses.
///
/// A moved end gets the edge's value exactly on the cut axis and an interpolated value on
/// the other, a convex combination of the two ends with a fraction taken from halved
/// coordinates: a difference of ±1e308 cannot overflow, and the result stays between the
/// ends. Off the cut axis it is as precise as f64 allows for ends that far out (≈ 1e-16
/// of their distance: well under a pixel for ends at 1e6; at 1e30 only the edge is sure).
pub fn clip_segment(p0: [f64; 2], p1: [f64; 2], clip: &ClipBox) -> Option<([f64; 2], [f64; 2])> {
    let (mut a, mut b) = (p0, p1);
    // Each pass moves one end onto one edge; four edges per end bound the passes.
    for _ in 0..8 {
        let (ca, cb) = (outcode(a, clip), outcode(b, clip));
        if ca == 0 && cb == 0 {
            return Some((a, b));
        }
        if ca & cb != 0 {
            return None;
        }
        let (moving, fixed, code) = if ca != 0 { (a, b, ca) } else { (b, a, cb) };
        let moved = move_to_edge(moving, fixed, code, clip)?;
        if ca != 0 {
            a = moved;
        } else {
            b = moved;
        }
    }
    // Rounding kept an end a hair outside: treat the rest as a miss rather than loop.
    None
}

const LEFT: u8 = 1;
const RIGHT: u8 = 2;
const BOTTOM: u8 = 4;
const TOP: u8 = 8;

fn outcode(p: [f64; 2], clip: &ClipBox) -> u8 {
    let mut code = 0;
    if p[0] < clip.min[0] {
        code |= LEFT;
    } else if p[0] > clip.max[0] {
        code |= RIGHT;
    }
    if p[1] < clip.min[1] {
        code |= BOTTOM;
    } else if p[1] > clip.max[1] {
        code |= TOP;
    }
    code
}

/// `outside` moved along the segment towards `other` onto the first edge in `code`.
fn move_to_edge(outside: [f64; 2], other: [f64; 2], code: u8, clip: &ClipBox) -> Option<[f64; 2]> {
    let (axis, edge) = if code & LEFT != 0 {
        (0, clip.min[0])
    } else if code & RIGHT != 0 {
        (0, clip.max[0])
    } else if code & BOTTOM != 0 {
        (1, clip.min[1])
    } else {
        (1, clip.max[1])
    };
    let cross = 1 - axis;
    // Fraction of the way from `outside` to `other` at which the edge is crossed.
    let span = other[axis] / 2.0 - outside[axis] / 2.0;
    if span == 0.0 {
        return None;
    }
    let s = ((edge / 2.0 - outside[axis] / 2.0) / span).clamp(0.0, 1.0);
    let mut p = [0.0; 2];
    p[axis] = edge;
    p[cross] = outside[cross] * (1.0 - s) + other[cross] * s;
    // The interpolated coordinate stays between the two ends (rounding cannot push it past).
    let (lo, hi) = if outside[cross] <= other[cross] {
        (outside[cross], other[cross])
    } else {
        (other[cross], outside[cross])
    };
    p[cross] = p[cross].clamp(lo, hi);
    p[cross].is_finite().then_some(p)
}

/// Longest dashed or dotted line, in screen points, that is drawn with its style.
pub const MAX_STYLED_LENGTH: f64 = 20_000.0;

/// `style`, or `Solid` where `run` would be longer on screen than [`MAX_STYLED_LENGTH`]
/// (or its length is not finite) at `dpos_dvalue` screen points per plot unit: egui_plot
/// lays out every dash or dot, so the length bounds the memory a frame takes whatever
/// the transform is.
pub fn style_within_budget(
    style: egui_plot::LineStyle,
    run: &[[f64; 2]],
    dpos_dvalue: [f64; 2],
) -> egui_plot::LineStyle {
    let length: f64 = run
        .windows(2)
        .map(|w| {
            let dx = (w[1][0] - w[0][0]) * dpos_dvalue[0];
            let dy = (w[1][1] - w[0][1]) * dpos_dvalue[1];
            dx.hypot(dy)
        })
        .sum();
    if length.is_finite() && length <= MAX_STYLED_LENGTH {
        style
    } else {
        egui_plot::LineStyle::Solid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOX: ClipBox = ClipBox {
        min: [-3.0, -3.0],
        max: [3.0, 3.0],
    };

    #[test]
    fn inside_points_are_kept_exactly() {
        let path = vec![[0.1, 0.2], [-1.5, 2.9], [2.999, -3.0]];
        assert_eq!(clip_polyline(&path, &BOX), vec![path]);
    }

    #[test]
    fn a_line_through_the_box_from_1e30_is_cut_at_the_edges() {
        let runs = clip_polyline(&[[-1e30, 0.0], [1e30, 0.0]], &BOX);
        assert_eq!(runs, vec![vec![[-3.0, 0.0], [3.0, 0.0]]]);
        // Off an axis the cut is as precise as f64 allows for ends that far away
        // (≈ 1e-16 of their distance): within a pixel at 1e6, only on the edge at 1e30.
        let runs = clip_polyline(&[[-1e6, -1e6], [1e6, 1e6]], &BOX);
        assert_eq!(runs.len(), 1);
        let (a, b) = (runs[0][0], runs[0][1]);
        assert_eq!((a[0], b[0]), (-3.0, 3.0));
        assert!(
            (a[1] + 3.0).abs() < 1e-9 && (b[1] - 3.0).abs() < 1e-9,
            "{runs:?}"
        );
        let runs = clip_polyline(&[[-1e30, -1e30], [1e30, 1e30]], &BOX);
        assert_eq!(runs.len(), 1);
        for p in &runs[0] {
            assert!(BOX.contains(*p) && p[0].abs() == 3.0, "{runs:?}");
        }
    }

    #[test]
    fn a_line_across_all_of_f64_does_not_overflow() {
        let runs = clip_polyline(&[[-f64::MAX, 1.0], [f64::MAX, 1.0]], &BOX);
        assert_eq!(runs, vec![vec![[-3.0, 1.0], [3.0, 1.0]]]);
        let runs = clip_polyline(&[[0.0, -f64::MAX], [0.0, f64::MAX]], &BOX);
        assert_eq!(runs, vec![vec![[0.0, -3.0], [0.0, 3.0]]]);
    }

    #[test]
    fn a_path_that_leaves_and_returns_becomes_two_runs() {
        let path = [[0.0, 0.0], [1.0, 0.0], [1e12, 0.0], [2.0, 1.0], [2.0, 2.0]];
        let runs = clip_polyline(&path, &BOX);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(runs[0], vec![[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]);
        assert_eq!(runs[1].first().map(|p| p[0]), Some(3.0));
        assert_eq!(runs[1].last(), Some(&[2.0, 2.0]));
        for p in runs.iter().flatten() {
            assert!(BOX.contains(*p), "{p:?}");
        }
    }

    #[test]
    fn segments_missing_the_box_and_non_finite_points_are_dropped() {
        assert!(clip_polyline(&[[10.0, 10.0], [20.0, -5.0]], &BOX).is_empty());
        assert!(clip_polyline(&[[-10.0, 4.0], [10.0, 4.0]], &BOX).is_empty());
        let runs = clip_polyline(&[[0.0, 0.0], [f64::NAN, 1.0], [1.0, 1.0], [2.0, 2.0]], &BOX);
        assert_eq!(runs, vec![vec![[1.0, 1.0], [2.0, 2.0]]]);
        assert!(clip_polyline(&[[f64::INFINITY, 0.0]], &BOX).is_empty());
        assert_eq!(clip_polyline(&[[1.0, 1.0]], &BOX), vec![vec![[1.0, 1.0]]]);
    }

    #[test]
    fn an_unbounded_axis_is_not_clipped() {
        let b = ClipBox {
            min: [-1.0, f64::NEG_INFINITY],
            max: [1.0, f64::INFINITY],
        };
        let runs = clip_polyline(&[[0.0, -1e300], [0.0, 1e300], [5.0, 1e300]], &b);
        assert_eq!(runs, vec![vec![[0.0, -1e300], [0.0, 1e300], [1.0, 1e300]]]);
    }

    #[test]
    fn the_box_around_a_view_grows_by_the_margin_on_clipped_axes_only() {
        let bounds = PlotBounds::from_min_max([0.0, -1.0], [10.0, 1.0]);
        let b = ClipBox::around_view(&bounds, 1.0, [true, false]);
        assert_eq!(b.min[0], -10.0);
        assert_eq!(b.max[0], 20.0);
        assert_eq!(b.min[1], f64::NEG_INFINITY);
        let all = PlotBounds::from_min_max([-f64::MAX, 0.0], [f64::MAX, 1.0]);
        let b = ClipBox::around_view(&all, 1.0, [true, true]);
        // A view over all of f64 grows to no clipping at all, not to NaN.
        assert_eq!((b.min[0], b.max[0]), (f64::NEG_INFINITY, f64::INFINITY));
        assert_eq!((b.min[1], b.max[1]), (-1.0, 2.0));
    }

    /// Clipped, the screen length of a path is bounded by its segment count times the box's
    /// diagonal, whatever its coordinates: that is what bounds the dashes.
    #[test]
    fn clipped_length_is_bounded_for_far_away_zigzags() {
        let path: Vec<[f64; 2]> = (0..200)
            .map(|i| {
                let s = if i % 2 == 0 { 1.0 } else { -1.0 };
                [s * 10f64.powi(i % 300), s * 10f64.powi((i * 7) % 300)]
            })
            .collect();
        let diagonal = (2.0f64 * 6.0 * 6.0).sqrt();
        let mut length = 0.0;
        for run in clip_polyline(&path, &BOX) {
            for w in run.windows(2) {
                length += ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
            }
            for p in &run {
                assert!(BOX.contains(*p), "{p:?}");
            }
        }
        assert!(length.is_finite() && length <= 199.0 * diagonal, "{length}");
        assert!(length > 0.0);
    }

    #[test]
    fn a_styled_line_too_long_on_screen_is_drawn_solid() {
        use egui_plot::LineStyle;
        let dotted = LineStyle::Dotted { spacing: 3.0 };
        let run = [[0.0, 0.0], [3.0, 4.0]];
        assert_eq!(style_within_budget(dotted, &run, [100.0, 100.0]), dotted);
        assert_eq!(
            style_within_budget(dotted, &run, [1e4, 1e4]),
            LineStyle::Solid
        );
        assert_eq!(
            style_within_budget(dotted, &run, [f64::INFINITY, 1.0]),
            LineStyle::Solid
        );
        assert_eq!(
            style_within_budget(dotted, &run, [f64::NAN, 1.0]),
            LineStyle::Solid
        );
    }
}
