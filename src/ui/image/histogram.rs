//! The histogram of x_t's values against the density q(x_t | x0) says they should follow:
//! of the picture in the forward view, of the run's own x̂0 in the reverse view.

use super::*;

/// What the histogram's expected curve is the density of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistReference {
    /// q(x_t | x0) of the picture itself (the forward view).
    CleanPicture,
    /// q(x_t | x̂0) of the run's own prediction at this step, made at t = `predicted_at`
    /// (the reverse view: the run may have gone far from the picture it started from).
    RunPrediction { predicted_at: usize },
}
/// The histogram drawn for one x_t.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramView {
    pub t: usize,
    /// (bin centre, density) of x_t's pixel values.
    pub bars: Vec<[f64; 2]>,
    /// The expected histogram as a staircase.
    pub expected: Vec<[f64; 2]>,
    pub mean: f64,
    pub variance: f64,
    pub expected_mean: f64,
    pub expected_variance: f64,
    pub outside: usize,
    /// The channel counted (`None`: every channel together).
    pub channel: Option<usize>,
    /// What the expected curve and numbers are of.
    pub reference: HistReference,
    key: u64,
}

impl ImagePanel {
    pub(super) fn refresh_histogram(&mut self, lab: &LabContext, t: usize, x_t: &[f32]) {
        let (channels, _) = self.item_shape(lab);
        let channel = self.hist_channel.filter(|&c| c < channels && channels > 1);
        // One channel's values, or all of them.
        let part = |v: &[f32]| -> Vec<f32> {
            match channel {
                Some(c) => {
                    let n = v.len() / channels.max(1);
                    v.get(c * n..(c + 1) * n).unwrap_or(&[]).to_vec()
                }
                None => v.to_vec(),
            }
        };
        // Forward: q(x_t | x0) of the picture. Reverse: the run may have gone far from its
        // start picture, so the reference is its own x̂0 at this step.
        let reference_x0 = match (self.mode, &self.shown) {
            (ViewMode::Reverse, Some(s)) => s
                .prediction
                .as_ref()
                .map(|p| (p.pred_x0.clone(), p.t))
                .map(|(x0, at)| (x0, HistReference::RunPrediction { predicted_at: at })),
            _ => self
                .clean
                .as_ref()
                .map(|c| (c.x0.to_vec(), HistReference::CleanPicture)),
        };
        let Some((x0, reference)) = reference_x0 else {
            return;
        };
        let schedule = self.schedule(lab);
        let key = hash_of(
            (
                t,
                channel,
                format!("{reference:?}"),
                spec_hash(schedule.spec()),
            ),
            &[x_t, &x0],
        );
        if self.histogram.as_ref().is_some_and(|h| h.key == key) {
            return;
        }
        let (x_t, x0) = (part(x_t), part(&x0));
        let Ok(marginal) = PixelMarginal::new(&x0) else {
            return;
        };
        let x_t = x_t.as_slice();
        let bins = Bins::over(-HIST_RANGE, HIST_RANGE, HIST_BINS);
        let (density, outside) = histogram_density(x_t, &bins);
        let expected = marginal.bin_densities(&schedule, t, &bins);
        let bars = density
            .iter()
            .enumerate()
            .map(|(i, &d)| [bins.centre(i), d])
            .collect();
        let mut stairs = Vec::with_capacity(2 * bins.count);
        for (i, &d) in expected.iter().enumerate() {
            let lo = bins.lo + i as f64 * bins.width;
            stairs.push([lo, d]);
            stairs.push([lo + bins.width, d]);
        }
        let n = x_t.len().max(1) as f64;
        let mean = x_t.iter().map(|&v| v as f64).sum::<f64>() / n;
        let variance = x_t.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        self.histogram = Some(HistogramView {
            t,
            bars,
            expected: stairs,
            mean,
            variance,
            expected_mean: marginal.mean(&schedule, t),
            expected_variance: marginal.variance(&schedule, t),
            outside,
            channel,
            reference,
            key,
        });
    }
}
