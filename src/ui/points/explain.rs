//! The r² section of the Points panel: the network in use against the ideal and the
//! Gaussian denoiser of the cloud on screen (its training data, as far as the panel knows).

use super::*;
use crate::ui::explain_view::{ExplainInput, ExplainKey};

/// Held-out points the r² is taken over (a toy set draws them afresh).
pub const EXPLAIN_HELD_OUT: usize = 500;

impl PointsPanel {
    /// The key of what the section would measure now: the model and the cloud.
    pub fn explain_key(&self, lab: &LabContext) -> Option<ExplainKey> {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let (id, _) = self.active_model(lab)?;
        let (cloud_key, _) = self.cloud.as_ref()?;
        let mut h = DefaultHasher::new();
        state::model_id_hash(&id).hash(&mut h);
        cloud_key.hash(&mut h);
        Some(h.finish())
    }

    /// What to measure: the cloud as the training set, and a held-out draw of the same toy
    /// set (drawn points are their own held-out batch: there is nothing else to draw).
    pub fn explain_input(&self, lab: &LabContext) -> Option<ExplainInput> {
        let key = self.explain_key(lab)?;
        let (_, model) = self.active_model(lab)?;
        let train = self.cloud()?;
        let held_out = match self.set {
            PointSet::Toy(kind) => Dataset::open(&DataSpec::new(kind))
                .ok()
                .map(|(d, _)| d.generate(self.data_seed.wrapping_add(1), EXPLAIN_HELD_OUT))?,
            PointSet::Drawn => train.iter().copied().take(2 * EXPLAIN_HELD_OUT).collect(),
        };
        Some(ExplainInput {
            key,
            schedule: model.schedule.clone(),
            model,
            train,
            held_out,
            domain: crate::model::data::DataDomain::Points2d,
            seed: self.noise_seed,
        })
    }

    /// Starts the measurement (what the section's button does).
    pub fn start_explain(&mut self, lab: &LabContext, repaint: Repaint) -> bool {
        let input = self.explain_input(lab);
        self.explain.start_if(input, repaint)
    }

    pub(super) fn explain_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let current = self.explain_key(lab);
        // The input is built only when Measure is pressed (it draws a held-out set).
        let mut view = std::mem::take(&mut self.explain);
        view.ui(ui, lab.lang(), current, false, || self.explain_input(lab));
        self.explain = view;
    }
}
