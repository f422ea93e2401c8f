//! Denoiser speed on every CPU backend compiled in (`flex`; `ndarray` with
//! `--features ndarray`): UNet forward (batch 1, 16), a UNet training step (batch 32), an
//! MLP forward of 2000 points, and whole DDIM-50 and DDPM-1000 reverse runs at 32 × 32.
//!
//! `cargo bench --bench model` (add `-- unet_forward` to pick some). The PyTorch peer is
//! `scripts/torch_peer.py`.

use criterion::{Criterion, criterion_group, criterion_main};
use ddpm_lab::diffusion::{PredictionType, TimestepSpacing, VarianceType};
use ddpm_lab::model::checkpoint::Checkpoint;
use ddpm_lab::model::data::{DataDomain, Dataset, DatasetKind, rng_for};
use ddpm_lab::model::inference::{
    Flow, ReverseOptions, Sampler, initial_noise, predict_with, run_reverse,
};
use ddpm_lab::model::training::{DiffusionBatcher, TrainingConfig, reference_config, train_step};
use ddpm_lab::model::{BackendKind, CheckpointConfig, LossWeighting, ModelConfig};
use std::hint::black_box;
use std::time::Duration;

fn glyph_config() -> CheckpointConfig {
    reference_config(DatasetKind::Glyphs, TrainingConfig::new().batch_size)
}

fn benches(c: &mut Criterion) {
    // As the binary does (src/main.rs): freed tensor buffers are reused.
    ddpm_lab::heap::keep_freed_buffers();
    let unet_config = glyph_config();
    let mlp_config = ModelConfig::for_domain(DataDomain::Points2d);
    let schedule = unet_config.schedule.build().unwrap();
    let (glyphs, _) = Dataset::open(&unet_config.data).unwrap();
    for backend in BackendKind::available() {
        if backend == BackendKind::Gpu {
            continue;
        }
        let device = backend.device().unwrap();
        let name = backend.name();
        let unet = unet_config.model.init_seeded(&device, 0).unwrap();
        let mlp = mlp_config.init_seeded(&device, 0).unwrap();

        let mut g = c.benchmark_group(name);
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(8));
        for batch in [1usize, 16] {
            let x = glyphs.generate(1, batch);
            g.bench_function(format!("unet_forward_b{batch}"), |b| {
                b.iter(|| predict_with(&unet, &device, black_box(&x), 500, batch, 1024).unwrap())
            });
        }
        let points = initial_noise(2000, 2, 3);
        g.bench_function("mlp_forward_2000", |b| {
            b.iter(|| predict_with(&mlp, &device, black_box(&points), 500, 2000, 2).unwrap())
        });

        let ad = device.clone().autodiff();
        let mut model = Some(unet_config.model.init_seeded(&ad, 0).unwrap());
        let mut optim = burn::optim::AdamWConfig::new().init();
        let batcher = DiffusionBatcher {
            schedule: &schedule,
            objective: PredictionType::Epsilon,
            weighting: LossWeighting::Uniform,
            device: ad.clone(),
        };
        let mut step = 0u64;
        g.bench_function("unet_train_step_b32", |b| {
            b.iter(|| {
                step += 1;
                let mut rng = rng_for(0, step);
                let m = model.take().unwrap();
                let (m, out) =
                    train_step(m, &mut optim, &batcher, &glyphs, &mut rng, 32, 1e-4).unwrap();
                model = Some(m);
                out.loss
            })
        });

        // Whole reverse runs at 32 × 32 (one image), model + core steps.
        let ckpt = Checkpoint {
            dir: Default::default(),
            config: unet_config.clone(),
            schedule: schedule.clone(),
            model: unet.clone(),
            device: device.clone(),
        };
        let x_t = initial_noise(1, 1024, 5);
        for (label, options) in [
            (
                "ddim50_32x32",
                ReverseOptions {
                    sampler: Sampler::Ddim { eta: 0.0 },
                    steps: Some(50),
                    spacing: TimestepSpacing::Trailing,
                    clip_x0: true,
                    seed: 1,
                },
            ),
            (
                "ddpm1000_32x32",
                ReverseOptions {
                    sampler: Sampler::Ddpm {
                        variance: VarianceType::FixedSmall,
                    },
                    steps: None,
                    spacing: TimestepSpacing::Trailing,
                    clip_x0: true,
                    seed: 1,
                },
            ),
        ] {
            g.bench_function(label, |b| {
                b.iter(|| {
                    run_reverse(&ckpt, &schedule, x_t.clone(), 1000, &options, None, |_| {
                        Flow::Continue
                    })
                    .unwrap()
                })
            });
        }
        g.finish();
    }
}

criterion_group!(model_benches, benches);
criterion_main!(model_benches);
