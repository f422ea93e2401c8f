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

#[test]
fn top_bar_labels_stand_before_their_pickers() {
    use ddpm_lab::egui::accesskit::Role;
    let mut h = app_harness(PersistedState::default());
    h.run();
    for name in ["Language", "Theme"] {
        let label = h
            .get_by(|n| n.role() == Role::Label && n.value().as_deref() == Some(name))
            .rect();
        let picker = h.get_by_role_and_label(Role::ComboBox, name).rect();
        // Just left of its own picker, on the same row.
        assert!(
            label.max.x <= picker.min.x,
            "{name}: {label:?} vs {picker:?}"
        );
        assert!(
            picker.min.x - label.max.x < 20.0,
            "{name}: the label is far from its picker ({label:?} vs {picker:?})"
        );
        assert!((label.center().y - picker.center().y).abs() < 4.0);
    }
    // The language picker is not next to the theme's label: Theme's label comes after it.
    let language = h.get_by_role_and_label(Role::ComboBox, "Language").rect();
    let theme_label = h
        .get_by(|n| n.role() == Role::Label && n.value().as_deref() == Some("Theme"))
        .rect();
    assert!(language.max.x < theme_label.min.x);
}
