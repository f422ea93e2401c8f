//! Running the reverse process with a trained (or oracle) denoiser.
//!
//! One loop serves sampling from noise, the "reverse from an image" run and the app's
//! Image and Points panels: [`run_reverse`] starts from any x_t at any t, walks the
//! sampler's (t → prev) jumps down to 0 and calls back once per step with a [`Frame`]
//! (x_t, ε̂, x̂0, the posterior mean, x_prev). The callback, or a cancel flag, can stop it.
//!
//! The network only predicts. Each step is: model forward → f32 buffer → the core's
//! [`ddpm_step`]/[`ddim_step`] (or an [`OdeSolver`] step for Euler, Heun and
//! DPM-Solver++) → the next x. No diffusion formula lives here.

use super::checkpoint::{Checkpoint, SizedDenoiser};
use super::data::{DataRng, fill_normal, rng_for};
use crate::diffusion::forward::{LengthMismatch, add_noise};
use crate::diffusion::reverse::{
    SpacingError, StepOptions, StepOutput, ddim_step, ddpm_step, eps_from_x0, inference_timesteps,
    jumps,
};
use crate::diffusion::samplers::{
    NoiseLevel, OdeSampler, OdeSolver, SamplingError, SigmaOptions, sampling_schedule,
};
use crate::diffusion::{PredictionType, Schedule, TimestepSpacing, VarianceType};
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;

/// Why a reverse run (or a prediction) failed.
#[derive(Debug, Error)]
pub enum InferenceError {
    #[error("x_t has {got} numbers, not a multiple of the item size {item_len}")]
    BadLength { got: usize, item_len: usize },
    #[error("the start timestep t = {t} is outside 1..={max}")]
    BadStart { t: usize, max: usize },
    #[error(transparent)]
    Spacing(#[from] SpacingError),
    #[error(transparent)]
    Sampling(#[from] SamplingError),
    #[error(transparent)]
    Length(#[from] LengthMismatch),
    #[error("the model's output could not be read back: {0}")]
    Readback(String),
    #[error("the model produced non-finite values at t = {t}")]
    NonFinite { t: usize },
}

/// Anything that predicts from a noisy batch: a trained network, or an oracle in tests
/// and lessons.
pub trait Denoise {
    /// The network's raw output (in [`Denoise::prediction`] units) at timestep `t`.
    ///
    /// # Shapes
    /// `x_t`: `batch × item_len` floats, item-major → the same length.
    fn predict(&self, x_t: &[f32], t: usize, batch: usize) -> Result<Vec<f32>, InferenceError>;

    /// The output at a noise level that may lie between training steps (the ODE samplers'
    /// levels). The default evaluates at the nearest training step; trained networks take
    /// the fractional timestep as their time input (as diffusers passes float timesteps),
    /// analytic denoisers use the level's ᾱ = 1/(1 + σ²) exactly.
    ///
    /// # Shapes
    /// As [`Denoise::predict`].
    fn predict_level(
        &self,
        x_t: &[f32],
        level: NoiseLevel,
        num_steps: usize,
        batch: usize,
    ) -> Result<Vec<f32>, InferenceError> {
        self.predict(x_t, level.nearest_step(num_steps), batch)
    }

    /// What the output means (ε, x0 or v).
    fn prediction(&self) -> PredictionType;

    /// Floats per item (2 for points, C·S·S for images).
    fn item_len(&self) -> usize;
}

impl Denoise for Checkpoint {
    fn predict(&self, x_t: &[f32], t: usize, batch: usize) -> Result<Vec<f32>, InferenceError> {
        predict_with(&self.model, &self.device, x_t, t, batch, self.item_len())
    }

    fn predict_level(
        &self,
        x_t: &[f32],
        level: NoiseLevel,
        _num_steps: usize,
        batch: usize,
    ) -> Result<Vec<f32>, InferenceError> {
        let t = level.t.max(1.0) as f32;
        predict_at_time(&self.model, &self.device, x_t, t, batch, self.item_len())
    }

    fn prediction(&self) -> PredictionType {
        self.config.objective
    }

    fn item_len(&self) -> usize {
        self.domain().item_len()
    }
}

impl Denoise for SizedDenoiser<'_> {
    fn predict(&self, x_t: &[f32], t: usize, batch: usize) -> Result<Vec<f32>, InferenceError> {
        let c = self.checkpoint;
        predict_with(&c.model, &c.device, x_t, t, batch, self.item_len())
    }

    fn predict_level(
        &self,
        x_t: &[f32],
        level: NoiseLevel,
        _num_steps: usize,
        batch: usize,
    ) -> Result<Vec<f32>, InferenceError> {
        let c = self.checkpoint;
        let t = level.t.max(1.0) as f32;
        predict_at_time(&c.model, &c.device, x_t, t, batch, self.item_len())
    }

    fn prediction(&self) -> PredictionType {
        self.checkpoint.config.objective
    }

    fn item_len(&self) -> usize {
        self.channels * self.size * self.size
    }
}

/// One forward pass of a [`super::Denoiser`] on flat f32 data.
pub fn predict_with(
    model: &super::Denoiser,
    device: &Device,
    x_t: &[f32],
    t: usize,
    batch: usize,
    item_len: usize,
) -> Result<Vec<f32>, InferenceError> {
    predict_at_time(model, device, x_t, t as f32, batch, item_len)
}

/// [`predict_with`] at a (possibly fractional) paper timestep.
pub fn predict_at_time(
    model: &super::Denoiser,
    device: &Device,
    x_t: &[f32],
    t: f32,
    batch: usize,
    item_len: usize,
) -> Result<Vec<f32>, InferenceError> {
    if batch == 0 || x_t.len() != batch * item_len {
        return Err(InferenceError::BadLength {
            got: x_t.len(),
            item_len,
        });
    }
    let x = Tensor::<2>::from_data(TensorData::new(x_t.to_vec(), [batch, item_len]), device);
    let ts = Tensor::<1>::from_data(TensorData::new(vec![t; batch], [batch]), device);
    let out = model.forward_flat(x, ts);
    let values = out
        .try_into_vec_as::<f32>()
        .map_err(|e| InferenceError::Readback(format!("{e:?}")))?;
    if values.iter().any(|v| !v.is_finite()) {
        return Err(InferenceError::NonFinite {
            t: t.round() as usize,
        });
    }
    Ok(values)
}

/// A perfect ε-predictor for known clean data: ε = (x_t − √ᾱ·x0)/√(1−ᾱ). The reverse
/// process then lands exactly on x0, which makes it a reference for tests and lessons.
#[derive(Clone, Debug)]
pub struct OracleDenoiser {
    /// The clean items, `batch × item_len`.
    pub x0: Vec<f32>,
    pub item_len: usize,
    pub schedule: Schedule,
}

impl Denoise for OracleDenoiser {
    fn predict(&self, x_t: &[f32], t: usize, batch: usize) -> Result<Vec<f32>, InferenceError> {
        if x_t.len() != self.x0.len() || x_t.len() != batch * self.item_len {
            return Err(InferenceError::BadLength {
                got: x_t.len(),
                item_len: self.item_len,
            });
        }
        let alpha_bar = self.schedule.alpha_bar(t);
        Ok(x_t
            .iter()
            .zip(&self.x0)
            .map(|(&x, &x0)| eps_from_x0(x as f64, x0 as f64, alpha_bar) as f32)
            .collect())
    }

    fn predict_level(
        &self,
        x_t: &[f32],
        level: NoiseLevel,
        _num_steps: usize,
        batch: usize,
    ) -> Result<Vec<f32>, InferenceError> {
        if x_t.len() != self.x0.len() || x_t.len() != batch * self.item_len {
            return Err(InferenceError::BadLength {
                got: x_t.len(),
                item_len: self.item_len,
            });
        }
        let alpha_bar = level.alpha_bar();
        Ok(x_t
            .iter()
            .zip(&self.x0)
            .map(|(&x, &x0)| eps_from_x0(x as f64, x0 as f64, alpha_bar) as f32)
            .collect())
    }

    fn prediction(&self) -> PredictionType {
        PredictionType::Epsilon
    }

    fn item_len(&self) -> usize {
        self.item_len
    }
}

/// The sampler of a reverse run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sampler {
    /// Ancestral DDPM steps (Ho et al. Algorithm 2).
    Ddpm { variance: VarianceType },
    /// DDIM steps with stochasticity η (0: deterministic).
    Ddim { eta: f64 },
    /// A probability-flow ODE solver (Euler, Heun, DPM-Solver++(2M)) on its own σ
    /// schedule (Karras σ's, a log-SNR shift).
    Ode {
        solver: OdeSampler,
        #[serde(default)]
        sigmas: SigmaOptions,
    },
}

impl Sampler {
    /// The ODE solver with diffusers' default σ's.
    pub fn ode(solver: OdeSampler) -> Self {
        Sampler::Ode {
            solver,
            sigmas: SigmaOptions::default(),
        }
    }

    /// "DDPM", "DDIM", "Euler", "Heun" or "DPM-Solver++(2M)" (with "Karras" and the shift
    /// when they are on).
    pub fn label(&self) -> String {
        match self {
            Sampler::Ddpm { .. } => "DDPM".into(),
            Sampler::Ddim { .. } => "DDIM".into(),
            Sampler::Ode { solver, sigmas } => {
                let mut s = match solver {
                    OdeSampler::Euler => "Euler",
                    OdeSampler::Heun => "Heun",
                    OdeSampler::DpmSolverPlusPlus2M => "DPM-Solver++(2M)",
                }
                .to_string();
                if sigmas.karras {
                    s.push_str(" Karras");
                }
                if sigmas.shift != 1.0 {
                    s.push_str(&format!(" shift {}", sigmas.shift));
                }
                s
            }
        }
    }
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::Ddpm {
            variance: VarianceType::FixedSmall,
        }
    }
}

/// How to run the reverse process.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReverseOptions {
    pub sampler: Sampler,
    /// Number of model evaluations over the full 1..T range; `None` visits every t.
    /// A run from t < T keeps the part of that grid below t.
    pub steps: Option<usize>,
    pub spacing: TimestepSpacing,
    /// Clip x̂0 to [−1, 1] (images: yes; points: no).
    pub clip_x0: bool,
    /// Seed of the noise added by stochastic steps.
    pub seed: u64,
}

impl Default for ReverseOptions {
    fn default() -> Self {
        Self {
            sampler: Sampler::default(),
            steps: None,
            spacing: TimestepSpacing::Trailing,
            clip_x0: true,
            seed: 0,
        }
    }
}

/// The (t, prev) jumps of a run from `start_t` down to 0.
///
/// With `steps = None` every t from `start_t` to 1 is visited. Otherwise the core's
/// [`inference_timesteps`] grid for the whole schedule is cut below `start_t` and
/// `start_t` itself is put first, so a run from any t lands on the same grid as a run
/// from T.
pub fn reverse_jumps(
    schedule: &Schedule,
    start_t: usize,
    steps: Option<usize>,
    spacing: TimestepSpacing,
) -> Result<Vec<(usize, usize)>, InferenceError> {
    let max = schedule.num_steps();
    if start_t == 0 || start_t > max {
        return Err(InferenceError::BadStart { t: start_t, max });
    }
    let timesteps: Vec<usize> = match steps {
        None => (1..=start_t).rev().collect(),
        Some(n) => {
            let grid = inference_timesteps(max, n, spacing, 0)?;
            std::iter::once(start_t)
                .chain(grid.into_iter().filter(|&t| t < start_t))
                .collect()
        }
    };
    Ok(jumps(&timesteps))
}

/// The noise levels an ODE run from `start_t` walks, ending at σ = 0: the sampler's
/// schedule for the whole range (`steps`: `None` is T steps), cut below the level of
/// `start_t`, which is put first; a run from T walks the whole schedule unchanged.
pub fn ode_levels(
    schedule: &Schedule,
    start_t: usize,
    solver: OdeSampler,
    sigmas: SigmaOptions,
    steps: Option<usize>,
    spacing: TimestepSpacing,
) -> Result<Vec<NoiseLevel>, InferenceError> {
    let max = schedule.num_steps();
    if start_t == 0 || start_t > max {
        return Err(InferenceError::BadStart { t: start_t, max });
    }
    let plan = sampling_schedule(schedule, solver, steps.unwrap_or(max), spacing, sigmas)?;
    let mut levels = plan.levels();
    if start_t < max {
        let start = NoiseLevel::of_step(schedule, start_t);
        levels.retain(|l| l.sigma < start.sigma);
        levels.insert(0, start);
    }
    Ok(levels)
}

/// The (t, prev) pairs of a run from `start_t` with `options`, as its frames will name
/// them (an ODE step's fractional timesteps rounded to the nearest step; 0 at the end).
pub fn reverse_plan(
    schedule: &Schedule,
    start_t: usize,
    options: &ReverseOptions,
) -> Result<Vec<(usize, usize)>, InferenceError> {
    match options.sampler {
        Sampler::Ode { solver, sigmas } => {
            let levels = ode_levels(
                schedule,
                start_t,
                solver,
                sigmas,
                options.steps,
                options.spacing,
            )?;
            let big_t = schedule.num_steps();
            Ok(levels
                .windows(2)
                .map(|w| (frame_step(w[0], big_t), frame_step(w[1], big_t)))
                .collect())
        }
        _ => reverse_jumps(schedule, start_t, options.steps, options.spacing),
    }
}

/// The whole timestep a frame names for a level (0 only for σ = 0).
fn frame_step(level: NoiseLevel, big_t: usize) -> usize {
    if level.sigma == 0.0 {
        0
    } else {
        level.nearest_step(big_t)
    }
}

/// One step of a reverse run, as the callback sees it.
///
/// # Shapes
/// Every buffer has `batch × item_len` floats.
#[derive(Debug)]
pub struct Frame<'a> {
    /// 0-based index of this step, and the number of steps in the run.
    pub index: usize,
    pub total: usize,
    /// The jump t → prev.
    pub t: usize,
    pub prev: usize,
    pub x_t: &'a [f32],
    /// ε̂ as the model implies it.
    pub pred_eps: &'a [f32],
    /// x̂0 (clipped when clipping is on).
    pub pred_x0: &'a [f32],
    /// The mean of p(x_prev | x_t) the step drew from.
    pub mean: &'a [f32],
    /// The new sample x_prev.
    pub x_prev: &'a [f32],
}

/// Whether a reverse run goes on after a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Where a reverse run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct ReverseResult {
    /// The last sample: x_0 when the run finished, else x at `t_reached`.
    pub x: Vec<f32>,
    pub t_reached: usize,
    pub steps_done: usize,
    /// True when the callback or the cancel flag stopped the run early.
    pub stopped: bool,
}

/// Shows one finished step (`x` is the sample at `t`, `out` the step to `prev`) to
/// `on_frame`, then makes the step's result the current sample. Shared by the discrete
/// and the ODE loop so both report frames the same way.
fn emit_frame(
    on_frame: &mut impl FnMut(&Frame) -> Flow,
    index: usize,
    total: usize,
    (t, prev): (usize, usize),
    x: &mut Vec<f32>,
    out: &mut StepOutput,
) -> Flow {
    let flow = on_frame(&Frame {
        index,
        total,
        t,
        prev,
        x_t: x,
        pred_eps: &out.pred_eps,
        pred_x0: &out.pred_x0,
        mean: &out.mean,
        x_prev: &out.prev_sample,
    });
    std::mem::swap(x, &mut out.prev_sample);
    flow
}

/// Runs the reverse process from `x_t` at `start_t` down to 0.
///
/// `on_frame` is called after every step; returning [`Flow::Stop`] (or setting `cancel`)
/// ends the run after that step. Deterministic for a given `options.seed`. This is the
/// loop over [`ReverseRun::step`].
pub fn run_reverse(
    model: &dyn Denoise,
    schedule: &Schedule,
    x_t: Vec<f32>,
    start_t: usize,
    options: &ReverseOptions,
    cancel: Option<&AtomicBool>,
    mut on_frame: impl FnMut(&Frame) -> Flow,
) -> Result<ReverseResult, InferenceError> {
    let mut run = ReverseRun::new(model, schedule, x_t, start_t, options)?;
    while !run.is_done() {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Ok(run.into_result(true));
        }
        if run.step(model, schedule, &mut on_frame)? == Flow::Stop {
            let stopped = run.t_reached() > 0;
            return Ok(run.into_result(stopped));
        }
    }
    Ok(run.into_result(false))
}

/// A sampler that steps on the training timesteps.
#[derive(Clone, Copy)]
enum DiscreteStep {
    Ddpm(VarianceType),
    Ddim(f64),
}

/// How a [`ReverseRun`] steps: on the training timesteps, or between noise levels with an
/// ODE solver (which may remember earlier steps).
enum RunPlan {
    Discrete {
        step: DiscreteStep,
        jumps: Vec<(usize, usize)>,
        rng: DataRng,
        noise: Vec<f32>,
    },
    Ode {
        levels: Vec<NoiseLevel>,
        solver: OdeSolver,
    },
}

/// A reverse run taken one step at a time, so a caller can do other work between steps (a
/// web page draws its frames between them). It holds the sample and the sampler's state;
/// the model and schedule are passed to every [`step`](Self::step), the same ones each time.
pub struct ReverseRun {
    plan: RunPlan,
    step_options: StepOptions,
    batch: usize,
    x: Vec<f32>,
    out: StepOutput,
    index: usize,
    total: usize,
    t_reached: usize,
}

impl ReverseRun {
    /// Checks the start and plans the steps.
    pub fn new(
        model: &dyn Denoise,
        schedule: &Schedule,
        x_t: Vec<f32>,
        start_t: usize,
        options: &ReverseOptions,
    ) -> Result<Self, InferenceError> {
        let item_len = model.item_len();
        if item_len == 0 || x_t.is_empty() || !x_t.len().is_multiple_of(item_len) {
            return Err(InferenceError::BadLength {
                got: x_t.len(),
                item_len,
            });
        }
        let batch = x_t.len() / item_len;
        let step_options = StepOptions {
            prediction: model.prediction(),
            clip_x0: options.clip_x0,
        };
        let (plan, total, t_reached) = match options.sampler {
            Sampler::Ode { solver, sigmas } => {
                let levels = ode_levels(
                    schedule,
                    start_t,
                    solver,
                    sigmas,
                    options.steps,
                    options.spacing,
                )?;
                let big_t = schedule.num_steps();
                let total = levels.len().saturating_sub(1);
                let t_reached = levels.first().map_or(0, |&l| frame_step(l, big_t));
                let solver = OdeSolver::new(solver, step_options);
                (RunPlan::Ode { levels, solver }, total, t_reached)
            }
            Sampler::Ddpm { variance } => Self::discrete(
                schedule,
                &x_t,
                start_t,
                options,
                DiscreteStep::Ddpm(variance),
            )?,
            Sampler::Ddim { eta } => {
                Self::discrete(schedule, &x_t, start_t, options, DiscreteStep::Ddim(eta))?
            }
        };
        Ok(Self {
            plan,
            step_options,
            batch,
            x: x_t,
            out: StepOutput::default(),
            index: 0,
            total,
            t_reached,
        })
    }

    /// The plan of a DDPM or DDIM run: its jumps, and the noise each step draws.
    fn discrete(
        schedule: &Schedule,
        x_t: &[f32],
        start_t: usize,
        options: &ReverseOptions,
        step: DiscreteStep,
    ) -> Result<(RunPlan, usize, usize), InferenceError> {
        let jumps = reverse_jumps(schedule, start_t, options.steps, options.spacing)?;
        let total = jumps.len();
        let plan = RunPlan::Discrete {
            step,
            jumps,
            rng: rng_for(options.seed, 0x0005_EED0_F4E7),
            noise: vec![0.0_f32; x_t.len()],
        };
        Ok((plan, total, start_t))
    }

    /// True once every planned step is done.
    pub fn is_done(&self) -> bool {
        self.index >= self.total
    }

    /// Steps done so far, and planned in all.
    pub fn steps_done(&self) -> usize {
        self.index
    }

    pub fn total_steps(&self) -> usize {
        self.total
    }

    /// The timestep of the current sample.
    pub fn t_reached(&self) -> usize {
        self.t_reached
    }

    /// Takes the next step (nothing once [`is_done`](Self::is_done)) and shows it to
    /// `on_frame`, whose answer is returned.
    pub fn step(
        &mut self,
        model: &dyn Denoise,
        schedule: &Schedule,
        on_frame: &mut impl FnMut(&Frame) -> Flow,
    ) -> Result<Flow, InferenceError> {
        if self.is_done() {
            return Ok(Flow::Stop);
        }
        let batch = self.batch;
        let (t, prev) = match &mut self.plan {
            RunPlan::Discrete {
                step,
                jumps,
                rng,
                noise,
            } => {
                let (t, prev) = jumps[self.index];
                let model_output = model.predict(&self.x, t, batch)?;
                fill_normal(rng, noise);
                match *step {
                    DiscreteStep::Ddpm(variance) => ddpm_step(
                        schedule,
                        t,
                        prev,
                        &self.x,
                        &model_output,
                        noise,
                        variance,
                        self.step_options,
                        &mut self.out,
                    )?,
                    DiscreteStep::Ddim(eta) => ddim_step(
                        schedule,
                        t,
                        prev,
                        &self.x,
                        &model_output,
                        noise,
                        eta,
                        self.step_options,
                        &mut self.out,
                    )?,
                }
                (t, prev)
            }
            RunPlan::Ode { levels, solver } => {
                let big_t = schedule.num_steps();
                let (from, to) = (levels[self.index], levels[self.index + 1]);
                solver.step(
                    from,
                    to,
                    &self.x,
                    |x, level| {
                        let output = model.predict_level(x, level, big_t, batch)?;
                        if output.iter().any(|v| !v.is_finite()) {
                            return Err(InferenceError::NonFinite {
                                t: frame_step(level, big_t),
                            });
                        }
                        Ok(output)
                    },
                    &mut self.out,
                )?;
                (frame_step(from, big_t), frame_step(to, big_t))
            }
        };
        let flow = emit_frame(
            on_frame,
            self.index,
            self.total,
            (t, prev),
            &mut self.x,
            &mut self.out,
        );
        self.index += 1;
        self.t_reached = prev;
        Ok(flow)
    }

    /// Where the run ended (`stopped`: it ended before t = 0).
    pub fn into_result(self, stopped: bool) -> ReverseResult {
        ReverseResult {
            x: self.x,
            t_reached: self.t_reached,
            steps_done: self.index,
            stopped,
        }
    }
}

/// The factor on unit noise of the starting x_T of a run from T with `options`: 1 except
/// for Euler and Heun, whose diffusers start is `init_noise_sigma`·ε in the σ frame
/// (see [`crate::diffusion::samplers::SamplingSchedule::initial_noise_scale`]).
pub fn initial_noise_scale(
    schedule: &Schedule,
    options: &ReverseOptions,
) -> Result<f64, InferenceError> {
    match options.sampler {
        Sampler::Ode { solver, sigmas } => Ok(sampling_schedule(
            schedule,
            solver,
            options.steps.unwrap_or(schedule.num_steps()),
            options.spacing,
            sigmas,
        )?
        .initial_noise_scale()),
        _ => Ok(1.0),
    }
}

/// Pure noise x_T ~ N(0, I) for `n` items, from `seed`.
pub fn initial_noise(n: usize, item_len: usize, seed: u64) -> Vec<f32> {
    let mut x = vec![0.0_f32; n * item_len];
    fill_normal(&mut rng_for(seed, 0x0001_5EED), &mut x);
    x
}

/// Noises clean items to timestep `t` with the closed form q(x_t | x_0), using fresh ε
/// from `seed`. Returns (x_t, ε).
pub fn noise_to(
    schedule: &Schedule,
    t: usize,
    x0: &[f32],
    seed: u64,
) -> Result<(Vec<f32>, Vec<f32>), InferenceError> {
    let mut eps = vec![0.0_f32; x0.len()];
    fill_normal(&mut rng_for(seed, 0x0002_5EED), &mut eps);
    let mut x_t = vec![0.0_f32; x0.len()];
    add_noise(schedule, t, x0, &eps, &mut x_t)?;
    Ok((x_t, eps))
}

/// Samples `n` items from noise at T down to 0.
pub fn sample(
    model: &dyn Denoise,
    schedule: &Schedule,
    n: usize,
    options: &ReverseOptions,
    cancel: Option<&AtomicBool>,
    on_frame: impl FnMut(&Frame) -> Flow,
) -> Result<ReverseResult, InferenceError> {
    let scale = initial_noise_scale(schedule, options)? as f32;
    let mut x_t = initial_noise(n, model.item_len(), options.seed);
    if scale != 1.0 {
        for v in &mut x_t {
            *v *= scale;
        }
    }
    run_reverse(
        model,
        schedule,
        x_t,
        schedule.num_steps(),
        options,
        cancel,
        on_frame,
    )
}
