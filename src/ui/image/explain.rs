//! The r² section of the Image panel: the image model in use against the ideal and the
//! (per-pixel) Gaussian denoiser of its own training data, regenerated from the data spec
//! in its `config.json` (the glyphs, the dead leaves, or the user's image folder).

use super::*;
use crate::model::data::Dataset;
use crate::ui::explain_view::{ExplainInput, ExplainKey};

/// Floats of training data the ideal denoiser keeps (1 000 glyphs at 32²; a few hundred
/// colour crops): its cost per item is one pass over all of them.
const TRAIN_FLOATS: usize = 1_200_000;
/// Most training items, and the held-out items the r² is taken over.
const MAX_TRAIN_ITEMS: usize = 1000;
const HELD_OUT_ITEMS: usize = 96;

impl ImagePanel {
    /// The key of what the section would measure now: the model (its training data is
    /// part of it).
    pub fn explain_key(&self, lab: &LabContext) -> Option<ExplainKey> {
        let model = self.loaded_model(lab)?;
        let key = self.model_key(lab)?;
        // Only a model whose training data can be drawn again, at its own item size.
        let data = &model.config.data;
        if data.domain().item_len() != model.domain().item_len() {
            return None;
        }
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        format!("{data:?}").hash(&mut h);
        Some(h.finish())
    }

    /// The model's training data (the set's fixed items, or a fresh draw of a generated
    /// set) and a held-out draw of the same set, both at the model's own size.
    pub fn explain_input(&self, lab: &LabContext) -> Option<ExplainInput> {
        let key = self.explain_key(lab)?;
        let model = self.loaded_model(lab)?;
        let (data, _) = Dataset::open(&model.config.data).ok()?;
        let item_len = data.item_len().max(1);
        let n_train = (TRAIN_FLOATS / item_len).clamp(16, MAX_TRAIN_ITEMS);
        let (train, held_out) = match data.fixed_items() {
            // A folder of pictures: the first items are the training set as far as the
            // panel knows; the held-out batch comes from the rest when there is a rest.
            Some(items) => {
                let count = items.len() / item_len;
                let train_n = count.min(n_train);
                let train = items[..train_n * item_len].to_vec();
                let rest = &items[train_n * item_len..];
                let held = if rest.len() >= item_len {
                    rest[..rest.len().min(HELD_OUT_ITEMS * item_len)].to_vec()
                } else {
                    items[..train_n.min(HELD_OUT_ITEMS) * item_len].to_vec()
                };
                (train, held)
            }
            None => (
                data.generate(self.noise_seed, n_train),
                data.generate(self.noise_seed.wrapping_add(1), HELD_OUT_ITEMS),
            ),
        };
        Some(ExplainInput {
            key,
            schedule: model.schedule.clone(),
            domain: model.domain(),
            model,
            train: Arc::new(train),
            held_out,
            seed: self.noise_seed,
        })
    }

    /// Starts the measurement (what the section's button does).
    pub fn start_explain(&mut self, lab: &LabContext, repaint: Repaint) -> bool {
        let input = self.explain_input(lab);
        self.explain.start_if(input, repaint)
    }

    pub fn explain_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let current = self.explain_key(lab);
        let mut view = std::mem::take(&mut self.explain);
        view.ui(ui, lab.lang(), current, true, || self.explain_input(lab));
        self.explain = view;
    }
}
