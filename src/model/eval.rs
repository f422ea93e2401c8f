//! How well a model denoises: the MSE of its prediction on held-out data at fixed t,
//! beside the trivial baseline (predicting ε = 0 has ε-MSE 1).

use super::data::{Dataset, fill_normal, rng_for};
use super::inference::{Denoise, InferenceError};
use crate::diffusion::forward::add_noise;
use crate::diffusion::reverse::{eps_from_v, eps_from_x0, v_from_x0_eps};
use crate::diffusion::{PredictionType, Schedule};
use serde::{Deserialize, Serialize};

/// The timesteps `ddpm-lab eval` reports (those ≤ T are used).
pub const EVAL_TIMESTEPS: [usize; 8] = [1, 10, 50, 100, 250, 500, 750, 1000];

/// The stream of the held-out set: training draws streams 1..=steps, this one never.
const HELD_OUT_STREAM: u64 = u64::MAX - 7;

/// The errors at one t.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalRow {
    pub t: usize,
    /// MSE of the network's own output against its objective's target (ε, x0 or v).
    pub objective_mse: f64,
    /// The same for the ε the output implies (the core's conversions).
    pub eps_mse: f64,
    /// MSE of the trivial ε̂ = 0 on the same noise (≈ 1).
    pub eps_baseline: f64,
}

/// Evaluates `model` on `n` held-out items (drawn from `seed`) at each of `timesteps`,
/// in batches of `batch`.
pub fn evaluate(
    model: &dyn Denoise,
    schedule: &Schedule,
    dataset: &Dataset,
    timesteps: &[usize],
    n: usize,
    batch: usize,
    seed: u64,
) -> Result<Vec<EvalRow>, InferenceError> {
    let item_len = model.item_len();
    let mut rng = rng_for(seed, HELD_OUT_STREAM);
    let x0 = dataset.sample(&mut rng, n);
    let mut eps = vec![0.0_f32; x0.len()];
    fill_normal(&mut rng, &mut eps);
    let batch = batch.max(1);
    let mut rows = Vec::new();
    for &t in timesteps
        .iter()
        .filter(|&&t| t >= 1 && t <= schedule.num_steps())
    {
        let alpha_bar = schedule.alpha_bar(t);
        let mut x_t = vec![0.0_f32; x0.len()];
        add_noise(schedule, t, &x0, &eps, &mut x_t)?;
        let (mut obj_se, mut eps_se, mut base_se) = (0.0_f64, 0.0_f64, 0.0_f64);
        for start in (0..n).step_by(batch) {
            let b = batch.min(n - start);
            let span = start * item_len..(start + b) * item_len;
            let out = model.predict(&x_t[span.clone()], t, b)?;
            for (k, &m) in out.iter().enumerate() {
                let i = span.start + k;
                let (x, x0_i, e) = (x_t[i] as f64, x0[i] as f64, eps[i] as f64);
                let m = m as f64;
                let (target, eps_hat) = match model.prediction() {
                    PredictionType::Epsilon => (e, m),
                    PredictionType::Sample => (x0_i, eps_from_x0(x, m, alpha_bar)),
                    PredictionType::VPrediction => (
                        v_from_x0_eps(x0_i, e, alpha_bar),
                        eps_from_v(x, m, alpha_bar),
                    ),
                };
                obj_se += (m - target).powi(2);
                eps_se += (eps_hat - e).powi(2);
                base_se += e * e;
            }
        }
        let count = x0.len().max(1) as f64;
        rows.push(EvalRow {
            t,
            objective_mse: obj_se / count,
            eps_mse: eps_se / count,
            eps_baseline: base_se / count,
        });
    }
    Ok(rows)
}
