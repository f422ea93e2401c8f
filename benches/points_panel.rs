//! Per-frame cost of the Points panel with its default settings, idle and while the
//! in-app training job uses every core (the UI thread is not one of rayon's workers, so
//! it only competes for the CPU, never waits on the job).
//!
//! `cargo bench --bench points_panel` (`RAYON_NUM_THREADS` sets the job's threads).

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use ddpm_lab::app::jobs::no_repaint;
use ddpm_lab::ui::{PanelId, PersistedState};

fn frames(c: &mut Criterion) {
    // As the binary does (src/main.rs): freed tensor buffers are reused.
    ddpm_lab::heap::keep_freed_buffers();
    let state = PersistedState {
        panel: PanelId::Points,
        ..PersistedState::default()
    };
    let mut h = common::app_harness(state);
    for _ in 0..10 {
        h.step();
    }
    c.bench_function("points_panel/whole frame, idle", |b| b.iter(|| h.step()));
    // A long run, restarted if it ends, so every timed frame overlaps training.
    h.state_mut().state.points.training.steps = 1_000_000;
    c.bench_function("points_panel/whole frame while training runs", |b| {
        b.iter(|| {
            if !h.state().state.points.is_training() {
                let lab = h.state().lab.clone();
                h.state_mut()
                    .state
                    .points
                    .start_training(&lab, no_repaint());
            }
            h.step();
        })
    });
    h.state_mut().state.points.stop_training();
    h.state_mut().state.points.finish_background_work();
}

criterion_group!(points_panel, frames);
criterion_main!(points_panel);
