//! The app shell: navigation, persistence, reset, dropped files.

mod common;

use common::{app_harness, screenshot};
use ddpm_lab::ui::{PanelId, PersistedState};
use egui_kittest::kittest::Queryable;

#[test]
fn navigates_between_panels() {
    let mut h = app_harness(PersistedState::default());
    h.run();
    h.get_by_label("Forward step").click();
    h.run();
    assert_eq!(h.state().state.panel, PanelId::ForwardStep);
    h.get_by_label("Posterior").click();
    h.run();
    assert_eq!(h.state().state.panel, PanelId::Posterior);
}

#[test]
fn state_round_trips_through_serde() {
    let mut state = PersistedState {
        panel: PanelId::Posterior,
        ..Default::default()
    };
    state.settings.lang = ddpm_lab::app::Lang::Ko;
    let text = serde_json::to_string(&state).unwrap();
    let back: PersistedState = serde_json::from_str(&text).unwrap();
    assert_eq!(back.panel, PanelId::Posterior);
    assert_eq!(back.settings.lang, ddpm_lab::app::Lang::Ko);
    // Older or partial state files load with defaults for what is missing.
    let partial: PersistedState = serde_json::from_str(r#"{"panel":"ForwardStep"}"#).unwrap();
    assert_eq!(partial.panel, PanelId::ForwardStep);
}

#[test]
fn unknown_dropped_file_gives_a_notice_and_changes_nothing() {
    let mut h = app_harness(PersistedState::default());
    h.run();
    let before = h.state().lab.schedule.spec().clone();
    h.state_mut()
        .open_path(std::path::Path::new("/tmp/notes.txt"));
    h.run();
    assert!(
        h.state()
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("notes.txt")
    );
    assert_eq!(h.state().lab.schedule.spec(), &before);
}

#[test]
fn shell_snapshot() {
    let mut h = app_harness(PersistedState::default());
    h.run();
    screenshot(&mut h, "shell");
}
