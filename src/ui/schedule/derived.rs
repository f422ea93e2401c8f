//! What the Schedule panel draws, computed from the shown specs and cached: the built
//! schedules, their plot points and the noised by-eye strip. Plain data (no `Ui`), so it
//! can be benchmarked; entries are reused while their spec is unchanged.

use crate::app::sample_image::{SampleImage, standard_normal};
use crate::diffusion::{Schedule, ScheduleError, ScheduleSpec, add_noise};
use crate::egui::{Color32, ColorImage};
use egui_plot::PlotPoint;
use std::sync::Arc;

/// Side of the by-eye strip's images, in pixels.
pub const STRIP_SIZE: usize = 256;

/// How many noise levels the strip shows per schedule (t/T = 0, 1/9, …, 1).
pub const STRIP_FRAMES: usize = 10;

/// The seed of the ε every schedule's strip shares.
pub const STRIP_NOISE_SEED: u64 = 20_200_619;

/// Plot lines keep at most about this many points (all of them up to this T).
pub const MAX_PLOT_POINTS: usize = 2_000;

/// The clean picture and the one ε all strips use, so the differences between rows come
/// from the schedules alone.
///
/// # Shapes
/// `image.pixels` and `eps` are both `[size, size, 3]`.
#[derive(Clone, Debug)]
pub struct StripBase {
    pub image: SampleImage,
    pub eps: Vec<f32>,
    /// x₀ itself (the t = 0 frame of every schedule), made once.
    pub clean: Arc<ColorImage>,
}

impl StripBase {
    pub fn new(size: usize) -> Self {
        let image = SampleImage::landscape(size, size);
        let eps = standard_normal(image.pixels.len(), STRIP_NOISE_SEED);
        let clean = Arc::new(to_color_image(size, size, &image.pixels));
        Self { image, eps, clean }
    }
}

/// The t of each strip frame: round(k·T/(n − 1)) for k = 0..n, so t = 0 (clean) … T.
pub fn strip_times(num_steps: usize, frames: usize) -> Vec<usize> {
    let frames = frames.max(2);
    (0..frames)
        .map(|k| ((k as f64 * num_steps as f64) / (frames - 1) as f64).round() as usize)
        .collect()
}

/// The plot lines of one schedule (x = t). Every y is finite: points that would be
/// ±∞ or NaN (log β̃_1, log-SNR at a zero-SNR end) are left out.
#[derive(Clone, Debug, Default)]
pub struct Curves {
    pub beta: Vec<PlotPoint>,
    pub beta_log10: Vec<PlotPoint>,
    pub posterior_variance: Vec<PlotPoint>,
    pub posterior_variance_log10: Vec<PlotPoint>,
    pub alpha_bar: Vec<PlotPoint>,
    pub signal: Vec<PlotPoint>,
    pub noise: Vec<PlotPoint>,
    pub log_snr: Vec<PlotPoint>,
}

/// The t at which lines are sampled: all of 1..=T up to [`MAX_PLOT_POINTS`], else an even
/// stride that always keeps t = 1 and t = T (where cosine and zero-SNR curves turn sharply).
pub fn plot_times(num_steps: usize) -> Vec<usize> {
    let stride = num_steps.div_ceil(MAX_PLOT_POINTS).max(1);
    let mut ts: Vec<usize> = (1..=num_steps).step_by(stride).collect();
    if ts.last() != Some(&num_steps) && num_steps > 0 {
        ts.push(num_steps);
    }
    ts
}

impl Curves {
    pub fn new(schedule: &Schedule) -> Self {
        let ts = plot_times(schedule.num_steps());
        let n = ts.len() + 1;
        let mut c = Curves {
            beta: Vec::with_capacity(n),
            beta_log10: Vec::with_capacity(n),
            posterior_variance: Vec::with_capacity(n),
            posterior_variance_log10: Vec::with_capacity(n),
            alpha_bar: Vec::with_capacity(n),
            signal: Vec::with_capacity(n),
            noise: Vec::with_capacity(n),
            log_snr: Vec::with_capacity(n),
        };
        fn push(v: &mut Vec<PlotPoint>, t: usize, y: f64) {
            if y.is_finite() {
                v.push(PlotPoint::new(t as f64, y));
            }
        }
        // ᾱ_0 = 1: the curves start from clean data.
        push(&mut c.alpha_bar, 0, 1.0);
        push(&mut c.signal, 0, 1.0);
        push(&mut c.noise, 0, 0.0);
        for &t in &ts {
            let beta = schedule.beta(t);
            let posterior_variance = schedule.posterior_variance(t);
            push(&mut c.beta, t, beta);
            push(&mut c.beta_log10, t, beta.log10());
            push(&mut c.posterior_variance, t, posterior_variance);
            if posterior_variance > 0.0 {
                push(
                    &mut c.posterior_variance_log10,
                    t,
                    posterior_variance.log10(),
                );
            }
            push(&mut c.alpha_bar, t, schedule.alpha_bar(t));
            push(&mut c.signal, t, schedule.sqrt_alpha_bar(t));
            push(&mut c.noise, t, schedule.sqrt_one_minus_alpha_bar(t));
            if let Some(l) = schedule.log_snr_finite(t) {
                push(&mut c.log_snr, t, l);
            }
        }
        c
    }
}

/// Elements (a multiple of 3: whole pixels) noised at a time: x₀, ε and the output of a
/// chunk stay in L1 while every frame is made from them, so the 256 × 256 inputs are read
/// once per schedule instead of once per frame.
const STRIP_CHUNK: usize = 3 * 1024;

/// The strip frames of one schedule: x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε at `times` (through the
/// core's `add_noise`), shown as images (values clipped to [−1, 1] as a model's output
/// would be).
pub fn strip_frames(
    schedule: &Schedule,
    base: &StripBase,
    times: &[usize],
) -> Vec<Arc<ColorImage>> {
    let (w, h) = (base.image.width, base.image.height);
    let x0 = &base.image.pixels;
    let eps = &base.eps;
    let n_pixels = w * h;
    if x0.len() != n_pixels * 3 || eps.len() != x0.len() {
        return times
            .iter()
            .map(|_| Arc::new(ColorImage::filled([w, h], Color32::BLACK)))
            .collect();
    }
    // t = 0 is x₀ for every schedule: shared, not recomputed.
    let noisy: Vec<usize> = times.iter().copied().filter(|&t| t > 0).collect();
    let mut frames: Vec<Vec<Color32>> =
        noisy.iter().map(|_| Vec::with_capacity(n_pixels)).collect();
    let mut noised = [0.0_f32; STRIP_CHUNK];
    for (x0_chunk, eps_chunk) in x0.chunks(STRIP_CHUNK).zip(eps.chunks(STRIP_CHUNK)) {
        let out = &mut noised[..x0_chunk.len()];
        for (frame, &t) in frames.iter_mut().zip(&noisy) {
            // Lengths match by construction (checked above); on a mismatch the frame
            // would come out short and be replaced below.
            if add_noise(schedule, t, x0_chunk, eps_chunk, out).is_ok() {
                frame.extend(out.chunks_exact(3).map(|c| rgb_pixel(c[0], c[1], c[2])));
            }
        }
    }
    let mut frames = frames.into_iter().map(|pixels| {
        Arc::new(if pixels.len() == n_pixels {
            ColorImage::new([w, h], pixels)
        } else {
            ColorImage::filled([w, h], Color32::BLACK)
        })
    });
    times
        .iter()
        .filter_map(|&t| {
            if t == 0 {
                Some(base.clean.clone())
            } else {
                frames.next()
            }
        })
        .collect()
}

/// One opaque pixel from RGB values in [−1, 1]: (v + 1)·127.5 rounded; `as u8`
/// saturates, which clips v to [−1, 1] for free.
#[inline]
fn rgb_pixel(r: f32, g: f32, b: f32) -> Color32 {
    #[inline]
    fn q(v: f32) -> u8 {
        (v * 127.5 + 128.0) as u8
    }
    Color32::from_rgb(q(r), q(g), q(b))
}

/// RGB values in [−1, 1] (clipped) to opaque pixels.
fn quantize_into(rgb: &[f32], pixels: &mut [Color32]) {
    for (p, c) in pixels.iter_mut().zip(rgb.chunks_exact(3)) {
        *p = rgb_pixel(c[0], c[1], c[2]);
    }
}

/// An RGB buffer in [−1, 1] (`[h, w, 3]`) as an image, clipped.
pub fn to_color_image(width: usize, height: usize, rgb: &[f32]) -> ColorImage {
    let mut pixels = vec![Color32::BLACK; width * height];
    if rgb.len() == pixels.len() * 3 {
        quantize_into(rgb, &mut pixels);
    }
    ColorImage::new([width, height], pixels)
}

/// Everything drawn for one shown schedule.
#[derive(Clone, Debug)]
pub struct DerivedEntry {
    pub spec: ScheduleSpec,
    pub schedule: Arc<Schedule>,
    pub curves: Curves,
    pub strip_times: Vec<usize>,
    pub strip: Vec<Arc<ColorImage>>,
    /// Changes whenever this entry is recomputed: textures are keyed on it.
    pub revision: u64,
}

impl DerivedEntry {
    pub fn compute(
        spec: &ScheduleSpec,
        base: &StripBase,
        revision: u64,
    ) -> Result<Self, ScheduleError> {
        let schedule = Arc::new(spec.build()?);
        Ok(Self::from_schedule(schedule, base, revision))
    }

    pub fn from_schedule(schedule: Arc<Schedule>, base: &StripBase, revision: u64) -> Self {
        let curves = Curves::new(&schedule);
        let strip_times = strip_times(schedule.num_steps(), STRIP_FRAMES);
        let strip = strip_frames(&schedule, base, &strip_times);
        Self {
            spec: schedule.spec().clone(),
            schedule,
            curves,
            strip_times,
            strip,
            revision,
        }
    }
}

/// The derived data of every shown schedule, in the order shown. `update` recomputes only
/// the entries whose spec changed.
pub struct DerivedSchedules {
    base: Arc<StripBase>,
    entries: Vec<Result<DerivedEntry, (ScheduleSpec, ScheduleError)>>,
    next_revision: u64,
}

impl Default for DerivedSchedules {
    fn default() -> Self {
        Self::new(STRIP_SIZE)
    }
}

impl DerivedSchedules {
    /// An empty cache whose strip images are `strip_size` pixels square.
    pub fn new(strip_size: usize) -> Self {
        Self {
            base: Arc::new(StripBase::new(strip_size)),
            entries: Vec::new(),
            next_revision: 1,
        }
    }

    pub fn base(&self) -> &StripBase {
        &self.base
    }

    /// Makes the entries match `specs` (same order). Entries whose spec is unchanged are
    /// kept as they are; the others are computed. Returns true if anything changed.
    pub fn update(&mut self, specs: &[&ScheduleSpec]) -> bool {
        let unchanged = self.entries.len() == specs.len()
            && self
                .entries
                .iter()
                .zip(specs)
                .all(|(e, s)| entry_spec(e) == *s);
        if unchanged {
            return false;
        }
        let mut old: Vec<Option<Result<DerivedEntry, (ScheduleSpec, ScheduleError)>>> =
            std::mem::take(&mut self.entries)
                .into_iter()
                .map(Some)
                .collect();
        let mut entries = Vec::with_capacity(specs.len());
        for spec in specs {
            let reused = old
                .iter_mut()
                .find(|e| e.as_ref().is_some_and(|e| entry_spec(e) == *spec))
                .and_then(Option::take);
            let entry = match reused {
                Some(e) => e,
                None => {
                    let revision = self.next_revision;
                    self.next_revision += 1;
                    DerivedEntry::compute(spec, &self.base, revision)
                        .map_err(|e| ((*spec).clone(), e))
                }
            };
            entries.push(entry);
        }
        self.entries = entries;
        true
    }

    /// One result per spec given to the last `update`.
    pub fn entries(&self) -> &[Result<DerivedEntry, (ScheduleSpec, ScheduleError)>] {
        &self.entries
    }

    /// The entry at `index` when it built.
    pub fn get(&self, index: usize) -> Option<&DerivedEntry> {
        self.entries.get(index).and_then(|e| e.as_ref().ok())
    }
}

fn entry_spec(e: &Result<DerivedEntry, (ScheduleSpec, ScheduleError)>) -> &ScheduleSpec {
    match e {
        Ok(e) => &e.spec,
        Err((s, _)) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_times_are_even_and_end_at_t() {
        assert_eq!(
            strip_times(1000, 10),
            vec![0, 111, 222, 333, 444, 556, 667, 778, 889, 1000]
        );
        assert_eq!(strip_times(2, 10).last(), Some(&2));
    }

    #[test]
    fn plot_times_keep_the_ends() {
        assert_eq!(plot_times(5), vec![1, 2, 3, 4, 5]);
        let ts = plot_times(10_000);
        assert!(ts.len() <= MAX_PLOT_POINTS + 1);
        assert_eq!(ts.first(), Some(&1));
        assert_eq!(ts.last(), Some(&10_000));
    }

    #[test]
    fn zero_snr_curves_are_finite() {
        let s = ScheduleSpec::default().with_zero_snr(true).build().unwrap();
        let c = Curves::new(&s);
        for line in [&c.beta_log10, &c.posterior_variance_log10, &c.log_snr] {
            assert!(line.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
        }
        // log-SNR leaves out t = T (−∞); β̃ in log leaves out t = 1 (0).
        assert_eq!(c.log_snr.len(), 999);
        assert_eq!(c.posterior_variance_log10.len(), 999);
    }

    #[test]
    fn update_reuses_unchanged_entries() {
        let mut d = DerivedSchedules::new(16);
        let a = ScheduleSpec::default();
        let b = ScheduleSpec::cosine(100);
        assert!(d.update(&[&a, &b]));
        let rev_b = d.get(1).unwrap().revision;
        assert!(!d.update(&[&a, &b]));
        let c = ScheduleSpec::linear(1000, 1e-4, 0.03);
        assert!(d.update(&[&c, &b]));
        assert_eq!(d.get(1).unwrap().revision, rev_b);
        assert_eq!(d.get(0).unwrap().strip.len(), STRIP_FRAMES);
        // A spec that does not build is kept as an error, not dropped.
        assert!(d.update(&[&ScheduleSpec::linear(0, 1e-4, 0.02)]));
        assert!(d.entries()[0].is_err());
    }

    #[test]
    fn first_frame_is_the_clean_image_and_last_is_noise() {
        let base = StripBase::new(8);
        let s = ScheduleSpec::default().with_zero_snr(true).build().unwrap();
        let frames = strip_frames(&s, &base, &[0, 1000]);
        let clean = to_color_image(8, 8, &base.image.pixels);
        assert_eq!(*frames[0], clean);
        let noise = to_color_image(8, 8, &base.eps);
        assert_eq!(*frames[1], noise);
    }
}
