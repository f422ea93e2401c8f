//! The Posterior panel: the exact reverse posterior for 1-D mixture data. (Skeleton.)

use crate::app::LabContext;
use crate::egui;
use serde::{Deserialize, Serialize};

#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PosteriorPanel {}

impl PosteriorPanel {
    pub fn posterior_ui(&mut self, ui: &mut egui::Ui, _lab: &mut LabContext) {
        ui.label("posterior");
    }
}
