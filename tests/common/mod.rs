//! Helpers shared by the UI tests.
#![allow(dead_code)]

use ddpm_lab::egui::{self, Pos2, accesskit::Role, epaint::Shape};
use ddpm_lab::ui::{DdpmLabApp, PersistedState};
use egui_kittest::kittest::{NodeT, Queryable};
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
    screenshot_allowing(harness, name, 400);
}

/// [`screenshot`] allowing `max_failed_pixels` pixels to differ, for a picture whose
/// content depends on the CPU's last bits (say why where it is used).
pub fn screenshot_allowing<S>(harness: &mut Harness<'_, S>, name: &str, max_failed_pixels: usize) {
    let options = SnapshotOptions::new()
        .output_path(concat!(env!("CARGO_MANIFEST_DIR"), "/screenshots"))
        .threshold(2.0)
        .max_failed_pixels(max_failed_pixels);
    harness.snapshot_options(name, &options);
}

/// Every coordinate a shape is drawn at: a NaN or ∞ anywhere in a plotted series ends up
/// here after the plot's transform.
pub fn assert_finite_shape(shape: &Shape, what: &str) {
    let ok = |p: &Pos2| p.x.is_finite() && p.y.is_finite();
    match shape {
        Shape::Vec(shapes) => shapes.iter().for_each(|s| assert_finite_shape(s, what)),
        Shape::Path(path) => assert!(
            path.points.iter().all(ok),
            "{what}: path {:?} ({:?})",
            path.points,
            path.stroke
        ),
        Shape::LineSegment { points, .. } => {
            assert!(points.iter().all(ok), "{what}: segment {points:?}")
        }
        Shape::Circle(c) => assert!(
            ok(&c.center) && c.radius.is_finite(),
            "{what}: circle {c:?}"
        ),
        Shape::Mesh(m) => assert!(m.vertices.iter().all(|v| ok(&v.pos)), "{what}: mesh"),
        Shape::Text(t) => assert!(ok(&t.pos), "{what}: text at {:?}", t.pos),
        Shape::Rect(r) => assert!(
            ok(&r.rect.min) && ok(&r.rect.max),
            "{what}: rect {:?}",
            r.rect
        ),
        other => {
            let r = other.visual_bounding_rect();
            assert!(
                r == egui::Rect::NOTHING || (ok(&r.min) && ok(&r.max)),
                "{what}: {other:?}"
            );
        }
    }
}

/// Words a non-finite number prints as. What a message quotes back in “…” (the text the
/// user typed: "T must be a whole number (got “NaN”)") is the user's, not a result.
pub fn shows_non_finite(text: &str) -> bool {
    let mut own = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '“' => quoted = true,
            '”' => quoted = false,
            _ if !quoted => own.push(c),
            _ => {}
        }
    }
    own.split(|c: char| !(c.is_alphanumeric()))
        .any(|w| matches!(w, "NaN" | "nan" | "inf" | "Inf" | "infinity" | "null"))
}

/// True for a text field and everything accesskit hangs under it (its text runs).
fn in_text_field<'t, N: NodeT<'t>>(node: &N) -> bool {
    let mut at = Some(node.clone());
    while let Some(n) = at {
        if matches!(
            n.accesskit_node().role(),
            Role::TextInput | Role::MultilineTextInput
        ) {
            return true;
        }
        at = n.parent();
    }
    false
}

/// What every frame of the app must hold, whatever was done to it: every shape drawn (every
/// plotted series) has finite coordinates, no widget the app writes reads NaN or inf, and
/// the state serialises and restores to the same JSON. `what` goes into the failure.
pub fn check_frame(h: &Harness<'_, DdpmLabApp>, what: &str) {
    let panel = h.state().state.panel;
    for clipped in &h.output().shapes {
        let what = format!("{what} [{panel:?} panel, clip {:?}]", clipped.clip_rect);
        assert_finite_shape(&clipped.shape, &what);
    }
    for n in h.root().children_recursive() {
        let a = n.accesskit_node();
        // A text field holds what was typed ("NaN" included), and so do the text runs
        // accesskit hangs under it: only what the app itself writes is checked.
        if in_text_field(&n) {
            continue;
        }
        for text in [a.label(), a.value()].into_iter().flatten() {
            assert!(
                !shows_non_finite(&text),
                "{what} [{panel:?} panel]: a widget ({:?}) reads {text:?}",
                a.role()
            );
        }
    }
    let json = serde_json::to_string(&h.state().state).expect("state serialises");
    let restored: PersistedState = serde_json::from_str(&json).expect("state restores");
    let again = serde_json::to_string(&restored).expect("restored state serialises");
    assert_eq!(json, again, "{what}: state does not round-trip");
}
