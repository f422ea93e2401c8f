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
    // The section, scrolled into view (it lies below the cloud plot).
    {
        use ddpm_lab::egui::{self, Event, MouseWheelUnit, TouchPhase};
        h.event(Event::PointerMoved(egui::pos2(900.0, 700.0)));
        h.event(Event::MouseWheel {
            unit: MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -3000.0),
            phase: TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(6);
        common::screenshot(&mut h, "points_r2");
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

/// Picked from the model menu, the exact denoisers of the cloud sample. The ideal one
/// gives the data points back: on a sparse cloud nearly every sample is a copy of one, on
/// the dense moons its samples still sit closer to the data points than the network's. The
/// Gaussian one fills an ellipse with the cloud's mean and covariance.
#[test]
fn exact_denoisers_of_the_cloud_are_models_and_the_ideal_one_memorises() {
    use ddpm_lab::model::analytic::AnalyticFit;
    use ddpm_lab::ui::points::{COPY_DISTANCE, PointSet, PointsModel};
    let mut h = harness();
    h.state_mut().state.points.reverse.sampler = SamplerKind::Ddpm;
    h.state_mut().state.points.reverse.ddpm_steps = 1000;
    h.state_mut().state.points.compare_paths = false;
    h.run_steps(2);
    // The network first, for comparison.
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let net = h
        .state()
        .state
        .points
        .nearest_summary()
        .expect("summary of the network's run")
        .clone();
    assert_eq!(net.nearest.len(), 1000);
    assert!(
        h.query_by_label_contains("Samples against the cloud")
            .is_some()
    );

    // The ideal denoiser, picked in the menu.
    h.get_by_label(PtsText::Model.en()).click();
    h.run_steps(2);
    h.get_by_label(PtsText::ExactIdeal.en()).click();
    h.run_steps(2);
    assert_eq!(
        h.state().state.points.model_choice(),
        PointsModel::Exact(AnalyticFit::Ideal)
    );
    let lab = h.state().lab.clone();
    let model = h.state().state.points.run_denoiser(&lab).expect("ready");
    assert!(model.network().is_none());
    assert_eq!(model.schedule().spec(), lab.schedule.spec());
    assert!(h.query_by_label_contains("gives the points back").is_some());
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let panel = &h.state().state.points;
    let ideal = panel
        .nearest_summary()
        .expect("summary of the ideal run")
        .clone();
    let data = panel.cloud().unwrap();
    let samples = panel.trajectory().unwrap().result().unwrap().to_vec();
    // Every sample's nearest point, checked by brute force.
    for (k, p) in samples.chunks_exact(2).enumerate() {
        let n = ideal.nearest[k];
        let d = distance(p, &data[2 * n.index..2 * n.index + 2]);
        assert!((d - n.distance).abs() < 1e-5);
        let brute = data
            .chunks_exact(2)
            .map(|q| distance(p, q))
            .fold(f64::INFINITY, f64::min);
        assert!((brute - n.distance).abs() < 1e-5);
    }
    assert!(
        ideal.median < 0.8 * net.median,
        "ideal {} network {}",
        ideal.median,
        net.median
    );
    // At the run's last position, the tracked samples' nearest data points are drawn.
    let last = h.state().state.points.trajectory().unwrap().positions() - 1;
    h.state_mut().state.points.reverse_scrubber.t = last;
    h.run_steps(2);
    assert!(
        h.query_by_label(PtsText::PlotNearest.en()).is_some(),
        "drawn"
    );

    // The Gaussian one: the cloud's mean and covariance, and few copies.
    h.state_mut().state.points.model = Some(PointsModel::Exact(AnalyticFit::Gaussian));
    h.run_steps(2);
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let panel = &h.state().state.points;
    let samples = panel.trajectory().unwrap().result().unwrap().to_vec();
    let moments = |p: &[f32]| {
        let n = (p.len() / 2) as f64;
        let m = |k: usize| p.iter().skip(k).step_by(2).map(|&v| v as f64).sum::<f64>() / n;
        let (mx, my) = (m(0), m(1));
        let c = |a: usize, b: usize, ma: f64, mb: f64| {
            p.chunks_exact(2)
                .map(|q| (q[a] as f64 - ma) * (q[b] as f64 - mb))
                .sum::<f64>()
                / n
        };
        [mx, my, c(0, 0, mx, mx), c(1, 1, my, my), c(0, 1, mx, my)]
    };
    let (want, got) = (moments(&data), moments(&samples));
    // 1 000 samples: the moments within a few standard errors.
    for (w, g) in want.iter().zip(&got) {
        assert!((w - g).abs() < 0.12, "moments {want:?} vs {got:?}");
    }
    common::check_frame(&h, "after the Gaussian run");

    // A sparse cloud: 40 drawn points. The ideal denoiser copies them; the Gaussian one
    // does not.
    let mut state = PersistedState {
        panel: PanelId::Points,
        ..PersistedState::default()
    };
    state.points.set = PointSet::Drawn;
    state.points.drawn = (0..40)
        .map(|i| {
            let a = i as f32 * 2.4;
            let r = 0.3 + 0.035 * i as f32;
            [r * a.cos(), r * a.sin()]
        })
        .collect();
    state.points.model = Some(PointsModel::Exact(AnalyticFit::Ideal));
    state.points.reverse.sampler = SamplerKind::Ddpm;
    state.points.reverse.ddpm_steps = 1000;
    state.points.compare_paths = false;
    let mut h = app_harness(state);
    settle(&mut h);
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let sparse = h
        .state()
        .state
        .points
        .nearest_summary()
        .expect("summary")
        .clone();
    assert!(sparse.spacing > 0.05, "spacing {}", sparse.spacing);
    assert!(
        sparse.copy_fraction() > 0.9,
        "ideal on 40 points: {} of the samples within {COPY_DISTANCE} × {}",
        sparse.copy_fraction(),
        sparse.spacing
    );
    let last = h.state().state.points.trajectory().unwrap().positions() - 1;
    h.state_mut().state.points.reverse_scrubber.t = last;
    // The picture: the 1 000 samples sit on the 40 points (paths and field off).
    h.state_mut().state.points.show_paths = false;
    h.state_mut().state.points.show_field = false;
    h.run_steps(3);
    common::screenshot(&mut h, "points_ideal_denoiser");
    h.state_mut().state.points.model = Some(PointsModel::Exact(AnalyticFit::Gaussian));
    h.run_steps(2);
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let gauss = h
        .state()
        .state
        .points
        .nearest_summary()
        .expect("summary")
        .clone();
    assert!(
        gauss.copy_fraction() < 0.3,
        "Gaussian on 40 points: {}",
        gauss.copy_fraction()
    );
}

/// On ring8, which is given as a mixture, the exact denoiser of the true distribution is a
/// model too: its samples fall around all eight means with the data's spread, and are new
/// points (no more copies of the cloud than chance gives).
#[test]
fn the_true_mixture_of_ring8_samples_new_points_like_the_data() {
    use ddpm_lab::model::data::{DatasetKind, ring8_components};
    use ddpm_lab::ui::points::{PointSet, PointsModel};
    let mut state = PersistedState {
        panel: PanelId::Points,
        ..PersistedState::default()
    };
    state.points.set = PointSet::Toy(DatasetKind::Ring8);
    state.points.model = Some(PointsModel::TrueMixture);
    state.points.reverse.sampler = SamplerKind::Ddim;
    state.points.reverse.ddim_steps = 100;
    state.points.compare_paths = false;
    let mut h = app_harness(state);
    settle(&mut h);
    let lab = h.state().lab.clone();
    assert!(h.state().state.points.run_denoiser(&lab).is_some());
    assert!(
        h.query_by_label_contains("exact posterior mean of that mixture")
            .is_some()
    );
    h.get_by_label(PtsText::FromNoise.en()).click();
    settle(&mut h);
    let panel = &h.state().state.points;
    let samples = panel.trajectory().unwrap().result().unwrap().to_vec();
    let means = ring8_components();
    let mut counts = [0usize; 8];
    let mut total = 0.0;
    for p in samples.chunks_exact(2) {
        let (k, d) = means
            .iter()
            .enumerate()
            .map(|(k, (_, m, _))| {
                let d = ((p[0] as f64 - m[0]).powi(2) + (p[1] as f64 - m[1]).powi(2)).sqrt();
                (k, d)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        counts[k] += 1;
        total += d;
    }
    // A 2-D Gaussian of σ = 0.05 lies σ·√(π/2) ≈ 0.063 from its mean on average.
    let mean_distance = total / (samples.len() / 2) as f64;
    assert!((mean_distance - 0.0627).abs() < 0.015, "{mean_distance}");
    // 1 000 samples over eight equal components: 125 each, within a few standard errors.
    assert!(
        counts.iter().all(|&c| (75..=175).contains(&c)),
        "{counts:?}"
    );
    let near = panel.nearest_summary().expect("summary");
    assert!(near.copy_fraction() < 0.2, "{}", near.copy_fraction());
    // Not offered for another set.
    h.state_mut().state.points.set = PointSet::Toy(DatasetKind::Moons);
    settle(&mut h);
    assert!(h.state().state.points.run_denoiser(&lab).is_none());
    assert!(
        h.query_by_label_contains("Only ring8 is given as a mixture")
            .is_some()
    );
}
