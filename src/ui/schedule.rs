//! The Schedule panel: tune β schedules by eye. (Skeleton: the full panel is built on it.)

use crate::app::LabContext;
use crate::diffusion::ScheduleSpec;
use crate::egui;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The panel's state. Inputs persist; derived data is recomputed when inputs change.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SchedulePanel {
    pub spec: ScheduleSpec,
    #[serde(skip)]
    pub last_error: Option<String>,
}

impl SchedulePanel {
    /// Publishes the active schedule to the other panels.
    pub fn publish(&mut self, lab: &mut LabContext) {
        match self.spec.build() {
            Ok(s) => lab.set_schedule(Arc::new(s)),
            Err(e) => self.last_error = Some(e.to_string()),
        }
    }

    /// Imports a diffusers config by path (the file dialog and a drop both end here). On
    /// error the current schedules stay and the message is shown in the panel.
    pub fn import_config_path(&mut self, path: &std::path::Path, lab: &mut LabContext) {
        let result = crate::fsutil::read_text_limited(path, "config", 16 * 1024 * 1024)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                crate::diffusion::diffusers::from_config_str(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))
            });
        match result {
            Ok(imported) => {
                self.spec = imported.spec;
                self.last_error = None;
                self.publish(lab);
            }
            Err(e) => self.last_error = Some(e),
        }
    }

    pub fn schedule_ui(&mut self, ui: &mut egui::Ui, lab: &mut LabContext) {
        ui.label(format!("T = {}", lab.schedule.num_steps()));
        if let Some(e) = &self.last_error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }
}
