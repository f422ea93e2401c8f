//! The exact denoisers of an image model's training data in place of the network: the
//! ideal (empirical) one, which can only give training pictures back, and the per-pixel
//! Gaussian one. Fitted on a job from the same data the r² section uses, at the model's
//! own item size; every finished run then says which training picture its result is
//! nearest to, and how far.

use super::*;
use crate::app::denoiser::RunModel;
use crate::diffusion::analytic::{IdealDenoiser, Nearest};
use crate::model::analytic::{AnalyticDenoiser, AnalyticFit, AnalyticKind, to_f64};

/// An exact denoiser with the training pictures it was fitted on.
pub struct ExactModel {
    pub denoiser: Arc<AnalyticDenoiser>,
    pub train: Arc<Vec<f32>>,
}

/// (r² key of the model and its data, fit).
pub(super) type ExactKey = (u64, AnalyticFit);

/// The nearest training picture of a finished run's result.
#[derive(Clone, Debug, PartialEq)]
pub struct NearestTraining {
    /// The run it is about (the panel's count of runs started), and the training item.
    pub run: u64,
    pub nearest: Nearest,
    /// The distance as a root-mean-square per value (comparable across sizes).
    pub rms: f64,
    pub item: Vec<f32>,
}

impl ImagePanel {
    pub(super) fn exact_key(&self, lab: &LabContext) -> Option<ExactKey> {
        Some((self.explain_key(lab)?, self.denoiser?))
    }

    /// Why the chosen exact denoiser cannot run here, if it cannot: it knows only the
    /// model's own item size.
    pub fn exact_size_error(&self, lab: &LabContext) -> Option<(usize, usize)> {
        self.denoiser?;
        let own = self.model_shape(lab);
        (self.item_shape(lab) != own).then_some(own)
    }

    /// What runs and predictions use: the exact denoiser when one is chosen and ready,
    /// else the network.
    pub fn run_model(&self, lab: &LabContext) -> Option<RunModel> {
        match self.denoiser {
            None => self.loaded_model(lab).map(RunModel::Network),
            Some(_) => {
                if self.exact_size_error(lab).is_some() {
                    return None;
                }
                let key = self.exact_key(lab)?;
                if !self.exact_job.is_current(&key) {
                    return None;
                }
                self.exact_job
                    .latest()
                    .map(|m| RunModel::Analytic(m.denoiser.clone()))
            }
        }
    }

    /// Fits the chosen exact denoiser (once per model and fit) on a job.
    pub(super) fn request_exact(&mut self, lab: &LabContext, repaint: Repaint) {
        let Some(key) = self.exact_key(lab) else {
            return;
        };
        self.exact_job.poll();
        if self.exact_job.is_current(&key) || self.exact_job.is_running() {
            return;
        }
        let Some(input) = self.explain_input(lab) else {
            return;
        };
        let fit = key.1;
        self.exact_job.request(&key, repaint, move |_ctx| {
            let kind = AnalyticKind::fit(fit, &input.train, input.domain)?;
            Ok(ExactModel {
                denoiser: Arc::new(AnalyticDenoiser::new(kind, input.schedule)),
                train: input.train,
            })
        });
    }

    /// The nearest training picture of the finished run's result, when the exact
    /// denoiser's training pictures are at hand (computed once per run).
    pub(super) fn update_nearest(&mut self, lab: &LabContext) {
        let Some(run) = &self.run else {
            return;
        };
        if !run.traj.finished {
            return;
        }
        let id = self.run_generation;
        if self.nearest.as_ref().is_some_and(|n| n.run == id) {
            return;
        }
        let Some(key) = self.exact_key(lab) else {
            return;
        };
        if !self.exact_job.is_current(&key) {
            return;
        }
        let Some(model) = self.exact_job.latest() else {
            return;
        };
        let Some(result) = run.traj.result() else {
            return;
        };
        let dim = result.len();
        if dim == 0 || model.train.len() % dim != 0 {
            return;
        }
        let Ok(index) = IdealDenoiser::new(to_f64(&model.train), dim) else {
            return;
        };
        let nearest = index.nearest(&to_f64(result));
        let item = model.train[nearest.index * dim..(nearest.index + 1) * dim].to_vec();
        self.nearest = Some(NearestTraining {
            run: id,
            nearest,
            rms: nearest.distance / (dim as f64).sqrt(),
            item,
        });
    }

    /// The nearest training picture of the run on screen, if known.
    pub fn nearest_training(&self) -> Option<&NearestTraining> {
        self.run.as_ref()?;
        self.nearest
            .as_ref()
            .filter(|n| n.run == self.run_generation)
    }
}
