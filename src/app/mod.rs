//! Application state that is not drawing: settings, the schedule the panels share, and
//! background jobs. `ui` reads and edits it; it knows nothing of egui.

pub mod denoiser;
pub mod dialogs;
pub mod image_input;
pub mod jobs;
pub mod keyed_job;
pub mod picture;
pub mod sample_image;
pub mod threads;

use crate::diffusion::{Schedule, ScheduleSpec};
use crate::model::BackendKind;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The interface language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The language's own name, as a language picker shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ko => "한국어",
        }
    }
}

/// Light, dark, or whatever the system uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

/// Settings that persist between runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub lang: Lang,
    pub theme: ThemeChoice,
    /// The burn backend the denoiser panels run their models on (`flex` by default).
    pub backend: BackendKind,
}

/// What every panel can see: settings and the active schedule (the Schedule panel's first
/// shown schedule). `schedule_revision` changes whenever the schedule does, so panels key
/// their caches on it instead of comparing tables.
#[derive(Clone, Debug)]
pub struct LabContext {
    pub settings: Settings,
    pub schedule: Arc<Schedule>,
    pub schedule_revision: u64,
    /// Set when Hangul cannot be drawn (no CJK font found): Korean falls back to English.
    pub korean_unavailable: bool,
}

impl Default for LabContext {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            schedule: Arc::new(default_schedule()),
            schedule_revision: 0,
            korean_unavailable: false,
        }
    }
}

impl LabContext {
    /// The language to draw in: Korean only when a Hangul font is available.
    pub fn lang(&self) -> Lang {
        if self.korean_unavailable {
            Lang::En
        } else {
            self.settings.lang
        }
    }

    /// Publishes a new active schedule (bumps the revision when it differs).
    pub fn set_schedule(&mut self, schedule: Arc<Schedule>) {
        if schedule.spec() != self.schedule.spec() {
            self.schedule = schedule;
            self.schedule_revision += 1;
        }
    }
}

/// The DDPM paper's schedule, which always builds.
pub fn default_schedule() -> Schedule {
    match ScheduleSpec::default().build() {
        Ok(s) => s,
        // The default spec is a constant that builds; a failure here is a bug in the core.
        Err(e) => unreachable!("the default schedule must build: {e}"),
    }
}
