//! The Image panel's costs: whole reverse runs at 32 × 32 (DDPM-1000 and DDIM-50, through
//! the same background job the panel uses, every step copied out as a frame), and the
//! cost of a whole frame (egui layout, plots, textures, our derived work; no GPU
//! rendering) while scrubbing a cached run, scrubbing the forward process, and scrubbing
//! while a reverse run is going on a background thread.
//!
//! `cargo bench --bench image_panel`. The model is the shipped image model when this build
//! has one (the app's default), else a freshly initialised UNet of the shipped shape
//! (16/32/32 channels, attention at 8 × 8): a forward pass costs the same either way.
//!
//! `FRAME_DEBUG=1` makes the 128² bench print every frame over 16 ms with the UI thread's
//! own CPU time in it (wall ≫ CPU: the thread waited or was descheduled) and its
//! CLOCK_MONOTONIC window, to line up with `perf record -k CLOCK_MONOTONIC`.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use ddpm_lab::app::denoiser::{ModelSource, ReverseRequest, spawn_reverse};
use ddpm_lab::app::image_input::BundledPhoto;
use ddpm_lab::app::jobs::{JobOutcome, no_repaint};
use ddpm_lab::diffusion::{PredictionType, ScheduleSpec};
use ddpm_lab::model::checkpoint::{self, Checkpoint, CheckpointConfig};
use ddpm_lab::model::data::{DataSpec, DatasetKind};
use ddpm_lab::model::inference::initial_noise;
use ddpm_lab::model::{BackendKind, LossWeighting, ModelConfig, TrainingConfig, UNetConfig};
use ddpm_lab::ui::image::{
    ImageChoice, ReverseSettings, SamplerKind, ViewMode, default_image_model,
};
use ddpm_lab::ui::{PanelId, PersistedState};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The shipped image model, or a fresh UNet of its shape saved to a temporary folder.
fn model_source(tmp: &std::path::Path) -> ModelSource {
    if let Some(s) = default_image_model() {
        return s;
    }
    let dir: PathBuf = tmp.join("unet");
    std::fs::create_dir_all(&dir).unwrap();
    let config = CheckpointConfig::new(
        ModelConfig::Unet(UNetConfig::new().with_channels(vec![16, 32, 32])),
        ScheduleSpec::default(),
        PredictionType::Epsilon,
        LossWeighting::Uniform,
        DataSpec::new(DatasetKind::Glyphs),
        TrainingConfig::new(),
    );
    checkpoint::write_config(&dir, &config).unwrap();
    let device = BackendKind::Flex.device().unwrap();
    let model = config.model.init_seeded(&device, 0).unwrap();
    checkpoint::save_weights(&dir, &model).unwrap();
    ModelSource::Folder(dir)
}

fn reverse_runs(c: &mut Criterion, source: &ModelSource) {
    let model: Arc<Checkpoint> = Arc::new(source.load(BackendKind::Flex).unwrap());
    let big_t = model.schedule.num_steps();
    let x_t = initial_noise(1, model.domain().item_len(), 5);
    let mut g = c.benchmark_group("image_panel/reverse run 32x32 (job, frames kept)");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (name, sampler, steps) in [
        ("DDIM-50", SamplerKind::Ddim, 50),
        ("DDPM-1000", SamplerKind::Ddpm, 1000),
    ] {
        let settings = ReverseSettings {
            sampler,
            ddim_steps: steps,
            ddpm_steps: steps,
            ..ReverseSettings::default()
        };
        let options = settings.options(big_t);
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut job = spawn_reverse(
                    ReverseRequest {
                        model: model.clone().into(),
                        x_start: x_t.clone(),
                        start_t: big_t,
                        options,
                        keep_predictions: true,
                        size: None,
                    },
                    no_repaint(),
                );
                let mut frames = Vec::new();
                let outcome = loop {
                    frames.extend(job.drain_events());
                    if let Some(o) = job.poll() {
                        break o;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                };
                frames.extend(job.drain_events());
                assert!(matches!(outcome, JobOutcome::Finished(_)));
                black_box(frames.len())
            })
        });
    }
    g.finish();
}

/// A 3-channel UNet of the shipped glyph model's shape (32/64/64 channels, attention at the
/// lowest resolution), freshly initialised: the speed of a colour model at 128², whatever
/// its weights.
fn colour_model(tmp: &std::path::Path) -> Arc<Checkpoint> {
    let dir: PathBuf = tmp.join("colour-unet");
    std::fs::create_dir_all(&dir).unwrap();
    let config = CheckpointConfig::new(
        ModelConfig::Unet(UNetConfig::new().with_in_channels(3)),
        ScheduleSpec::default(),
        PredictionType::Epsilon,
        LossWeighting::Uniform,
        DataSpec::new(DatasetKind::Shapes),
        TrainingConfig::new(),
    );
    checkpoint::write_config(&dir, &config).unwrap();
    let device = BackendKind::Flex.device().unwrap();
    let model = config.model.init_seeded(&device, 0).unwrap();
    checkpoint::save_weights(&dir, &model).unwrap();
    Arc::new(Checkpoint::load(&dir, &device).unwrap())
}

/// The shipped natural model when this build has it (the panel's default for photos),
/// else a fresh colour UNet.
fn photo_model(tmp: &std::path::Path) -> Arc<Checkpoint> {
    match ddpm_lab::model::shipped::find("natural") {
        Some(_) => Arc::new(
            ModelSource::Shipped("natural".into())
                .load(BackendKind::Flex)
                .unwrap(),
        ),
        None => colour_model(tmp),
    }
}

/// DDIM-50 from t = 200 on a 128 × 128 colour picture, through the panel's job.
fn colour_run_128(c: &mut Criterion, tmp: &std::path::Path) {
    let model = photo_model(tmp);
    let big_t = model.schedule.num_steps();
    let x_t = initial_noise(1, 3 * 128 * 128, 5);
    let settings = ReverseSettings {
        sampler: SamplerKind::Ddim,
        ddim_steps: 50,
        ..ReverseSettings::default()
    };
    let options = settings.options(big_t);
    let mut g = c.benchmark_group("image_panel/reverse run 128x128 RGB (job, frames kept)");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    g.bench_function("DDIM-50 from t = 200", |b| {
        b.iter(|| {
            let job = spawn_reverse(
                ReverseRequest {
                    model: model.clone().into(),
                    x_start: x_t.clone(),
                    start_t: 200,
                    options,
                    keep_predictions: true,
                    size: Some(128),
                },
                no_repaint(),
            );
            let (frames, outcome) = job.wait_with_events();
            assert!(matches!(outcome, JobOutcome::Finished(_)));
            black_box(frames.len())
        })
    });
    g.finish();
}

fn frames(c: &mut Criterion, source: &ModelSource) {
    let mut state = PersistedState {
        panel: PanelId::Image,
        ..PersistedState::default()
    };
    state.image.model = Some(source.clone());
    state.image.scrubber.t = 1000;
    let mut h = common::app_harness(state);
    let settle = |h: &mut egui_kittest::Harness<'static, ddpm_lab::ui::DdpmLabApp>| {
        for _ in 0..20 {
            h.step();
            if !h.state().state.image.is_busy() {
                break;
            }
            h.state_mut().state.image.finish_background_work();
        }
    };
    settle(&mut h);
    // A cached DDIM-50 run from T.
    let lab = h.state().lab.clone();
    assert!(h.state_mut().state.image.start_reverse(&lab, no_repaint()));
    settle(&mut h);
    let positions = h.state().state.image.trajectory().unwrap().positions();
    let mut k = 0;
    c.bench_function("image_panel/whole frame, scrubbing a cached run", |b| {
        b.iter(|| {
            k = (k + 7) % positions;
            h.state_mut().state.image.reverse_scrubber.t = k;
            h.step();
        })
    });
    // The forward process (closed form; the prediction job runs one t at a time).
    h.state_mut().state.image.mode = ViewMode::Forward;
    let mut t = 0;
    c.bench_function("image_panel/whole frame, scrubbing forward t", |b| {
        b.iter(|| {
            t = (t + 37) % 1001;
            h.state_mut().state.image.scrubber.t = t;
            h.step();
        })
    });
    // While a DDPM-1000 run goes on a background thread (restarted whenever it ends).
    h.state_mut().state.image.reverse.sampler = SamplerKind::Ddpm;
    let repaint = no_repaint();
    c.bench_function(
        "image_panel/whole frame, scrubbing while a reverse run goes",
        |b| {
            b.iter(|| {
                let panel = &h.state().state.image;
                let running = panel
                    .trajectory()
                    .is_some_and(|tr| !tr.finished && panel.is_busy());
                if !running {
                    let lab = h.state().lab.clone();
                    let image = &mut h.state_mut().state.image;
                    image.mode = ViewMode::Forward;
                    image.scrubber.t = 1000;
                    image.start_reverse(&lab, repaint.clone());
                }
                let image = &mut h.state_mut().state.image;
                let last = image.trajectory().map_or(0, |tr| tr.positions());
                k = (k + 7) % last.max(1);
                image.reverse_scrubber.t = k;
                h.step();
            })
        },
    );
}

/// The panel at 128² with a bundled photo and its default (natural) model: the whole frame
/// while a DDIM-50 run from t = 200 goes on in the background (restarted whenever it ends),
/// the user scrubbing the frames that have arrived.
fn photo_frames_128(c: &mut Criterion) {
    // As the binary does (src/main.rs): freed tensor buffers are reused.
    ddpm_lab::heap::keep_freed_buffers();
    let mut state = PersistedState {
        panel: PanelId::Image,
        ..PersistedState::default()
    };
    state.image.choice = ImageChoice::Photo(BundledPhoto::Cat);
    state.image.work_size = Some(128);
    state.image.scrubber.t = 200;
    state.image.reverse.sampler = SamplerKind::Ddim;
    state.image.reverse.ddim_steps = 50;
    let mut h = common::app_harness(state);
    for _ in 0..50 {
        h.step();
        if !h.state().state.image.is_busy() {
            break;
        }
        h.state_mut().state.image.finish_background_work();
    }
    let repaint = no_repaint();
    let mut k = 0;
    let mut runs = 0;
    let (mut frames, mut worst, mut over_16) = (0_usize, 0.0_f64, 0_usize);
    c.bench_function(
        "image_panel/whole frame at 128x128 RGB, scrubbing while DDIM-50 from t = 200 goes",
        |b| {
            b.iter(|| {
                let panel = &h.state().state.image;
                let running = panel
                    .trajectory()
                    .is_some_and(|tr| !tr.finished && panel.is_busy());
                if !running {
                    // Back to the forward view at t = 200 (one frame shows it), then a
                    // new run from there.
                    let lab = h.state().lab.clone();
                    let image = &mut h.state_mut().state.image;
                    image.mode = ViewMode::Forward;
                    image.scrubber.t = 200;
                    h.step();
                    if h.state_mut()
                        .state
                        .image
                        .start_reverse(&lab, repaint.clone())
                    {
                        runs += 1;
                    }
                }
                let image = &mut h.state_mut().state.image;
                let last = image.trajectory().map_or(0, |tr| tr.positions());
                k = (k + 7) % last.max(1);
                image.reverse_scrubber.t = k;
                let started = std::time::Instant::now();
                let mono0 = mono_s();
                let cpu0 = thread_cpu_ms();
                h.step();
                let ms = started.elapsed().as_secs_f64() * 1e3;
                if ms > 16.0 && std::env::var_os("FRAME_DEBUG").is_some() {
                    let cpu = thread_cpu_ms() - cpu0;
                    let tr = h.state().state.image.trajectory().map(|t| (t.positions(), t.finished));
                    eprintln!("slow frame {ms:.1} ms (cpu {cpu:.1} ms): k {k} last {last} now {tr:?} window {mono0:.6} {:.6}", mono_s());
                }
                frames += 1;
                worst = worst.max(ms);
                over_16 += usize::from(ms > 16.0);
            })
        },
    );
    // Criterion reports the typical frame; a stutter would show in the worst one.
    eprintln!(
        "photo_frames_128: {frames} frames during {runs} reverse runs: worst {worst:.2} ms, {over_16} over 16 ms"
    );
}

fn mono_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes the monotonic clock into `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes the calling thread's CPU clock into `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 * 1e-6
}

fn benches(c: &mut Criterion) {
    // The pool as the app builds it (workers below the UI thread), before anything uses it.
    ddpm_lab::app::threads::init_worker_pool();
    let tmp = std::env::temp_dir().join(format!("ddpm-lab-bench-{}", std::process::id()));
    let source = model_source(&tmp);
    frames(c, &source);
    reverse_runs(c, &source);
    colour_run_128(c, &tmp);
    photo_frames_128(c);
    let _ = std::fs::remove_dir_all(&tmp);
}

criterion_group!(image_panel, benches);
criterion_main!(image_panel);
