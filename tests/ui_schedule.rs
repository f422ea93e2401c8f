//! The Schedule panel: presets, typed values, the linter, the comparison list, config
//! import, the keyboard cursor, the custom curve, persistence and snapshots.

mod common;

use common::{app_harness, screenshot};
use ddpm_lab::app::Lang;
use ddpm_lab::app::ThemeChoice;
use ddpm_lab::diffusion::diffusers::{SamplerSettings, from_config_str, to_config_string};
use ddpm_lab::diffusion::lint::fmt_sig;
use ddpm_lab::diffusion::lint::{FindingKind, Severity};
use ddpm_lab::diffusion::{ScheduleError, ScheduleKind, ScheduleSpec};
use ddpm_lab::egui::{Event, Key, Modifiers, PointerButton, Pos2, vec2};
use ddpm_lab::tolerance::{REFERENCE, assert_close};
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::schedule::{
    InputProblem, MAX_COMPARED, Preset, SchedText, SchedulePanel, finding_text,
};
use ddpm_lab::ui::{DdpmLabApp, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn panel<'a>(h: &'a Harness<'_, DdpmLabApp>) -> &'a SchedulePanel {
    &h.state().state.schedule
}

fn started() -> Harness<'static, DdpmLabApp> {
    let mut h = app_harness(PersistedState::default());
    h.run();
    h
}

/// A state whose panel shows `preset` as the current schedule.
fn with_preset(preset: Preset) -> PersistedState {
    let mut state = PersistedState::default();
    state.schedule.load_spec(&preset.spec());
    state
}

#[test]
fn presets_set_their_spec_and_publish_it() {
    let mut h = started();
    for (label, preset) in [
        ("Stable Diffusion", Preset::StableDiffusion),
        ("Improved DDPM cosine", Preset::ImprovedCosine),
        ("Sigmoid", Preset::Sigmoid),
        ("Zero-SNR linear", Preset::ZeroSnrLinear),
        ("DDPM linear", Preset::DdpmLinear),
    ] {
        h.get_by_label(label).click();
        h.run();
        assert_eq!(panel(&h).spec, preset.spec(), "{label}");
        assert_eq!(h.state().lab.schedule.spec(), &preset.spec(), "{label}");
    }
    assert_eq!(
        Preset::StableDiffusion.spec(),
        ScheduleSpec::scaled_linear(1000, 0.00085, 0.012)
    );
    assert_eq!(
        Preset::ZeroSnrLinear.spec(),
        ScheduleSpec::linear(1000, 1e-4, 0.02).with_zero_snr(true)
    );
    assert_eq!(
        Preset::ImprovedCosine.spec().kind,
        ScheduleKind::SquaredcosCapV2
    );
}

#[test]
fn stable_diffusion_preset_shows_the_terminal_snr_warning() {
    let mut h = started();
    assert!(
        h.query_by_label_contains("the last step is not pure noise")
            .is_none()
    );
    h.get_by_label("Stable Diffusion").click();
    h.run();
    h.get_by_label_contains("ᾱ_T = 0.004660: the last step is not pure noise");
    // The zero-SNR toggle answers it: the warning goes, the zero-SNR note comes.
    h.get_by_label("Rescale to zero terminal SNR").click();
    h.run();
    assert!(panel(&h).spec.rescale_zero_snr);
    assert!(
        h.query_by_label_contains("the last step is not pure noise")
            .is_none()
    );
    h.get_by_label_contains("ᾱ_T = 0 (zero terminal SNR)");
}

#[test]
fn korean_findings_are_translated_by_variant() {
    let spec = Preset::StableDiffusion.spec();
    let findings = ddpm_lab::diffusion::lint(&spec, &Default::default());
    let terminal = findings
        .iter()
        .find(|f| matches!(f.kind, FindingKind::TerminalNotPureNoise { .. }))
        .unwrap();
    let ko = finding_text(&terminal.kind, Lang::Ko);
    assert!(
        ko.starts_with("ᾱ_T = 0.004660: 마지막 스텝이 순수한 노이즈가 아닙니다"),
        "{ko}"
    );
    // Every finding has Korean text of its own (no English left over).
    for f in &findings {
        let ko = finding_text(&f.kind, Lang::Ko);
        assert_ne!(ko, f.kind.to_string());
        assert!(ko.chars().any(|c| ('가'..='힣').contains(&c)), "{ko}");
    }
    for key in SchedText::ALL {
        assert!(!key.ko().is_empty() && !key.en().is_empty(), "{key:?}");
    }
}

#[test]
fn korean_panel_shows_the_translated_warning() {
    let mut state = with_preset(Preset::StableDiffusion);
    state.settings.lang = Lang::Ko;
    let mut h = app_harness(state);
    h.run();
    if h.state().lab.korean_unavailable {
        panic!("no Hangul font: install fonts-nanum (scripts/test.sh does)");
    }
    h.get_by_label_contains("ᾱ_T = 0.004660: 마지막 스텝이 순수한 노이즈가 아닙니다");
    h.get_by_label("현재 스케줄을 비교에 추가");
}

#[test]
fn typed_t_zero_shows_a_message_and_keeps_the_last_good_schedule() {
    let mut h = started();
    h.get_by_label("T").set_text_value_accesskit("0");
    h.run();
    h.get_by_label("T = 0 is out of range: type a whole number from 2 to 10\u{a0}000.");
    h.get_by_label("The plots keep the last valid schedule.");
    assert_eq!(panel(&h).spec, ScheduleSpec::default());
    assert_eq!(h.state().lab.schedule.spec(), &ScheduleSpec::default());
    // What was typed stays in the field.
    assert_eq!(h.get_by_label("T").value().as_deref(), Some("0"));
    // Not a number at all.
    h.get_by_label("T").set_text_value_accesskit("many");
    h.run();
    h.get_by_label("T must be a whole number (got “many”).");
    // A good value is taken and the message goes away.
    h.get_by_label("T").set_text_value_accesskit("250");
    h.run();
    assert_eq!(panel(&h).spec, ScheduleSpec::linear(250, 1e-4, 0.02));
    assert_eq!(h.state().lab.schedule.num_steps(), 250);
    assert!(
        h.query_by_label_contains("The plots keep the last valid schedule")
            .is_none()
    );
}

#[test]
fn beta_end_of_one_or_more_shows_a_message_and_keeps_the_last_good_schedule() {
    let mut h = started();
    for (typed, message) in [
        (
            "1",
            "β_end = 1 is out of range: β must be above 0 and below 1.",
        ),
        (
            "1.5",
            "β_end = 1.5 is out of range: β must be above 0 and below 1.",
        ),
        ("0.0x", "β_end must be a number (got “0.0x”)."),
    ] {
        h.get_by_label("β_end").set_text_value_accesskit(typed);
        h.run();
        h.get_by_label(message);
        assert_eq!(panel(&h).spec, ScheduleSpec::default(), "{typed}");
        assert_eq!(panel(&h).inputs.beta_end, 0.02);
    }
    h.get_by_label("β_end").set_text_value_accesskit("0.03");
    h.run();
    assert_eq!(panel(&h).spec, ScheduleSpec::linear(1000, 1e-4, 0.03));
    assert!(panel(&h).input_problems().is_empty());
    // β_start takes typed values too.
    h.get_by_label("β_start").set_text_value_accesskit("0.0002");
    h.run();
    assert_eq!(panel(&h).spec, ScheduleSpec::linear(1000, 2e-4, 0.03));
}

#[test]
fn a_combination_that_does_not_build_is_explained_and_not_taken() {
    let mut h = started();
    // β_end = 0.5 is a fine number, and so is T = 10 000; together they drive ᾱ below the
    // smallest normal f64 long before T.
    h.get_by_label("β_end").set_text_value_accesskit("0.5");
    h.run();
    let good = ScheduleSpec::linear(1000, 1e-4, 0.5);
    assert_eq!(panel(&h).spec, good);
    h.get_by_label("T").set_text_value_accesskit("10000");
    h.run();
    assert_eq!(panel(&h).inputs.num_steps, 10_000);
    assert_eq!(panel(&h).spec, good);
    assert_eq!(h.state().lab.schedule.spec(), &good);
    let err = ScheduleSpec::linear(10_000, 1e-4, 0.5).build().unwrap_err();
    let ScheduleError::AlphaBarUnderflow { t } = err else {
        panic!("expected an underflow, got {err:?}");
    };
    assert!(t > 1000 && t < 10_000, "{t}");
    h.get_by_label(&format!("This schedule is not valid: {err}"));
    assert_eq!(
        panel(&h).build_problem,
        Some(InputProblem::Build(ScheduleError::AlphaBarUnderflow { t }))
    );
    h.get_by_label("The plots keep the last valid schedule.");
    // The linter explains the same spec (in plain f64 products, as a training script
    // would compute ᾱ).
    assert!(panel(&h).findings().iter().any(|f| matches!(
        f.kind,
        FindingKind::AlphaBarNotDecreasing { .. }
    ) && f.severity == Severity::Error));
    h.get_by_label_contains("error: ᾱ is not strictly decreasing at t = ");
}

#[test]
fn compare_list_grows_to_three_and_shrinks() {
    let mut h = started();
    let add = "Add current to comparison";
    h.get_by_label(add).click();
    h.run();
    h.get_by_label("Stable Diffusion").click();
    h.run();
    h.get_by_label(add).click();
    h.run();
    h.get_by_label("Improved DDPM cosine").click();
    h.run();
    h.get_by_label(add).click();
    h.run();
    assert_eq!(panel(&h).compared.len(), MAX_COMPARED);
    assert_eq!(panel(&h).shown(Lang::En).len(), 4);
    assert_eq!(panel(&h).derived().unwrap().entries().len(), 4);
    // Full: the button does nothing more and says why.
    h.get_by_label(add).click();
    h.run();
    assert_eq!(panel(&h).compared.len(), MAX_COMPARED);
    h.get_by_label("At most 4 schedules can be overlaid: remove one first.");
    // Hide #1 (DDPM linear), remove #2 (Stable Diffusion).
    h.get_by_label_contains("#1: linear").click();
    h.run();
    assert!(!panel(&h).compared[0].visible);
    assert_eq!(panel(&h).shown(Lang::En).len(), 3);
    h.get_by_label("Remove schedule #2").click();
    h.run();
    let slots: Vec<usize> = panel(&h).compared.iter().map(|c| c.slot).collect();
    assert_eq!(slots, vec![1, 3]);
    assert_eq!(panel(&h).derived().unwrap().entries().len(), 2);
    // A new snapshot takes the free slot (and colour) #2.
    h.get_by_label(add).click();
    h.run();
    assert_eq!(panel(&h).compared.last().unwrap().slot, 2);
}

#[test]
fn the_first_shown_schedule_is_published() {
    let mut h = started();
    h.get_by_label("Stable Diffusion").click();
    h.run();
    h.get_by_label("Add current to comparison").click();
    h.run();
    h.get_by_label("DDPM linear").click();
    h.run();
    assert_eq!(h.state().lab.schedule.spec(), &Preset::DdpmLinear.spec());
    // Hiding the current schedule makes #1 (Stable Diffusion) the active one.
    h.get_by_label_contains("current: linear").click();
    h.run();
    assert_eq!(
        h.state().lab.schedule.spec(),
        &Preset::StableDiffusion.spec()
    );
    // Editing #1 loads it into the controls and shows the current schedule again.
    h.get_by_label("Edit schedule #1").click();
    h.run();
    assert_eq!(panel(&h).spec, Preset::StableDiffusion.spec());
    assert!(panel(&h).current_visible);
}

#[test]
fn keyboard_moves_the_t_cursor_and_the_readout_follows() {
    let mut h = app_harness(with_preset(Preset::StableDiffusion));
    h.run();
    assert_eq!(panel(&h).cursor.t, 1);
    h.key_press(Key::ArrowRight);
    h.run();
    assert_eq!(panel(&h).cursor.t, 2);
    h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowRight);
    h.run();
    assert_eq!(panel(&h).cursor.t, 12);
    h.key_press_modifiers(Modifiers::SHIFT, Key::ArrowLeft);
    h.run();
    assert_eq!(panel(&h).cursor.t, 2);
    h.key_press(Key::End);
    h.run();
    assert_eq!(panel(&h).cursor.t, 1000);
    // The readout shows ᾱ_T of Stable Diffusion, from the core.
    h.get_by_label("0.004660");
    // The published reference value (scripts/reference_values.py), shown to 4 digits.
    assert_close(
        h.state().lab.schedule.alpha_bar(1000),
        0.004660098513077238,
        REFERENCE,
    );
    h.key_press(Key::ArrowRight);
    h.run();
    assert_eq!(panel(&h).cursor.t, 1000);
    h.key_press(Key::Home);
    h.run();
    assert_eq!(panel(&h).cursor.t, 1);
    h.key_press(Key::ArrowLeft);
    h.run();
    assert_eq!(panel(&h).cursor.t, 1);
    // β_1 of Stable Diffusion.
    h.get_by_label("8.500e-4");
}

/// A click with the mouse at `pos`.
fn click_at(h: &Harness<'_, DdpmLabApp>, pos: Pos2) {
    h.hover_at(pos);
    h.event(Event::PointerButton {
        pos,
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.event(Event::PointerButton {
        pos,
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
}

#[test]
fn hovering_a_plot_reads_out_that_t_and_a_click_moves_the_cursor() {
    let mut h = app_harness(with_preset(Preset::StableDiffusion));
    h.run();
    let grid = panel(&h).plots_rect().unwrap();
    // Inside the top-left plot (β), about a third of the way along t.
    let pos = grid.min + vec2(grid.width() * 0.2, grid.height() * 0.25);
    h.hover_at(pos);
    h.run();
    let t = panel(&h).readout_t();
    assert!((150..=450).contains(&t), "hovered t = {t}");
    assert_eq!(panel(&h).cursor.t, 1);
    // The readout table and the tooltip show the hovered t's values from the core.
    let ab = Preset::StableDiffusion.spec().build().unwrap().alpha_bar(t);
    h.get_by_label(&fmt_sig(ab));
    h.get_by_label(&format!("t = {t}"));
    click_at(&h, pos);
    h.run();
    assert_eq!(panel(&h).cursor.t, t);
    // Off the plots the readout goes back to the cursor.
    h.remove_cursor();
    h.run();
    assert_eq!(panel(&h).readout_t(), t);
}

#[test]
fn space_plays_and_pauses_the_cursor() {
    let mut h = started();
    h.key_press(Key::Space);
    for _ in 0..10 {
        h.step();
    }
    assert!(panel(&h).cursor.playing);
    let t = panel(&h).cursor.t;
    assert!(t > 1, "t = {t}");
    h.key_press(Key::Space);
    h.run();
    assert!(!panel(&h).cursor.playing);
}

#[test]
fn reset_to_defaults_restores_the_schedule_panel() {
    let mut h = started();
    h.get_by_label("Stable Diffusion").click();
    h.run();
    h.get_by_label("Add current to comparison").click();
    h.run();
    h.get_by_label("T").set_text_value_accesskit("0");
    h.run();
    h.get_by_label("Reset to defaults").click();
    h.run();
    // The confirmation's button is the second one with that name.
    h.get_all_by_label("Reset to defaults")
        .last()
        .unwrap()
        .click();
    h.run();
    assert_eq!(panel(&h).spec, ScheduleSpec::default());
    assert!(panel(&h).compared.is_empty());
    assert!(panel(&h).input_problems().is_empty());
    assert_eq!(h.state().lab.schedule.spec(), &ScheduleSpec::default());
    assert_eq!(h.get_by_label("T").value().as_deref(), Some("1000"));
}

#[test]
fn the_theme_toggle_switches_the_panel_to_light() {
    let mut h = started();
    h.get_by_label("Theme").click();
    h.run();
    h.get_by_label("Light").click();
    h.run();
    assert_eq!(h.state().state.settings.theme, ThemeChoice::Light);
    assert!(!h.ctx.global_style().visuals.dark_mode);
    h.get_by_label("Theme").click();
    h.run();
    h.get_by_label("Dark").click();
    h.run();
    assert!(h.ctx.global_style().visuals.dark_mode);
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_dropped_config_is_imported_with_its_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(
        &dir,
        "scheduler_config.json",
        r#"{
            "_class_name": "DDPMScheduler",
            "num_train_timesteps": 1000,
            "beta_start": 0.00085,
            "beta_end": 0.012,
            "beta_schedule": "scaled_linear",
            "prediction_type": "v_prediction",
            "beta_shedule": "linear"
        }"#,
    );
    let mut h = started();
    h.state_mut().open_path(&path);
    h.run();
    assert_eq!(panel(&h).spec, Preset::StableDiffusion.spec());
    assert_eq!(
        h.state().lab.schedule.spec(),
        &Preset::StableDiffusion.spec()
    );
    h.get_by_label_contains("Imported scheduler_config.json: scaled_linear");
    h.get_by_label_contains(
        "unknown key `beta_shedule` is ignored (did you mean `beta_schedule`?)",
    );
    // The sampler settings travel back out on export.
    let exported = from_config_str(&panel(&h).config_text()).unwrap();
    assert_eq!(exported.spec, Preset::StableDiffusion.spec());
    assert_eq!(
        exported.sampler.prediction,
        ddpm_lab::diffusion::PredictionType::VPrediction
    );
}

#[test]
fn a_trained_betas_config_round_trips() {
    let betas: Vec<f64> = (1..=50).map(|i| 0.001 + 0.01 * i as f64 / 50.0).collect();
    let spec = ScheduleSpec::trained(betas);
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(
        &dir,
        "scheduler_config.json",
        &to_config_string(&spec, &SamplerSettings::default()),
    );
    let mut h = started();
    h.state_mut().open_path(&path);
    h.run();
    assert_eq!(panel(&h).spec, spec);
    assert_eq!(panel(&h).inputs.kind, ScheduleKind::TrainedBetas);
    h.get_by_label_contains("Using the imported β list as it is");
}

#[test]
fn a_bad_config_shows_an_error_and_keeps_the_previous_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = started();
    h.get_by_label("Improved DDPM cosine").click();
    h.run();
    let before = panel(&h).spec.clone();
    for (name, text, message) in [
        (
            "broken.json",
            "{ \"num_train_timesteps\": ",
            "not valid JSON",
        ),
        (
            "unknown.json",
            r#"{"beta_schedule": "quadratic"}"#,
            "unknown beta_schedule `quadratic`",
        ),
        (
            "config.json",
            r#"{"hidden_size": 64, "num_layers": 4}"#,
            "this JSON has none of the keys of a scheduler config",
        ),
        (
            "huge.json",
            r#"{"num_train_timesteps": 20000}"#,
            "T = 20000 is outside this panel's range",
        ),
        (
            "bad_beta.json",
            r#"{"beta_schedule": "linear", "beta_end": 1.5}"#,
            "beta_end = 1.5 is outside (0, 1]",
        ),
    ] {
        let path = write_temp(&dir, name, text);
        h.state_mut().open_path(&path);
        h.run();
        h.get_by_label_contains(&format!("Could not import {name}"));
        h.get_by_label_contains(message);
        h.get_by_label("The previous schedule is kept.");
        assert_eq!(panel(&h).spec, before, "{name}");
        assert_eq!(h.state().lab.schedule.spec(), &before, "{name}");
    }
    // A file that does not exist.
    h.state_mut().open_path(&dir.path().join("missing.json"));
    h.run();
    h.get_by_label_contains("Could not import missing.json: cannot read the file");
    assert_eq!(panel(&h).spec, before);
}

#[test]
fn custom_curve_edits_keep_alpha_bar_strictly_decreasing() {
    let mut h = started();
    h.get_by_label("Kind").click();
    h.run();
    h.get_by_label("trained_betas (custom curve)").click();
    h.run();
    assert_eq!(panel(&h).inputs.kind, ScheduleKind::TrainedBetas);
    assert_eq!(panel(&h).spec.kind, ScheduleKind::TrainedBetas);
    // The curve starts from the schedule that was on screen: the same ᾱ_T to 1%.
    let linear = ScheduleSpec::default().build().unwrap();
    let custom = h.state().lab.schedule.clone();
    let relative = (custom.log_snr(1000) - linear.log_snr(1000)).abs() / linear.log_snr(1000).abs();
    assert!(
        relative < 1e-2,
        "log-SNR at T: {} vs {}",
        custom.log_snr(1000),
        linear.log_snr(1000)
    );
    h.get_by_label_contains("Derived β: β_1 = ");
    // Drag a point far above its neighbour: it is clamped, ᾱ still falls everywhere.
    let moved = h
        .state_mut()
        .state
        .schedule
        .move_control_point(2, 0.4, 50.0);
    assert!(moved);
    h.run();
    let s = h.state().lab.schedule.clone();
    assert_eq!(s.spec().kind, ScheduleKind::TrainedBetas);
    assert!(s.alpha_bars().windows(2).all(|w| w[1] < w[0]));
    let points = panel(&h).inputs.curve.points().to_vec();
    assert!(points.windows(2).all(|w| w[1].log_snr < w[0].log_snr));
    // T still applies to a curve.
    h.get_by_label("T").set_text_value_accesskit("300");
    h.run();
    assert_eq!(h.state().lab.schedule.num_steps(), 300);
    // Reset brings back the DDPM-like curve.
    h.get_by_label("Reset the curve").click();
    h.run();
    assert_eq!(
        panel(&h).inputs.curve,
        ddpm_lab::diffusion::log_snr_curve::LogSnrCurve::default()
    );
}

#[test]
fn dragging_a_control_point_with_the_mouse_edits_the_curve() {
    let mut state = PersistedState::default();
    state.schedule.set_kind(ScheduleKind::TrainedBetas);
    let mut h = app_harness(state);
    h.run();
    let before = panel(&h).inputs.curve.points().to_vec();
    let positions = panel(&h).control_point_screen_positions().to_vec();
    assert_eq!(positions.len(), before.len());
    let start = positions[4];
    h.hover_at(start);
    h.run();
    h.drag_at(start);
    h.step();
    for dy in [10.0, 25.0, 40.0] {
        h.hover_at(start - ddpm_lab::egui::vec2(0.0, dy));
        h.step();
    }
    h.drop_at(start - ddpm_lab::egui::vec2(0.0, 40.0));
    h.run();
    let after = panel(&h).inputs.curve.points().to_vec();
    // Point 4 went up (to a higher log-SNR), the others stayed.
    assert!(
        after[4].log_snr > before[4].log_snr + 0.5,
        "{before:?} → {after:?}"
    );
    for i in [0, 1, 2, 3, 5, 6] {
        assert_eq!(after[i], before[i], "point {i}");
    }
    // The schedule follows, and ᾱ still falls at every step.
    let s = h.state().lab.schedule.clone();
    assert_eq!(s.spec(), &panel(&h).spec);
    assert!(s.alpha_bars().windows(2).all(|w| w[1] < w[0]));
}

#[test]
fn zero_snr_curves_reach_the_plots_without_infinities() {
    let mut h = app_harness(with_preset(Preset::ZeroSnrLinear));
    h.run();
    let derived = panel(&h).derived().unwrap();
    let entry = derived.get(0).unwrap();
    assert_eq!(entry.schedule.alpha_bar(1000), 0.0);
    let c = &entry.curves;
    for line in [
        &c.beta,
        &c.beta_log10,
        &c.posterior_variance,
        &c.posterior_variance_log10,
        &c.alpha_bar,
        &c.signal,
        &c.noise,
        &c.log_snr,
    ] {
        assert!(!line.is_empty());
        assert!(line.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
    }
    // The readout says −∞ at T rather than drawing it.
    h.key_press(Key::End);
    h.run();
    h.get_by_label("−∞");
}

#[test]
fn exports_match_the_core() {
    let mut h = app_harness(with_preset(Preset::Sigmoid));
    h.run();
    let csv = panel(&h).csv_text().unwrap();
    assert_eq!(csv, Preset::Sigmoid.spec().build().unwrap().to_csv());
    assert!(csv.starts_with("t,beta,alpha,alpha_bar,"));
    let config = from_config_str(&panel(&h).config_text()).unwrap();
    assert_eq!(config.spec, Preset::Sigmoid.spec());
    assert_close(config.spec.beta_end, 0.02, REFERENCE);
}

#[test]
fn inputs_and_comparison_persist() {
    let mut h = started();
    h.get_by_label("Stable Diffusion").click();
    h.run();
    h.get_by_label("Add current to comparison").click();
    h.run();
    h.get_by_label("T").set_text_value_accesskit("500");
    h.run();
    h.key_press(Key::End);
    h.run();
    let text = serde_json::to_string(&h.state().state).unwrap();
    let back: PersistedState = serde_json::from_str(&text).unwrap();
    assert_eq!(
        back.schedule.spec,
        ScheduleSpec::scaled_linear(500, 0.00085, 0.012)
    );
    assert_eq!(back.schedule.inputs, panel(&h).inputs);
    assert_eq!(back.schedule.compared, panel(&h).compared);
    // End goes to the largest T shown (the snapshot's 1000).
    assert_eq!(back.schedule.cursor.t, 1000);
    // The restored app shows and publishes the same schedule.
    let mut h2 = app_harness(back);
    h2.run();
    assert_eq!(
        h2.state().lab.schedule.spec(),
        &ScheduleSpec::scaled_linear(500, 0.00085, 0.012)
    );
    // A stored spec that does not build falls back to the default schedule.
    let mut broken = PersistedState::default();
    broken.schedule.spec = ScheduleSpec::linear(0, 1e-4, 0.02);
    let mut h3 = app_harness(broken);
    h3.run();
    assert_eq!(panel(&h3).spec, ScheduleSpec::default());
    assert!(panel(&h3).input_problems().is_empty());
    // A partial panel state loads with defaults for the rest.
    let partial: SchedulePanel = serde_json::from_str(r#"{"log_beta_axis": false}"#).unwrap();
    assert!(!partial.log_beta_axis);
    assert_eq!(partial.spec, ScheduleSpec::default());
}

#[test]
fn schedule_snapshot() {
    let mut h = started();
    screenshot(&mut h, "schedule");
}

#[test]
fn schedule_compare_snapshot() {
    let mut state = with_preset(Preset::DdpmLinear);
    for p in [
        Preset::StableDiffusion,
        Preset::ImprovedCosine,
        Preset::ZeroSnrLinear,
    ] {
        state.schedule.load_spec(&p.spec());
        assert!(state.schedule.add_current_to_comparison());
    }
    state.schedule.load_spec(&Preset::DdpmLinear.spec());
    state.schedule.cursor.t = 600;
    let mut h = app_harness(state);
    h.run();
    screenshot(&mut h, "schedule_compare");
}

#[test]
fn schedule_custom_snapshot() {
    let mut state = PersistedState::default();
    state.schedule.set_kind(ScheduleKind::TrainedBetas);
    // Lift the middle of the curve a little: the signal lasts longer mid-way.
    let p = state.schedule.inputs.curve.points()[3];
    assert!(
        state
            .schedule
            .move_control_point(3, p.u + 0.05, p.log_snr + 0.8)
    );
    state.schedule.cursor.t = 400;
    let mut h = app_harness(state);
    h.run();
    assert_eq!(panel(&h).inputs.kind, ScheduleKind::TrainedBetas);
    screenshot(&mut h, "schedule_custom");
}

#[test]
fn plots_export_as_a_png_of_the_plot_area() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plots.png");
    let mut h = started();
    h.state_mut()
        .state
        .schedule
        .export_plots_png(Some(path.clone()));
    // The screenshot arrives a frame later; encoding and writing run on a job.
    // (A spinner shows meanwhile, so step rather than run.)
    for _ in 0..500 {
        h.step();
        if path.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Let the job's outcome be polled, then settle.
    for _ in 0..100 {
        h.step();
        if h.query_by_label_contains("Saved ").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run();
    let png = image::open(&path).unwrap().to_rgba8();
    // About the 2 × 2 plot grid: wider than tall, most of the window's width.
    let (w, hgt) = png.dimensions();
    assert!(w > 700 && w < 1000 && hgt > 300 && hgt < 700, "{w}×{hgt}");
    // Not blank: the blue current line is in it.
    assert!(png.pixels().any(|p| p.0[2] > 200 && p.0[0] < 100));
    h.get_by_label_contains("Saved ");
}

// ---------- what a newcomer tripped on ----------

#[test]
fn log_beta_ticks_are_short_numbers() {
    use ddpm_lab::ui::schedule::log10_tick_label;
    // The float sum of ticks 0.2 apart is not exactly −1.4: the label is.
    assert_eq!(log10_tick_label(-1.4000000000000001, 0.2), "1e-1.4");
    assert_eq!(log10_tick_label(-2.0, 1.0), "1e-2");
    assert_eq!(log10_tick_label(-1.25, 0.05), "1e-1.25");
    assert_eq!(log10_tick_label(-0.0000000001, 0.5), "1e0.0");
    assert_eq!(log10_tick_label(-3.0, 0.5), "1e-3.0");
    assert_eq!(log10_tick_label(-3.0, f64::NAN), "1e-3");
}

#[test]
fn a_falling_beta_gets_a_linter_note_in_the_panel() {
    let mut state = PersistedState::default();
    state
        .schedule
        .load_spec(&ScheduleSpec::linear(10_000, 0.05, 0.02));
    let mut h = app_harness(state);
    h.run();
    assert!(
        panel(&h)
            .findings()
            .iter()
            .any(|f| matches!(f.kind, FindingKind::BetaDecreasing { .. }))
    );
    h.get_by_label_contains("β decreases over t");
}

#[test]
fn choosing_a_preset_moves_no_preset_button_and_does_not_widen_the_panel() {
    let mut h = started();
    let rects = |h: &Harness<'_, DdpmLabApp>| {
        Preset::ALL
            .iter()
            .map(|p| h.get_by_label(p.label(Lang::En)).rect())
            .collect::<Vec<_>>()
    };
    let before = rects(&h);
    let plots_left = panel(&h).plots_rect().unwrap().min.x;
    for p in Preset::ALL {
        h.get_by_label(p.label(Lang::En)).click();
        h.run();
        assert_eq!(panel(&h).spec, p.spec());
        assert_eq!(rects(&h), before, "after choosing {p:?}");
        assert_eq!(panel(&h).plots_rect().unwrap().min.x, plots_left, "{p:?}");
    }
}

#[test]
fn add_to_comparison_stays_where_it_was_clicked() {
    let mut h = started();
    let add = SchedText::AddToCompare.en();
    let at = h.get_by_label(add).rect();
    for _ in 0..MAX_COMPARED {
        h.get_by_label(add).click();
        h.run();
        assert_eq!(h.get_by_label(add).rect(), at);
    }
    assert_eq!(panel(&h).compared.len(), MAX_COMPARED);
}

#[test]
fn hovering_right_of_t_max_reads_t_max() {
    let mut h = started();
    let grid = panel(&h).plots_rect().unwrap();
    // The β plot's right margin: past its last t = 1000, still inside the plot.
    let beta_plot_right = grid.min.x + grid.width() * 0.5 - 12.0;
    let pos = Pos2::new(beta_plot_right, grid.min.y + grid.height() * 0.25);
    h.hover_at(pos);
    h.run();
    assert_eq!(panel(&h).readout_t(), 1000);
    assert!(!common::shows(&h, "> T"));
}

/// Drags the pointer from `from` by `by` with the primary button.
fn drag(h: &mut Harness<'_, DdpmLabApp>, from: Pos2, by: ddpm_lab::egui::Vec2) {
    h.hover_at(from);
    h.run();
    h.drag_at(from);
    h.step();
    for k in 1..=4 {
        h.hover_at(from + by * (k as f32 / 4.0));
        h.step();
    }
    h.drop_at(from + by);
    h.run();
}

#[test]
fn a_dragged_plot_offers_a_reset_button_and_reset_to_defaults_resets_views() {
    let mut h = started();
    let reset_view = SchedText::ResetView.en();
    assert!(!common::shows(&h, reset_view), "nothing to reset yet");
    let grid = panel(&h).plots_rect().unwrap();
    // Pan the log-SNR plot (bottom right) far up.
    let inside = grid.min + vec2(grid.width() * 0.75, grid.height() * 0.75);
    drag(&mut h, inside, vec2(0.0, 150.0));
    h.get_by_label(reset_view).click();
    h.run();
    h.run();
    assert!(
        !common::shows(&h, reset_view),
        "the view is back to automatic"
    );
    // Pan again and widen the side panel by dragging its edge.
    drag(&mut h, inside, vec2(0.0, 150.0));
    assert!(common::shows(&h, reset_view));
    let left = panel(&h).plots_rect().unwrap().min.x;
    let mut widened = false;
    // The edge sits in the gap left of the central panel's content.
    for dx in (2..=24).step_by(2) {
        let edge = Pos2::new(left - dx as f32, grid.center().y);
        drag(&mut h, edge, vec2(120.0, 0.0));
        if panel(&h).plots_rect().unwrap().min.x > left + 60.0 {
            widened = true;
            break;
        }
    }
    assert!(widened, "the side panel's edge could be dragged");
    h.get_by_label("Reset to defaults").click();
    h.run();
    h.get_all_by_label("Reset to defaults")
        .last()
        .unwrap()
        .click();
    h.run();
    h.run();
    assert!(!common::shows(&h, reset_view), "views are reset too");
    assert_eq!(panel(&h).plots_rect().unwrap().min.x, left, "panel width");
}

#[test]
fn file_messages_go_when_the_schedule_they_describe_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(
        &dir,
        "scheduler_config.json",
        r#"{"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
            "beta_schedule": "scaled_linear"}"#,
    );
    let mut h = started();
    h.state_mut().open_path(&path);
    h.run();
    assert!(panel(&h).has_status());
    h.get_by_label_contains("Imported scheduler_config.json");
    // Another frame with the same schedule keeps it.
    h.run();
    assert!(panel(&h).has_status());
    // A new schedule: the message about the imported one goes.
    h.get_by_label(Preset::DdpmLinear.label(Lang::En)).click();
    h.run();
    h.run();
    assert!(!panel(&h).has_status());
    assert!(!common::shows(&h, "Imported scheduler_config.json"));
    // A failed import stays until the schedule changes too.
    let bad = write_temp(&dir, "bad.json", "{ not json");
    h.state_mut().open_path(&bad);
    h.run();
    assert!(panel(&h).has_status());
    h.get_by_label(Preset::StableDiffusion.label(Lang::En))
        .click();
    h.run();
    h.run();
    assert!(!panel(&h).has_status());
}

// ------------------------------------------------------------------ no file dialog

/// Types `text` into the path field labelled `field` (a click gives it focus first).
fn type_path(h: &mut Harness<'static, DdpmLabApp>, field: &str, text: &str) {
    use ddpm_lab::egui::accesskit::Role;
    h.get_by_role_and_label(Role::TextInput, field).click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, field)
        .type_text(text);
    h.run();
}

/// Runs frames until the panel's file job is done (a save is written on a job).
fn settle_files(h: &mut Harness<'static, DdpmLabApp>, done: impl Fn(&SchedulePanel) -> bool) {
    for _ in 0..200 {
        h.run_steps(2);
        if done(panel(h)) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn without_a_file_dialog_import_and_exports_use_a_path_field() {
    use ddpm_lab::ui::schedule::PathPurpose;
    use ddpm_lab::ui::widgets::path_field::PathText;
    let dir = tempfile::tempdir().unwrap();
    let config = write_temp(
        &dir,
        "typed_config.json",
        &to_config_string(&Preset::ImprovedCosine.spec(), &SamplerSettings::default()),
    );
    let mut h = started();
    h.state_mut()
        .state
        .schedule
        .set_file_dialogs_available(false);
    h.run();

    // Import…: the panel says why there is no dialog and offers the field.
    h.get_by_label(SchedText::Import.en()).click();
    h.run();
    assert!(common::shows(&h, "No file dialog can open here"));
    assert_eq!(
        panel(&h).path_entry().map(|e| e.purpose),
        Some(PathPurpose::Import)
    );
    screenshot(&mut h, "schedule_no_dialog");
    type_path(&mut h, SchedText::PathConfig.en(), config.to_str().unwrap());
    h.get_by_label(SchedText::PathImport.en()).click();
    h.run();
    assert_eq!(panel(&h).spec, Preset::ImprovedCosine.spec());
    assert_eq!(
        h.state().lab.schedule.spec(),
        &Preset::ImprovedCosine.spec()
    );
    assert!(panel(&h).path_entry().is_none());
    h.get_by_label_contains("Imported typed_config.json");

    // Export CSV…: written where typed, the same table as the core's.
    let csv = dir.path().join("typed.csv");
    h.get_by_label(SchedText::ExportCsv.en()).click();
    h.run();
    assert_eq!(
        panel(&h).path_entry().map(|e| e.purpose),
        Some(PathPurpose::Save(ddpm_lab::ui::schedule::SchedExport::Csv))
    );
    // The config's path is still in the field: replace it (select all, type).
    h.get_by_role_and_label(
        ddpm_lab::egui::accesskit::Role::TextInput,
        SchedText::PathSave.en(),
    )
    .click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(Event::Text(csv.to_str().unwrap().to_string()));
    h.key_press(Key::Enter);
    settle_files(&mut h, |_| csv.exists());
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        Preset::ImprovedCosine.spec().build().unwrap().to_csv()
    );
    settle_files(&mut h, |p| p.has_status());
    h.get_by_label_contains("Saved");

    // Export scheduler_config.json…: it imports back to the same schedule.
    let out = dir.path().join("out_config.json");
    h.get_by_label(SchedText::ExportConfig.en()).click();
    h.run();
    h.get_by_label(PathText::Cancel.en()).click();
    h.run();
    assert!(panel(&h).path_entry().is_none());
    h.get_by_label(SchedText::ExportConfig.en()).click();
    h.run();
    assert!(common::shows(&h, "No file dialog can open here"));
    h.get_by_role_and_label(
        ddpm_lab::egui::accesskit::Role::TextInput,
        SchedText::PathSave.en(),
    )
    .click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(Event::Text(out.to_str().unwrap().to_string()));
    h.run();
    h.get_by_label(SchedText::PathSaveHere.en()).click();
    settle_files(&mut h, |_| out.exists());
    let back = from_config_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(back.spec, Preset::ImprovedCosine.spec());

    // Export plots as PNG…: the screenshot of the plots lands where typed.
    let png = dir.path().join("typed_plots.png");
    h.get_by_label(SchedText::ExportPng.en()).click();
    h.run_steps(2);
    assert_eq!(
        panel(&h).path_entry().map(|e| e.purpose),
        Some(PathPurpose::Save(ddpm_lab::ui::schedule::SchedExport::Png))
    );
    h.get_by_role_and_label(
        ddpm_lab::egui::accesskit::Role::TextInput,
        SchedText::PathSave.en(),
    )
    .click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(Event::Text(png.to_str().unwrap().to_string()));
    h.key_press(Key::Enter);
    for _ in 0..500 {
        h.step();
        if png.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let img = image::open(&png).unwrap().to_rgba8();
    assert!(img.width() > 700, "{}", img.width());
}

/// Shapes in the frame, with nested lists counted item by item (a dashed line is one
/// shape per dash).
fn shape_count(h: &Harness<'_, DdpmLabApp>) -> usize {
    fn count(shape: &ddpm_lab::egui::Shape) -> usize {
        match shape {
            ddpm_lab::egui::Shape::Vec(v) => v.iter().map(count).sum(),
            _ => 1,
        }
    }
    h.output().shapes.iter().map(|c| count(&c.shape)).sum()
}

/// Zoomed in 10⁵× on a point of each plot's curve, the curves are drawn only around the
/// view. egui_plot drops segments that miss the view but lays a dashed line's dashes out
/// along the whole screen length of each segment that crosses it: there one segment
/// (1 of T) spans ~90 views, thousands of dashes per curve; a diverging path in the Points
/// panel made that billions and one frame ~16 GB. Clipped, a few views' worth are drawn.
#[test]
fn a_deep_zoom_draws_a_bounded_number_of_dashes() {
    use ddpm_lab::ui::schedule::PlotKind;
    use egui_plot::{PlotBounds, PlotMemory};
    let mut h = started();
    let unzoomed = shape_count(&h);
    let curves = panel(&h).derived().unwrap().get(0).unwrap().curves.clone();
    assert!(panel(&h).log_beta_axis, "the default β axis is logarithmic");
    let ctx = h.ctx.clone();
    let zoom = 1e5;
    let mut full_widths = Vec::new();
    for kind in PlotKind::ALL {
        // A point on the dashed curve where the plot has one.
        let line = match kind {
            PlotKind::Beta => &curves.posterior_variance_log10,
            PlotKind::AlphaBar => &curves.alpha_bar,
            PlotKind::SignalNoise => &curves.noise,
            PlotKind::LogSnr => &curves.log_snr,
        };
        let c = line[line.len() / 2];
        let mut mem = PlotMemory::load(&ctx, kind.plot_id()).expect("the plot was drawn");
        let b = *mem.bounds();
        let half = [b.width() / zoom / 2.0, b.height() / zoom / 2.0];
        mem.set_bounds(PlotBounds::from_min_max(
            [c.x - half[0], c.y - half[1]],
            [c.x + half[0], c.y + half[1]],
        ));
        mem.auto_bounds = false.into();
        mem.store(&ctx, kind.plot_id());
        full_widths.push((kind, b.width()));
    }
    h.run();
    common::check_frame(&h, "zoomed 10⁵×");
    // Still zoomed in (nothing reset the view behind the test's back).
    for (kind, full_width) in full_widths {
        let mem = PlotMemory::load(&ctx, kind.plot_id()).expect("the plot was drawn");
        assert!(
            mem.bounds().width() < full_width / 1e4,
            "{kind:?} was not zoomed"
        );
    }
    let zoomed = shape_count(&h);
    assert!(
        zoomed < unzoomed + 1_000,
        "{zoomed} shapes zoomed in, {unzoomed} at the full view"
    );
}
