//! Every number field in every panel, typed into with the values that break parsers and
//! arithmetic: ±1e308, the largest finite f64, subnormals, "NaN", "inf", empty, spaces,
//! letters, huge integers. After each: no panic, every plotted series finite, no widget
//! reads NaN or inf, the state round-trips, every number in the state is finite and each
//! panel's numbers stay in their ranges.
//!
//! The fields are found in the accesskit tree by role (number boxes and text fields), so a
//! field added later is covered without naming it here; each panel must show a few.

mod common;

use common::{app_harness, check_frame};
use ddpm_lab::egui::{self, Pos2, accesskit::Role};
use ddpm_lab::ui::lesson::LessonStep;
use ddpm_lab::ui::widgets::Scrubber;
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::NodeT;

/// What is typed into every field.
const EXTREMES: &[&str] = &[
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "-2.2250738585072014e-308",
    "NaN",
    "inf",
    "-infinity",
    "",
    "   ",
    "abc",
    "1e",
    "18446744073709551616",
    "-0",
];

/// A field seen in the tree: its role, label and where it is.
#[derive(Clone, Debug)]
struct Field {
    role: Role,
    label: String,
    rect: egui::Rect,
}

fn fields(h: &Harness<'_, DdpmLabApp>) -> Vec<Field> {
    let mut found: Vec<Field> = h
        .root()
        .children_recursive()
        .filter_map(|n| {
            let a = n.accesskit_node();
            let role = a.role();
            if !matches!(role, Role::SpinButton | Role::TextInput) {
                return None;
            }
            let b = a.bounding_box()?;
            let rect = egui::Rect::from_min_max(
                Pos2::new(b.x0 as f32, b.y0 as f32),
                Pos2::new(b.x1 as f32, b.y1 as f32),
            );
            rect.is_positive().then(|| Field {
                role,
                label: a.label().unwrap_or_default(),
                rect,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        (a.rect.min.y, a.rect.min.x)
            .partial_cmp(&(b.rect.min.y, b.rect.min.x))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    found
}

fn press(h: &Harness<'_, DdpmLabApp>, pos: Pos2, pressed: bool) {
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    });
}

/// Clicks into the field (a number box turns into a text edit), selects all, types and
/// commits with Enter.
fn type_into(h: &mut Harness<'_, DdpmLabApp>, rect: egui::Rect, text: &str) {
    let p = rect.center();
    h.event(egui::Event::PointerMoved(p));
    press(h, p, true);
    press(h, p, false);
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.event(egui::Event::Text(text.to_string()));
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    // Escape leaves a field that kept focus (a text field after a bad value).
    h.key_press(egui::Key::Escape);
    h.run_steps(1);
}

/// Every float anywhere in the persisted state (CBOR keeps NaN and ∞, which JSON turns
/// into `null`).
fn state_floats(state: &PersistedState) -> Vec<f64> {
    fn walk(v: &ciborium::Value, out: &mut Vec<f64>) {
        match v {
            ciborium::Value::Float(f) => out.push(*f),
            ciborium::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            ciborium::Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                walk(k, out);
                walk(v, out);
            }),
            ciborium::Value::Tag(_, inner) => walk(inner, out),
            _ => {}
        }
    }
    let value = ciborium::Value::serialized(state).expect("state serialises to CBOR");
    let mut out = Vec::new();
    walk(&value, &mut out);
    out
}

fn assert_scrubber(s: &Scrubber, min: usize, max: usize, what: &str) {
    assert!(
        (min..=max.max(min)).contains(&s.t),
        "{what}: t = {} outside {min}..={max}",
        s.t
    );
    assert!(
        s.speed.is_finite() && (1.0..=2000.0).contains(&s.speed),
        "{what}: speed {}",
        s.speed
    );
}

/// Each panel's numbers in their ranges, and no non-finite number anywhere.
fn assert_state_in_range(h: &Harness<'_, DdpmLabApp>, what: &str) {
    let app = h.state();
    let s = &app.state;
    for f in state_floats(s) {
        assert!(f.is_finite(), "{what}: the state holds {f}");
    }
    let big_t = app.lab.schedule.num_steps();
    let sched = &s.schedule;
    assert!(
        (2..=10_000).contains(&sched.inputs.num_steps),
        "{what}: T = {}",
        sched.inputs.num_steps
    );
    for b in [sched.inputs.beta_start, sched.inputs.beta_end] {
        assert!(b > 0.0 && b < 1.0, "{what}: β = {b}");
    }
    assert_scrubber(&sched.cursor, 1, 10_000, &format!("{what} (schedule t)"));
    let fwd = &s.forward_step;
    assert_scrubber(&fwd.scrubber, 1, big_t, &format!("{what} (forward t)"));
    for b in [fwd.beta, fwd.beta_next] {
        assert!(b > 0.0 && b < 1.0, "{what}: forward β = {b}");
    }
    let post = &s.posterior;
    assert_scrubber(&post.scrubber, 1, big_t, &format!("{what} (posterior t)"));
    // The editor holds what was typed (within its fields' ranges; a bad mixture gets a
    // message); the mixture in use is always a valid one.
    for c in &post.good_components {
        assert!(c.std > 0.0, "{what}: a component's σ = {}", c.std);
        assert!(
            c.weight > 0.0,
            "{what}: a component's weight = {}",
            c.weight
        );
    }
    for c in &post.components {
        assert!(
            c.std >= 0.0 && c.weight >= 0.0,
            "{what}: typed component {c:?}"
        );
    }
    let img = &s.image;
    assert_scrubber(&img.scrubber, 0, big_t, &format!("{what} (image t)"));
    let pts = &s.points;
    assert_scrubber(&pts.scrubber, 0, big_t, &format!("{what} (points t)"));
    assert!(pts.brush > 0.0, "{what}: brush {}", pts.brush);
    let tr = &pts.training;
    assert!(tr.steps >= 1 && tr.batch >= 1, "{what}: training {tr:?}");
    assert!(
        tr.learning_rate > 0.0 && tr.learning_rate < 1.0,
        "{what}: learning rate {}",
        tr.learning_rate
    );
    assert!(tr.hidden >= 1 && tr.layers >= 1, "{what}: training {tr:?}");
    assert_scrubber(&s.lesson.image_t, 0, big_t, &format!("{what} (lesson t)"));
}

/// Types every extreme into every field of `panel`; returns the labels of the fields.
fn sweep(panel: PanelId, state: PersistedState) -> Vec<String> {
    let mut h = app_harness(PersistedState { panel, ..state });
    h.run_steps(3);
    let first = fields(&h);
    let mut labels = Vec::new();
    for (i, field) in first.iter().enumerate() {
        labels.push(format!("{:?} {:?}", field.role, field.label));
        for text in EXTREMES {
            // Fields move as others change (a message appears): find this one again by its
            // role and label (the i-th of those), else where it was.
            let now = fields(&h);
            let same: Vec<&Field> = now
                .iter()
                .filter(|f| f.role == field.role && f.label == field.label)
                .collect();
            let nth = first[..i]
                .iter()
                .filter(|f| f.role == field.role && f.label == field.label)
                .count();
            let rect = same.get(nth).map_or(field.rect, |f| f.rect);
            type_into(&mut h, rect, text);
            let what = format!(
                "{panel:?}: {text:?} typed into {:?} {:?}",
                field.role, field.label
            );
            check_frame(&h, &what);
            assert_state_in_range(&h, &what);
        }
    }
    eprintln!("{panel:?}: {} fields: {labels:?}", labels.len());
    labels
}

fn assert_covers(panel: PanelId, labels: &[String], at_least: usize, must: &[&str]) {
    assert!(
        labels.len() >= at_least,
        "{panel:?}: only {} fields found: {labels:?}",
        labels.len()
    );
    for m in must {
        assert!(
            labels.iter().any(|l| l.contains(m)),
            "{panel:?}: no field {m:?} among {labels:?}"
        );
    }
}

#[test]
fn schedule_fields_hold_extremes() {
    let labels = sweep(PanelId::Schedule, PersistedState::default());
    assert_covers(
        PanelId::Schedule,
        &labels,
        4,
        &["\"t\"", "\"T\"", "β_start"],
    );
}

/// The typing really reaches the fields: ±1e308 in the t box lands on its ends, "NaN"
/// and "inf" are refused, an extreme T is refused and the last good T stays.
#[test]
fn typed_extremes_land_on_the_ends_of_the_range() {
    let mut h = app_harness(PersistedState::default());
    h.run_steps(3);
    let find = |h: &Harness<'_, DdpmLabApp>, role: Role, label: &str| {
        fields(h)
            .into_iter()
            .find(|f| f.role == role && f.label == label)
            .map(|f| f.rect)
            .unwrap_or_else(|| panic!("no {role:?} {label:?}"))
    };
    let t_box = find(&h, Role::SpinButton, "t");
    type_into(&mut h, t_box, "1e308");
    assert_eq!(h.state().state.schedule.cursor.t, 1000);
    let t_box = find(&h, Role::SpinButton, "t");
    type_into(&mut h, t_box, "-1e308");
    assert_eq!(h.state().state.schedule.cursor.t, 1);
    let t_box = find(&h, Role::SpinButton, "t");
    type_into(&mut h, t_box, "NaN");
    // Not a number: refused (egui alone would read NaN as "above everything": t = T).
    assert_eq!(h.state().state.schedule.cursor.t, 1);
    let t_box = find(&h, Role::SpinButton, "t");
    type_into(&mut h, t_box, "inf");
    assert_eq!(h.state().state.schedule.cursor.t, 1);
    let steps_box = find(&h, Role::TextInput, "T");
    type_into(&mut h, steps_box, "1e308");
    assert_eq!(h.state().state.schedule.inputs.num_steps, 1000);
    check_frame(&h, "T = 1e308");
}

#[test]
fn forward_step_fields_hold_extremes() {
    let labels = sweep(PanelId::ForwardStep, PersistedState::default());
    assert_covers(PanelId::ForwardStep, &labels, 4, &[]);
}

#[test]
fn posterior_fields_hold_extremes() {
    let labels = sweep(PanelId::Posterior, PersistedState::default());
    assert_covers(PanelId::Posterior, &labels, 6, &[]);
}

#[test]
fn image_fields_hold_extremes() {
    let labels = sweep(PanelId::Image, PersistedState::default());
    assert_covers(PanelId::Image, &labels, 2, &[]);
}

#[test]
fn points_fields_hold_extremes() {
    let labels = sweep(PanelId::Points, PersistedState::default());
    assert_covers(PanelId::Points, &labels, 4, &[]);
}

#[test]
fn lesson_fields_hold_extremes() {
    let mut all = Vec::new();
    for step in LessonStep::ALL {
        let mut state = PersistedState::default();
        state.lesson.step = step;
        all.extend(sweep(PanelId::Lesson, state));
    }
    assert_covers(PanelId::Lesson, &all, 3, &[]);
}

#[test]
fn schedule_fields_hold_extremes_in_korean() {
    let mut state = PersistedState::default();
    state.settings.lang = ddpm_lab::app::Lang::Ko;
    let labels = sweep(PanelId::Schedule, state);
    assert_covers(PanelId::Schedule, &labels, 4, &["\"t\""]);
}

#[test]
fn a_typed_beta_that_is_not_finite_is_named_back_not_printed() {
    use ddpm_lab::app::Lang;
    use ddpm_lab::ui::schedule::{InputProblem, parse_beta};
    for text in ["inf", "-inf", "NaN", "infinity"] {
        let e = parse_beta("β_start", text).unwrap_err();
        assert_eq!(
            e,
            InputProblem::BetaNotNumber {
                name: "β_start",
                text: text.to_string()
            }
        );
        assert_eq!(
            e.text(Lang::En),
            format!("β_start must be a number (got “{text}”).")
        );
    }
    // A huge finite value is out of range, written short (not 309 digits).
    let e = parse_beta("β_end", "1e308").unwrap_err();
    assert_eq!(
        e.text(Lang::En),
        "β_end = 1e308 is out of range: β must be above 0 and below 1."
    );
    assert_eq!(parse_beta("β_end", "5e-324").unwrap(), 5e-324);
}

/// "Reset to defaults" (button, then the confirmation) wipes egui's memory of every plot:
/// the frames right after it, and scrolling over them, stay finite in every panel.
#[test]
fn reset_to_defaults_leaves_every_panel_finite() {
    for panel in PanelId::ALL {
        let mut h = app_harness(PersistedState {
            panel,
            ..PersistedState::default()
        });
        h.run_steps(3);
        for round in 0..2 {
            let buttons: Vec<egui::Rect> = h
                .root()
                .children_recursive()
                .filter(|n| n.accesskit_node().label().as_deref() == Some("Reset to defaults"))
                .filter_map(|n| n.accesskit_node().bounding_box())
                .map(|b| {
                    egui::Rect::from_min_max(
                        Pos2::new(b.x0 as f32, b.y0 as f32),
                        Pos2::new(b.x1 as f32, b.y1 as f32),
                    )
                })
                .collect();
            let r = buttons[0];
            h.event(egui::Event::PointerMoved(r.center()));
            press(&h, r.center(), true);
            press(&h, r.center(), false);
            h.step();
            check_frame(&h, &format!("{panel:?} {round} after click 1"));
            let buttons: Vec<egui::Rect> = h
                .root()
                .children_recursive()
                .filter(|n| n.accesskit_node().label().as_deref() == Some("Reset to defaults"))
                .filter_map(|n| n.accesskit_node().bounding_box())
                .map(|b| {
                    egui::Rect::from_min_max(
                        Pos2::new(b.x0 as f32, b.y0 as f32),
                        Pos2::new(b.x1 as f32, b.y1 as f32),
                    )
                })
                .collect();
            let r = *buttons.last().unwrap();
            h.event(egui::Event::PointerMoved(r.center()));
            press(&h, r.center(), true);
            press(&h, r.center(), false);
            for k in 0..4 {
                h.step();
                check_frame(&h, &format!("{panel:?} {round} after reset, frame {k}"));
            }
            for (i, p) in [(0, Pos2::new(295.5, 360.8)), (1, Pos2::new(600.0, 400.0))] {
                h.event(egui::Event::PointerMoved(p));
                h.event(egui::Event::MouseWheel {
                    unit: egui::MouseWheelUnit::Point,
                    delta: egui::vec2(0.0, -300.0),
                    phase: egui::TouchPhase::Move,
                    source: egui::MouseWheelSource::Unknown,
                    modifiers: egui::Modifiers::NONE,
                });
                for k in 0..3 {
                    h.step();
                    check_frame(&h, &format!("{panel:?} {round} scroll {i}, frame {k}"));
                }
            }
        }
    }
}

#[test]
/// The forward step's density plot over extreme inputs (β down to the smallest subnormal,
/// ε and x at ±1e-308): every frame finite.
fn forward_step_plot_is_finite_over_extreme_inputs() {
    let mut h = app_harness(PersistedState {
        panel: PanelId::ForwardStep,
        ..PersistedState::default()
    });
    h.run_steps(3);
    for from_schedule in [false] {
        for x_prev in [-3.0, -1e-308, 0.0, 0.7, 3.0] {
            for eps in [-4.0, -1e-308, 0.0, 1e-308, 5e-324, 0.5, 4.0] {
                for beta in [
                    5e-324, 1e-310, 1e-300, 1e-200, 1e-30, 1e-16, 1e-5, 0.5, 0.999, 1.0,
                ] {
                    {
                        let f = &mut h.state_mut().state.forward_step;
                        f.x_prev = x_prev;
                        f.eps = eps;
                        f.beta = beta;
                        f.beta_next = beta;
                        f.beta_from_schedule = from_schedule;
                    }
                    h.run_steps(2);
                    check_frame(
                        &h,
                        &format!("x_prev {x_prev} eps {eps} beta {beta} sched {from_schedule}"),
                    );
                }
            }
        }
    }
}
