//! The steps of the probability-flow ODE samplers, as diffusers takes them.
//!
//! The sample is kept in the variance-preserving frame of DDPM (x_t = √ᾱ·x_0 + √(1−ᾱ)·ε),
//! like the DDPM and DDIM steps, so that every sampler's frames can be drawn on one axis.
//! Euler and Heun step in diffusers' σ-scaled frame x̃ = x_t·√(1 + σ²) = x_0 + σ·ε and
//! convert back; DPM-Solver++ steps in the VP frame itself. In real arithmetic this is
//! exactly diffusers' update; only the f32 rounding differs.

use super::super::forward::{LengthMismatch, check_len};
use super::super::reverse::{StepOptions, StepOutput, predictions};
use super::sigmas::{NoiseLevel, OdeSampler};

/// The x̂0 a denoiser output means at `level` (VP frame), into `out.pred_x0` and
/// `out.pred_eps`.
fn predict_at(
    x: &[f32],
    model_output: &[f32],
    level: NoiseLevel,
    options: StepOptions,
    out: &mut StepOutput,
) {
    predictions(
        x,
        model_output,
        level.alpha_bar(),
        level.one_minus_alpha_bar(),
        options,
        out,
    );
}

/// A multistep ODE sampler with its memory (Heun keeps nothing between steps; DPM-Solver++
/// keeps the previous step's x̂0).
#[derive(Clone, Debug)]
pub struct OdeSolver {
    sampler: OdeSampler,
    options: StepOptions,
    /// DPM-Solver++: x̂0 and σ of the previous step.
    previous: Option<(Vec<f32>, f64)>,
}

impl OdeSolver {
    pub fn new(sampler: OdeSampler, options: StepOptions) -> Self {
        Self {
            sampler,
            options,
            previous: None,
        }
    }

    pub fn sampler(&self) -> OdeSampler {
        self.sampler
    }

    /// One step from level `from` to level `to` (σ_to < σ_from) of the VP sample `x`.
    ///
    /// `evaluate(x, level)` is the denoiser's raw output (in `options.prediction` units) at
    /// a level; it is called once (Heun: twice, except on the last step to σ = 0).
    /// `out.pred_x0`/`pred_eps` hold the prediction at `from`; `out.mean` equals
    /// `out.prev_sample` (the step adds no noise).
    ///
    /// # Formula
    /// With x̃ = x·√(1+σ²) and d = (x̃ − x̂0)/σ:
    /// - Euler: x̃' = x̃ + d·(σ' − σ).
    /// - Heun: x̃* = x̃ + d·(σ' − σ), d* = (x̃* − x̂0(x̃*, σ'))/σ', x̃' = x̃ + (d + d*)/2·(σ' − σ);
    ///   Euler when σ' = 0.
    /// - DPM-Solver++(2M), with α = 1/√(1+σ²), σ_vp = σ·α, λ = −ln σ, h = λ' − λ:
    ///   x' = (σ'_vp/σ_vp)·x − α'(e^{−h} − 1)·D, D = x̂0 at the first and the last step,
    ///   D = x̂0 + (x̂0 − x̂0_prev)/(2r), r = (λ − λ_prev)/h, otherwise.
    ///
    /// # Shapes
    /// `x` and every output of `evaluate` have one length; `out` is resized to it.
    pub fn step<E: From<LengthMismatch>>(
        &mut self,
        from: NoiseLevel,
        to: NoiseLevel,
        x: &[f32],
        mut evaluate: impl FnMut(&[f32], NoiseLevel) -> Result<Vec<f32>, E>,
        out: &mut StepOutput,
    ) -> Result<(), E> {
        out.resize(x.len());
        let first = evaluate(x, from)?;
        check_len("model_output", first.len(), x.len())?;
        predict_at(x, &first, from, self.options, out);
        let (s, s_next) = (from.sigma, to.sigma);
        let scale = (1.0 + s * s).sqrt();
        let scale_next = (1.0 + s_next * s_next).sqrt();
        match self.sampler {
            OdeSampler::Euler => {
                for i in 0..x.len() {
                    let x0 = out.pred_x0[i] as f64;
                    out.prev_sample[i] = if s_next == 0.0 {
                        x0 as f32
                    } else {
                        let xs = x[i] as f64 * scale;
                        let d = (xs - x0) / s;
                        ((xs + d * (s_next - s)) / scale_next) as f32
                    };
                }
            }
            OdeSampler::Heun => {
                if s_next == 0.0 {
                    out.prev_sample.copy_from_slice(&out.pred_x0);
                } else {
                    let mut d1 = vec![0.0_f64; x.len()];
                    let mut x_mid = vec![0.0_f32; x.len()];
                    let mut x_mid_scaled = vec![0.0_f64; x.len()];
                    for i in 0..x.len() {
                        let xs = x[i] as f64 * scale;
                        d1[i] = (xs - out.pred_x0[i] as f64) / s;
                        x_mid_scaled[i] = xs + d1[i] * (s_next - s);
                        x_mid[i] = (x_mid_scaled[i] / scale_next) as f32;
                    }
                    let second = evaluate(&x_mid, to)?;
                    check_len("model_output", second.len(), x.len())?;
                    let mut at_next = StepOutput::default();
                    at_next.resize(x.len());
                    predict_at(&x_mid, &second, to, self.options, &mut at_next);
                    for i in 0..x.len() {
                        let d2 = (x_mid_scaled[i] - at_next.pred_x0[i] as f64) / s_next;
                        let xs = x[i] as f64 * scale;
                        out.prev_sample[i] =
                            ((xs + 0.5 * (d1[i] + d2) * (s_next - s)) / scale_next) as f32;
                    }
                }
            }
            OdeSampler::DpmSolverPlusPlus2M => {
                if s_next == 0.0 {
                    out.prev_sample.copy_from_slice(&out.pred_x0);
                } else {
                    let alpha_next = 1.0 / scale_next;
                    // σ'_vp/σ_vp = (σ'/√(1+σ'²))/(σ/√(1+σ²)); e^{−h} = σ'/σ.
                    let ratio = (s_next / scale_next) / (s / scale);
                    let h = (s / s_next).ln();
                    let c0 = -alpha_next * ((-h).exp() - 1.0);
                    let second_order = self
                        .previous
                        .as_ref()
                        .filter(|(prev, _)| prev.len() == x.len())
                        .map(|(prev, s_prev)| ((s_prev / s).ln() / h, prev));
                    for i in 0..x.len() {
                        let x0 = out.pred_x0[i] as f64;
                        let d = match &second_order {
                            Some((r0, prev)) => x0 + 0.5 * (x0 - prev[i] as f64) / r0,
                            None => x0,
                        };
                        out.prev_sample[i] = (ratio * x[i] as f64 + c0 * d) as f32;
                    }
                }
                self.previous = Some((out.pred_x0.clone(), s));
            }
        }
        out.mean.copy_from_slice(&out.prev_sample);
        Ok(())
    }
}
