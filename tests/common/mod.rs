//! Helpers shared by the UI tests.
#![allow(dead_code)]

use ddpm_lab::egui;
use ddpm_lab::ui::{DdpmLabApp, PersistedState};
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};

/// The window size every app-level test and screenshot uses.
pub const WINDOW: egui::Vec2 = egui::vec2(1280.0, 820.0);

/// The whole app with the given state and the app's fonts.
pub fn app_harness(state: PersistedState) -> Harness<'static, DdpmLabApp> {
    Harness::builder()
        .with_size(WINDOW)
        .build_eframe(move |cc| DdpmLabApp::new_with_state(cc, state))
}

/// True when some widget's label contains `text`.
pub fn shows<S>(harness: &Harness<'_, S>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

/// Compares the rendered frame with `screenshots/NAME.png` (the README shows these).
/// `UPDATE_SNAPSHOTS=1` rewrites them; look at them before committing.
pub fn screenshot<S>(harness: &mut Harness<'_, S>, name: &str) {
    let options = SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/screenshots"))
        .threshold(2.0)
        .max_failed_pixels(400);
    harness.snapshot_options(name, &options);
}
