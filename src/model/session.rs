//! An in-memory training session for the app: the network and its optimizer live between
//! runs, so training can stop, show its samples and continue without touching the disk.
//! Saving writes an ordinary model folder (`config.json` + `model.bpk`) that the CLI and
//! [`Checkpoint::load`] read.
//!
//! The step is the same as `ddpm-lab train`'s ([`DiffusionBatcher`] and [`diffusion_loss`]
//! from [`super::training`]); only where clean items come from differs: a callback, so
//! points a user drew with the mouse train as well as a generated set. Each step draws from
//! a generator seeded by (seed, step), so a stopped and continued session sees exactly the
//! batches an uninterrupted one would.

use super::checkpoint::{self, Checkpoint, CheckpointConfig, CheckpointError};
use super::data::{DataRng, rng_for};
use super::training::{DiffusionBatcher, TrainError, diffusion_loss};
use super::{Denoiser, ModelConfigError};
use crate::diffusion::Schedule;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// A network being trained, with its optimizer state.
pub struct TrainSession {
    config: CheckpointConfig,
    schedule: Schedule,
    /// The plain device inference runs on; training uses its autodiff twin.
    device: Device,
    /// On the autodiff device. `None` only while a step has moved it out.
    model: Option<Denoiser>,
    optim: ModuleOptimizer,
    step: usize,
}

impl std::fmt::Debug for TrainSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainSession")
            .field("config", &self.config)
            .field("step", &self.step)
            .finish()
    }
}

impl TrainSession {
    /// A fresh network drawn from `config.training.seed`, on `device`.
    pub fn new(config: CheckpointConfig, device: &Device) -> Result<Self, TrainError> {
        config.training.validate()?;
        let schedule = config.validate()?;
        let ad = device.clone().autodiff();
        let model = config
            .model
            .init_seeded(&ad, config.training.seed)
            .map_err(|e: ModelConfigError| TrainError::Checkpoint(e.into()))?;
        let mut adamw = AdamWConfig::new().with_weight_decay(0.0);
        if config.training.grad_clip > 0.0 {
            adamw = adamw.with_grad_clipping(Some(GradientClippingConfig::Norm(
                config.training.grad_clip as f32,
            )));
        }
        Ok(Self {
            config,
            schedule,
            device: device.clone(),
            model: Some(model),
            optim: adamw.init(),
            step: 0,
        })
    }

    /// Optimizer steps done so far.
    pub fn step(&self) -> usize {
        self.step
    }

    pub fn config(&self) -> &CheckpointConfig {
        &self.config
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The learning rate at a (0-based) step: linear warm-up to the peak, then constant
    /// (a session has no fixed end, so there is nothing to decay towards).
    pub fn learning_rate_at(&self, step: usize) -> f64 {
        let tc = &self.config.training;
        let warm = tc.warmup_steps.max(1);
        tc.learning_rate * ((step + 1) as f64 / warm as f64).min(1.0)
    }

    /// Runs up to `steps` more optimizer steps. `draw(rng, n)` returns `n` clean items
    /// (`n × item_len` floats). `on_step(step, loss)` sees every step; `cancel` stops after
    /// the current one. Returns the steps done in this call.
    pub fn run(
        &mut self,
        steps: usize,
        mut draw: impl FnMut(&mut DataRng, usize) -> Vec<f32>,
        cancel: &AtomicBool,
        mut on_step: impl FnMut(usize, f32),
    ) -> Result<usize, TrainError> {
        let item_len = self.config.domain().item_len();
        let batch_size = self.config.training.batch_size;
        let batcher = DiffusionBatcher {
            schedule: &self.schedule,
            objective: self.config.objective,
            weighting: self.config.loss_weighting,
            device: self.device.clone().autodiff(),
        };
        let mut done = 0;
        while done < steps && !cancel.load(Ordering::Relaxed) {
            let Some(model) = self.model.take() else {
                return Err(TrainError::Invalid("the session lost its model".into()));
            };
            let mut rng = rng_for(self.config.training.seed, self.step as u64 + 1);
            let x0 = draw(&mut rng, batch_size);
            if x0.len() != batch_size * item_len {
                self.model = Some(model);
                return Err(TrainError::Invalid(format!(
                    "the data source gave {} numbers for {batch_size} items of {item_len}",
                    x0.len()
                )));
            }
            let batch = batcher.batch(&x0, item_len, &mut rng);
            let pred = model.forward_flat(batch.x_t, batch.t);
            let (loss, _) = diffusion_loss(pred, batch.target, batch.weight);
            let loss_value = match loss.clone().try_into_scalar::<f32>() {
                Ok(v) => v,
                Err(e) => {
                    self.model = Some(model);
                    return Err(TrainError::Readback(format!("{e:?}")));
                }
            };
            if !loss_value.is_finite() {
                // Keep the last good weights.
                self.model = Some(model);
                return Err(TrainError::Diverged {
                    step: self.step + 1,
                    loss: loss_value,
                });
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let lr = self.learning_rate_at(self.step);
            self.model = Some(self.optim.step(lr, model, grads));
            self.step += 1;
            done += 1;
            on_step(self.step, loss_value);
        }
        Ok(done)
    }

    /// The current network as an inference checkpoint (plain device, no autodiff).
    pub fn snapshot(&self) -> Result<Checkpoint, TrainError> {
        let model = self
            .model
            .as_ref()
            .ok_or_else(|| TrainError::Invalid("the session lost its model".into()))?
            .valid();
        let mut config = self.config.clone();
        config.training.steps = self.step.max(1);
        Ok(Checkpoint {
            dir: Default::default(),
            config,
            schedule: self.schedule.clone(),
            model,
            device: self.device.clone(),
        })
    }

    /// Writes `dir/config.json` and `dir/model.bpk` (the folder is created). The config
    /// records the steps done, so `ddpm-lab train --resume` would continue from here.
    pub fn save(&self, dir: &Path) -> Result<(), CheckpointError> {
        let snapshot = self
            .snapshot()
            .map_err(|e| CheckpointError::Invalid(e.to_string()))?;
        crate::fsutil::create_dir_all(dir)?;
        // Weights first: a folder with a config.json always has the weights it describes.
        checkpoint::save_weights(dir, &snapshot.model)?;
        checkpoint::write_config(dir, &snapshot.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diffusion::{PredictionType, ScheduleSpec};
    use crate::model::data::{DataSpec, Dataset, DatasetKind};
    use crate::model::{BackendKind, LossWeighting, MlpDenoiserConfig, ModelConfig};
    use crate::model::{TrainingConfig, inference::Denoise};

    fn tiny() -> CheckpointConfig {
        CheckpointConfig::new(
            ModelConfig::Mlp(
                MlpDenoiserConfig::new()
                    .with_hidden(32)
                    .with_hidden_layers(2)
                    .with_embed_dim(8),
            ),
            ScheduleSpec::linear(100, 1e-4, 0.2),
            PredictionType::Epsilon,
            LossWeighting::Uniform,
            DataSpec::new(DatasetKind::Moons),
            TrainingConfig::new()
                .with_batch_size(64)
                .with_learning_rate(3e-3)
                .with_warmup_steps(5)
                .with_seed(4),
        )
    }

    #[test]
    fn stop_and_continue_equals_one_run_and_saves_a_loadable_folder() {
        let device = BackendKind::Flex.device().unwrap();
        let (data, _) = Dataset::open(&DataSpec::new(DatasetKind::Moons)).unwrap();
        let never = AtomicBool::new(false);
        let mut losses_a = Vec::new();
        let mut a = TrainSession::new(tiny(), &device).unwrap();
        a.run(
            12,
            |rng, n| data.sample(rng, n),
            &never,
            |_, l| losses_a.push(l),
        )
        .unwrap();
        let mut losses_b = Vec::new();
        let mut b = TrainSession::new(tiny(), &device).unwrap();
        b.run(
            5,
            |rng, n| data.sample(rng, n),
            &never,
            |_, l| losses_b.push(l),
        )
        .unwrap();
        b.run(
            7,
            |rng, n| data.sample(rng, n),
            &never,
            |_, l| losses_b.push(l),
        )
        .unwrap();
        assert_eq!(a.step(), 12);
        assert_eq!(losses_a, losses_b);
        // A cancelled run does nothing.
        let stop = AtomicBool::new(true);
        assert_eq!(
            b.run(5, |rng, n| data.sample(rng, n), &stop, |_, _| {})
                .unwrap(),
            0
        );
        let dir = tempfile::tempdir().unwrap();
        a.save(dir.path()).unwrap();
        let loaded = Checkpoint::load(dir.path(), &device).unwrap();
        let snap = a.snapshot().unwrap();
        let x = data.generate(9, 4);
        assert_eq!(
            loaded.predict(&x, 50, 4).unwrap(),
            snap.predict(&x, 50, 4).unwrap()
        );
        assert_eq!(loaded.config.training.steps, 12);
    }
}
