//! The Schedule panel's per-frame derived work when β_end changes (dragging its slider):
//! T = 1000, four overlaid schedules, the by-eye strip at 256 × 256. Target: median
//! ≤ 4 ms. Texture upload (GPU side) is not included.

use criterion::{Criterion, criterion_group, criterion_main};
use ddpm_lab::diffusion::ScheduleSpec;
use ddpm_lab::ui::schedule::{
    DerivedEntry, DerivedSchedules, Preset, STRIP_FRAMES, STRIP_SIZE, SchedulePanel,
};
use std::hint::black_box;

/// A panel showing DDPM linear (current) with Stable Diffusion, cosine and zero-SNR
/// linear overlaid, its derived data already computed once.
fn four_schedule_panel() -> SchedulePanel {
    let mut panel = SchedulePanel::default();
    for p in [
        Preset::StableDiffusion,
        Preset::ImprovedCosine,
        Preset::ZeroSnrLinear,
    ] {
        panel.load_spec(&p.spec());
        assert!(panel.add_current_to_comparison());
    }
    panel.load_spec(&Preset::DdpmLinear.spec());
    panel.refresh_derived();
    panel
}

fn beta_end_change(c: &mut Criterion) {
    let mut panel = four_schedule_panel();
    assert_eq!(panel.derived().map(|d| d.entries().len()), Some(4));
    assert_eq!(
        panel
            .derived()
            .and_then(|d| d.get(0))
            .map(|e| e.strip.len()),
        Some(STRIP_FRAMES)
    );
    let mut k = 0u32;
    c.bench_function(
        "schedule panel: beta_end change, T=1000, 4 schedules, strip 256x256",
        |b| {
            b.iter(|| {
                // A new β_end every iteration, as a slider drag gives each frame.
                k = k.wrapping_add(1);
                panel.inputs.beta_end = 0.015 + f64::from(k % 1000) * 1e-5;
                panel.apply_inputs();
                black_box(panel.refresh_derived())
            })
        },
    );
    assert_eq!(panel.spec.num_steps, 1000);
}

/// For reference: every shown schedule recomputed (what the first frame does).
fn all_four_from_scratch(c: &mut Criterion) {
    let derived = DerivedSchedules::new(STRIP_SIZE);
    let specs: Vec<ScheduleSpec> = [
        Preset::DdpmLinear,
        Preset::StableDiffusion,
        Preset::ImprovedCosine,
        Preset::ZeroSnrLinear,
    ]
    .iter()
    .map(|p| p.spec())
    .collect();
    c.bench_function(
        "schedule panel: all 4 schedules from scratch, T=1000, strip 256x256",
        |b| {
            b.iter(|| {
                for (i, s) in specs.iter().enumerate() {
                    black_box(DerivedEntry::compute(s, derived.base(), i as u64).ok());
                }
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(60);
    targets = beta_end_change, all_four_from_scratch
}
criterion_main!(benches);
