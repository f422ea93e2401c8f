//! The Image panel's r² section: how much of the glyph model's x̂0 the ideal and the
//! per-pixel Gaussian denoiser of its own training data (drawn again from the data spec
//! in its config.json) explain, per t.

mod common;

use common::app_harness;
use ddpm_lab::model::analytic::{AnalyticFit, explain_timesteps};
use ddpm_lab::ui::explain_view::ExplainText;
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    for _ in 0..20 {
        h.step();
        if !h.state().state.image.is_busy() {
            break;
        }
        h.state_mut().state.image.finish_background_work();
    }
    h.run_steps(8);
}

#[test]
fn the_r2_of_the_exact_denoisers_is_measured_for_the_glyph_model() {
    let state = PersistedState {
        panel: PanelId::Image,
        ..PersistedState::default()
    };
    let mut h = app_harness(state);
    settle(&mut h);
    let lab = h.state().lab.clone();
    let key = h.state().state.image.explain_key(&lab).expect("a glyph model is loaded");
    let button = h.get_by_label(ExplainText::Measure.en());
    assert!(!button.accesskit_node().is_disabled());
    // The section lies below the fold of the panel's scroll area, where a simulated click
    // may not reach; the button's own action is the same call.
    assert!(
        h.state_mut()
            .state
            .image
            .start_explain(&lab, ddpm_lab::app::jobs::no_repaint())
    );
    settle(&mut h);
    let image = &h.state().state.image;
    assert!(image.explain.error().is_none(), "{:?}", image.explain.error());
    let result = image.explain.result().expect("measured");
    assert_eq!(result.key, key);
    assert_eq!(result.train_items, 1000);
    assert_eq!(result.held_out_items, 96);
    let ts = explain_timesteps(1000);
    let r2 = |fit: AnalyticFit, t: usize| -> f64 {
        let c = result.curves.iter().find(|c| c.fit == fit).unwrap();
        assert_eq!(c.points.iter().map(|p| p.0).collect::<Vec<_>>(), ts);
        c.points.iter().find(|p| p.0 == t).unwrap().1.expect("r2")
    };
    // Near t = 0 the network and the Gaussian denoiser return about x_t; the ideal one
    // returns the nearest of the 1 000 training glyphs, which a held-out glyph is far from
    // in 1 024 dimensions.
    assert!(r2(AnalyticFit::Gaussian, 1) > 0.95);
    assert!(
        r2(AnalyticFit::Ideal, 1) < r2(AnalyticFit::Gaussian, 1) - 0.2,
        "ideal {} gaussian {}",
        r2(AnalyticFit::Ideal, 1),
        r2(AnalyticFit::Gaussian, 1)
    );
    // As the noise grows, the per-pixel Gaussian explains less and less of the network.
    assert!(r2(AnalyticFit::Gaussian, 100) < r2(AnalyticFit::Gaussian, 10));
    assert!(r2(AnalyticFit::Gaussian, 500) < r2(AnalyticFit::Gaussian, 100));
    assert!(h.query_by_label_contains("the ideal curve starts low").is_some());
    common::check_frame(&h, "after the r² measurement");
    // The whole panel, tall enough to show the section under the pictures.
    h.set_size(ddpm_lab::egui::vec2(1280.0, 1500.0));
    h.run_steps(4);
    common::screenshot(&mut h, "image_r2");
}
