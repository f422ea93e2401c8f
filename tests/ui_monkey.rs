//! A monkey in every panel: the whole app driven by seeded random events — clicks on every
//! widget found through accesskit, drags on plots and sliders, random text in fields
//! (numbers, extremes, letters, empty), keys, scrolls, tab and language switches, and the
//! background runs those clicks start and cancel. After each batch: no panic, every shape
//! drawn (every plotted series) has finite coordinates, no label reads NaN or inf, and the
//! state serialises and restores to the same JSON.
//!
//! The short run is part of the test command. The long one:
//! `MONKEY_EVENTS=100000 cargo test --release --test ui_monkey -- --nocapture`
//! (`MONKEY_SEED` picks another seed).

mod common;

use common::{app_harness, shows_non_finite};
use ddpm_lab::app::Lang;
use ddpm_lab::egui::{self, Pos2, accesskit::Role};
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::NodeT;
use rand::{RngExt, SeedableRng, rngs::StdRng};

const TEXTS: &[&str] = &[
    "",
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "1e308",
    "-1e308",
    "1e-308",
    "5e-324",
    "1e300",
    "-1e300",
    "999999999999",
    "-999999999999",
    "NaN",
    "inf",
    "-inf",
    "abc",
    "1,5",
    "٣",
    "1e",
    "--1",
    "0x10",
    "    ",
    "1000000",
    "2",
    "3",
    "50",
    "0.999999",
    "1e-12",
];

const KEYS: &[egui::Key] = &[
    egui::Key::ArrowLeft,
    egui::Key::ArrowRight,
    egui::Key::ArrowUp,
    egui::Key::ArrowDown,
    egui::Key::Space,
    egui::Key::Enter,
    egui::Key::Escape,
    egui::Key::Tab,
    egui::Key::Home,
    egui::Key::End,
    egui::Key::PageUp,
    egui::Key::PageDown,
    egui::Key::Backspace,
    egui::Key::Delete,
];

/// A widget found in the accesskit tree: what it is and where.
struct Target {
    role: Role,
    rect: egui::Rect,
    label: String,
}

fn targets(h: &Harness<'_, DdpmLabApp>) -> Vec<Target> {
    h.root()
        .children_recursive()
        .filter_map(|n| {
            let a = n.accesskit_node();
            let role = a.role();
            let interesting = matches!(
                role,
                Role::Button
                    | Role::CheckBox
                    | Role::RadioButton
                    | Role::ComboBox
                    | Role::Tab
                    | Role::Link
                    | Role::Slider
                    | Role::SpinButton
                    | Role::TextInput
                    | Role::MultilineTextInput
                    | Role::ListBoxOption
                    | Role::MenuItem
                    | Role::Image
                    | Role::Canvas
                    | Role::Unknown
            );
            let rect = a.bounding_box()?;
            let rect = egui::Rect::from_min_max(
                Pos2::new(rect.x0 as f32, rect.y0 as f32),
                Pos2::new(rect.x1 as f32, rect.y1 as f32),
            );
            (interesting && rect.is_positive()).then(|| Target {
                role,
                rect,
                label: a.label().unwrap_or_default(),
            })
        })
        .collect()
}

/// File dialogs ("Open image…") would wait on a desktop portal: the monkey leaves them.
fn opens_a_dialog(label: &str) -> bool {
    label.ends_with('…') || label.ends_with("...")
}

fn press(h: &Harness<'_, DdpmLabApp>, pos: Pos2, pressed: bool) {
    h.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    });
}

fn random_pos(rng: &mut StdRng, rect: egui::Rect) -> Pos2 {
    Pos2::new(
        rng.random_range(rect.min.x..=rect.max.x),
        rng.random_range(rect.min.y..=rect.max.y),
    )
}

/// One random event; returns what it did, for the failure message.
fn act(h: &mut Harness<'_, DdpmLabApp>, rng: &mut StdRng) -> String {
    let window = egui::Rect::from_min_size(Pos2::ZERO, common::WINDOW);
    let found = targets(h);
    let pick = (!found.is_empty()).then(|| &found[rng.random_range(0..found.len())]);
    match rng.random_range(0..100) {
        0..=39 => {
            let Some(t) = pick else {
                return "nothing".into();
            };
            if opens_a_dialog(&t.label) {
                return format!("skip dialog {}", t.label);
            }
            let p = t.rect.center();
            h.event(egui::Event::PointerMoved(p));
            press(h, p, true);
            press(h, p, false);
            format!("click {:?} {:?}", t.role, t.label)
        }
        40..=59 => {
            // A drag: on a slider or plot when one is found, anywhere otherwise.
            let area = found
                .iter()
                .filter(|t| {
                    matches!(
                        t.role,
                        Role::Slider | Role::Canvas | Role::Unknown | Role::Image
                    )
                })
                .nth(rng.random_range(0..8))
                .map_or(window, |t| t.rect);
            let from = random_pos(rng, area);
            h.event(egui::Event::PointerMoved(from));
            press(h, from, true);
            let mut p = from;
            for _ in 0..rng.random_range(1..5) {
                p += egui::vec2(
                    rng.random_range(-300.0..300.0),
                    rng.random_range(-200.0..200.0),
                );
                h.event(egui::Event::PointerMoved(p));
            }
            press(h, p, false);
            format!("drag {from:?} → {p:?}")
        }
        60..=77 => {
            let fields: Vec<&Target> = found
                .iter()
                .filter(|t| matches!(t.role, Role::SpinButton | Role::TextInput | Role::Slider))
                .collect();
            if fields.is_empty() {
                return "no field".into();
            }
            let t = fields[rng.random_range(0..fields.len())];
            let text = if rng.random_bool(0.7) {
                TEXTS[rng.random_range(0..TEXTS.len())].to_string()
            } else {
                format!("{}", rng.random_range(-1e4f64..1e4))
            };
            // Click into the field (a DragValue turns into a text edit), select all,
            // type, and commit with Enter.
            let p = t.rect.center();
            h.event(egui::Event::PointerMoved(p));
            press(h, p, true);
            press(h, p, false);
            h.step();
            h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
            h.event(egui::Event::Text(text.clone()));
            h.key_press(egui::Key::Enter);
            format!("type {text:?} into {:?}", t.label)
        }
        78..=87 => {
            let key = KEYS[rng.random_range(0..KEYS.len())];
            h.key_press(key);
            format!("key {key:?}")
        }
        88..=91 => {
            let p = random_pos(rng, window);
            h.event(egui::Event::PointerMoved(p));
            h.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(
                    rng.random_range(-200.0..200.0),
                    rng.random_range(-400.0..400.0),
                ),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Unknown,
                modifiers: if rng.random_bool(0.5) {
                    egui::Modifiers::COMMAND
                } else {
                    egui::Modifiers::NONE
                },
            });
            format!("scroll at {p:?}")
        }
        92..=96 => {
            let panel = PanelId::ALL[rng.random_range(0..PanelId::ALL.len())];
            h.state_mut().state.panel = panel;
            format!("tab {panel:?}")
        }
        _ => {
            let lang = Lang::ALL[rng.random_range(0..Lang::ALL.len())];
            h.state_mut().state.settings.lang = lang;
            format!("language {lang:?}")
        }
    }
}

fn check(h: &Harness<'_, DdpmLabApp>, history: &[String]) {
    let what = format!("after {:?}", &history[history.len().saturating_sub(8)..]);
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        common::check_frame(h, &what);
    }));
    if let Err(panic) = checked {
        // The state that drew the bad frame, to replay it in a test of its own.
        let path = concat!(env!("CARGO_TARGET_TMPDIR"), "/monkey-failure.json");
        if let Ok(json) = serde_json::to_string_pretty(&h.state().state) {
            let _ = std::fs::write(path, json);
            eprintln!("monkey: the failing state is in {path}");
        }
        std::panic::resume_unwind(panic);
    }
}

fn monkey(events: usize, seed: u64) {
    // What the monkey saves (it types names into path fields and clicks Save) lands in a
    // scratch folder, not in the checkout the test runs from.
    let scratch = tempfile::tempdir().expect("a scratch folder");
    std::env::set_current_dir(scratch.path()).expect("the scratch folder is the cwd");
    let mut h = app_harness(PersistedState::default());
    h.run_steps(2);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut history = Vec::new();
    let started = std::time::Instant::now();
    for i in 0..events {
        history.push(act(&mut h, &mut rng));
        h.step();
        if i % 25 == 24 {
            // Let background runs report and animations move, then check.
            h.run_steps(2);
            check(&h, &history);
        }
        if i % 2500 == 2499 {
            // Textures too: a panel that uploads a picture a frame and keeps the handle
            // grows them without bound.
            let (textures, texture_mb) = {
                let manager = h.ctx.tex_manager();
                let manager = manager.read();
                let bytes: usize = manager.allocated().map(|(_, m)| m.bytes_used()).sum();
                (manager.num_allocated(), bytes as f64 / 1e6)
            };
            eprintln!(
                "monkey: {} events, {:.0} s, resident {}, {textures} textures ({texture_mb:.0} MB), {:?} panel",
                i + 1,
                started.elapsed().as_secs_f64(),
                resident_mb().map_or("?".to_string(), |mb| format!("{mb:.0} MB")),
                h.state().state.panel,
            );
        }
        if history.len() > 64 {
            history.drain(..32);
        }
    }
    h.run_steps(2);
    check(&h, &history);
    // The final state starts a fresh app and draws a frame.
    let json = serde_json::to_string(&h.state().state).expect("state serialises");
    let restored: PersistedState = serde_json::from_str(&json).expect("state restores");
    let mut fresh = app_harness(restored);
    fresh.run_steps(2);
    check(&fresh, &history);
    eprintln!(
        "monkey: {events} events, seed {seed}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The process's resident memory (Linux), printed with the long run's progress so that
/// growth shows as it happens.
fn resident_mb() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096.0 / 1e6)
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn monkey_in_every_panel() {
    monkey(
        env_or("MONKEY_EVENTS", 300) as usize,
        env_or("MONKEY_SEED", 12),
    );
}

#[test]
fn non_finite_words_are_caught() {
    assert!(shows_non_finite("mean NaN"));
    assert!(shows_non_finite("x = -inf"));
    assert!(!shows_non_finite("information, infer, nano"));
    // Typed text quoted back in a message is the user's.
    assert!(!shows_non_finite("T must be a whole number (got “NaN”)."));
    assert!(shows_non_finite("got “NaN”, mean NaN"));
}
