//! What the panel shows each frame: x_t of the forward view (closed form or chain) or of
//! the reverse run, and the network's ε̂, x̂0 and μ̃ beside it (forward: one prediction job
//! at a time, always for the newest t).

use super::*;

impl ImagePanel {
    pub(super) fn forward_key(&self, lab: &LabContext) -> ForwardKey {
        ForwardKey {
            item: self.clean.as_ref().map(|c| c.key).unwrap_or_default(),
            schedule: self.schedule_key(lab),
            seed: self.noise_seed,
            kind: self.forward_kind,
        }
    }

    /// x_t of the forward view at t (the chain's when it is ready, else the closed form).
    pub(super) fn forward_state(&mut self, lab: &LabContext, t: usize) -> Option<Arc<Vec<f32>>> {
        let key = self.forward_key(lab);
        if let Some((k, x)) = &self.forward_xt
            && *k == (key.clone(), t)
        {
            return Some(x.clone());
        }
        let clean = self.clean.as_ref()?;
        let x = if self.forward_kind == ForwardKind::Chain && self.chain_job.is_current(&key) {
            self.chain_job
                .latest()
                .and_then(|c| c.at(t))
                .map(|s| Arc::new(s.to_vec()))
        } else {
            None
        };
        let x = match x {
            Some(x) => x,
            None => {
                let eps = self.eps.as_ref()?.1.clone();
                Arc::new(closed_form(&self.schedule(lab), t, &clean.x0, &eps).ok()?)
            }
        };
        // Only cache a chain state once the chain is in (else the closed form would stick).
        if self.forward_kind == ForwardKind::ClosedForm || self.chain_job.is_current(&key) {
            self.forward_xt = Some(((key, t), x.clone()));
        }
        Some(x)
    }

    pub(super) fn refresh_shown(&mut self, lab: &LabContext, repaint: Repaint) {
        let shown = match self.mode {
            ViewMode::Reverse => self.run.as_ref().and_then(|run| {
                let k = self
                    .reverse_scrubber
                    .t
                    .min(run.traj.positions().saturating_sub(1));
                let v = run.traj.view(k)?;
                Some(ShownFrame {
                    t: v.t,
                    x_t: Arc::new(v.x.to_vec()),
                    prediction: Some(Arc::new(StepPrediction {
                        t: v.predicted_at,
                        pred_eps: v.pred_eps.to_vec(),
                        pred_x0: v.pred_x0.to_vec(),
                        mean: v.mean.to_vec(),
                    })),
                    prediction_stale: false,
                })
            }),
            ViewMode::Forward => {
                let t = self.scrubber.t;
                self.forward_state(lab, t).map(|x_t| {
                    let (prediction, stale) = self.forward_prediction(lab, t, &x_t, repaint);
                    ShownFrame {
                        t,
                        x_t,
                        prediction,
                        prediction_stale: stale,
                    }
                })
            }
        };
        if let Some(s) = &shown {
            self.refresh_histogram(lab, s.t, &s.x_t);
        }
        self.shown = shown;
    }

    /// The network's view of the forward x_t: requested on a job (one at a time, always
    /// the newest t), the latest result shown meanwhile.
    fn forward_prediction(
        &mut self,
        lab: &LabContext,
        t: usize,
        x_t: &Arc<Vec<f32>>,
        repaint: Repaint,
    ) -> (Option<Arc<StepPrediction>>, bool) {
        let (Some(model), Some(model_key)) = (self.run_model(lab), self.model_key(lab)) else {
            return (None, false);
        };
        if t == 0 {
            return (None, false);
        }
        if self.size_error(lab).is_some() {
            return (None, false);
        }
        let size = self.item_shape(lab).1;
        let key = (model_key, self.denoiser, self.forward_key(lab), t);
        self.pred_job.poll();
        if !self.pred_job.is_running() {
            let x = x_t.clone();
            self.pred_job
                .request(&key, repaint, move |_ctx| match &model {
                    crate::app::denoiser::RunModel::Network(m) => {
                        let sized = m.at_size(size)?;
                        Ok(predict_step(&sized, &m.schedule, &x, t, true)?)
                    }
                    crate::app::denoiser::RunModel::Analytic(a) => {
                        Ok(predict_step(a.as_ref(), &a.schedule, &x, t, true)?)
                    }
                });
        }
        let latest = self.pred_job.latest().cloned();
        let stale = !self.pred_job.is_current(&key);
        // A prediction for another picture or model would mislead: show it only for the
        // same forward inputs at another t.
        let same_inputs = self
            .pred_job
            .latest_key()
            .is_some_and(|(m, d, f, _)| (m, d, f) == (&key.0, &key.1, &key.2));
        if same_inputs {
            (latest, stale)
        } else {
            (None, true)
        }
    }
}
