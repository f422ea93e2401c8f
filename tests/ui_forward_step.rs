//! The Forward-step panel: inputs, the worked example's live numbers, the particle chain
//! against the closed form, variance preservation and the t scrubber.

mod common;

use common::{app_harness, screenshot, shows};
use ddpm_lab::diffusion::chain::{mean_standard_error, variance_standard_error};
use ddpm_lab::diffusion::forward::q_xt_given_x0;
use ddpm_lab::egui;
use ddpm_lab::tolerance::{ROUNDING, assert_close};
use ddpm_lab::ui::forward_step::{FwdText, UnitStart};
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The app on the Forward-step panel with its particle run finished.
fn harness_with(state: PersistedState) -> Harness<'static, DdpmLabApp> {
    let mut state = state;
    state.panel = PanelId::ForwardStep;
    let mut h = app_harness(state);
    settle(&mut h);
    h
}

fn harness() -> Harness<'static, DdpmLabApp> {
    harness_with(PersistedState::default())
}

/// Runs the frames of the queued input (which start the particle run the new inputs ask
/// for), waits for that run, then runs until the UI settles. Waiting between the two
/// keeps the test independent of how fast the run is.
fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    h.step();
    h.state_mut().state.forward_step.finish_background_work();
    h.run();
}

#[test]
fn worked_example_shows_the_correct_numbers_and_follows_beta() {
    let mut h = harness();
    // The notes' example, with √0.9 = 0.9487 (the notes' 0.9499 is a slip).
    for text in ["0.9487", "0.7589", "0.3162", "0.9171", "0.6788", "0.2800"] {
        assert!(shows(&h, text), "the worked example should show {text}");
    }
    h.get_by_role_and_label(Role::Slider, FwdText::Beta.en())
        .set_value_accesskit(0.2);
    h.run();
    assert_close(h.state().state.forward_step.beta, 0.2, ROUNDING);
    // μ1 = √0.8 × 0.8 = 0.8944 × 0.8 = 0.7155; x1 = 0.7155 + 0.4472 × 0.5 = 0.9391.
    for text in ["0.8944", "0.7155", "0.4472", "0.9391"] {
        assert!(
            shows(&h, text),
            "after β1 = 0.2 the example should show {text}"
        );
    }
    assert!(!shows(&h, "0.7589"));
    // ε moves only the sample: x1 = 0.7155 + 0.4472 × (−1) = 0.2683.
    h.get_by_role_and_label(Role::Slider, FwdText::Eps.en())
        .set_value_accesskit(-1.0);
    h.run();
    assert!(shows(&h, "0.2683"));
    assert!(shows(&h, "0.7155"));
}

#[test]
fn beta_can_come_from_the_schedule_at_t() {
    let mut h = harness();
    h.get_by_label(FwdText::FromSchedule.en()).click();
    h.run();
    assert!(h.state().state.forward_step.beta_from_schedule);
    let t = h.state().state.forward_step.scrubber.t;
    let schedule = h.state().lab.schedule.clone();
    let example = h.state().state.forward_step.worked_example(&schedule);
    assert_close(example.beta1, schedule.beta(t), ROUNDING);
    assert_close(example.beta2, schedule.beta(t + 1), ROUNDING);
    // The DDPM schedule's β_100 = 1e-4 + 99·(0.02 − 1e-4)/999 = 0.0020720…
    assert_eq!(t, 100);
    assert!(shows(&h, "0.002072"));
}

#[test]
fn particles_match_the_closed_form_within_sampling_error() {
    let mut h = harness();
    let lab = h.state().lab.clone();
    let panel = &h.state().state.forward_step;
    assert!(panel.chain_is_current(&lab));
    let run = panel.chain_result().unwrap().clone();
    let n = run.point.particles;
    assert!(n >= 10_000);
    assert_eq!(run.point.num_steps(), lab.schedule.num_steps());
    for t in [1, 10, 100, 500, 1000] {
        let q = q_xt_given_x0(&lab.schedule, t, 0.8);
        let s = run.point.at(t).unwrap();
        assert!(
            (s.mean - q.mean).abs() <= 4.0 * mean_standard_error(q.variance, n),
            "t = {t}: mean {} vs {}",
            s.mean,
            q.mean
        );
        assert!(
            (s.variance - q.variance).abs() <= 4.0 * variance_standard_error(q.variance, n),
            "t = {t}: variance {} vs {}",
            s.variance,
            q.variance
        );
        let check = run.moments_at(t).unwrap();
        assert!(check.within());
    }
    // The panel shows the check for its t (100) with the closed-form mean √ᾱ_100·0.8.
    let q = q_xt_given_x0(&lab.schedule, 100, 0.8);
    assert!(shows(&h, &format!("closed form {:.4}", q.mean)));
    assert!(shows(&h, FwdText::Within.en()));
    // The histogram shown is a density: its bars integrate to 1.
    let hist = run.point.at(100).unwrap().histogram.clone().unwrap();
    let mass: f64 = hist
        .densities()
        .iter()
        .map(|(_, d)| d * hist.bin_width)
        .sum();
    assert_close(mass, 1.0, ROUNDING);
    // Moving t re-reads the same run (no new job): the title follows t.
    h.state_mut().state.forward_step.scrubber.t = 10;
    h.run();
    assert!(shows(&h, "particles at t = 10 "));
    let lab = h.state().lab.clone();
    assert!(h.state().state.forward_step.chain_is_current(&lab));
}

#[test]
fn variance_stays_one_for_unit_variance_data() {
    for start in [UnitStart::StandardNormal, UnitStart::PlusMinusOne] {
        let mut state = PersistedState::default();
        state.forward_step.chain.unit_start = start;
        let h = harness_with(state);
        let run = h.state().state.forward_step.chain_result().unwrap().clone();
        let n = run.unit.particles;
        // Every exact Var(x_t) is 1 (the recursion (1−β)·1 + β).
        for &[_, v] in &run.var_exact {
            assert_close(v, 1.0, ROUNDING);
        }
        // The particles' variance stays within 5 standard errors of 1 at every t.
        let bound = 5.0 * variance_standard_error(1.0, n);
        for s in &run.unit.steps {
            assert!(
                (s.variance - 1.0).abs() <= bound,
                "{start:?}: {}",
                s.variance
            );
        }
        assert!(run.max_var_deviation <= bound);
        assert_eq!(run.var_empirical.len(), run.unit.steps.len());
    }
}

#[test]
fn changing_the_seed_recomputes_and_rerolls() {
    let mut h = harness();
    let before = h.state().state.forward_step.chain_result().unwrap().clone();
    let seed = h.state().state.forward_step.chain.seed;
    h.get_by_label(FwdText::Reroll.en()).click();
    settle(&mut h);
    assert_ne!(h.state().state.forward_step.chain.seed, seed);
    let lab = h.state().lab.clone();
    assert!(h.state().state.forward_step.chain_is_current(&lab));
    let after = h.state().state.forward_step.chain_result().unwrap().clone();
    assert_ne!(
        before.point.at(500).unwrap().mean,
        after.point.at(500).unwrap().mean
    );
    // Same inputs again: the cached run is reused, nothing recomputed.
    h.run();
    assert!(std::sync::Arc::ptr_eq(
        &after,
        h.state().state.forward_step.chain_result().unwrap()
    ));
}

#[test]
fn t_scrubber_reacts_to_arrow_keys() {
    let mut h = harness();
    assert_eq!(h.state().state.forward_step.scrubber.t, 100);
    h.key_press(egui::Key::ArrowRight);
    h.run();
    assert_eq!(h.state().state.forward_step.scrubber.t, 101);
    h.key_press(egui::Key::ArrowLeft);
    h.key_press(egui::Key::ArrowLeft);
    h.run();
    assert_eq!(h.state().state.forward_step.scrubber.t, 99);
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowRight);
    h.run();
    assert_eq!(h.state().state.forward_step.scrubber.t, 109);
    h.key_press(egui::Key::End);
    h.run();
    assert_eq!(h.state().state.forward_step.scrubber.t, 1000);
}

#[test]
fn inputs_persist_through_serde() {
    let mut state = PersistedState::default();
    state.forward_step.beta = 0.25;
    state.forward_step.chain.seed = 7;
    let text = serde_json::to_string(&state).unwrap();
    let back: PersistedState = serde_json::from_str(&text).unwrap();
    assert_close(back.forward_step.beta, 0.25, ROUNDING);
    assert_eq!(back.forward_step.chain.seed, 7);
    let partial: PersistedState = serde_json::from_str(r#"{"forward_step":{"eps":-1.0}}"#).unwrap();
    assert_close(partial.forward_step.eps, -1.0, ROUNDING);
    assert_close(partial.forward_step.x_prev, 0.8, ROUNDING);
}

#[test]
fn korean_labels_render() {
    let mut state = PersistedState::default();
    state.settings.lang = ddpm_lab::app::Lang::Ko;
    let h = harness_with(state);
    if h.state().lab.korean_unavailable {
        // No CJK font on this machine: the app says so and stays in English.
        assert!(shows(&h, "0.") && !shows(&h, FwdText::ALL[0].ko()));
        return;
    }
    assert!(shows(&h, FwdText::WorkedTitle.ko()));
    assert!(shows(&h, "0.7589"));
}

#[test]
fn forward_step_snapshot() {
    let mut h = harness();
    screenshot(&mut h, "forward_step");
}

#[test]
fn edge_schedules_and_inputs_render_finite_numbers() {
    use ddpm_lab::diffusion::ScheduleSpec;
    for spec in [
        ScheduleSpec::default().with_zero_snr(true),
        ScheduleSpec::linear(2, 1e-4, 0.02),
    ] {
        let mut state = PersistedState::default();
        state.schedule.spec = spec.clone();
        state.forward_step.beta_from_schedule = true;
        let mut h = harness_with(state);
        let t_max = h.state().lab.schedule.num_steps();
        h.key_press(egui::Key::End);
        h.run();
        assert_eq!(h.state().state.forward_step.scrubber.t, t_max);
        let run = h.state().state.forward_step.chain_result().unwrap().clone();
        assert_eq!(run.point.num_steps(), t_max);
        let check = run.moments_at(t_max).unwrap();
        assert!(check.mean.is_finite() && check.variance.is_finite());
        assert!(check.within(), "{spec:?}: {check:?}");
        assert!(run.var_exact.iter().all(|p| (p[1] - 1.0).abs() < 1e-9));
    }
    // The largest β the slider allows: the example stays finite.
    let mut h = harness();
    h.get_by_role_and_label(Role::Slider, FwdText::Beta.en())
        .set_value_accesskit(0.999);
    h.run();
    let schedule = h.state().lab.schedule.clone();
    let r = h
        .state()
        .state
        .forward_step
        .worked_example(&schedule)
        .compute();
    assert!(r.x1.is_finite() && r.q2.mean.is_finite());
    assert!(shows(&h, "0.9990"));
}

/// Inputs at the ends of f64 (as a hand-edited state file can hold them, or the schedule's
/// β when a custom schedule reaches 0 or 1) draw finite plots and no NaN, in the panel and
/// in the lesson's steps that show the same plot without its sliders.
#[test]
fn extreme_inputs_draw_only_finite_shapes() {
    use ddpm_lab::ui::lesson::LessonStep;
    let values = [0.8, 0.0, -3.0, 1e-300, 5e-324, 1e300, -f64::MAX, f64::MAX];
    let betas = [0.1, 0.0, 5e-324, 1e-12, 0.999, 1.0, 1e300];
    let mut cases = Vec::new();
    for &x_prev in &values {
        for &beta in &betas {
            for &eps in &[0.5, 1e308, -5e-324] {
                cases.push((x_prev, beta, eps));
            }
        }
    }
    for (i, (x_prev, beta, eps)) in cases.into_iter().enumerate() {
        // Every case on the panel; every seventh also on the lesson's first two steps.
        let mut panels = vec![(PanelId::ForwardStep, None)];
        if i % 7 == 0 {
            panels.push((PanelId::Lesson, Some(LessonStep::Idea)));
            panels.push((PanelId::Lesson, Some(LessonStep::ForwardStep)));
        }
        for (panel, step) in panels {
            let mut state = PersistedState {
                panel,
                ..PersistedState::default()
            };
            for fwd in [&mut state.forward_step, &mut state.lesson.forward] {
                fwd.x_prev = x_prev;
                fwd.beta = beta;
                fwd.beta_next = beta;
                fwd.eps = eps;
            }
            if let Some(step) = step {
                state.lesson.step = step;
            }
            let mut h = app_harness(state);
            h.run_steps(3);
            common::check_frame(
                &h,
                &format!("x_prev = {x_prev:e}, β = {beta:e}, ε = {eps:e} on {panel:?} {step:?}"),
            );
        }
    }
}

/// Legend entries hide their series when clicked (the monkey found it): with any set of
/// the density plot's entries hidden — the curve, the markers, the sample point — every
/// shape is still drawn at finite coordinates (a plot left with one point or only
/// vertical lines has no height of its own).
///
/// Also at inputs whose markers lie a subnormal distance apart (the long monkey run: with
/// x_{t−1} = 0 and ε = 1e-308 the sample sits 6e-310 from the mean; with the curve hidden
/// the plot's width was that, its height thin, and egui_plot's transform divided 0 by 0).
#[test]
fn hiding_legend_entries_leaves_finite_shapes() {
    let entries = [
        FwdText::Density,
        FwdText::MeanMark,
        FwdText::PrevMark,
        FwdText::SampleMark,
    ];
    let inputs = [
        (0.8, 0.1, 0.5),
        (0.0, 0.0032, 1e-308),
        (0.0, 0.1, 5e-324),
        (1e-300, 1e-5, -1e-300),
        (3.0, 0.999, 1e-310),
    ];
    for (mask, (x_prev, beta, eps)) in (1_u32..(1 << entries.len()))
        .flat_map(|mask| inputs.iter().map(move |&input| (mask, input)))
    {
        let mut state = PersistedState::default();
        state.forward_step.x_prev = x_prev;
        state.forward_step.beta = beta;
        state.forward_step.beta_from_schedule = false;
        state.forward_step.eps = eps;
        let mut h = harness_with(state);
        let mut hidden = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            if mask & (1 << i) != 0 {
                // The first entry by that name is the density plot's legend.
                if let Some(node) = h.query_all_by_label(entry.en()).next() {
                    node.click();
                    hidden.push(entry.en());
                }
                h.run();
            }
        }
        assert!(!hidden.is_empty());
        common::check_frame(
            &h,
            &format!("hidden {hidden:?} at x_prev = {x_prev:e}, β = {beta:e}, ε = {eps:e}"),
        );
    }
}
