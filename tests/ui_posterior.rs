//! The Posterior panel: presets and the mixture editor, the T override, modes and KL for
//! small and big steps, the curves over t, and the t scrubber.

mod common;

use common::{app_harness, screenshot, shows};
use ddpm_lab::diffusion::gmm1d::{ComponentSpec, PosteriorReport};
use ddpm_lab::diffusion::reverse;
use ddpm_lab::egui;
use ddpm_lab::tolerance::{ROUNDING, assert_close};
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::posterior::{PostText, Preset, SWEEP_POINTS};
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness_with(state: PersistedState) -> Harness<'static, DdpmLabApp> {
    let mut state = state;
    state.panel = PanelId::Posterior;
    let mut h = app_harness(state);
    settle(&mut h);
    h
}

fn harness() -> Harness<'static, DdpmLabApp> {
    harness_with(PersistedState::default())
}

/// Runs the frames of the queued input (which start the background job the new inputs
/// ask for), waits for that job, then runs until the UI settles. Waiting between the
/// two keeps the test independent of how fast the job is.
fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    h.step();
    h.state_mut().state.posterior.finish_background_work();
    h.run();
}

/// The true posterior's report at the shown t and x_t.
fn report<'a>(h: &'a Harness<'static, DdpmLabApp>) -> &'a PosteriorReport {
    &h.state().state.posterior.snapshot().unwrap().report
}

fn modes(h: &Harness<'static, DdpmLabApp>) -> usize {
    report(h).modes.len()
}

fn kl_to_gaussian(h: &Harness<'static, DdpmLabApp>) -> f64 {
    report(h).kl_to_gaussian
}

fn choose_steps(h: &mut Harness<'static, DdpmLabApp>, option: &str) {
    h.get_by_label(PostText::Steps.en()).click();
    h.run();
    h.get_by_label(option).click();
    settle(h);
}

#[test]
fn small_steps_give_one_mode_big_steps_two() {
    let mut h = harness();
    h.get_by_label(PostText::PresetTwo.en()).click();
    h.get_by_role_and_label(Role::Slider, PostText::Xt.en())
        .set_value_accesskit(0.0);
    settle(&mut h);
    h.state_mut().state.posterior.scrubber.t = 200;
    settle(&mut h);
    assert_eq!(h.state().state.posterior.x_t, 0.0);
    // T = 1000 small steps: at t = 200 the posterior is one narrow Gaussian peak.
    assert_eq!(modes(&h), 1);
    assert!(shows(&h, "modes: 1"));
    let kl_fine = kl_to_gaussian(&h);
    assert!(kl_fine < 1e-6, "{kl_fine}");
    // The same ᾱ curve walked in 10 steps of 100: step 2 also ends at t = 200.
    choose_steps(&mut h, "T' = 10 (every 100 steps)");
    let p = &h.state().state.posterior;
    assert_eq!(p.factor, 100);
    assert_eq!(p.walked_steps(), Some(10));
    assert_eq!(p.scrubber.t, 2, "t stays at the same noise level");
    assert_eq!(p.snapshot().unwrap().original_t, 200);
    assert_eq!(modes(&h), 2);
    assert!(shows(&h, "modes: 2"));
    let kl_coarse = kl_to_gaussian(&h);
    assert!(kl_coarse > 0.1, "{kl_coarse}");
    // The point preset stays single-peaked even with big steps.
    h.get_by_label(PostText::PresetPoint.en()).click();
    settle(&mut h);
    assert_eq!(modes(&h), 1);
}

#[test]
fn point_preset_has_one_mode_at_every_small_step() {
    let mut h = harness();
    h.get_by_label(PostText::PresetPoint.en()).click();
    settle(&mut h);
    assert_eq!(
        h.state().state.posterior.good_components,
        Preset::Point.components()
    );
    for t in [1, 10, 100, 500, 1000] {
        h.state_mut().state.posterior.scrubber.t = t;
        h.run();
        assert_eq!(modes(&h), 1, "t = {t}");
    }
}

#[test]
fn x0_conditioned_posterior_is_the_core_formula() {
    let mut h = harness();
    h.state_mut().state.posterior.scrubber.t = 300;
    h.run();
    let schedule = h.state().lab.schedule.clone();
    let p = &h.state().state.posterior;
    let s = p.snapshot().unwrap();
    let expected = reverse::posterior(&schedule, 300, p.x0, p.x_t);
    let got = s.report.x0_posterior.unwrap();
    assert_close(got.mean, expected.mean, ROUNDING);
    assert_close(got.variance, expected.variance, ROUNDING);
    assert_close(
        s.report.posterior_variance,
        schedule.posterior_variance(300),
        ROUNDING,
    );
    // At t = 1, x0 is known: β̃_1 = 0 (drawn as a vertical line, not a density).
    h.state_mut().state.posterior.scrubber.t = 1;
    h.run();
    let s = h.state().state.posterior.snapshot().unwrap();
    assert_eq!(s.report.posterior_variance, 0.0);
}

#[test]
fn invalid_mixture_shows_an_error_and_keeps_the_last_good_one() {
    let mut h = harness();
    let good = h.state().state.posterior.good_components.clone();
    let weight_1 = format!("{} 1", PostText::Weight.en());
    h.get_by_label(&weight_1).set_value_accesskit(0.0);
    settle(&mut h);
    let p = &h.state().state.posterior;
    assert_eq!(p.components[0].weight, 0.0);
    assert_eq!(p.good_components, good, "the last good mixture stays");
    let message = p.error_text(ddpm_lab::app::Lang::En).unwrap_or_default();
    assert!(message.contains("weight 0 must be"), "{message}");
    assert!(
        p.error_text(ddpm_lab::app::Lang::Ko)
            .unwrap_or_default()
            .contains("가중치 0")
    );
    assert!(shows(&h, "Component 1: weight 0 must be a number > 0."));
    assert!(shows(&h, PostText::KeptLastGood.en()));
    // Plots still come from the last good mixture.
    assert!(h.state().state.posterior.snapshot().is_some());
    // Fixing it makes the edited mixture the data.
    h.get_by_label(&weight_1).set_value_accesskit(0.7);
    settle(&mut h);
    let p = &h.state().state.posterior;
    assert!(p.error.is_none());
    assert!(!shows(&h, PostText::KeptLastGood.en()));
    let good = p.good_components.clone();
    assert_eq!(good[0].weight, 0.7);
    // A zero sd is rejected the same way, and the 0.7 mixture stays.
    let sd_2 = format!("{} 2", PostText::Sd.en());
    h.get_by_label(&sd_2).set_value_accesskit(0.0);
    settle(&mut h);
    let p = &h.state().state.posterior;
    assert!(
        p.error_text(ddpm_lab::app::Lang::En)
            .unwrap_or_default()
            .contains("Component 2: standard deviation 0")
    );
    assert_eq!(p.good_components, good);
}

#[test]
fn components_can_be_added_and_removed() {
    let mut h = harness();
    assert_eq!(h.state().state.posterior.components.len(), 2);
    h.get_by_label(PostText::Add.en()).click();
    settle(&mut h);
    let p = &h.state().state.posterior;
    assert_eq!(p.components.len(), 3);
    assert_eq!(p.good_components.len(), 3);
    assert_eq!(
        p.components[2],
        ComponentSpec {
            weight: 0.5,
            mean: 2.0,
            std: 0.1
        }
    );
    h.get_all_by_label(PostText::Remove.en())
        .next()
        .unwrap()
        .click();
    settle(&mut h);
    let p = &h.state().state.posterior;
    assert_eq!(p.components.len(), 2);
    assert_eq!(p.components[0].mean, 1.0);
    h.get_by_label(PostText::PresetThree.en()).click();
    settle(&mut h);
    assert_eq!(
        h.state().state.posterior.good_components,
        Preset::ThreeModes.components()
    );
}

#[test]
fn curves_over_t_show_bigger_steps_are_less_gaussian() {
    let mut h = harness();
    let p = &h.state().state.posterior;
    assert!(p.sweep_is_current());
    let r = p.sweep_result().unwrap().clone();
    assert!(r.fine.len() <= SWEEP_POINTS && r.fine.len() >= 100);
    // The coarser walk is T/10 = 100 steps, plotted at the t each step ends on.
    assert_eq!(r.coarse.len(), 100);
    assert_eq!(r.coarse.first().unwrap().t, 10);
    assert_eq!(r.coarse.last().unwrap().t, 1000);
    let max_kl = |v: &[ddpm_lab::diffusion::posterior_sweep::SweepPoint]| {
        v.iter().map(|p| p.kl_to_gaussian).fold(0.0, f64::max)
    };
    assert!(
        max_kl(&r.coarse) > 100.0 * max_kl(&r.fine),
        "coarse {} fine {}",
        max_kl(&r.coarse),
        max_kl(&r.fine)
    );
    // The width of q(x_{t−1}|x_t, x0) is √β̃; the true posterior is at least as wide.
    for p in &r.fine {
        assert!(p.true_std + 1e-12 >= p.posterior_std * 0.999, "t = {}", p.t);
    }
    // Moving x_t recomputes the curves for the new x_t.
    h.get_by_role_and_label(Role::Slider, PostText::Xt.en())
        .set_value_accesskit(1.0);
    settle(&mut h);
    let p = &h.state().state.posterior;
    assert!(p.sweep_is_current());
    assert_eq!(p.sweep_result().unwrap().x_t, 1.0);
}

#[test]
fn t_scrubber_reacts_to_arrow_keys() {
    let mut h = harness();
    assert_eq!(h.state().state.posterior.scrubber.t, 100);
    h.key_press(egui::Key::ArrowRight);
    h.run();
    assert_eq!(h.state().state.posterior.scrubber.t, 101);
    assert_eq!(
        h.state().state.posterior.snapshot().unwrap().original_t,
        101
    );
    h.key_press(egui::Key::ArrowLeft);
    h.key_press(egui::Key::ArrowLeft);
    h.run();
    assert_eq!(h.state().state.posterior.scrubber.t, 99);
    h.key_press(egui::Key::Home);
    h.run();
    assert_eq!(h.state().state.posterior.scrubber.t, 1);
}

#[test]
fn inputs_persist_through_serde() {
    let mut state = PersistedState::default();
    state.posterior.apply_preset(Preset::ThreeModes);
    state.posterior.factor = 10;
    state.posterior.x_t = -0.5;
    let text = serde_json::to_string(&state).unwrap();
    let back: PersistedState = serde_json::from_str(&text).unwrap();
    assert_eq!(back.posterior.components, Preset::ThreeModes.components());
    assert_eq!(back.posterior.factor, 10);
    assert_eq!(back.posterior.x_t, -0.5);
    let partial: PersistedState = serde_json::from_str(r#"{"posterior":{"x0":0.1}}"#).unwrap();
    assert_eq!(partial.posterior.x0, 0.1);
    assert_eq!(
        partial.posterior.good_components,
        Preset::TwoModes.components()
    );
}

#[test]
fn korean_labels_render() {
    let mut state = PersistedState::default();
    state.settings.lang = ddpm_lab::app::Lang::Ko;
    let h = harness_with(state);
    if h.state().lab.korean_unavailable {
        // No CJK font on this machine: the app says so and stays in English.
        assert!(shows(&h, "0.") && !shows(&h, PostText::ALL[0].ko()));
        return;
    }
    assert!(shows(&h, PostText::Data.ko()));
    assert!(shows(&h, "봉우리 수"));
}

#[test]
fn posterior_snapshot() {
    let mut h = harness();
    screenshot(&mut h, "posterior");
}

#[test]
fn edge_schedules_render_finite_numbers() {
    use ddpm_lab::diffusion::ScheduleSpec;
    for spec in [
        ScheduleSpec::default().with_zero_snr(true),
        ScheduleSpec::linear(2, 1e-4, 0.02),
        ScheduleSpec::cosine(50),
    ] {
        let mut state = PersistedState::default();
        state.schedule.spec = spec.clone();
        state.posterior.apply_preset(Preset::Point);
        let mut h = harness_with(state);
        let t_max = h.state().lab.schedule.num_steps();
        assert_eq!(h.state().lab.schedule.spec(), &spec);
        for t in [1, t_max / 2, t_max] {
            h.state_mut().state.posterior.scrubber.t = t.max(1);
            for x_t in [-4.0, 0.0, 4.0] {
                h.state_mut().state.posterior.x_t = x_t;
                settle(&mut h);
                let s = h.state().state.posterior.snapshot().unwrap();
                let r = &s.report;
                assert!(
                    r.mean.is_finite() && r.variance.is_finite(),
                    "{spec:?} t {t}"
                );
                assert!(r.kl_to_gaussian.is_finite() && !r.modes.is_empty());
                assert!(s.coarse_kl.is_finite());
            }
        }
        let r = h.state().state.posterior.sweep_result().unwrap().clone();
        assert!(
            r.fine
                .iter()
                .chain(&r.coarse)
                .all(|p| p.true_std.is_finite() && p.kl_to_gaussian.is_finite())
        );
    }
}

#[test]
fn only_coarser_walks_that_exist_are_offered_and_the_verdict_follows_the_numbers() {
    use ddpm_lab::ui::posterior::{Verdict, compare_choices, factor_choices};
    // T = 1000 walked as T' = 10: ×2 (T'' = 5) and ×5 (T'' = 2) exist; ×10 would be one
    // step from T to 0.
    assert_eq!(compare_choices(1000, 100), vec![2, 5]);
    assert_eq!(compare_choices(1000, 1), vec![2, 5, 10, 20, 100]);
    assert!(factor_choices(1000).contains(&100));
    assert_eq!(factor_choices(10), vec![1, 2]);
    // The newcomer's state: T' = 10 with "×100 bigger steps".
    let mut state = PersistedState::default();
    state.posterior.factor = 100;
    state.posterior.compare = 100;
    state.posterior.scrubber.t = 3;
    let mut h = harness_with(state);
    settle(&mut h);
    let p = &h.state().state.posterior;
    assert_eq!(p.compare, 5, "the nearest coarser walk that exists");
    let s = p.snapshot().unwrap();
    assert_eq!(s.original_t, 300);
    // T'' = 2 ends its steps at t = 500 and 1000: the nearest to 300 is 500.
    assert_eq!(s.coarse_t, 500);
    assert!(shows(&h, "×5 bigger steps, step ending at t = 500"));
    // The dropdown offers those two and no walk of one step.
    h.get_by_label(PostText::Compare.en()).click();
    h.run();
    assert!(shows(&h, "×2 bigger steps (T'' = 5)"));
    assert!(shows(&h, "×5 bigger steps (T'' = 2)"));
    assert!(!shows(&h, "×10 bigger steps"));
    assert!(!shows(&h, "T'' = 1)"));
    h.key_press(ddpm_lab::egui::Key::Escape);
    h.run();
    // The verdict reads the numbers shown: several modes, or one mode with a large KL.
    for preset in [PostText::PresetTwo, PostText::PresetPoint] {
        h.get_by_label(preset.en()).click();
        settle(&mut h);
        let r = report(&h);
        let v = h.state().state.posterior.verdict().unwrap();
        match v {
            Verdict::Multimodal => {
                assert!(r.modes.len() > 1);
                assert!(shows(&h, &format!("has {} modes", r.modes.len())));
            }
            Verdict::Skewed => {
                assert_eq!(r.modes.len(), 1);
                assert!(r.kl_to_gaussian > 1e-2);
                assert!(shows(&h, "One mode, but KL ="));
            }
            Verdict::OneGaussian => {
                assert_eq!(r.modes.len(), 1);
                assert!(r.kl_to_gaussian <= 1e-2);
                assert!(shows(&h, PostText::Verdict1.en()));
            }
        }
        assert!(shows(&h, &format!("modes: {}", r.modes.len())));
        if r.modes.len() == 1 {
            assert!(
                !shows(&h, "not one Gaussian"),
                "modes: 1 beside 'not one Gaussian'"
            );
        }
    }
}

#[test]
fn with_one_component_every_curve_reaches_zero_inside_the_plot() {
    use ddpm_lab::ui::posterior::PlotView;
    // One narrow component (the "Point at 0.8" preset): the x0-conditioned posterior
    // (the purple dotted curve) and the true posterior sit far from the marginals'
    // span at small t; the plot's x range must still hold each of them whole.
    for view in [PlotView::Posterior, PlotView::Marginals] {
        let mut state = PersistedState::default();
        state.posterior.components = Preset::Point.components();
        state.posterior.view = view;
        let mut h = harness_with(state);
        for t in [2, 10, 50, 300, 1000] {
            h.state_mut().state.posterior.scrubber.t = t;
            settle(&mut h);
            let s = h.state().state.posterior.snapshot().unwrap();
            let g = s.x0_posterior();
            let sd = g.variance.sqrt();
            assert!(sd > 0.0, "{view:?} t = {t}: σ = {sd}");
            for (name, curve) in [
                ("x0 posterior", s.x0_curve()),
                ("true posterior", s.true_curve()),
                ("moment-matched", s.matched_curve()),
            ] {
                let what = format!("{view:?} t = {t}, {name}");
                assert!(curve.len() > 10, "{what}: {} points", curve.len());
                let (lo, hi) = (curve[0][0], curve[curve.len() - 1][0]);
                let peak = curve.iter().map(|p| p[1]).fold(0.0, f64::max);
                assert!(peak > 0.0 && peak.is_finite(), "{what}: peak {peak}");
                // Each end is (nearly) zero: the curve is not cut at the plot's edge.
                for end in [curve[0][1], curve[curve.len() - 1][1]] {
                    assert!(end < 1e-3 * peak, "{what}: {end} at an end, peak {peak}");
                }
                if name == "x0 posterior" {
                    assert!(
                        lo <= g.mean - 4.0 * sd && hi >= g.mean + 4.0 * sd,
                        "{what}: x from {lo} to {hi}, posterior {} ± 4 × {sd}",
                        g.mean
                    );
                }
            }
        }
    }
}

/// With any set of the density plot's legend entries hidden, and x_t and x₀ a subnormal
/// distance apart (so the markers left behind are too), every shape is finite. The same
/// on Forward step drew a NaN (the long monkey run found it: there the sample point held
/// the height at y ≈ 7, where half a subnormal width rounds away); here the x_t dot sits
/// at y = 0, and the plot keeps its curves' span in view besides.
#[test]
fn hiding_legend_entries_at_subnormal_inputs_leaves_finite_shapes() {
    let entries = [
        PostText::PrevMarginal,
        PostText::Marginal,
        PostText::TruePost,
        PostText::Matched,
        PostText::X0Post,
        PostText::X0PostPoint,
    ];
    for preset in [Preset::Point, Preset::TwoModes] {
        for mask in 1_u32..(1 << entries.len()) {
            // X0Post and X0PostPoint are never both shown: one of the pair is enough.
            if mask & 0b11_0000 == 0b11_0000 {
                continue;
            }
            let mut state = PersistedState::default();
            state.posterior.apply_preset(preset);
            state.posterior.x_t = 0.0;
            state.posterior.x0 = 1e-310;
            let mut h = harness_with(state);
            let mut hidden = Vec::new();
            for (i, entry) in entries.iter().enumerate() {
                if mask & (1 << i) == 0 {
                    continue;
                }
                if let Some(node) = h.query_all_by_label(entry.en()).next() {
                    node.click();
                    hidden.push(entry.en());
                }
                h.run();
            }
            common::check_frame(&h, &format!("{preset:?}, hidden {hidden:?}"));
        }
    }
}
