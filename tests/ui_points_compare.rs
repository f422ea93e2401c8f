//! The Points panel beside its network: ODE paths drawn beside SDE paths from the same
//! starting points, and the r² of the exact denoisers of the cloud against the network.

mod common;

use common::app_harness;
use ddpm_lab::diffusion::TimestepSpacing;
use ddpm_lab::model::analytic::{AnalyticFit, explain_timesteps};
use ddpm_lab::model::inference::{Flow, ReverseOptions, Sampler, run_reverse};
use ddpm_lab::ui::explain_view::ExplainText;
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::image::SamplerKind;
use ddpm_lab::ui::points::{CompanionKind, PtsText, TRACKED};
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn harness() -> Harness<'static, DdpmLabApp> {
    let state = PersistedState {
        panel: PanelId::Points,
        ..PersistedState::default()
    };
    let mut h = app_harness(state);
    settle(&mut h);
    h
}

fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    for _ in 0..20 {
        h.step();
        if !h.state().state.points.is_busy() {
            break;
        }
        h.state_mut().state.points.finish_background_work();
    }
    h.run_steps(8);
}

fn distance(a: &[f32], b: &[f32]) -> f64 {
    (((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)) as f64).sqrt()
}

/// Mean distance from each point to its nearest data point.
fn mean_nearest(points: &[f32], data: &[f32]) -> f64 {
    points
        .chunks_exact(2)
        .map(|p| {
            data.chunks_exact(2)
                .map(|d| distance(p, d))
                .fold(f64::INFINITY, f64::min)
        })
        .sum::<f64>()
        / (points.len() / 2) as f64
}

#[test]
fn ode_paths_are_drawn_beside_ddpm_paths_from_the_same_starts() {
    let mut h = harness();
    assert!(h.state().state.points.compare_paths, "on by default");
    h.state_mut().state.points.reverse.sampler = SamplerKind::Ddpm;
    h.state_mut().state.points.reverse.ddpm_steps = 100;
    h.run_steps(2);
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let lab = h.state().lab.clone();
    let panel = &h.state().state.points;
    assert_eq!(panel.companion_kind(), Some(CompanionKind::Ode));
    let main = panel.trajectory().expect("run");
    let ode = panel.companion_trajectory().expect("ODE run");
    assert!(main.finished && ode.finished);
    assert_eq!(ode.positions(), main.positions());
    // The same starting points: the tracked ones of the DDPM run.
    let n = main.view(0).unwrap().x.len() / 2;
    let start = main.view(0).unwrap().x;
    let tracked: Vec<usize> = (0..TRACKED).map(|i| i * n / TRACKED).collect();
    let ode_start = ode.view(0).unwrap().x;
    assert_eq!(ode_start.len(), 2 * TRACKED);
    for (k, &i) in tracked.iter().enumerate() {
        assert_eq!(&ode_start[2 * k..2 * k + 2], &start[2 * i..2 * i + 2]);
    }
    // The ODE's ends are what DDIM with η = 0 gives from those starts, on the same steps.
    let model = panel.model_checkpoint(&lab).expect("model");
    let options = ReverseOptions {
        sampler: Sampler::Ddim { eta: 0.0 },
        steps: Some(100),
        spacing: TimestepSpacing::Trailing,
        clip_x0: false,
        seed: panel.reverse.seed,
    };
    let direct = run_reverse(
        model.as_ref(),
        &model.schedule,
        ode_start.to_vec(),
        1000,
        &options,
        None,
        |_| Flow::Continue,
    )
    .expect("direct ODE run");
    let ode_end = ode.result().unwrap();
    for (a, b) in ode_end.iter().zip(&direct.x) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    // Both land on the data, at different places: they share the marginals, not the paths.
    let data = panel.cloud().unwrap();
    let sde_end: Vec<f32> = tracked
        .iter()
        .flat_map(|&i| main.result().unwrap()[2 * i..2 * i + 2].to_vec())
        .collect();
    assert!(mean_nearest(ode_end, &data) < 0.1);
    assert!(mean_nearest(&sde_end, &data) < 0.1);
    let apart = sde_end
        .chunks_exact(2)
        .zip(ode_end.chunks_exact(2))
        .map(|(a, b)| distance(a, b))
        .sum::<f64>()
        / TRACKED as f64;
    assert!(apart > 0.05, "SDE and ODE ends {apart} apart on average");
    // Drawn: one dashed path per tracked point, down to the t on screen.
    let paths = panel.companion_paths(0);
    assert_eq!(paths.len(), TRACKED);
    assert!(paths.iter().all(|p| p.len() == ode.positions()));
    let halfway = panel.companion_paths(500);
    assert!(
        halfway
            .iter()
            .all(|p| p.len() < ode.positions() && p.len() > 1)
    );
    assert!(
        h.query_by_label(PtsText::OdePaths.en()).is_some(),
        "in the legend"
    );

    // Beside a deterministic run, the DDPM paths; switched off, none.
    h.state_mut().state.points.reverse.sampler = SamplerKind::Ddim;
    h.run_steps(2);
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    assert_eq!(
        h.state().state.points.companion_kind(),
        Some(CompanionKind::Sde)
    );
    h.get_by_label(PtsText::ComparePaths.en()).click();
    h.run_steps(2);
    assert!(!h.state().state.points.compare_paths);
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    assert_eq!(h.state().state.points.companion_kind(), None);
}

#[test]
fn the_r2_of_the_exact_denoisers_is_measured_for_the_shipped_moons_model() {
    let mut h = harness();
    let lab = h.state().lab.clone();
    assert!(h.state().state.points.explain_key(&lab).is_some());
    let button = h.get_by_label(ExplainText::Measure.en());
    assert!(
        !button.accesskit_node().is_disabled(),
        "Measure is offered once the model is loaded"
    );
    button.click();
    h.run_steps(2);
    if h.state().state.points.explain.result().is_none() && !h.state().state.points.is_busy() {
        // The section lies below the fold of the panel's scroll area, where a simulated
        // click may not reach; the button's own action is the same call.
        assert!(
            h.state_mut()
                .state
                .points
                .start_explain(&lab, ddpm_lab::app::jobs::no_repaint())
        );
    }
    settle(&mut h);
    let lab = h.state().lab.clone();
    let panel = &h.state().state.points;
    assert!(
        panel.explain.error().is_none(),
        "{:?}",
        panel.explain.error()
    );
    let result = panel.explain.result().expect("measured");
    assert_eq!(Some(result.key), panel.explain_key(&lab));
    assert_eq!(result.train_items, 1000);
    assert_eq!(result.curves.len(), 2);
    let ts = explain_timesteps(1000);
    let r2 = |fit: AnalyticFit, t: usize| -> f64 {
        let c = result.curves.iter().find(|c| c.fit == fit).unwrap();
        assert_eq!(c.points.iter().map(|p| p.0).collect::<Vec<_>>(), ts);
        c.points.iter().find(|p| p.0 == t).unwrap().1.expect("r2")
    };
    // Near t = 0 every denoiser returns x_t; at t = 50 the network is much nearer the
    // ideal denoiser of the cloud than the Gaussian one (the moons are not Gaussian).
    assert!(r2(AnalyticFit::Ideal, 1) > 0.99);
    assert!(r2(AnalyticFit::Gaussian, 1) > 0.99);
    assert!(
        r2(AnalyticFit::Ideal, 50) > r2(AnalyticFit::Gaussian, 50) + 0.01,
        "ideal {} gaussian {}",
        r2(AnalyticFit::Ideal, 50),
        r2(AnalyticFit::Gaussian, 50)
    );
    for c in &result.curves {
        for &(_, v) in &c.points {
            assert!(v.is_none_or(|v| v.is_finite() && v <= 1.0 + 1e-9));
        }
        let drawn = ddpm_lab::ui::explain_view::plotted(c);
        assert!(drawn.iter().all(|p| p[1] >= -1.0 && p[1].is_finite()));
    }
    // Another draw of the cloud makes the measurement stale.
    h.state_mut().state.points.data_seed += 1;
    settle(&mut h);
    let lab = h.state().lab.clone();
    let panel = &h.state().state.points;
    assert_ne!(
        Some(panel.explain.result().unwrap().key),
        panel.explain_key(&lab)
    );
    assert!(h.query_by_label(ExplainText::Stale.en()).is_some());
}
