//! The ODE samplers in the panels: chosen from the sampler list like DDPM and DDIM, they
//! run the shipped moons model to the data.

mod common;

use common::{app_harness, shows};
use ddpm_lab::egui::accesskit::Role;
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::image::{SamplerKind, ViewMode};
use ddpm_lab::ui::points::PtsText;
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn points_harness(state: PersistedState) -> Harness<'static, DdpmLabApp> {
    let mut state = state;
    state.panel = PanelId::Points;
    let mut h = app_harness(state);
    settle(&mut h);
    h
}

fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    for _ in 0..40 {
        h.step();
        if !h.state().state.points.is_busy() {
            break;
        }
        h.state_mut().state.points.finish_background_work();
    }
    h.run();
}

/// Mean distance from each sample to its nearest data point.
fn mean_nearest(samples: &[f32], data: &[f32]) -> f64 {
    samples
        .chunks_exact(2)
        .map(|s| {
            data.chunks_exact(2)
                .map(|d| (((s[0] - d[0]).powi(2) + (s[1] - d[1]).powi(2)) as f64).sqrt())
                .fold(f64::INFINITY, f64::min)
        })
        .sum::<f64>()
        / (samples.len() / 2) as f64
}

#[test]
fn the_sampler_list_offers_the_ode_solvers_and_they_reach_the_data() {
    let mut h = points_harness(PersistedState::default());
    h.get_by_role_and_label(Role::ComboBox, PtsText::Sampler.en())
        .click();
    h.run();
    for name in [PtsText::Euler, PtsText::Heun, PtsText::DpmSolver] {
        assert!(shows(&h, name.en()), "{} is offered", name.en());
    }
    h.get_by_label(PtsText::DpmSolver.en()).click();
    h.run();
    assert_eq!(
        h.state().state.points.reverse.sampler,
        SamplerKind::DpmSolverPlusPlus2M
    );
    // The Karras box appears for the ODE solvers.
    h.get_by_label(PtsText::Karras.en()).click();
    h.run();
    assert!(h.state().state.points.reverse.karras);
    h.state_mut().state.points.reverse.ode_steps = 15;
    h.run();
    let data = h.state().state.points.cloud().expect("data").to_vec();
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let panel = &h.state().state.points;
    assert_eq!(panel.mode, ViewMode::Reverse);
    let traj = panel.trajectory().expect("run");
    assert!(traj.finished);
    assert_eq!(traj.positions(), 16);
    let near = mean_nearest(traj.result().expect("samples"), &data);
    assert!(
        near < 0.08,
        "DPM-Solver++(2M)-15: mean distance to the data {near}"
    );
    assert!(shows(&h, "DPM-Solver++(2M) Karras-15"));
}

#[test]
fn heun_and_euler_runs_name_their_steps() {
    for (kind, steps, label) in [
        (SamplerKind::Heun, 10, "Heun-10"),
        (SamplerKind::Euler, 30, "Euler-30"),
    ] {
        let mut state = PersistedState::default();
        state.points.reverse.sampler = kind;
        state.points.reverse.ode_steps = steps;
        let mut h = points_harness(state);
        h.get_by_label(PtsText::FromNoise.en()).click();
        settle(&mut h);
        let traj = h.state().state.points.trajectory().expect("run");
        assert!(traj.finished, "{label}");
        assert_eq!(traj.positions(), steps + 1);
        assert_eq!(traj.t_at(0), Some(1000));
        assert_eq!(traj.t_at(steps), Some(0));
        assert!(shows(&h, label), "{label}");
    }
}

#[test]
fn why_small_steps_measures_one_curve_per_sampler() {
    let mut h = points_harness(PersistedState::default());
    assert!(shows(&h, PtsText::WhySmallSteps.en()));
    // The section sits below the cloud: scroll to it, then measure.
    h.get_by_label(PtsText::Measure.en()).scroll_to_me();
    h.run();
    h.get_by_label(PtsText::Measure.en()).click();
    h.step();
    settle(&mut h);
    assert_eq!(h.state().state.points.step_error.error(), None);
    let result = h
        .state()
        .state
        .points
        .step_error
        .result()
        .expect("measured")
        .clone();
    assert_eq!(result.curves.len(), 5);
    for c in &result.curves {
        let first = c.points.first().expect("a point").1;
        let last = c.points.last().expect("a point").1;
        assert!(
            last < first,
            "{}: {first} at few steps, {last} at many",
            c.sampler.label()
        );
        assert!(
            last < 3.0 * result.floor,
            "{}: {last} vs floor {}",
            c.sampler.label(),
            result.floor
        );
    }
    assert!(shows(&h, PtsText::StepErrorAxes.en()));
    h.get_by_label(PtsText::ExactFloor.en()).scroll_to_me();
    h.run();
    common::screenshot(&mut h, "points_step_error");
}
