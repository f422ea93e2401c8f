//! Per-frame cost of the Forward-step and Posterior panels (T = 1000, the default
//! schedule), and the background work they hand to jobs.
//!
//! `cargo bench --bench fwdpost_frame`. Medians go in the closing report.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use ddpm_lab::app::LabContext;
use ddpm_lab::app::jobs::no_repaint;
use ddpm_lab::diffusion::gmm1d::Mixture;
use ddpm_lab::diffusion::posterior_sweep::{WalkedSchedule, posterior_sweep, sweep_steps};
use ddpm_lab::ui::forward_step::{ChainResult, ChainSettings};
use ddpm_lab::ui::posterior::{PosteriorPanel, SWEEP_POINTS};
use ddpm_lab::ui::{PanelId, PersistedState};
use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::Duration;

/// Derived work of one Posterior frame while t is scrubbed: the posterior report (modes,
/// KL), the same t on the coarser walk, and five curves.
fn posterior_scrub(c: &mut Criterion) {
    let lab = LabContext::default();
    let mut panel = PosteriorPanel::default();
    panel.update(&lab, no_repaint());
    panel.finish_background_work();
    let mut t = 1;
    c.bench_function("posterior/derived work per scrubbed t", |b| {
        b.iter(|| {
            t = t % 1000 + 7;
            panel.scrubber.t = t;
            panel.update(&lab, no_repaint());
            black_box(panel.snapshot().map(|s| s.report.kl_to_gaussian));
        })
    });
}

/// A whole Posterior / Forward-step frame (egui layout, plots, our derived work; no GPU
/// rendering) while t is scrubbed, once the background results are in.
fn whole_frames(c: &mut Criterion) {
    let state = PersistedState {
        panel: PanelId::Posterior,
        ..PersistedState::default()
    };
    let mut h = common::app_harness(state);
    h.step();
    h.state_mut().state.posterior.finish_background_work();
    h.run();
    let mut t = 1;
    c.bench_function("posterior/whole frame, scrubbing t", |b| {
        b.iter(|| {
            t = t % 1000 + 7;
            h.state_mut().state.posterior.scrubber.t = t;
            h.step();
        })
    });
    let state = PersistedState {
        panel: PanelId::ForwardStep,
        ..PersistedState::default()
    };
    let mut h = common::app_harness(state);
    h.step();
    h.state_mut().state.forward_step.finish_background_work();
    h.run();
    c.bench_function("forward_step/whole frame, scrubbing t", |b| {
        b.iter(|| {
            t = t % 1000 + 7;
            h.state_mut().state.forward_step.scrubber.t = t;
            h.step();
        })
    });
}

/// What runs on background jobs (never on a frame).
fn background(c: &mut Criterion) {
    let lab = LabContext::default();
    let mut group = c.benchmark_group("background");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("forward chain, 2 x 10 000 particles, T = 1000", |b| {
        b.iter(|| {
            ChainResult::compute(lab.schedule.clone(), &ChainSettings::default(), |_, _| {
                ControlFlow::Continue(())
            })
            .map(|r| r.max_var_deviation)
            .ok()
        })
    });
    let data: Mixture = "0.5:-1:0.1,0.5:1:0.1"
        .parse()
        .unwrap_or_else(|_| unreachable!());
    let fine = WalkedSchedule::new(&lab.schedule, 1).unwrap_or_else(|_| unreachable!());
    let coarse = WalkedSchedule::new(&lab.schedule, 10).unwrap_or_else(|_| unreachable!());
    group.bench_function("posterior curves over t (200 + 100 KL quadratures)", |b| {
        b.iter(|| {
            let go = |_| ControlFlow::Continue(());
            let f = posterior_sweep(&data, &fine, &sweep_steps(1000, SWEEP_POINTS), 0.3, go);
            let c = posterior_sweep(&data, &coarse, &sweep_steps(100, SWEEP_POINTS), 0.3, go);
            black_box((f.map(|v| v.len()).ok(), c.map(|v| v.len()).ok()))
        })
    });
    group.finish();
}

criterion_group!(benches, posterior_scrub, whole_frames, background);
criterion_main!(benches);
