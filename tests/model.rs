//! The denoiser: data, models, checkpoints, training, reverse runs and the model CLI.
//! Everything here is small enough to run in seconds in release.

use burn::prelude::*;
use ddpm_lab::diffusion::reverse::{v_from_x0_eps, x0_from_v};
use ddpm_lab::diffusion::{PredictionType, ScheduleSpec, TimestepSpacing, VarianceType};
use ddpm_lab::model::checkpoint::{
    self, Checkpoint, CheckpointConfig, CheckpointError, WEIGHTS_FILE,
};
use ddpm_lab::model::data::{DataDomain, DataSpec, Dataset, DatasetKind, read_points_csv};
use ddpm_lab::model::eval::{EVAL_TIMESTEPS, evaluate};
use ddpm_lab::model::inference::{
    Denoise, Flow, OracleDenoiser, ReverseOptions, Sampler, noise_to, reverse_jumps, run_reverse,
};
use ddpm_lab::model::training::{
    DiffusionBatcher, TrainEvent, TrainRequest, TrainingConfig, read_state, t_bucket, train,
};
use ddpm_lab::model::{BackendKind, LossWeighting, MlpDenoiserConfig, ModelConfig, UNetConfig};
use ddpm_lab::tolerance::{ROUNDING, SINGLE, assert_close};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

fn device() -> Device {
    BackendKind::Flex.device().unwrap()
}

fn tiny_mlp() -> ModelConfig {
    ModelConfig::Mlp(
        MlpDenoiserConfig::new()
            .with_hidden(32)
            .with_hidden_layers(2)
            .with_embed_dim(8),
    )
}

fn tiny_unet() -> ModelConfig {
    ModelConfig::Unet(
        UNetConfig::new()
            .with_channels(vec![8, 8])
            .with_groups(4)
            .with_in_channels(1)
            .with_image_size(32),
    )
}

fn config_for(model: ModelConfig, dataset: DatasetKind, steps: usize) -> CheckpointConfig {
    CheckpointConfig::new(
        model,
        ScheduleSpec::linear(100, 1e-4, 0.2),
        PredictionType::Epsilon,
        LossWeighting::Uniform,
        DataSpec::new(dataset),
        TrainingConfig::new()
            .with_steps(steps)
            .with_batch_size(64)
            .with_learning_rate(3e-3)
            .with_warmup_steps(10)
            .with_checkpoint_every(20)
            .with_log_every(10)
            .with_seed(3),
    )
}

/// Writes an untrained checkpoint folder (config + seeded weights).
fn write_checkpoint(dir: &Path, config: &CheckpointConfig, seed: u64) {
    std::fs::create_dir_all(dir).unwrap();
    checkpoint::write_config(dir, config).unwrap();
    let model = config.model.init_seeded(&device(), seed).unwrap();
    checkpoint::save_weights(dir, &model).unwrap();
}

// ----------------------------------------------------------------------------- data

#[test]
fn data_sets_are_deterministic_and_shaped() {
    for kind in [
        DatasetKind::Moons,
        DatasetKind::SwissRoll,
        DatasetKind::Circles,
        DatasetKind::Ring8,
        DatasetKind::Glyphs,
        DatasetKind::Shapes,
    ] {
        let (ds, skipped) = Dataset::open(&DataSpec::new(kind)).unwrap();
        assert!(skipped.is_empty());
        let a = ds.generate(11, 9);
        let b = ds.generate(11, 9);
        let c = ds.generate(12, 9);
        assert_eq!(a, b, "{kind}: same seed, same items");
        assert_ne!(a, c, "{kind}: another seed, other items");
        assert_eq!(a.len(), 9 * ds.item_len());
        assert!(a.iter().all(|v| v.is_finite()));
        match ds.domain() {
            DataDomain::Points2d => {
                assert_eq!(ds.item_len(), 2);
                // Scaled to about [−1, 1] (noise may poke slightly out).
                assert!(a.iter().all(|v| v.abs() < 1.3), "{kind}: {a:?}");
            }
            DataDomain::Image { channels, size } => {
                assert_eq!(size, 32);
                assert_eq!(channels, if kind == DatasetKind::Glyphs { 1 } else { 3 });
                assert!(a.iter().all(|v| (-1.0..=1.0).contains(v)));
            }
        }
    }
}

#[test]
fn glyphs_are_light_strokes_on_a_dark_background() {
    let (ds, _) = Dataset::open(&DataSpec::new(DatasetKind::Glyphs)).unwrap();
    for item in ds.generate(5, 20).chunks(1024) {
        let dark = item.iter().filter(|&&v| v < -0.9).count();
        let ink = item.iter().filter(|&&v| v > 0.5).count();
        // A digit covers a minority of the pixels, but some of them.
        assert!(dark > 600, "background {dark}");
        assert!(ink > 30, "ink {ink}");
        // Corners stay background: the jitter keeps digits inside the frame.
        assert_eq!(item[0], -1.0);
        assert_eq!(item[1023], -1.0);
    }
}

#[test]
fn csv_points_are_read_normalised_and_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("p.csv");
    std::fs::write(&good, "x,y\n# a comment\n1,2\n3,4\n\n5,6\n").unwrap();
    assert_eq!(
        read_points_csv(&good).unwrap(),
        vec![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    );
    let (ds, _) = Dataset::open(&DataSpec::new(DatasetKind::Csv).with_path(&good)).unwrap();
    let norm = ds.spec().normalization.unwrap();
    assert_eq!(norm.offset, [3.0, 4.0]);
    assert_close(norm.scale, 0.5, ROUNDING);
    let items = ds.generate(0, 50);
    assert!(items.iter().all(|v| [-1.0, 0.0, 1.0].contains(v)));
    let back = norm.to_raw(1.0, -1.0);
    assert_eq!(back, [5.0, 2.0]);

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "1,2\n3,oops\n").unwrap();
    let err = read_points_csv(&bad).unwrap_err().to_string();
    assert!(err.contains("line 2"), "{err}");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "x,y\n").unwrap();
    assert!(
        read_points_csv(&empty)
            .unwrap_err()
            .to_string()
            .contains("no points")
    );
    let missing = DataSpec::new(DatasetKind::Csv);
    assert!(Dataset::open(&missing).is_err());
}

#[test]
fn image_folder_skips_and_reports_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    for (i, colour) in [[255u8, 0, 0], [0, 0, 255]].iter().enumerate() {
        let img = image::RgbImage::from_pixel(48, 40, image::Rgb(*colour));
        img.save(dir.path().join(format!("img{i}.png"))).unwrap();
    }
    std::fs::write(dir.path().join("notes.png"), b"not an image").unwrap();
    let spec = DataSpec::new(DatasetKind::Folder).with_path(dir.path());
    let (ds, skipped) = Dataset::open(&spec).unwrap();
    assert_eq!(ds.fixed_len(), Some(2));
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].path.ends_with("notes.png"));
    assert!(skipped[0].reason.contains("not a readable image"));
    assert_eq!(
        ds.domain(),
        DataDomain::Image {
            channels: 3,
            size: 32
        }
    );
    // img0 is pure red: R = +1, G = B = −1 everywhere after resize and crop.
    let first_red = ds
        .generate(1, 8)
        .chunks(3 * 1024)
        .any(|item| item[0] == 1.0 && item[1024] == -1.0 && item[2048] == -1.0);
    assert!(first_red);

    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("x.txt"), b"text").unwrap();
    let err = Dataset::open(&DataSpec::new(DatasetKind::Folder).with_path(empty.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no readable images (1 files skipped)"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------- models

#[test]
fn model_outputs_have_the_input_shape() {
    let d = device();
    let mlp = tiny_mlp().init_seeded(&d, 0).unwrap();
    let out = mlp.forward_flat(Tensor::zeros([5, 2], &d), Tensor::ones([5], &d));
    assert_eq!(out.dims(), [5, 2]);

    let unet = tiny_unet().init_seeded(&d, 0).unwrap();
    let out = unet.forward_flat(Tensor::ones([3, 1024], &d), Tensor::ones([3], &d) * 7.0);
    assert_eq!(out.dims(), [3, 1024]);

    // The default image network: three resolutions, 0.5–2 M parameters.
    let full = ModelConfig::for_domain(DataDomain::Image {
        channels: 1,
        size: 32,
    });
    let n = full.init(&d).unwrap().num_params();
    assert!((500_000..=2_000_000).contains(&n), "{n}");
    let rgb = ModelConfig::Unet(
        UNetConfig::new()
            .with_in_channels(3)
            .with_channels(vec![8, 16, 16]),
    );
    let out = rgb
        .init_seeded(&d, 1)
        .unwrap()
        .forward_flat(Tensor::zeros([2, 3072], &d), Tensor::ones([2], &d));
    assert_eq!(out.dims(), [2, 3072]);
}

#[test]
fn bad_model_configs_are_errors_not_panics() {
    let d = device();
    let bad_groups =
        ModelConfig::Unet(UNetConfig::new().with_channels(vec![12, 24]).with_groups(8));
    assert!(
        bad_groups
            .init(&d)
            .unwrap_err()
            .to_string()
            .contains("groups")
    );
    let bad_size = ModelConfig::Unet(UNetConfig::new().with_image_size(30));
    assert!(bad_size.init(&d).is_err());
    let bad_mlp = ModelConfig::Mlp(MlpDenoiserConfig::new().with_embed_dim(7));
    assert!(bad_mlp.init(&d).is_err());
}

#[test]
fn seeded_init_is_reproducible() {
    let d = device();
    let x = Tensor::<2>::from_data(TensorData::new(vec![0.3_f32, -0.2, 0.1, 0.9], [2, 2]), &d);
    let t = Tensor::<1>::from_data(TensorData::new(vec![10.0_f32, 90.0], [2]), &d);
    let run = |seed| {
        tiny_mlp()
            .init_seeded(&d, seed)
            .unwrap()
            .forward_flat(x.clone(), t.clone())
            .try_into_vec_as::<f32>()
            .unwrap()
    };
    assert_eq!(run(4), run(4));
    assert_ne!(run(4), run(5));
}

// ------------------------------------------------------------------------ checkpoints

#[test]
fn save_then_load_gives_identical_outputs() {
    let d = device();
    for (model, dataset, len) in [
        (tiny_mlp(), DatasetKind::Moons, 2),
        (tiny_unet(), DatasetKind::Glyphs, 1024),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = config_for(model, dataset, 10);
        write_checkpoint(dir.path(), &config, 9);
        let original = config.model.init_seeded(&d, 9).unwrap();
        let loaded = Checkpoint::load(dir.path(), &d).unwrap();
        assert_eq!(loaded.config, config);
        assert_eq!(loaded.schedule.num_steps(), 100);
        let x: Vec<f32> = (0..2 * len)
            .map(|i| ((i % 17) as f32 - 8.0) / 8.0)
            .collect();
        let expected =
            ddpm_lab::model::inference::predict_with(&original, &d, &x, 40, 2, len).unwrap();
        let got = loaded.predict(&x, 40, 2).unwrap();
        assert_eq!(got, expected);
    }
}

#[test]
fn wrong_or_damaged_checkpoints_are_clear_errors() {
    let d = device();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    // Missing folder / config.
    let err = Checkpoint::load(&path.join("nope"), &d).unwrap_err();
    assert!(matches!(err, CheckpointError::MissingConfig(_)), "{err}");

    let config = config_for(tiny_mlp(), DatasetKind::Moons, 10);
    write_checkpoint(path, &config, 1);
    Checkpoint::load(path, &d).unwrap();

    // Weights of another shape than config.json says.
    let mut wider = config.clone();
    wider.model = ModelConfig::Mlp(
        MlpDenoiserConfig::new()
            .with_hidden(48)
            .with_hidden_layers(2)
            .with_embed_dim(8),
    );
    checkpoint::write_config(path, &wider).unwrap();
    let err = Checkpoint::load(path, &d).unwrap_err();
    assert!(matches!(err, CheckpointError::Mismatch { .. }), "{err}");
    // Another kind of network altogether.
    let mut unet = config_for(tiny_unet(), DatasetKind::Glyphs, 10);
    unet.training = config.training.clone();
    checkpoint::write_config(path, &unet).unwrap();
    let err = Checkpoint::load(path, &d).unwrap_err();
    assert!(matches!(err, CheckpointError::Mismatch { .. }), "{err}");
    checkpoint::write_config(path, &config).unwrap();

    // Truncated weights.
    let weights = path.join(WEIGHTS_FILE);
    let bytes = std::fs::read(&weights).unwrap();
    for cut in [bytes.len() / 2, 40, 3, 0] {
        std::fs::write(&weights, &bytes[..cut]).unwrap();
        let err = Checkpoint::load(path, &d).unwrap_err();
        assert!(
            matches!(err, CheckpointError::CorruptWeights { .. }),
            "cut {cut}: {err}"
        );
    }
    std::fs::remove_file(&weights).unwrap();
    let err = Checkpoint::load(path, &d).unwrap_err();
    assert!(matches!(err, CheckpointError::MissingWeights(_)), "{err}");

    // Config problems: not JSON, another version, a model that does not fit the data.
    let cfg_path = path.join(checkpoint::CONFIG_FILE);
    std::fs::write(&cfg_path, "{ not json").unwrap();
    let err = Checkpoint::load(path, &d).unwrap_err();
    assert!(matches!(err, CheckpointError::BadConfig { .. }), "{err}");
    let mut v2 = config.clone();
    v2.version = 2;
    checkpoint::write_config(path, &v2).unwrap();
    assert!(
        Checkpoint::load(path, &d)
            .unwrap_err()
            .to_string()
            .contains("version 2")
    );
    let mut mixed = config.clone();
    mixed.data = DataSpec::new(DatasetKind::Glyphs);
    checkpoint::write_config(path, &mixed).unwrap();
    let err = Checkpoint::load(path, &d).unwrap_err();
    assert!(matches!(err, CheckpointError::Invalid(_)), "{err}");
}

// --------------------------------------------------------------------------- training

#[test]
fn batcher_noises_with_the_core_formulas() {
    let schedule = ScheduleSpec::default().build().unwrap();
    let batcher = DiffusionBatcher {
        schedule: &schedule,
        objective: PredictionType::VPrediction,
        weighting: LossWeighting::MinSnr { gamma: 5.0 },
        device: device(),
    };
    let x0: Vec<f32> = (0..16).map(|i| (i as f32 / 8.0) - 1.0).collect();
    let mut rng = ddpm_lab::model::data::rng_for(1, 1);
    let batch = batcher.batch(&x0, 2, &mut rng);
    let x_t = batch.x_t.try_into_vec_as::<f32>().unwrap();
    let v = batch.target.try_into_vec_as::<f32>().unwrap();
    let w = batch.weight.try_into_vec_as::<f32>().unwrap();
    for (i, &t) in batch.timesteps.iter().enumerate() {
        let ab = schedule.alpha_bar(t);
        for k in 0..2 {
            let j = 2 * i + k;
            // x0 is recovered from (x_t, v) by the core's conversion.
            assert_close(
                x0_from_v(x_t[j] as f64, v[j] as f64, ab),
                x0[j] as f64,
                SINGLE,
            );
        }
        let snr = schedule.snr(t);
        assert_close(w[i] as f64, snr.min(5.0) / (snr + 1.0), SINGLE);
    }
    assert_close(v_from_x0_eps(1.0, 0.0, 0.25), -(0.75f64.sqrt()), ROUNDING);
}

#[test]
fn min_snr_weights() {
    let w = LossWeighting::MinSnr { gamma: 5.0 };
    assert_eq!(w.weight(PredictionType::Epsilon, 10.0), 0.5);
    assert_eq!(w.weight(PredictionType::Epsilon, 2.0), 1.0);
    assert_eq!(w.weight(PredictionType::Epsilon, 0.0), 1.0);
    assert_eq!(w.weight(PredictionType::Sample, 10.0), 5.0);
    assert_eq!(w.weight(PredictionType::VPrediction, 4.0), 0.8);
    assert_eq!(
        LossWeighting::Uniform.weight(PredictionType::Sample, 9.0),
        1.0
    );
    assert_eq!(t_bucket(1, 1000, 10), 0);
    assert_eq!(t_bucket(100, 1000, 10), 0);
    assert_eq!(t_bucket(101, 1000, 10), 1);
    assert_eq!(t_bucket(1000, 1000, 10), 9);
}

fn run_training(config: CheckpointConfig, dir: &Path, resume: bool) -> Vec<f32> {
    let mut losses = Vec::new();
    let summary = train(
        TrainRequest {
            config,
            out_dir: dir.to_path_buf(),
            resume,
            device: device(),
        },
        &AtomicBool::new(false),
        |e| {
            if let TrainEvent::Step { loss, .. } = e {
                losses.push(loss);
            }
        },
    )
    .unwrap();
    assert!(!summary.cancelled);
    losses
}

#[test]
fn a_short_training_run_lowers_the_loss_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(tiny_mlp(), DatasetKind::Moons, 120);
    let losses = run_training(config.clone(), dir.path(), false);
    assert_eq!(losses.len(), 120);
    let first: f32 = losses[..10].iter().sum::<f32>() / 10.0;
    let last: f32 = losses[110..].iter().sum::<f32>() / 10.0;
    assert!(last < 0.7 * first, "loss {first} → {last}");
    let log = std::fs::read_to_string(dir.path().join("train_log.csv")).unwrap();
    assert_eq!(log.lines().count(), 1 + 12);
    assert!(log.starts_with("step,loss,learning_rate,mse_t1_10,"));
    assert_eq!(read_state(dir.path()).unwrap().step, 120);

    // Training into a folder that holds a model needs --resume.
    let err = train(
        TrainRequest {
            config: config.clone(),
            out_dir: dir.path().to_path_buf(),
            resume: false,
            device: device(),
        },
        &AtomicBool::new(false),
        |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("--resume"));

    // Stopped after 60 steps (as Ctrl-C does), then resumed: the same run as in one go.
    let split = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    train(
        TrainRequest {
            config: config.clone(),
            out_dir: split.path().to_path_buf(),
            resume: false,
            device: device(),
        },
        &cancel,
        |e| {
            if let TrainEvent::Step { step: 60, .. } = e {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
    )
    .unwrap();
    assert_eq!(read_state(split.path()).unwrap().step, 60);
    let rest = run_training(config.clone(), split.path(), true);
    assert_eq!(rest.len(), 60);
    assert_eq!(rest, losses[60..].to_vec());
    let a = Checkpoint::load(dir.path(), &device()).unwrap();
    let b = Checkpoint::load(split.path(), &device()).unwrap();
    let x = [0.1_f32, 0.2, -0.5, 0.4];
    assert_eq!(a.predict(&x, 30, 2).unwrap(), b.predict(&x, 30, 2).unwrap());
    let log = std::fs::read_to_string(split.path().join("train_log.csv")).unwrap();
    assert_eq!(log.lines().count(), 1 + 12);
}

#[test]
fn cancelling_training_saves_a_resumable_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(tiny_mlp(), DatasetKind::Ring8, 1000);
    let cancel = AtomicBool::new(false);
    let summary = train(
        TrainRequest {
            config,
            out_dir: dir.path().to_path_buf(),
            resume: false,
            device: device(),
        },
        &cancel,
        |e| {
            if let TrainEvent::Step { step: 7, .. } = e {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
    )
    .unwrap();
    assert!(summary.cancelled);
    assert_eq!(summary.steps_done, 7);
    assert_eq!(read_state(dir.path()).unwrap().step, 7);
    Checkpoint::load(dir.path(), &device()).unwrap();
}

// -------------------------------------------------------------------------- inference

#[test]
fn reverse_jumps_start_at_t_and_end_at_zero() {
    let s = ScheduleSpec::default().build().unwrap();
    let all = reverse_jumps(&s, 5, None, TimestepSpacing::Trailing).unwrap();
    assert_eq!(all, vec![(5, 4), (4, 3), (3, 2), (2, 1), (1, 0)]);
    let coarse = reverse_jumps(&s, 1000, Some(10), TimestepSpacing::Trailing).unwrap();
    assert_eq!(coarse.len(), 10);
    assert_eq!(coarse[0], (1000, 900));
    assert_eq!(coarse[9].1, 0);
    let mid = reverse_jumps(&s, 437, Some(10), TimestepSpacing::Trailing).unwrap();
    assert_eq!(mid[0], (437, 400));
    assert!(mid.windows(2).all(|w| w[0].1 == w[1].0 && w[0].0 > w[0].1));
    assert!(reverse_jumps(&s, 0, None, TimestepSpacing::Trailing).is_err());
    assert!(reverse_jumps(&s, 1001, None, TimestepSpacing::Trailing).is_err());
}

#[test]
fn the_true_eps_oracle_walks_back_to_the_data() {
    let schedule = ScheduleSpec::default().build().unwrap();
    let x0: Vec<f32> = vec![0.5, -0.25, 0.9, -0.8, 0.0, 0.3];
    let oracle = OracleDenoiser {
        x0: x0.clone(),
        item_len: 2,
        schedule: schedule.clone(),
    };
    for sampler in [
        Sampler::Ddpm {
            variance: VarianceType::FixedSmall,
        },
        Sampler::Ddim { eta: 0.0 },
        Sampler::Ddim { eta: 1.0 },
    ] {
        let options = ReverseOptions {
            sampler,
            steps: if matches!(sampler, Sampler::Ddpm { .. }) {
                None
            } else {
                Some(25)
            },
            spacing: TimestepSpacing::Trailing,
            clip_x0: true,
            seed: 4,
        };
        let (x_t, _) = noise_to(&schedule, 600, &x0, 1).unwrap();
        let mut frames = 0;
        let mut last_t = usize::MAX;
        let result = run_reverse(&oracle, &schedule, x_t, 600, &options, None, |f| {
            frames += 1;
            assert!(f.t < last_t && f.prev < f.t);
            last_t = f.t;
            for buf in [f.x_t, f.pred_eps, f.pred_x0, f.mean, f.x_prev] {
                assert_eq!(buf.len(), 6);
                assert!(buf.iter().all(|v| v.is_finite()));
            }
            // The oracle's x̂0 is the data itself at every step.
            for (a, b) in f.pred_x0.iter().zip(&x0) {
                assert_close(*a as f64, *b as f64, SINGLE);
            }
            Flow::Continue
        })
        .unwrap();
        assert_eq!(frames, result.steps_done);
        assert!(!result.stopped);
        assert_eq!(result.t_reached, 0);
        for (a, b) in result.x.iter().zip(&x0) {
            assert!((a - b).abs() < 1e-3, "{sampler:?}: {a} vs {b}");
        }
    }
}

#[test]
fn a_reverse_run_stops_when_asked() {
    let schedule = ScheduleSpec::linear(50, 1e-4, 0.2).build().unwrap();
    let oracle = OracleDenoiser {
        x0: vec![0.1, 0.2],
        item_len: 2,
        schedule: schedule.clone(),
    };
    let options = ReverseOptions::default();
    let r = run_reverse(
        &oracle,
        &schedule,
        vec![1.0, -1.0],
        50,
        &options,
        None,
        |f| {
            if f.index == 9 {
                Flow::Stop
            } else {
                Flow::Continue
            }
        },
    )
    .unwrap();
    assert!(r.stopped);
    assert_eq!(r.steps_done, 10);
    assert_eq!(r.t_reached, 40);
    let cancel = AtomicBool::new(true);
    let r = run_reverse(
        &oracle,
        &schedule,
        vec![1.0, -1.0],
        50,
        &options,
        Some(&cancel),
        |_| Flow::Continue,
    )
    .unwrap();
    assert!(r.stopped);
    assert_eq!(r.steps_done, 0);
    // Wrong buffer sizes are errors.
    assert!(
        run_reverse(&oracle, &schedule, vec![1.0; 3], 50, &options, None, |_| {
            Flow::Continue
        })
        .is_err()
    );
}

#[test]
fn a_tiny_image_model_samples_finite_frames_and_evaluates() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(tiny_unet(), DatasetKind::Glyphs, 10);
    write_checkpoint(dir.path(), &config, 2);
    let ckpt = Checkpoint::load(dir.path(), &device()).unwrap();
    let options = ReverseOptions {
        sampler: Sampler::Ddim { eta: 0.5 },
        steps: Some(5),
        ..ReverseOptions::default()
    };
    let mut seen = 0;
    let r = ddpm_lab::model::inference::sample(&ckpt, &ckpt.schedule, 2, &options, None, |f| {
        seen += 1;
        assert!(f.x_prev.iter().all(|v| v.is_finite()));
        assert!(f.pred_x0.iter().all(|v| (-1.0..=1.0).contains(v)));
        Flow::Continue
    })
    .unwrap();
    assert_eq!(seen, 5);
    assert_eq!(r.x.len(), 2 * 1024);
    let (data, _) = Dataset::open(&config.data).unwrap();
    let rows = evaluate(&ckpt, &ckpt.schedule, &data, &EVAL_TIMESTEPS, 8, 4, 0).unwrap();
    // T = 100 here: only the timesteps up to 100 are evaluated.
    assert_eq!(
        rows.iter().map(|r| r.t).collect::<Vec<_>>(),
        vec![1, 10, 50, 100]
    );
    for r in rows {
        // The untrained UNet's last conv is zero: it predicts ε̂ = 0, the baseline.
        assert_close(r.eps_mse, r.eps_baseline, SINGLE);
    }
}

// ------------------------------------------------------------------ shipped checkpoints

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/models")
        .join(name)
}

/// ε-MSE of a shipped model at a few t on a small held-out set.
fn shipped_eps_mse(name: &str, n: usize) -> Vec<(usize, f64)> {
    let ckpt = Checkpoint::load(&shipped(name), &device()).unwrap();
    let (data, _) = Dataset::open(&ckpt.config.data).unwrap();
    evaluate(
        &ckpt,
        &ckpt.schedule,
        &data,
        &[100, 250, 500, 750],
        n,
        64,
        99,
    )
    .unwrap()
    .into_iter()
    .map(|r| (r.t, r.eps_mse))
    .collect()
}

#[test]
fn shipped_glyph_model_denoises_well_at_mid_t() {
    for (t, mse) in shipped_eps_mse("glyphs", 64) {
        // The trivial ε̂ = 0 scores 1.
        assert!(mse < 0.25, "glyphs: ε-MSE {mse} at t = {t}");
    }
}

#[test]
fn shipped_point_models_denoise_well_at_mid_t() {
    for name in ["moons", "swiss_roll"] {
        for (t, mse) in shipped_eps_mse(name, 2000) {
            // At t = 100 the noise along the curve cannot be told from a shift along it, so
            // even a perfect denoiser scores ~0.5 there; from t = 250 on, far less.
            let bound = match t {
                100 => 0.75,
                250 => 0.3,
                _ => 0.05,
            };
            assert!(
                mse < bound,
                "{name}: ε-MSE {mse} at t = {t} (bound {bound})"
            );
        }
    }
}

// -------------------------------------------------------------------------------- CLI

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ddpm-lab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn assert_exit(o: &Output, code: i32, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "`{needle}` not in: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

#[test]
fn model_commands_reject_bad_input_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let out_s = out.to_str().unwrap();
    assert_exit(
        &cli(&["train", "--dataset", "mnist", "--out", out_s]),
        2,
        "unknown dataset",
    );
    assert_exit(&cli(&["train", "--dataset", "moons"]), 2, "--out");
    assert_exit(
        &cli(&["train", "--dataset", "csv", "--out", out_s]),
        2,
        "--data-dir",
    );
    assert_exit(
        &cli(&[
            "train",
            "--dataset",
            "moons",
            "--objective",
            "noise",
            "--out",
            out_s,
        ]),
        2,
        "unknown prediction type",
    );
    assert_exit(
        &cli(&[
            "train",
            "--dataset",
            "moons",
            "--steps",
            "0",
            "--out",
            out_s,
        ]),
        2,
        "--steps",
    );
    assert_exit(
        &cli(&[
            "train",
            "--dataset",
            "moons",
            "--timesteps",
            "0",
            "--out",
            out_s,
        ]),
        2,
        "invalid schedule",
    );
    assert_exit(
        &cli(&[
            "train",
            "--dataset",
            "glyphs",
            "--channels",
            "12,24",
            "--out",
            out_s,
        ]),
        2,
        "groups",
    );
    assert_exit(
        &cli(&[
            "train",
            "--dataset",
            "moons",
            "--backend",
            "tpu",
            "--out",
            out_s,
        ]),
        2,
        "unknown backend",
    );
    if !BackendKind::Ndarray.is_available() {
        assert_exit(
            &cli(&[
                "train",
                "--dataset",
                "moons",
                "--backend",
                "ndarray",
                "--out",
                out_s,
            ]),
            2,
            "not compiled into this build",
        );
    }
    assert!(!out.exists(), "nothing is written on a usage error");
    assert_exit(
        &cli(&["sample", "--model", out_s, "--out", "x.png"]),
        1,
        "not a model folder",
    );
    assert_exit(&cli(&["eval", "--model", out_s]), 1, "not a model folder");

    // A real (untrained) model folder: wrong output kinds and ranges are usage errors.
    let config = config_for(tiny_mlp(), DatasetKind::Moons, 10);
    write_checkpoint(&out, &config, 0);
    assert_exit(
        &cli(&["sample", "--model", out_s, "--out", "x.gif"]),
        2,
        ".csv",
    );
    assert_exit(
        &cli(&[
            "sample", "--model", out_s, "--steps", "500", "--out", "x.csv",
        ]),
        2,
        "--steps",
    );
    let img = dir.path().join("in.png");
    image::RgbImage::new(8, 8).save(&img).unwrap();
    assert_exit(
        &cli(&[
            "reverse",
            "--model",
            out_s,
            "--image",
            img.to_str().unwrap(),
            "--out-dir",
            "f",
        ]),
        2,
        "needs an image model",
    );
    // A damaged weights file is a runtime error.
    std::fs::write(out.join(WEIGHTS_FILE), b"garbage").unwrap();
    assert_exit(&cli(&["eval", "--model", out_s]), 1, "damaged");
}

#[test]
fn sample_and_eval_write_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    write_checkpoint(&model, &config_for(tiny_mlp(), DatasetKind::Moons, 10), 0);
    let csv = dir.path().join("points.csv");
    let o = cli(&[
        "sample",
        "--model",
        model.to_str().unwrap(),
        "--sampler",
        "ddim",
        "--steps",
        "5",
        "--n",
        "7",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "x,y");
    assert_eq!(rows.len(), 8);
    for r in &rows[1..] {
        let v: Vec<f64> = r.split(',').map(|s| s.parse().unwrap()).collect();
        assert!(v.len() == 2 && v.iter().all(|x| x.is_finite()));
    }
    let o = cli(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--n",
        "50",
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4);
    assert_eq!(rows[0]["t"], 1);
}

#[test]
fn loaded_models_can_move_to_worker_threads() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<Checkpoint>();
    assert_send::<OracleDenoiser>();
}

#[test]
fn a_reverse_run_streams_frames_from_a_background_job() {
    use ddpm_lab::app::jobs::{JobOutcome, no_repaint, spawn};
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    write_checkpoint(&model, &config_for(tiny_mlp(), DatasetKind::Moons, 10), 0);
    // What the Points panel does: load in the job, stream (t, x̂0) per step, allow cancel.
    let job = spawn("reverse", no_repaint(), move |ctx| {
        let ckpt = Checkpoint::load(&model, &device())?;
        let options = ReverseOptions {
            clip_x0: ckpt.domain().clip_x0(),
            ..ReverseOptions::default()
        };
        let cancel = ctx.cancel_flag();
        let result = ddpm_lab::model::inference::sample(
            &ckpt,
            &ckpt.schedule,
            3,
            &options,
            Some(&cancel),
            |f| {
                ctx.emit((f.t, f.pred_x0.to_vec()));
                ctx.set_progress(f.index as u64 + 1, f.total as u64, format!("t = {}", f.t));
                Flow::Continue
            },
        )?;
        Ok(result.x)
    });
    let mut job = job;
    let outcome = loop {
        if let Some(o) = job.poll() {
            break o;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let JobOutcome::Finished(x) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(x.len(), 6);
    let frames = job.drain_events();
    assert_eq!(frames.len(), 100);
    assert_eq!(frames[0].0, 100);
    assert_eq!(frames[99].0, 1);
    assert!(frames.iter().all(|(_, x0)| x0.len() == 6));
}

// ------------------------------------------------------------------ image size

#[test]
fn the_same_weights_run_at_other_sizes_and_bad_sizes_are_errors() {
    use ddpm_lab::model::checkpoint::{MAX_RUN_SIZE, SizeError};
    let ckpt = Checkpoint::load(&shipped("glyphs"), &device()).unwrap();
    let DataDomain::Image { channels, size } = ckpt.domain() else {
        panic!("glyphs is an image model");
    };
    assert_eq!((channels, size), (1, 32));
    // At its own size, the sized view gives exactly what the checkpoint gives.
    let x32 = ddpm_lab::model::inference::initial_noise(2, 32 * 32, 5);
    let own = ckpt.predict(&x32, 300, 2).unwrap();
    let at32 = ckpt.at_size(32).unwrap();
    assert_eq!(at32.item_len(), 32 * 32);
    assert_eq!(at32.predict(&x32, 300, 2).unwrap(), own);
    // At 64²: four times the numbers, all finite, and not a copy of the 32² answer.
    let at64 = ckpt.at_size(64).unwrap();
    assert_eq!(at64.item_len(), 64 * 64);
    let x64 = ddpm_lab::model::inference::initial_noise(1, 64 * 64, 6);
    let out64 = at64.predict(&x64, 300, 1).unwrap();
    assert_eq!(out64.len(), 64 * 64);
    assert!(out64.iter().all(|v| v.is_finite()));
    // A clean-ish ε-predictor at t = 300 on pure N(0, 1) input says "mostly noise": its
    // output has a spread near 1 at both sizes, so the weights mean the same thing there.
    let spread = |v: &[f32]| {
        let m = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    };
    let (s32, s64) = (spread(&own), spread(&out64));
    assert!(
        (0.5..1.5).contains(&s32) && (0.5..1.5).contains(&s64),
        "{s32} {s64}"
    );
    // A wrong length is an error, not a panic in a reshape.
    assert!(at64.predict(&x32, 300, 1).is_err());
    // Bad sizes: 0, not a multiple of the factor (4 for three resolutions), too large.
    assert_eq!(ckpt.at_size(0).unwrap_err(), SizeError::Zero);
    let err = ckpt.at_size(30).unwrap_err();
    assert!(
        matches!(
            err,
            SizeError::NotMultiple {
                factor: 4,
                below: 28,
                above: 32,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("multiple of 4"), "{err}");
    assert!(matches!(
        ckpt.at_size(MAX_RUN_SIZE + 4).unwrap_err(),
        SizeError::TooLarge { .. }
    ));
    assert!(ckpt.at_size(MAX_RUN_SIZE).is_ok());
}

#[test]
fn a_three_channel_model_runs_at_64_and_128_and_points_models_have_no_size() {
    let dir = tempfile::tempdir().unwrap();
    let colour = config_for(
        ModelConfig::Unet(
            UNetConfig::new()
                .with_channels(vec![8, 8])
                .with_groups(4)
                .with_in_channels(3)
                .with_image_size(32),
        ),
        DatasetKind::Shapes,
        1,
    );
    write_checkpoint(dir.path(), &colour, 11);
    let ckpt = Checkpoint::load(dir.path(), &device()).unwrap();
    for n in [64, 128] {
        let sized = ckpt.at_size(n).unwrap();
        assert_eq!(sized.item_len(), 3 * n * n);
        let x = ddpm_lab::model::inference::initial_noise(1, 3 * n * n, 1);
        let out = sized.predict(&x, 50, 1).unwrap();
        assert_eq!(out.len(), 3 * n * n);
        assert!(out.iter().all(|v| v.is_finite()));
    }
    // Factor 2 for two resolutions: 66 is fine, 65 is not.
    assert!(ckpt.at_size(66).is_ok());
    assert!(ckpt.at_size(65).is_err());
    let points = tempfile::tempdir().unwrap();
    write_checkpoint(
        points.path(),
        &config_for(tiny_mlp(), DatasetKind::Moons, 1),
        1,
    );
    let mlp = Checkpoint::load(points.path(), &device()).unwrap();
    assert_eq!(
        mlp.at_size(32).unwrap_err(),
        ddpm_lab::model::checkpoint::SizeError::NotImage
    );
}

/// A 3-channel UNet folder (untrained, seeded): colour plumbing must not depend on the
/// model being good.
fn colour_unet_folder(dir: &Path) -> PathBuf {
    let folder = dir.join("colour");
    let config = config_for(
        ModelConfig::Unet(
            UNetConfig::new()
                .with_channels(vec![8, 8])
                .with_groups(4)
                .with_in_channels(3)
                .with_image_size(32),
        ),
        DatasetKind::Shapes,
        1,
    );
    write_checkpoint(&folder, &config, 4);
    folder
}

#[test]
fn reverse_at_a_size_writes_full_size_colour_frames() {
    let dir = tempfile::tempdir().unwrap();
    let model = colour_unet_folder(dir.path());
    // A 90 × 60 colour picture: red left half, blue right half.
    let input = dir.path().join("in.png");
    image::RgbImage::from_fn(90, 60, |x, _| {
        if x < 45 {
            image::Rgb([220, 30, 30])
        } else {
            image::Rgb([30, 30, 220])
        }
    })
    .save(&input)
    .unwrap();
    let frames = dir.path().join("frames");
    let o = cli(&[
        "reverse",
        "--model",
        model.to_str().unwrap(),
        "--image",
        input.to_str().unwrap(),
        "--size",
        "64",
        "--t",
        "20",
        "--sampler",
        "ddim",
        "--steps",
        "10",
        "--scale",
        "1",
        "--seed",
        "3",
        "--out-dir",
        frames.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The input as the model saw it: centre-cropped and resized to 64 × 64, in colour.
    let seen = image::open(frames.join("input.png")).unwrap().to_rgb8();
    assert_eq!(seen.dimensions(), (64, 64));
    assert!(seen.get_pixel(2, 32).0[0] > 150 && seen.get_pixel(2, 32).0[2] < 100);
    assert!(seen.get_pixel(61, 32).0[2] > 150 && seen.get_pixel(61, 32).0[0] < 100);
    // Frames named as always; the final result is xt_t0000.png, 64 × 64 RGB.
    for name in ["xt_t0020.png", "x0_t0020.png", "xt_t0000.png"] {
        let img = image::open(frames.join(name)).unwrap();
        assert_eq!(img.color(), image::ColorType::Rgb8, "{name}");
        let rgb = img.to_rgb8();
        assert_eq!(rgb.dimensions(), (64, 64), "{name}");
        let differ = rgb.pixels().filter(|p| p.0[0] != p.0[2]).count();
        assert!(
            differ > 64 * 64 / 4,
            "{name}: the channels differ ({differ} pixels)"
        );
    }
    // A 64 × 64 input is used as it is.
    let exact = dir.path().join("exact.png");
    image::RgbImage::from_fn(64, 64, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 4) as u8, 128])
    })
    .save(&exact)
    .unwrap();
    let frames2 = dir.path().join("frames2");
    let o = cli(&[
        "reverse",
        "--model",
        model.to_str().unwrap(),
        "--image",
        exact.to_str().unwrap(),
        "--size",
        "64",
        "--t",
        "5",
        "--sampler",
        "ddim",
        "--steps",
        "5",
        "--scale",
        "1",
        "--out-dir",
        frames2.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let seen = image::open(frames2.join("input.png")).unwrap().to_rgb8();
    assert_eq!(seen, image::open(&exact).unwrap().to_rgb8());
    // `sample --size` makes images of that size (a grid of 2 at scale 1, 2 px padding).
    let grid = dir.path().join("grid.png");
    let o = cli(&[
        "sample",
        "--model",
        model.to_str().unwrap(),
        "--size",
        "64",
        "--n",
        "2",
        "--sampler",
        "ddim",
        "--steps",
        "3",
        "--scale",
        "1",
        "--out",
        grid.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let g = image::open(&grid).unwrap();
    assert_eq!((g.width(), g.height()), (2 * 64 + 3 * 2, 64 + 2 * 2));
}

#[test]
fn bad_sizes_are_one_line_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = colour_unet_folder(dir.path());
    let input = dir.path().join("in.png");
    image::RgbImage::new(40, 40).save(&input).unwrap();
    let out = dir.path().join("o");
    for (size, needle) in [
        ("0", "at least 1"),
        ("65", "not a multiple of 2"),
        ("1024", "larger than the limit of 512"),
    ] {
        let o = cli(&[
            "reverse",
            "--model",
            model.to_str().unwrap(),
            "--image",
            input.to_str().unwrap(),
            "--size",
            size,
            "--t",
            "5",
            "--out-dir",
            out.to_str().unwrap(),
        ]);
        assert_exit(&o, 2, needle);
        let o = cli(&[
            "sample",
            "--model",
            model.to_str().unwrap(),
            "--size",
            size,
            "--n",
            "1",
            "--out",
            dir.path().join("g.png").to_str().unwrap(),
        ]);
        assert_exit(&o, 2, needle);
    }
    assert!(!out.exists(), "nothing is written for a bad size");
    // A points model has no image size.
    let points = dir.path().join("points");
    write_checkpoint(&points, &config_for(tiny_mlp(), DatasetKind::Moons, 1), 1);
    let o = cli(&[
        "sample",
        "--model",
        points.to_str().unwrap(),
        "--size",
        "64",
        "--n",
        "1",
        "--out",
        dir.path().join("p.csv").to_str().unwrap(),
    ]);
    assert_exit(&o, 2, "image models");
}
