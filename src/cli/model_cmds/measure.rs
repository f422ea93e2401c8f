//! `eval` and `bench`: a model's prediction error, and the speed of a training step.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model folder.
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// Held-out items per t.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub n: usize,
    /// Seed of the held-out set.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: EvalFormat,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
}

pub fn eval(args: EvalArgs) -> Result<()> {
    if args.n == 0 || args.n > 1_000_000 {
        return Err(UsageError::new("--n must be 1..=1000000").into());
    }
    let ckpt = load_model(&args.model, args.backend)?;
    let (data, _) = Dataset::open(&ckpt.config.data)
        .with_context(|| format!("the model's data set ({})", ckpt.config.data.dataset))?;
    let batch = if ckpt.domain().is_image() { 64 } else { 4096 };
    let rows = evaluate(
        &ckpt,
        &ckpt.schedule,
        &data,
        &EVAL_TIMESTEPS,
        args.n,
        batch,
        args.seed,
    )?;
    let text = match args.format {
        EvalFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
        EvalFormat::Text => {
            let obj = objective_name(ckpt.objective());
            let mut s = format!(
                "{} ({} parameters, objective {obj}, {} held-out items per t)\n",
                args.model.display(),
                ckpt.num_params(),
                args.n
            );
            let own = ckpt.objective() != PredictionType::Epsilon;
            let _ = write!(s, "{:>6}", "t");
            if own {
                let _ = write!(s, "  {:>12}", format!("{obj}-MSE"));
            }
            let _ = writeln!(s, "  {:>12}  {:>14}", "eps-MSE", "baseline eps=0");
            for r in &rows {
                let _ = write!(s, "{:>6}", r.t);
                if own {
                    let _ = write!(s, "  {:>12.5}", r.objective_mse);
                }
                let _ = writeln!(s, "  {:>12.5}  {:>14.5}", r.eps_mse, r.eps_baseline);
            }
            s
        }
    };
    print!("{text}");
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchArch {
    Unet,
    Mlp,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Time this model folder's network (default: a fresh one of --arch).
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// The fresh network to time: unet (glyph-sized, 32,64,64) or mlp.
    #[arg(long, value_enum, default_value = "unet")]
    pub arch: BenchArch,
    /// Batch size.
    #[arg(long, value_name = "B", default_value_t = 32)]
    pub batch: usize,
    /// Timed repetitions (after one warm-up).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub iters: usize,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
    /// Time the fixed suite `scripts/torch_peer.py` times too (UNet 32/64/64 forward at
    /// batch 1 and 16, its training step at 32; MLP forward of 2000 points, its training
    /// step at 512) and print one `name: milliseconds` line each
    /// (`scripts/bench_vs_torch.sh` pairs them).
    #[arg(long)]
    pub suite: bool,
}

/// The configuration `bench` and the PyTorch peer time for an architecture.
fn bench_config(arch: BenchArch, batch: usize) -> CheckpointConfig {
    let dataset = match arch {
        BenchArch::Unet => DatasetKind::Glyphs,
        BenchArch::Mlp => DatasetKind::Moons,
    };
    crate::model::training::reference_config(dataset, batch)
}

/// `bench --suite`: the shapes of the PyTorch peer, median milliseconds.
fn bench_suite(args: &BenchArgs) -> Result<()> {
    use crate::model::training::{time_forward, time_train_step};
    let device = device_for(args.backend)?;
    let iters = args.iters;
    let unet = |b| bench_config(BenchArch::Unet, b);
    let mlp = |b| bench_config(BenchArch::Mlp, b);
    let rows = [
        (
            "unet_forward_b1",
            time_forward(&unet(1), &device, 1, iters * 2)?,
        ),
        (
            "unet_forward_b16",
            time_forward(&unet(16), &device, 16, iters)?,
        ),
        (
            "unet_train_step_b32",
            time_train_step(&unet(32), &device, 32, iters)?.1,
        ),
        (
            "mlp_forward_2000",
            time_forward(&mlp(2000), &device, 2000, iters * 5)?,
        ),
        (
            "mlp_train_step_b512",
            time_train_step(&mlp(512), &device, 512, iters * 5)?.1,
        ),
    ];
    println!(
        "ddpm-lab {}, {} on {} threads",
        env!("CARGO_PKG_VERSION"),
        args.backend,
        rayon::current_num_threads()
    );
    for (name, seconds) in rows {
        println!("{name}: {:.3} ms", seconds * 1e3);
    }
    Ok(())
}

/// A quick it/s measurement (forward and training step) to size a training run; the
/// careful numbers come from `cargo bench --bench model`.
pub fn bench(args: BenchArgs) -> Result<()> {
    if args.batch == 0 || args.batch > 4096 || args.iters == 0 || args.iters > 1000 {
        return Err(UsageError::new("--batch must be 1..=4096 and --iters 1..=1000").into());
    }
    if args.suite {
        return bench_suite(&args);
    }
    let device = device_for(args.backend)?;
    let config = match &args.model {
        Some(dir) => checkpoint::read_config(dir)?,
        None => bench_config(args.arch, args.batch),
    };
    check_image_pixels(
        config.domain(),
        args.batch,
        MAX_TRAIN_BATCH_PIXELS,
        "--batch",
    )?;
    let timing = crate::model::training::time_steps(&config, &device, args.batch, args.iters)?;
    let name = match &config.model {
        ModelConfig::Unet(UNetConfig { channels, .. }) => format!("UNet {channels:?}"),
        ModelConfig::Mlp(c) => format!("MLP {}×{}", c.hidden_layers, c.hidden),
    };
    println!(
        "{name}, {} parameters, batch {} on {}:\n  forward       {:>9.2} ms\n  training step {:>9.2} ms  ({:.2} it/s)",
        timing.num_params,
        args.batch,
        args.backend,
        timing.forward_seconds * 1e3,
        timing.train_step_seconds * 1e3,
        1.0 / timing.train_step_seconds.max(1e-12)
    );
    Ok(())
}
