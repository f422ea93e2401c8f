//! `sample`: draw samples from a trained model, and the sampler flags it shares with
//! `reverse`.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplerName {
    Ddpm,
    Ddim,
    Euler,
    Heun,
    Dpmpp2m,
}

impl SamplerName {
    /// The ODE solver this name means, if it is one.
    pub fn ode(self) -> Option<OdeSampler> {
        match self {
            SamplerName::Euler => Some(OdeSampler::Euler),
            SamplerName::Heun => Some(OdeSampler::Heun),
            SamplerName::Dpmpp2m => Some(OdeSampler::DpmSolverPlusPlus2M),
            SamplerName::Ddpm | SamplerName::Ddim => None,
        }
    }
}

/// Sampler options shared by `sample` and `reverse`.
#[derive(Debug, Args)]
pub struct SamplerArgs {
    /// ddpm (ancestral), ddim, or an ODE solver as diffusers defines it: euler, heun
    /// (2N−1 evaluations for N steps) or dpmpp2m (DPM-Solver++(2M)).
    #[arg(long, value_enum, default_value = "ddpm")]
    pub sampler: SamplerName,
    /// Sampling steps (default: every t for ddpm, 50 for the others).
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// DDIM stochasticity η (0 = deterministic).
    #[arg(long, value_name = "E", default_value_t = 0.0)]
    pub eta: f64,
    /// Timestep spacing: leading, trailing or linspace (default: trailing for ddpm and
    /// ddim, linspace, diffusers' default, for euler, heun and dpmpp2m).
    #[arg(long, value_name = "SPACING")]
    pub spacing: Option<TimestepSpacing>,
    /// Karras σ's (ρ = 7) for euler, heun and dpmpp2m.
    #[arg(long)]
    pub karras: bool,
    /// Resolution shift s of log-SNR, λ' = λ − 2 ln s (σ' = s·σ), for euler, heun and
    /// dpmpp2m; 0.001..=1000, 1 = none.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    pub shift: f64,
    /// DDPM variance: fixed_small (β̃) or fixed_large (β).
    #[arg(long)]
    pub fixed_large: bool,
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
}

impl SamplerArgs {
    pub(crate) fn options(
        &self,
        schedule: &Schedule,
        domain: DataDomain,
    ) -> Result<ReverseOptions> {
        if !(self.eta.is_finite() && (0.0..=1.0).contains(&self.eta)) {
            return Err(
                UsageError::new(format!("--eta must be in [0, 1] (got {})", self.eta)).into(),
            );
        }
        let ode = self.sampler.ode();
        if ode.is_none() && (self.karras || self.shift != 1.0) {
            return Err(UsageError::new(
                "--karras and --shift are for --sampler euler, heun or dpmpp2m",
            )
            .into());
        }
        if !(self.shift.is_finite() && (MIN_SHIFT..=MAX_SHIFT).contains(&self.shift)) {
            return Err(UsageError::new(format!(
                "--shift must be in [{MIN_SHIFT}, {MAX_SHIFT}] (got {})",
                self.shift
            ))
            .into());
        }
        let steps = match (self.sampler, self.steps) {
            (SamplerName::Ddpm, s) => s,
            (_, None) => Some(50.min(schedule.num_steps())),
            (_, s) => s,
        };
        if let Some(n) = steps
            && (n == 0 || n > schedule.num_steps())
        {
            return Err(UsageError::new(format!(
                "--steps must be 1..={} (the model's T)",
                schedule.num_steps()
            ))
            .into());
        }
        let sampler = match self.sampler {
            SamplerName::Ddpm => Sampler::Ddpm {
                variance: if self.fixed_large {
                    VarianceType::FixedLarge
                } else {
                    VarianceType::FixedSmall
                },
            },
            SamplerName::Ddim => Sampler::Ddim { eta: self.eta },
            SamplerName::Euler | SamplerName::Heun | SamplerName::Dpmpp2m => Sampler::Ode {
                solver: ode.unwrap_or_default(),
                sigmas: SigmaOptions {
                    karras: self.karras,
                    shift: self.shift,
                },
            },
        };
        let spacing = self.spacing.unwrap_or(if ode.is_some() {
            TimestepSpacing::Linspace
        } else {
            TimestepSpacing::Trailing
        });
        let options = ReverseOptions {
            sampler,
            steps,
            spacing,
            clip_x0: domain.clip_x0(),
            seed: self.seed,
        };
        if ode.is_some() {
            // Fail here, as a usage error, rather than at the first step.
            inference::reverse_plan(schedule, schedule.num_steps(), &options)
                .map_err(|e| UsageError::new(format!("--steps {}: {e}", steps.unwrap_or(0))))?;
        }
        Ok(options)
    }
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The model folder (or sample an exact denoiser: --mixture2d, --denoiser).
    #[arg(long, value_name = "DIR", required_unless_present_any = ["mixture2d", "denoiser"])]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub analytic: crate::cli::analytic_cmds::AnalyticSampleArgs,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Number of samples.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub n: usize,
    /// grid.png for images; points.csv (or a .png scatter plot) for points.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Pixel scale of the image grid.
    #[arg(long, value_name = "K", default_value_t = 2)]
    pub scale: u32,
    /// Sample N × N images (default: the model's own size; a multiple of its downsampling
    /// factor, at most 512).
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
    #[arg(long, value_name = "NAME", default_value = "flex", value_parser = parse_backend)]
    pub backend: BackendKind,
}

/// The image model of `ckpt` at `--size` (or its own size), with the size checked.
pub(super) fn sized_model(ckpt: &Checkpoint, size: Option<usize>) -> Result<SizedDenoiser<'_>> {
    let n = match (size, ckpt.domain()) {
        (Some(n), _) => n,
        (None, DataDomain::Image { size, .. }) => size,
        (None, DataDomain::Points2d) => {
            return Err(UsageError::new("this model takes 2-D points, not images").into());
        }
    };
    ckpt.at_size(n)
        .map_err(|e| UsageError::new(format!("--size {n}: {e}")).into())
}

pub(crate) fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

pub(super) fn progress_for(total: u64, what: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} {{bar:30}} {{pos}}/{{len}}  t = {{msg}}  {{per_sec}}  ETA {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

pub fn sample(args: SampleArgs) -> Result<()> {
    let Some(model_dir) = args.model.clone() else {
        return crate::cli::analytic_cmds::sample_analytic(args);
    };
    if args.n == 0 || args.n > 100_000 {
        return Err(UsageError::new("--n must be 1..=100000").into());
    }
    if args.scale == 0 || args.scale > 16 {
        return Err(UsageError::new("--scale must be 1..=16").into());
    }
    let ext = extension(&args.out);
    let ckpt = load_model(&model_dir, args.backend)?;
    if args.size.is_some() && !ckpt.domain().is_image() {
        return Err(
            UsageError::new("--size is for image models (this one is for 2-D points)").into(),
        );
    }
    let sized = match ckpt.domain() {
        DataDomain::Image { .. } => Some(sized_model(&ckpt, args.size)?),
        DataDomain::Points2d => None,
    };
    let domain = sized.as_ref().map_or(ckpt.domain(), |s| s.domain());
    let denoiser: &dyn Denoise = match &sized {
        Some(s) => s,
        None => &ckpt,
    };
    check_image_pixels(domain, args.n, MAX_SAMPLE_PIXELS, "--n")?;
    match (domain, ext.as_str()) {
        (DataDomain::Image { .. }, "png") | (DataDomain::Points2d, "csv" | "png") => {}
        (DataDomain::Image { .. }, _) => {
            return Err(UsageError::new("--out must be a .png for an image model").into());
        }
        (DataDomain::Points2d, _) => {
            return Err(
                UsageError::new("--out must be a .csv (or .png) for a points model").into(),
            );
        }
    }
    let options = args.sampler.options(&ckpt.schedule, domain)?;
    let cancel = interrupt_flag();
    let total = inference::reverse_plan(&ckpt.schedule, ckpt.schedule.num_steps(), &options)?.len();
    let bar = progress_for(total as u64, "sampling");
    let result = inference::sample(
        denoiser,
        &ckpt.schedule,
        args.n,
        &options,
        Some(&cancel),
        |f| {
            if let Some(b) = &bar {
                b.set_position(f.index as u64 + 1);
                b.set_message(f.t.to_string());
            }
            Flow::Continue
        },
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if result.stopped {
        return Err(anyhow!(
            "interrupted at t = {}; nothing written",
            result.t_reached
        ));
    }
    write_samples(&ckpt, domain, &result.x, &args.out, args.scale)?;
    eprintln!("wrote {} samples to {}", args.n, args.out.display());
    Ok(())
}

fn write_samples(
    ckpt: &Checkpoint,
    domain: DataDomain,
    x: &[f32],
    out: &Path,
    scale: u32,
) -> Result<()> {
    let bytes = match domain {
        DataDomain::Image { .. } => render::encode_png(&render::image_grid(x, domain, scale, 2))?,
        DataDomain::Points2d if extension(out) == "png" => {
            let (data, _) = Dataset::open(&ckpt.config.data)?;
            let reference = data.generate(12_345, 4000);
            render::encode_png(&render::scatter(x, Some(&reference), 512, 1.25))?
        }
        DataDomain::Points2d => {
            let norm = ckpt
                .config
                .data
                .normalization
                .unwrap_or_else(crate::model::data::PointNormalization::identity);
            let mut s = String::from("x,y\n");
            for p in x.chunks_exact(2) {
                let [a, b] = norm.to_raw(p[0], p[1]);
                let _ = writeln!(s, "{a},{b}");
            }
            s.into_bytes()
        }
    };
    write_atomic(out, &bytes)?;
    Ok(())
}
