//! The Forward-step panel: one step of q(x_t|x_{t−1}), the worked example, and the
//! closed form against the chain. (Skeleton.)

use crate::app::LabContext;
use crate::egui;
use serde::{Deserialize, Serialize};

#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ForwardStepPanel {}

impl ForwardStepPanel {
    pub fn forward_step_ui(&mut self, ui: &mut egui::Ui, _lab: &mut LabContext) {
        ui.label("forward step");
    }
}
