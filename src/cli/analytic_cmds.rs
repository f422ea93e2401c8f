//! Subcommands over the exact (analytic) side: `sigmas`, `step-error`, and `sample` with an
//! analytic denoiser (an exact 2-D mixture, or the ideal / Gaussian denoiser of a data set).

use super::model_cmds::SampleArgs;
use super::output::{Output, UsageError};
use super::schedule_cmds::{ScheduleArgs, ScheduleCommon, TableFormat};
use crate::diffusion::analytic::sliced_wasserstein::DEFAULT_DIRECTIONS;
use crate::diffusion::analytic::{IsotropicMixture2d, sliced_w2};
use crate::diffusion::samplers::sigmas::{MAX_SHIFT, MIN_SHIFT};
use crate::diffusion::samplers::{OdeSampler, SigmaOptions, sampling_schedule};
use crate::diffusion::{Schedule, TimestepSpacing, VarianceType};
use crate::fsutil::write_atomic;
use crate::model::analytic::{AnalyticDenoiser, AnalyticFit, AnalyticKind, to_f64};
use crate::model::data::{DataDomain, DataSpec, Dataset, DatasetKind, PointNormalization};
use crate::model::inference::{self, Flow, Sampler};
use crate::model::render;
use crate::model::step_error::{
    MAX_SAMPLES, StepErrorRequest, as_points, mixture_samples, step_error_curves,
};
use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The most training items an analytic denoiser of a generated set draws.
pub const MAX_TRAIN_ITEMS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OdeSamplerName {
    Euler,
    Heun,
    Dpmpp2m,
}

impl From<OdeSamplerName> for OdeSampler {
    fn from(n: OdeSamplerName) -> Self {
        match n {
            OdeSamplerName::Euler => OdeSampler::Euler,
            OdeSamplerName::Heun => OdeSampler::Heun,
            OdeSamplerName::Dpmpp2m => OdeSampler::DpmSolverPlusPlus2M,
        }
    }
}

fn check_shift(shift: f64) -> Result<()> {
    if shift.is_finite() && (MIN_SHIFT..=MAX_SHIFT).contains(&shift) {
        Ok(())
    } else {
        Err(UsageError::new(format!(
            "--shift must be in [{MIN_SHIFT}, {MAX_SHIFT}] (got {shift})"
        ))
        .into())
    }
}

#[derive(Debug, Args)]
pub struct SigmasArgs {
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// Sampling steps N (1..=T).
    #[arg(long, value_name = "N")]
    pub sampling_steps: usize,
    /// Whose σ's: euler, heun (the same σ's as euler; each is evaluated twice) or dpmpp2m.
    #[arg(long, value_enum, default_value = "euler")]
    pub sampler: OdeSamplerName,
    /// Timestep spacing (diffusers' default for all three: linspace).
    #[arg(long, value_name = "SPACING", default_value = "linspace")]
    pub spacing: TimestepSpacing,
    /// Karras σ's (ρ = 7, σ_min and σ_max from the schedule).
    #[arg(long)]
    pub karras: bool,
    /// Resolution shift s of log-SNR: λ' = λ − 2 ln s (σ' = s·σ); 0.001..=1000.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub shift: f64,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: TableFormat,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `ddpm-lab sigmas`: one row per level i = 0..N (the last is σ = 0, t = 0): the paper
/// timestep the denoiser sees, σ, ᾱ = 1/(1+σ²) and log-SNR λ = −2 ln σ (`inf` at σ = 0).
pub fn sigmas(args: SigmasArgs) -> Result<()> {
    check_shift(args.shift)?;
    let (schedule, _) = args.schedule.common.build(args.schedule.steps)?;
    let options = SigmaOptions {
        karras: args.karras,
        shift: args.shift,
    };
    let plan = sampling_schedule(
        &schedule,
        args.sampler.into(),
        args.sampling_steps,
        args.spacing,
        options,
    )
    .map_err(|e| UsageError::new(format!("--sampling-steps {}: {e}", args.sampling_steps)))?;
    let text = match args.format {
        TableFormat::Csv => {
            let mut s = String::from("i,t,sigma,alpha_bar,log_snr\n");
            for (i, level) in plan.levels().iter().enumerate() {
                let log_snr = if level.sigma > 0.0 {
                    format!("{}", level.log_snr())
                } else {
                    "inf".into()
                };
                let _ = writeln!(
                    s,
                    "{i},{},{},{},{log_snr}",
                    level.t,
                    level.sigma,
                    level.alpha_bar()
                );
            }
            s
        }
        TableFormat::Json => {
            let rows: Vec<serde_json::Value> = plan
                .levels()
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    serde_json::json!({
                        "i": i,
                        "t": l.t,
                        "sigma": l.sigma,
                        "alpha_bar": l.alpha_bar(),
                        "log_snr": (l.sigma > 0.0).then(|| l.log_snr()),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "sampler": plan.sampler.name(),
                "diffusers_class": plan.sampler.diffusers_class(),
                "spacing": args.spacing.name(),
                "karras": args.karras,
                "shift": args.shift,
                "init_noise_sigma": plan.init_noise_sigma,
                "levels": rows,
            }))?;
            s.push('\n');
            s
        }
    };
    Output::new(args.out).write(&text)
}

/// The analytic denoisers `sample --denoiser` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyticName {
    /// The ideal (empirical) denoiser of the training items: it reproduces them.
    Ideal,
    /// The Gaussian (Wiener) denoiser of the items' mean and covariance (points: full
    /// 2 × 2; images: per pixel).
    Gaussian,
}

impl From<AnalyticName> for AnalyticFit {
    fn from(n: AnalyticName) -> Self {
        match n {
            AnalyticName::Ideal => AnalyticFit::Ideal,
            AnalyticName::Gaussian => AnalyticFit::Gaussian,
        }
    }
}

/// `sample` options for exact denoisers instead of a model folder.
#[derive(Debug, Args)]
pub struct AnalyticSampleArgs {
    /// Sample the exact score of a 2-D isotropic Gaussian mixture "w:mx:my:s,…" (weight,
    /// mean x, mean y, standard deviation) instead of a model.
    #[arg(long, value_name = "MIXTURE", conflicts_with_all = ["model", "denoiser"])]
    pub mixture2d: Option<String>,
    /// Sample an analytic denoiser of --dataset instead of a model: ideal or gaussian.
    #[arg(long, value_enum, conflicts_with = "model", requires = "dataset")]
    pub denoiser: Option<AnalyticName>,
    /// The data set of --denoiser (as `train` takes it).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<DatasetKind>,
    /// The CSV file (csv) or image folder (folder) of --dataset.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Channels of folder images: 1 or 3.
    #[arg(long, value_name = "C", default_value_t = 3)]
    pub image_channels: usize,
    /// Training items drawn from a generated data set (a CSV or folder uses all of its items).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub train_items: usize,
    /// Number of diffusion steps T of the schedule (with --mixture2d / --denoiser).
    #[arg(long = "timesteps", value_name = "T", default_value_t = 1000)]
    pub timesteps: usize,
    #[command(flatten)]
    pub schedule: ScheduleCommon,
}

/// What an analytic run samples, and how its items map back to the user's units.
struct AnalyticSetup {
    denoiser: AnalyticDenoiser,
    domain: DataDomain,
    normalization: PointNormalization,
    mixture: Option<IsotropicMixture2d>,
    reference: Option<Vec<f32>>,
}

fn analytic_setup(args: &SampleArgs, schedule: &Schedule) -> Result<AnalyticSetup> {
    let a = &args.analytic;
    if let Some(text) = &a.mixture2d {
        let mixture: IsotropicMixture2d = text
            .parse()
            .map_err(|e| UsageError::new(format!("--mixture2d: {e}")))?;
        return Ok(AnalyticSetup {
            denoiser: AnalyticDenoiser::new(
                AnalyticKind::Mixture2d(mixture.clone()),
                schedule.clone(),
            ),
            domain: DataDomain::Points2d,
            normalization: PointNormalization::identity(),
            mixture: Some(mixture),
            reference: None,
        });
    }
    let (Some(name), Some(dataset)) = (a.denoiser, a.dataset) else {
        return Err(UsageError::new(
            "give --model DIR, --mixture2d MIXTURE or --denoiser ideal|gaussian --dataset NAME",
        )
        .into());
    };
    if dataset.needs_path() != a.data_dir.is_some() {
        return Err(UsageError::new(if dataset.needs_path() {
            format!("--dataset {dataset} needs --data-dir")
        } else {
            format!("--data-dir is only for --dataset csv or folder (not {dataset})")
        })
        .into());
    }
    if a.train_items == 0 || a.train_items > MAX_TRAIN_ITEMS {
        return Err(UsageError::new(format!("--train-items must be 1..={MAX_TRAIN_ITEMS}")).into());
    }
    let mut spec = DataSpec::new(dataset);
    spec.channels = a.image_channels;
    if let Some(p) = &a.data_dir {
        spec = spec.with_path(p);
    }
    let (data, _) = Dataset::open(&spec)?;
    let items = match data.fixed_items() {
        Some(items) => items.to_vec(),
        None => data.generate(args.sampler.seed, a.train_items),
    };
    let domain = data.domain();
    let kind = AnalyticKind::fit(name.into(), &items, domain)?;
    Ok(AnalyticSetup {
        denoiser: AnalyticDenoiser::new(kind, schedule.clone()),
        domain,
        normalization: data
            .spec()
            .normalization
            .unwrap_or_else(PointNormalization::identity),
        mixture: None,
        reference: (!domain.is_image()).then_some(items),
    })
}

/// `ddpm-lab sample` without a model: an exact mixture score, or the ideal / Gaussian
/// denoiser of a data set. The starting noise depends only on --seed and --n.
pub fn sample_analytic(args: SampleArgs) -> Result<()> {
    if args.n == 0 || args.n > MAX_SAMPLES {
        return Err(UsageError::new(format!("--n must be 1..={MAX_SAMPLES}")).into());
    }
    if args.scale == 0 || args.scale > 16 {
        return Err(UsageError::new("--scale must be 1..=16").into());
    }
    if args.size.is_some() {
        return Err(UsageError::new("--size is for image models").into());
    }
    let (schedule, _) = args.analytic.schedule.build(args.analytic.timesteps)?;
    let setup = analytic_setup(&args, &schedule)?;
    let ext = super::model_cmds::extension(&args.out);
    match (setup.domain, ext.as_str()) {
        (DataDomain::Image { .. }, "png") | (DataDomain::Points2d, "csv" | "png") => {}
        (DataDomain::Image { .. }, _) => {
            return Err(UsageError::new("--out must be a .png for an image data set").into());
        }
        (DataDomain::Points2d, _) => {
            return Err(UsageError::new("--out must be a .csv (or .png) for points").into());
        }
    }
    super::model_cmds::check_image_pixels(
        setup.domain,
        args.n,
        super::model_cmds::MAX_SAMPLE_PIXELS,
        "--n",
    )?;
    let options = args.sampler.options(&schedule, setup.domain)?;
    let result = inference::sample(&setup.denoiser, &schedule, args.n, &options, None, |_| {
        Flow::Continue
    })?;
    let x = result.x;
    if x.iter().any(|v| !v.is_finite()) {
        return Err(anyhow!(
            "the sampler produced non-finite values; nothing written"
        ));
    }
    let nearest = match &setup.denoiser.kind {
        AnalyticKind::Ideal(ideal) => Some(
            x.chunks_exact(ideal.dim())
                .map(|item| ideal.nearest(&to_f64(item)))
                .collect::<Vec<_>>(),
        ),
        _ => None,
    };
    let bytes = match setup.domain {
        DataDomain::Image { .. } => {
            render::encode_png(&render::image_grid(&x, setup.domain, args.scale, 2))?
        }
        DataDomain::Points2d if ext == "png" => {
            let reference = match (&setup.mixture, &setup.reference) {
                (Some(m), _) => mixture_samples(m, 4000, 12_345)
                    .iter()
                    .flat_map(|p| [p[0] as f32, p[1] as f32])
                    .collect(),
                (None, Some(r)) => r.clone(),
                (None, None) => Vec::new(),
            };
            render::encode_png(&render::scatter(&x, Some(&reference), 512, 1.25))?
        }
        DataDomain::Points2d => points_csv(&x, setup.normalization, nearest.as_deref()),
    };
    write_atomic(&args.out, &bytes)?;
    eprintln!(
        "wrote {} samples ({} with {}) to {}",
        args.n,
        setup.denoiser.kind.name(),
        options.sampler.label(),
        args.out.display()
    );
    if let Some(m) = &setup.mixture {
        let d = sliced_w2(&as_points(&x), m, DEFAULT_DIRECTIONS)?;
        eprintln!("sliced W2 to the mixture: {d:.6}");
    }
    if let Some(near) = &nearest {
        let mut d: Vec<f64> = near.iter().map(|n| n.distance).collect();
        d.sort_by(f64::total_cmp);
        let median = d[d.len() / 2];
        let max = d[d.len() - 1];
        eprintln!(
            "nearest training item: median distance {median:.3e}, largest {max:.3e} (in model units). \
             The ideal denoiser is the exact denoiser of the training set, so its samples are \
             copies of training items: a perfect denoiser only memorises; a network generalises \
             because it is not perfect."
        );
    }
    Ok(())
}

/// Points as CSV in the user's units; with nearest training items, their index and
/// distance (model units) as two more columns.
fn points_csv(
    x: &[f32],
    norm: PointNormalization,
    nearest: Option<&[crate::diffusion::analytic::Nearest]>,
) -> Vec<u8> {
    let mut s = String::from(if nearest.is_some() {
        "x,y,nearest_index,nearest_distance\n"
    } else {
        "x,y\n"
    });
    for (i, p) in x.chunks_exact(2).enumerate() {
        let [a, b] = norm.to_raw(p[0], p[1]);
        match nearest.and_then(|n| n.get(i)) {
            Some(n) => {
                let _ = writeln!(s, "{a},{b},{},{}", n.index, n.distance);
            }
            None => {
                let _ = writeln!(s, "{a},{b}");
            }
        }
    }
    s.into_bytes()
}

/// A comma-separated list of step counts ("5,10,20").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepList(pub Vec<usize>);

fn parse_steps_list(s: &str) -> Result<StepList, String> {
    let v: Vec<usize> = s
        .split(',')
        .map(|p| p.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("`{s}` is not a comma-separated list of step counts"))?;
    if v.is_empty() || v.len() > 64 || v.contains(&0) {
        return Err("give 1 to 64 step counts, each at least 1".into());
    }
    Ok(StepList(v))
}

/// The sampler list of `step-error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CurveSampler {
    Ddpm,
    Ddim,
    Euler,
    Heun,
    Dpmpp2m,
}

impl CurveSampler {
    fn sampler(self) -> Sampler {
        match self {
            CurveSampler::Ddpm => Sampler::Ddpm {
                variance: VarianceType::FixedSmall,
            },
            CurveSampler::Ddim => Sampler::Ddim { eta: 0.0 },
            CurveSampler::Euler => Sampler::ode(OdeSampler::Euler),
            CurveSampler::Heun => Sampler::ode(OdeSampler::Heun),
            CurveSampler::Dpmpp2m => Sampler::ode(OdeSampler::DpmSolverPlusPlus2M),
        }
    }

    fn name(self) -> &'static str {
        match self {
            CurveSampler::Ddpm => "ddpm",
            CurveSampler::Ddim => "ddim",
            CurveSampler::Euler => "euler",
            CurveSampler::Heun => "heun",
            CurveSampler::Dpmpp2m => "dpmpp2m",
        }
    }
}

#[derive(Debug, Args)]
pub struct StepErrorArgs {
    /// The 2-D isotropic Gaussian mixture "w:mx:my:s,…".
    #[arg(long, value_name = "MIXTURE")]
    pub mixture2d: String,
    /// Number of diffusion steps T.
    #[arg(long = "timesteps", value_name = "T", default_value_t = 1000)]
    pub timesteps: usize,
    #[command(flatten)]
    pub schedule: ScheduleCommon,
    /// Samplers, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "ddpm,ddim,euler,heun,dpmpp2m"
    )]
    pub samplers: Vec<CurveSampler>,
    /// Step counts, comma-separated.
    #[arg(long, value_name = "LIST", default_value = "2,5,10,20,50,100", value_parser = parse_steps_list)]
    pub steps_list: StepList,
    /// Samples per point of a curve.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub n: usize,
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Directions of the sliced W2 (1..=4096).
    #[arg(long, value_name = "K", default_value_t = DEFAULT_DIRECTIONS)]
    pub directions: usize,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `ddpm-lab step-error`: CSV `sampler,steps,sliced_w2`, one row per (sampler, steps), then
/// `exact,0,…`: the distance of n exact draws from the mixture (the floor at this n).
pub fn step_error(args: StepErrorArgs) -> Result<()> {
    let mixture: IsotropicMixture2d = args
        .mixture2d
        .parse()
        .map_err(|e| UsageError::new(format!("--mixture2d: {e}")))?;
    if args.n == 0 || args.n > MAX_SAMPLES {
        return Err(UsageError::new(format!("--n must be 1..={MAX_SAMPLES}")).into());
    }
    if args.directions == 0 || args.directions > 4096 {
        return Err(UsageError::new("--directions must be 1..=4096").into());
    }
    let (schedule, _) = args.schedule.build(args.timesteps)?;
    if let Some(&bad) = args
        .steps_list
        .0
        .iter()
        .find(|&&s| s > schedule.num_steps())
    {
        return Err(UsageError::new(format!(
            "--steps-list: {bad} is above T = {}",
            schedule.num_steps()
        ))
        .into());
    }
    let steps = args.steps_list.0.clone();
    let request = StepErrorRequest {
        mixture: mixture.clone(),
        schedule,
        samplers: args.samplers.iter().map(|s| s.sampler()).collect(),
        steps,
        n: args.n,
        seed: args.seed,
        directions: args.directions,
    };
    let curves = step_error_curves(&request, None)?;
    let mut s = String::from("sampler,steps,sliced_w2\n");
    for (name, curve) in args.samplers.iter().zip(&curves) {
        for &(k, d) in &curve.points {
            let _ = writeln!(s, "{},{k},{d}", name.name());
        }
    }
    let floor = sliced_w2(
        &mixture_samples(&mixture, args.n, args.seed),
        &mixture,
        args.directions,
    )?;
    let _ = writeln!(s, "exact,0,{floor}");
    Output::new(args.out).write(&s)
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The model folder (its own data set and schedule are used).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// The analytic denoiser to put beside it: ideal or gaussian.
    #[arg(long, value_enum)]
    pub denoiser: AnalyticName,
    /// Training items for the analytic denoiser (drawn from a generated set).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub train_items: usize,
    /// Held-out items the r² is taken over.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub n: usize,
    /// Timesteps, comma-separated.
    #[arg(long, value_name = "LIST", default_value = "10,50,100,200,400,600,800,1000", value_parser = parse_steps_list)]
    pub t_list: StepList,
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = super::model_cmds::parse_backend)]
    pub backend: crate::model::BackendKind,
}

/// `ddpm-lab explain`: CSV `t,r2`, how much of the model's x̂0 the analytic denoiser
/// explains at each t (empty r2 where the model's x̂0 does not vary). r² < 0 means the two
/// differ by more than the model's x̂0 varies over the batch: at high t, where x̂0 is close
/// to the data mean for both, an offset of the network's mean is enough.
pub fn explain(args: ExplainArgs) -> Result<()> {
    if args.n == 0 || args.n > 4096 {
        return Err(UsageError::new("--n must be 1..=4096").into());
    }
    if args.train_items == 0 || args.train_items > MAX_TRAIN_ITEMS {
        return Err(UsageError::new(format!("--train-items must be 1..={MAX_TRAIN_ITEMS}")).into());
    }
    let ckpt = super::model_cmds::load_model(&args.model, args.backend)?;
    let big_t = ckpt.schedule.num_steps();
    if let Some(&bad) = args.t_list.0.iter().find(|&&t| t > big_t) {
        return Err(
            UsageError::new(format!("--t-list: {bad} is above the model's T = {big_t}")).into(),
        );
    }
    let (data, _) = Dataset::open(&ckpt.config.data)?;
    let train = match data.fixed_items() {
        Some(items) => items.to_vec(),
        None => data.generate(args.seed, args.train_items),
    };
    let held_out = data.generate(args.seed.wrapping_add(1), args.n);
    let kind = AnalyticKind::fit(args.denoiser.into(), &train, data.domain())?;
    let analytic = AnalyticDenoiser::new(kind, ckpt.schedule.clone());
    let rows = crate::model::analytic::explained_fraction(
        &ckpt,
        &analytic,
        &ckpt.schedule,
        &held_out,
        &args.t_list.0,
        args.seed,
    )?;
    let mut s = String::from("t,r2\n");
    for (t, r2) in rows {
        let _ = writeln!(s, "{t},{}", r2.map(|v| v.to_string()).unwrap_or_default());
    }
    Output::new(None).write(&s)
}
