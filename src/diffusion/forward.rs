//! The forward (noising) process q.

use super::gaussian::Gaussian;
use super::schedule::Schedule;
use thiserror::Error;

/// Buffers of different lengths were passed to an element-wise operation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("buffer length mismatch: {what} has {got} elements, expected {expected}")]
pub struct LengthMismatch {
    pub what: &'static str,
    pub got: usize,
    pub expected: usize,
}

pub(crate) fn check_len(
    what: &'static str,
    got: usize,
    expected: usize,
) -> Result<(), LengthMismatch> {
    if got == expected {
        Ok(())
    } else {
        Err(LengthMismatch {
            what,
            got,
            expected,
        })
    }
}

/// One forward step q(x_t|x_{t−1}) = N(√(1−β_t)·x_{t−1}, β_t).
///
/// # Formula
/// mean = √(1−β)·x_prev, variance = β.
pub fn forward_step(x_prev: f64, beta: f64) -> Gaussian {
    Gaussian::new((1.0 - beta).sqrt() * x_prev, beta)
}

/// The sample x_t = √(1−β_t)·x_{t−1} + √β_t·ε for a given ε.
pub fn forward_step_sample(x_prev: f64, beta: f64, eps: f64) -> f64 {
    forward_step(x_prev, beta).sample_with(eps)
}

/// Var(x_t) after one step when Var(x_{t−1}) = `var_prev` and ε is independent of x_{t−1}:
/// (1−β)·Var(x_{t−1}) + β. It is 1 whenever `var_prev` is 1 — the reason DDPM scales by √(1−β).
pub fn forward_step_variance(var_prev: f64, beta: f64) -> f64 {
    (1.0 - beta) * var_prev + beta
}

/// The closed form q(x_t|x_0) = N(√ᾱ_t·x_0, 1 − ᾱ_t) (t = 0 gives the point x_0).
pub fn q_xt_given_x0(schedule: &Schedule, t: usize, x0: f64) -> Gaussian {
    Gaussian::new(
        schedule.sqrt_alpha_bar(t) * x0,
        schedule.one_minus_alpha_bar(t),
    )
}

/// The closed form for an explicit list of β (no schedule needed): ᾱ = Π(1 − β).
pub fn q_xt_given_x0_from_betas(betas: &[f64], x0: f64) -> Gaussian {
    let alpha_bar: f64 = betas.iter().map(|b| 1.0 - b).product();
    Gaussian::new(alpha_bar.sqrt() * x0, 1.0 - alpha_bar)
}

/// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε, element-wise over f32 buffers (diffusers' `add_noise`).
///
/// # Shapes
/// `x0`, `eps` and `out` have the same length (any layout: the map is element-wise).
pub fn add_noise(
    schedule: &Schedule,
    t: usize,
    x0: &[f32],
    eps: &[f32],
    out: &mut [f32],
) -> Result<(), LengthMismatch> {
    check_len("eps", eps.len(), x0.len())?;
    check_len("out", out.len(), x0.len())?;
    let a = schedule.sqrt_alpha_bar(t) as f32;
    let s = schedule.sqrt_one_minus_alpha_bar(t) as f32;
    for ((o, &x), &e) in out.iter_mut().zip(x0).zip(eps) {
        *o = a * x + s * e;
    }
    Ok(())
}

/// Pushes `x` one step along the chain in place: x ← √(1−β_t)·x + √β_t·ε.
pub fn forward_step_in_place(
    schedule: &Schedule,
    t: usize,
    x: &mut [f32],
    eps: &[f32],
) -> Result<(), LengthMismatch> {
    check_len("eps", eps.len(), x.len())?;
    let beta = schedule.beta(t);
    let a = (1.0 - beta).sqrt() as f32;
    let s = beta.sqrt() as f32;
    for (v, &e) in x.iter_mut().zip(eps) {
        *v = a * *v + s * e;
    }
    Ok(())
}

/// The seed notes' worked example, computed (not copied): x0, β1, ε and β2 in,
/// every intermediate number out.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkedExample {
    pub x0: f64,
    pub beta1: f64,
    pub eps: f64,
    pub beta2: f64,
}

impl Default for WorkedExample {
    /// The notes' values: x0 = 0.8, β1 = 0.1, ε = 0.5, β2 = 0.2.
    fn default() -> Self {
        Self {
            x0: 0.8,
            beta1: 0.1,
            eps: 0.5,
            beta2: 0.2,
        }
    }
}

/// The numbers of [`WorkedExample`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct WorkedExampleResult {
    /// α1 = 1 − β1.
    pub alpha1: f64,
    /// √α1.
    pub sqrt_alpha1: f64,
    /// q(x1|x0) = N(√α1·x0, β1).
    pub q1: Gaussian,
    /// √β1.
    pub sqrt_beta1: f64,
    /// x1 = μ1 + √β1·ε.
    pub x1: f64,
    /// α2 = 1 − β2.
    pub alpha2: f64,
    /// ᾱ2 = α1·α2.
    pub alpha_bar2: f64,
    /// √ᾱ2.
    pub sqrt_alpha_bar2: f64,
    /// q(x2|x0) = N(√ᾱ2·x0, 1 − ᾱ2).
    pub q2: Gaussian,
}

impl WorkedExample {
    pub fn compute(&self) -> WorkedExampleResult {
        let alpha1 = 1.0 - self.beta1;
        let q1 = forward_step(self.x0, self.beta1);
        let x1 = q1.sample_with(self.eps);
        let alpha2 = 1.0 - self.beta2;
        let q2 = q_xt_given_x0_from_betas(&[self.beta1, self.beta2], self.x0);
        WorkedExampleResult {
            alpha1,
            sqrt_alpha1: alpha1.sqrt(),
            q1,
            sqrt_beta1: self.beta1.sqrt(),
            x1,
            alpha2,
            alpha_bar2: alpha1 * alpha2,
            sqrt_alpha_bar2: (alpha1 * alpha2).sqrt(),
            q2,
        }
    }
}
