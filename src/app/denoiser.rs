//! The app's side of the trained denoiser, shared by the Image and Points panels: where a
//! model comes from, the forward process of a whole item (closed form with a fixed ε, or
//! the iterated chain, cached for every t), one-step predictions at any t, and reverse
//! runs on a background job whose every step is kept, so scrubbing through them
//! afterwards costs a lookup.
//!
//! No drawing here, and no diffusion formula either: noising, steps and conversions come
//! from [`crate::diffusion`]; the network runs through [`crate::model`].

use super::jobs::{JobContext, JobHandle, Repaint, Step};
use super::keyed_job::ProgressThrottle;
use crate::diffusion::forward::{add_noise, forward_step_in_place};
use crate::diffusion::reverse::{StepOptions, StepOutput, ddpm_step};
use crate::diffusion::{Schedule, VarianceType};
use crate::model::analytic::AnalyticDenoiser;
use crate::model::checkpoint::Checkpoint;
use crate::model::data::{fill_normal, rng_for};
use crate::model::inference::{
    Denoise, Flow, Frame, InferenceError, ReverseOptions, ReverseRun, initial_noise,
};
use crate::model::{BackendKind, shipped};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// Where a panel's model comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelSource {
    /// Embedded in the binary (`assets/models/<name>`).
    Shipped(String),
    /// A model folder on disk (`config.json` + `model.bpk`), e.g. from `ddpm-lab train`.
    Folder(PathBuf),
}

impl ModelSource {
    /// A short name for the UI.
    pub fn label(&self) -> String {
        match self {
            ModelSource::Shipped(name) => name.clone(),
            ModelSource::Folder(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
        }
    }

    /// Loads the model onto `backend`'s device (call it on a job: it reads and builds).
    pub fn load(&self, backend: BackendKind) -> anyhow::Result<Checkpoint> {
        let device = backend.device()?;
        Ok(match self {
            ModelSource::Shipped(name) => shipped::find(name)
                .ok_or_else(|| anyhow::anyhow!("this build ships no model called `{name}`"))?
                .load(&device)?,
            ModelSource::Folder(dir) => Checkpoint::load(dir, &device)?,
        })
    }
}

/// A fixed ε for an item of `len` numbers, re-rolled by changing `seed`.
pub fn fixed_noise(len: usize, seed: u64) -> Vec<f32> {
    initial_noise(1, len, seed)
}

/// x_t by the closed form, √ᾱ_t·x0 + √(1−ᾱ_t)·ε (core `add_noise`).
pub fn closed_form(
    schedule: &Schedule,
    t: usize,
    x0: &[f32],
    eps: &[f32],
) -> Result<Vec<f32>, InferenceError> {
    let mut out = vec![0.0_f32; x0.len()];
    add_noise(schedule, t.min(schedule.num_steps()), x0, eps, &mut out)?;
    Ok(out)
}

/// Every state of the iterated chain x_t = √(1−β_t)·x_{t−1} + √β_t·ε_t, t = 0..=T, with a
/// fresh ε_t per step drawn from `seed`.
///
/// # Shapes
/// `states[t]` has the length of x0.
#[derive(Clone, Debug, PartialEq)]
pub struct ForwardChain {
    pub states: Vec<Vec<f32>>,
}

impl ForwardChain {
    /// Runs the chain; `on_step(t)` may stop it (then the result is an error).
    pub fn compute(
        schedule: &Schedule,
        x0: &[f32],
        seed: u64,
        mut keep_going: impl FnMut(usize) -> bool,
    ) -> anyhow::Result<Self> {
        let big_t = schedule.num_steps();
        let mut rng = rng_for(seed, 0xC4A1_u64);
        let mut states = Vec::with_capacity(big_t + 1);
        let mut x = x0.to_vec();
        let mut eps = vec![0.0_f32; x0.len()];
        states.push(x.clone());
        for t in 1..=big_t {
            if !keep_going(t) {
                return Err(super::jobs::Cancelled.into());
            }
            fill_normal(&mut rng, &mut eps);
            forward_step_in_place(schedule, t, &mut x, &eps)?;
            states.push(x.clone());
        }
        Ok(Self { states })
    }

    pub fn at(&self, t: usize) -> Option<&[f32]> {
        self.states.get(t).map(Vec::as_slice)
    }
}

/// What the network says at one x_t: ε̂, x̂0 and the DDPM posterior mean μ̃(x_t, x̂0) of
/// the step t → t−1.
///
/// # Shapes
/// Every buffer has the length of x_t.
#[derive(Clone, Debug, PartialEq)]
pub struct StepPrediction {
    pub t: usize,
    pub pred_eps: Vec<f32>,
    pub pred_x0: Vec<f32>,
    pub mean: Vec<f32>,
}

/// One network evaluation at `x_t` (a batch of `x_t.len() / item_len` items) turned into
/// ε̂, x̂0 and μ̃ by the core's DDPM step (with zero noise, so nothing random is drawn).
pub fn predict_step(
    model: &dyn Denoise,
    schedule: &Schedule,
    x_t: &[f32],
    t: usize,
    clip_x0: bool,
) -> Result<StepPrediction, InferenceError> {
    let item_len = model.item_len().max(1);
    let max = schedule.num_steps();
    if t == 0 || t > max {
        return Err(InferenceError::BadStart { t, max });
    }
    let batch = x_t.len() / item_len;
    let output = model.predict(x_t, t, batch)?;
    let zeros = vec![0.0_f32; x_t.len()];
    let mut out = StepOutput::default();
    ddpm_step(
        schedule,
        t,
        t - 1,
        x_t,
        &output,
        &zeros,
        VarianceType::FixedSmall,
        StepOptions {
            prediction: model.prediction(),
            clip_x0,
        },
        &mut out,
    )?;
    Ok(StepPrediction {
        t,
        pred_eps: out.pred_eps,
        pred_x0: out.pred_x0,
        mean: out.mean,
    })
}

/// One reverse step, owned: what a reverse job sends to the UI.
#[derive(Clone, Debug, PartialEq)]
pub struct StepFrame {
    pub t: usize,
    pub prev: usize,
    pub x_t: Vec<f32>,
    pub pred_eps: Vec<f32>,
    pub pred_x0: Vec<f32>,
    pub mean: Vec<f32>,
    pub x_prev: Vec<f32>,
}

impl From<&Frame<'_>> for StepFrame {
    fn from(f: &Frame<'_>) -> Self {
        Self {
            t: f.t,
            prev: f.prev,
            x_t: f.x_t.to_vec(),
            pred_eps: f.pred_eps.to_vec(),
            pred_x0: f.pred_x0.to_vec(),
            mean: f.mean.to_vec(),
            x_prev: f.x_prev.to_vec(),
        }
    }
}

/// What a panel runs: a trained network, or an exact (analytic) denoiser of its data on a
/// schedule. Both go through [`Denoise`], so every sampler and view takes either.
#[derive(Clone, Debug)]
pub enum RunModel {
    Network(Arc<Checkpoint>),
    Analytic(Arc<AnalyticDenoiser>),
}

impl RunModel {
    /// The schedule the model runs on (a network's own; an analytic denoiser's chosen one).
    pub fn schedule(&self) -> &Schedule {
        match self {
            RunModel::Network(m) => &m.schedule,
            RunModel::Analytic(a) => &a.schedule,
        }
    }

    /// The model at its own item size.
    pub fn denoiser(&self) -> &dyn Denoise {
        match self {
            RunModel::Network(m) => m.as_ref(),
            RunModel::Analytic(a) => a.as_ref(),
        }
    }

    /// The trained network, if this is one.
    pub fn network(&self) -> Option<&Arc<Checkpoint>> {
        match self {
            RunModel::Network(m) => Some(m),
            RunModel::Analytic(_) => None,
        }
    }
}

impl From<Arc<Checkpoint>> for RunModel {
    fn from(m: Arc<Checkpoint>) -> Self {
        RunModel::Network(m)
    }
}

impl From<Arc<AnalyticDenoiser>> for RunModel {
    fn from(a: Arc<AnalyticDenoiser>) -> Self {
        RunModel::Analytic(a)
    }
}

/// A reverse run to start: the model, its schedule, where to start and how to step.
pub struct ReverseRequest {
    pub model: RunModel,
    pub x_start: Vec<f32>,
    pub start_t: usize,
    pub options: ReverseOptions,
    /// Keep ε̂, x̂0 and μ̃ of every step (the Image panel shows them); without them a
    /// frame holds only x_t and x_prev (a cloud of 2 000 points over 1 000 steps then
    /// needs 32 MB instead of 80).
    pub keep_predictions: bool,
    /// Run an image model on `size` × `size` pictures instead of its own size (checked by
    /// `Checkpoint::at_size`); `None`: the model's own items.
    pub size: Option<usize>,
}

impl ReverseRequest {
    /// How many steps the run will take (0 when its start is invalid): the same count its
    /// progress reports.
    pub fn planned_steps(&self) -> usize {
        crate::model::inference::reverse_plan(self.model.schedule(), self.start_t, &self.options)
            .map_or(0, |p| p.len())
    }
}

/// How a reverse job ended (its frames came as events).
#[derive(Clone, Debug, PartialEq)]
pub struct ReverseSummary {
    pub steps: usize,
    pub t_reached: usize,
    pub seconds: f64,
}

/// A running reverse job: frames arrive as events, oldest first.
pub type ReverseJob = JobHandle<StepFrame, ReverseSummary>;

/// The most a reverse job's frames may take together. A DDPM-1000 run on a 256 × 256
/// colour picture with its predictions kept would hold 3.9 GB of frames (1 000 × 5 ×
/// 196 608 floats); past this budget the job sends every k-th step only (and always the
/// last), so the run stays scrubbable, in coarser steps, within the app's 2 GB.
pub const FRAMES_BUDGET_BYTES: usize = 640 * 1024 * 1024;

/// Every how many steps a run of `steps` steps with items of `floats` numbers sends a
/// frame (1: every step), so that its frames fit [`FRAMES_BUDGET_BYTES`].
pub fn frame_stride(steps: usize, floats: usize, keep_predictions: bool) -> usize {
    frame_stride_within(steps, floats, keep_predictions, FRAMES_BUDGET_BYTES)
}

fn frame_stride_within(
    steps: usize,
    floats: usize,
    keep_predictions: bool,
    budget: usize,
) -> usize {
    let vectors = if keep_predictions { 5 } else { 2 };
    let frame_bytes = floats
        .saturating_mul(vectors * std::mem::size_of::<f32>())
        .max(1);
    let total = frame_bytes.saturating_mul(steps);
    total.div_ceil(budget.max(1)).max(1)
}

/// Starts a reverse run on a background job: every step is sent back as a [`StepFrame`]
/// and progress is reported at most every 100 ms. Cancelling stops it after the current
/// step; the frames already sent stay valid. The run goes step by step
/// ([`jobs::spawn_steps`](super::jobs::spawn_steps)), so in a web page it shares the
/// page's thread without freezing it.
pub fn spawn_reverse(request: ReverseRequest, repaint: Repaint) -> ReverseJob {
    spawn_reverse_within(request, repaint, FRAMES_BUDGET_BYTES)
}

/// [`spawn_reverse`] with its frames kept within `budget` bytes.
fn spawn_reverse_within(request: ReverseRequest, repaint: Repaint, budget: usize) -> ReverseJob {
    /// The run between steps.
    struct Running {
        model: RunModel,
        /// A network run at another size than its own (checked at the start).
        size: Option<usize>,
        run: ReverseRun,
        keep: bool,
        /// A frame is sent every `stride` steps (see [`frame_stride`]).
        stride: usize,
        throttle: ProgressThrottle,
        started: web_time::Instant,
    }
    super::jobs::spawn_steps(
        "reverse-run",
        repaint,
        move |_ctx: &JobContext<StepFrame>| {
            let started = web_time::Instant::now();
            let model = request.model;
            // Only a network runs at another size; an analytic denoiser's items are its
            // data's (a wrong length is the run's error).
            let size = match (&model, request.size) {
                (RunModel::Network(m), Some(n)) => {
                    m.at_size(n)?;
                    Some(n)
                }
                _ => None,
            };
            let floats = request.x_start.len();
            let run = with_denoiser(&model, size, |denoiser| {
                ReverseRun::new(
                    denoiser,
                    model.schedule(),
                    request.x_start,
                    request.start_t,
                    &request.options,
                )
            })??;
            let stride =
                frame_stride_within(run.total_steps(), floats, request.keep_predictions, budget);
            Ok(Running {
                model,
                size,
                run,
                keep: request.keep_predictions,
                stride,
                throttle: ProgressThrottle::default(),
                started,
            })
        },
        |state: &mut Running, ctx: &JobContext<StepFrame>| {
            if ctx.is_cancelled() {
                return Err(super::jobs::Cancelled.into());
            }
            if !state.run.is_done() {
                let Running {
                    model,
                    size,
                    run,
                    keep,
                    stride,
                    throttle,
                    ..
                } = state;
                with_denoiser(model, *size, |denoiser| {
                    run.step(denoiser, model.schedule(), &mut |frame| {
                        let last = frame.index + 1 == frame.total;
                        if frame.index % *stride != 0 && !last {
                            if throttle.due() {
                                ctx.set_progress(
                                    frame.index as u64 + 1,
                                    frame.total as u64,
                                    format!("t = {}", frame.prev),
                                );
                            }
                            return Flow::Continue;
                        }
                        let mut owned = StepFrame::from(frame);
                        if !*keep {
                            owned.pred_eps = Vec::new();
                            owned.pred_x0 = Vec::new();
                            owned.mean = Vec::new();
                        }
                        ctx.emit(owned);
                        if throttle.due() || frame.index + 1 == frame.total {
                            ctx.set_progress(
                                frame.index as u64 + 1,
                                frame.total as u64,
                                format!("t = {}", frame.prev),
                            );
                        }
                        Flow::Continue
                    })
                })??;
            }
            Ok(if state.run.is_done() {
                Step::Done(ReverseSummary {
                    steps: state.run.steps_done(),
                    t_reached: state.run.t_reached(),
                    seconds: state.started.elapsed().as_secs_f64(),
                })
            } else {
                Step::More
            })
        },
    )
}

/// Calls `f` with the denoiser a run steps with: the model itself, or a network at
/// another size.
fn with_denoiser<R>(
    model: &RunModel,
    size: Option<usize>,
    f: impl FnOnce(&dyn Denoise) -> R,
) -> anyhow::Result<R> {
    Ok(match (model, size) {
        (RunModel::Network(m), Some(n)) => f(&m.at_size(n)?),
        _ => f(model.denoiser()),
    })
}

/// The steps of one reverse run as they arrive: scrubbing is a lookup.
///
/// Position k = 0 is the start x_{t_start}; position k (1..=steps) is the sample after k
/// steps. Frame k holds the network's view at position k (x_t, ε̂, x̂0, μ̃).
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub start_t: usize,
    pub frames: Vec<StepFrame>,
    /// Set when the run reached t = 0.
    pub finished: bool,
}

/// What a trajectory shows at one position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrajectoryView<'a> {
    /// The timestep of `x`.
    pub t: usize,
    pub x: &'a [f32],
    /// The network's prediction at this position (at the last position, the one made at
    /// the step before it, whose t is `predicted_at`).
    pub pred_eps: &'a [f32],
    pub pred_x0: &'a [f32],
    pub mean: &'a [f32],
    pub predicted_at: usize,
}

impl Trajectory {
    pub fn new(start_t: usize) -> Self {
        Self {
            start_t,
            frames: Vec::new(),
            finished: false,
        }
    }

    /// Number of positions (steps done + 1); 0 before the first frame arrives.
    pub fn positions(&self) -> usize {
        if self.frames.is_empty() {
            0
        } else {
            self.frames.len() + 1
        }
    }

    /// The view at position `k` (clamped to what exists).
    pub fn view(&self, k: usize) -> Option<TrajectoryView<'_>> {
        let last = self.frames.len().checked_sub(1)?;
        if k <= last {
            let f = self.frames.get(k)?;
            Some(TrajectoryView {
                t: f.t,
                x: &f.x_t,
                pred_eps: &f.pred_eps,
                pred_x0: &f.pred_x0,
                mean: &f.mean,
                predicted_at: f.t,
            })
        } else {
            let f = self.frames.get(last)?;
            Some(TrajectoryView {
                t: f.prev,
                x: &f.x_prev,
                pred_eps: &f.pred_eps,
                pred_x0: &f.pred_x0,
                mean: &f.mean,
                predicted_at: f.t,
            })
        }
    }

    /// The timestep at position `k`.
    pub fn t_at(&self, k: usize) -> Option<usize> {
        self.view(k).map(|v| v.t)
    }

    /// The position whose timestep is closest to `t` (for jumping from the forward view).
    pub fn position_of(&self, t: usize) -> usize {
        (0..self.positions())
            .min_by_key(|&k| self.t_at(k).map_or(usize::MAX, |tk| tk.abs_diff(t)))
            .unwrap_or(0)
    }

    /// The final sample once the run reached 0.
    pub fn result(&self) -> Option<&[f32]> {
        if self.finished {
            self.frames.last().map(|f| f.x_prev.as_slice())
        } else {
            None
        }
    }

    /// Positions to show in a strip of `n` frames: evenly spread, first and last included.
    pub fn strip_positions(&self, n: usize) -> Vec<usize> {
        let p = self.positions();
        if p == 0 || n == 0 {
            return Vec::new();
        }
        if n == 1 || p == 1 {
            return vec![p - 1];
        }
        let mut ks: Vec<usize> = (0..n)
            .map(|i| ((i as f64) * (p - 1) as f64 / (n - 1) as f64).round() as usize)
            .collect();
        ks.dedup();
        ks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::ScheduleSpec;
    use crate::model::inference::{OracleDenoiser, Sampler, run_reverse};

    #[test]
    fn chain_matches_the_closed_form_in_distribution() {
        let schedule = ScheduleSpec::linear(200, 1e-4, 0.05).build().unwrap();
        let x0 = vec![0.7_f32; 20_000];
        let chain = ForwardChain::compute(&schedule, &x0, 3, |_| true).unwrap();
        assert_eq!(chain.states.len(), 201);
        for t in [1, 50, 200] {
            let xs = chain.at(t).unwrap();
            let n = xs.len() as f64;
            let mean = xs.iter().map(|&v| v as f64).sum::<f64>() / n;
            let var = xs.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
            let want_mean = schedule.sqrt_alpha_bar(t) * 0.7;
            let want_var = schedule.one_minus_alpha_bar(t);
            assert!((mean - want_mean).abs() < 4.0 * (want_var / n).sqrt() + 1e-6);
            assert!((var - want_var).abs() < 4.0 * want_var * (2.0 / n).sqrt());
        }
        let stopped = ForwardChain::compute(&schedule, &x0, 3, |t| t < 10);
        assert!(stopped.is_err());
    }

    #[test]
    fn oracle_reverse_run_lands_on_x0_and_every_step_is_kept() {
        let schedule = ScheduleSpec::linear(100, 1e-4, 0.2).build().unwrap();
        let x0: Vec<f32> = (0..64).map(|i| (i as f32 / 32.0) - 1.0).collect();
        let eps = fixed_noise(x0.len(), 5);
        let x_t = closed_form(&schedule, 60, &x0, &eps).unwrap();
        let oracle = OracleDenoiser {
            x0: x0.clone(),
            item_len: 64,
            schedule: schedule.clone(),
        };
        // One-step predictions recover x0 exactly from the oracle.
        let p = predict_step(&oracle, &schedule, &x_t, 60, true).unwrap();
        for (a, b) in p.pred_x0.iter().zip(&x0) {
            assert!((a - b).abs() < 1e-4);
        }
        let mut traj = Trajectory::new(60);
        let options = ReverseOptions {
            sampler: Sampler::Ddim { eta: 0.0 },
            steps: Some(10),
            ..ReverseOptions::default()
        };
        let result = run_reverse(&oracle, &schedule, x_t, 60, &options, None, |f| {
            traj.frames.push(StepFrame::from(f));
            Flow::Continue
        })
        .unwrap();
        traj.finished = result.t_reached == 0;
        assert!(traj.finished);
        assert_eq!(traj.t_at(0), Some(60));
        assert_eq!(traj.t_at(traj.positions() - 1), Some(0));
        for (a, b) in traj.result().unwrap().iter().zip(&x0) {
            assert!((a - b).abs() < 1e-3);
        }
        // Timesteps go down along the positions.
        let ts: Vec<usize> = (0..traj.positions()).filter_map(|k| traj.t_at(k)).collect();
        assert!(ts.windows(2).all(|w| w[0] > w[1]), "{ts:?}");
        assert_eq!(traj.position_of(0), traj.positions() - 1);
        let strip = traj.strip_positions(5);
        assert_eq!(strip.first(), Some(&0));
        assert_eq!(strip.last(), Some(&(traj.positions() - 1)));
    }

    /// The shipped moons MLP on flex.
    fn moons() -> Arc<Checkpoint> {
        Arc::new(
            shipped::find("moons")
                .unwrap()
                .load(&burn::prelude::Device::flex())
                .unwrap(),
        )
    }

    /// Every frame of the plain loop from t = 1000, and where it ended.
    fn plain_run(
        model: &RunModel,
        x_start: &[f32],
        options: &ReverseOptions,
    ) -> (Vec<StepFrame>, crate::model::inference::ReverseResult) {
        let mut frames = Vec::new();
        let result = run_reverse(
            model.denoiser(),
            model.schedule(),
            x_start.to_vec(),
            1000,
            options,
            None,
            |f| {
                frames.push(StepFrame::from(f));
                Flow::Continue
            },
        )
        .unwrap();
        (frames, result)
    }

    /// The job takes a run one step at a time (so a web page can draw between steps); its
    /// frames are the plain loop's, bit for bit, for a stochastic sampler and for a
    /// multistep ODE solver that remembers earlier steps.
    #[test]
    fn the_stepped_job_gives_the_frames_of_the_plain_run() {
        use crate::diffusion::samplers::OdeSampler;
        let model = moons();
        let x_start = initial_noise(40, 2, 3);
        // The ideal denoiser of a small cloud: a softmax over its points, the model that
        // magnifies any difference most.
        let cloud = initial_noise(64, 2, 11);
        let ideal = Arc::new(crate::model::analytic::AnalyticDenoiser::new(
            crate::model::analytic::AnalyticKind::fit(
                crate::model::analytic::AnalyticFit::Ideal,
                &cloud,
                crate::model::data::DataDomain::Points2d,
            )
            .unwrap(),
            model.schedule.clone(),
        ));
        let models = [RunModel::Network(model.clone()), RunModel::Analytic(ideal)];
        for (run_model, sampler) in models.iter().flat_map(|m| {
            [
                Sampler::Ddpm {
                    variance: VarianceType::FixedSmall,
                },
                Sampler::ode(OdeSampler::DpmSolverPlusPlus2M),
            ]
            .map(|s| (m.clone(), s))
        }) {
            let options = ReverseOptions {
                sampler,
                steps: Some(20),
                seed: 9,
                ..ReverseOptions::default()
            };
            let (plain, result) = plain_run(&run_model, &x_start, &options);
            let request = ReverseRequest {
                model: run_model.clone(),
                x_start: x_start.clone(),
                start_t: 1000,
                options,
                keep_predictions: true,
                size: None,
            };
            let (frames, outcome) =
                spawn_reverse(request, super::super::jobs::no_repaint()).wait_with_events();
            let super::super::jobs::JobOutcome::Finished(summary) = outcome else {
                panic!("{outcome:?}");
            };
            assert_eq!(summary.steps, result.steps_done, "{sampler:?}");
            assert_eq!(summary.t_reached, 0);
            assert_eq!(frames, plain, "{sampler:?}");
            assert!(!frames.is_empty());
        }
    }

    /// Past the frames' budget a job sends every k-th step and the last: the same frames
    /// as the plain run at those steps, the run still ends at t = 0, and a 256² colour
    /// DDPM-1000 run with its predictions stays within the budget.
    #[test]
    fn a_run_past_the_frames_budget_sends_every_kth_step_and_the_last() {
        let model = moons();
        let x_start = initial_noise(50, 2, 4);
        let options = ReverseOptions {
            steps: Some(100),
            seed: 2,
            ..ReverseOptions::default()
        };
        let (plain, _) = plain_run(&RunModel::Network(model.clone()), &x_start, &options);
        // 100 frames of 50 points, x_t and x_prev: 80 000 bytes; a 30 000-byte budget
        // keeps every third.
        let budget = 30_000;
        let stride = frame_stride_within(100, x_start.len(), false, budget);
        assert_eq!(stride, 3);
        let request = ReverseRequest {
            model: RunModel::Network(model.clone()),
            x_start,
            start_t: 1000,
            options,
            keep_predictions: false,
            size: None,
        };
        let (frames, outcome) =
            spawn_reverse_within(request, super::super::jobs::no_repaint(), budget)
                .wait_with_events();
        let super::super::jobs::JobOutcome::Finished(summary) = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(summary.steps, 100);
        assert_eq!(summary.t_reached, 0);
        let expected: Vec<&StepFrame> = plain
            .iter()
            .enumerate()
            .filter(|(i, _)| i % stride == 0 || i + 1 == plain.len())
            .map(|(_, f)| f)
            .collect();
        assert_eq!(frames.len(), expected.len());
        for (got, want) in frames.iter().zip(expected) {
            assert_eq!(got.t, want.t);
            assert_eq!(got.x_t, want.x_t);
            assert_eq!(got.x_prev, want.x_prev);
        }
        assert_eq!(frames.last().map(|f| f.prev), Some(0));
        let bytes = |stride: usize| 1000_usize.div_ceil(stride) * 5 * 3 * 256 * 256 * 4;
        let big = frame_stride(1000, 3 * 256 * 256, true);
        assert!(big > 1 && bytes(big) <= FRAMES_BUDGET_BYTES + 5 * 3 * 256 * 256 * 4);
        assert_eq!(frame_stride(50, 3 * 128 * 128, true), 1);
    }
}
