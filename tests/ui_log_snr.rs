//! The Schedule panel's log-SNR view: switched on by its check box, it draws λ(t) with a
//! sampler's levels, the density of λ and the objectives' weightings for the schedules on
//! show; Karras σ's and a shift move the levels.

mod common;

use common::{app_harness, screenshot, shows};
use ddpm_lab::diffusion::samplers::OdeSampler;
use ddpm_lab::ui::PersistedState;
use ddpm_lab::ui::i18n::Text;
use ddpm_lab::ui::schedule::{Preset, SchedText};
use egui_kittest::kittest::Queryable;

fn compared_state() -> PersistedState {
    let mut state = PersistedState::default();
    state.schedule.load_spec(&Preset::ImprovedCosine.spec());
    assert!(state.schedule.add_current_to_comparison());
    state.schedule.load_spec(&Preset::DdpmLinear.spec());
    state
}

#[test]
fn the_check_box_swaps_the_plots_for_the_log_snr_view() {
    let mut h = app_harness(compared_state());
    h.run();
    assert!(!shows(&h, SchedText::LvDensity.en()));
    h.get_by_label(SchedText::LogSnrView.en()).click();
    h.run();
    assert!(h.state().state.schedule.log_snr_view.on);
    for text in [
        SchedText::LvLambda,
        SchedText::LvDensity,
        SchedText::LvFactor,
    ] {
        assert!(shows(&h, text.en()), "{}", text.en());
    }
    // Karras σ's from the check box; the view keeps its settings.
    h.get_by_label(SchedText::LvKarras.en()).click();
    h.run();
    assert!(h.state().state.schedule.log_snr_view.karras);
    // Back to the four plots.
    h.get_by_label(SchedText::LogSnrView.en()).click();
    h.run();
    assert!(!shows(&h, SchedText::LvDensity.en()));
}

#[test]
fn schedule_log_snr_view_snapshot() {
    let mut state = compared_state();
    let view = &mut state.schedule.log_snr_view;
    view.on = true;
    view.sampler = OdeSampler::DpmSolverPlusPlus2M;
    view.steps = 15;
    view.karras = true;
    let mut h = app_harness(state);
    h.run();
    screenshot(&mut h, "schedule_log_snr");
}
