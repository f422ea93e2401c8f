//! Subcommands over the math core: schedule, export-diffusers, lint, example, posterior.

use super::output::{Output, UsageError};
use crate::diffusion::diffusers::{
    self, CONFIG_FILE_NAME, ImportedConfig, SamplerSettings, from_config_str,
};
use crate::diffusion::gmm1d::{MAX_ABS_VALUE, Mixture, check_value, posterior_report};
use crate::diffusion::lint::{LintOptions, Severity, lint as lint_spec};
use crate::diffusion::{
    PredictionType, Schedule, ScheduleKind, ScheduleRow, ScheduleSpec, TimestepSpacing,
    WorkedExample,
};
use anyhow::{Context, Result, anyhow};
use clap::{Args, ValueEnum};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Files larger than this are refused before reading (a β list of 1e6 numbers is ~25 MB).
const MAX_TEXT_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Schedule options shared by every command that needs a schedule, except T's flag name,
/// which differs where `--steps` means something else (training or sampling steps).
#[derive(Debug, Clone, Args)]
pub struct ScheduleCommon {
    /// Schedule kind: linear, scaled_linear, squaredcos_cap_v2 (cosine), sigmoid.
    #[arg(long, value_name = "KIND", default_value = "linear")]
    pub kind: ScheduleKind,
    /// First β (linear, scaled_linear, sigmoid).
    #[arg(
        long,
        value_name = "A",
        default_value_t = 1e-4,
        allow_negative_numbers = true
    )]
    pub beta_start: f64,
    /// Last β (linear, scaled_linear, sigmoid).
    #[arg(
        long,
        value_name = "B",
        default_value_t = 0.02,
        allow_negative_numbers = true
    )]
    pub beta_end: f64,
    /// Rescale to zero terminal SNR (Lin et al. 2023).
    #[arg(long)]
    pub rescale_zero_snr: bool,
    /// Read β_1..β_T from a file (numbers separated by commas/whitespace, a JSON list, or a
    /// CSV with a `beta` column such as `ddpm-lab schedule` writes).
    #[arg(long, value_name = "F", conflicts_with_all = ["kind", "from_diffusers"])]
    pub betas_file: Option<PathBuf>,
    /// Read the schedule from a diffusers scheduler_config.json (or its folder).
    #[arg(long, value_name = "PATH", conflicts_with = "kind")]
    pub from_diffusers: Option<PathBuf>,
}

/// Schedule options with T as `--steps` (the `schedule`, `lint`, `export-diffusers`
/// and `posterior` commands).
#[derive(Debug, Clone, Args)]
pub struct ScheduleArgs {
    /// Number of diffusion steps T.
    #[arg(
        long = "steps",
        visible_alias = "timesteps",
        value_name = "T",
        default_value_t = 1000
    )]
    pub steps: usize,
    #[command(flatten)]
    pub common: ScheduleCommon,
}

impl ScheduleArgs {
    pub fn resolve(&self) -> Result<(ScheduleSpec, SamplerSettings)> {
        self.common.resolve(self.steps)
    }
}

impl ScheduleCommon {
    /// The spec these options describe, plus sampler settings from an imported config.
    /// Warnings from an imported config go to stderr.
    pub fn resolve(&self, steps: usize) -> Result<(ScheduleSpec, SamplerSettings)> {
        let (mut spec, sampler) = if let Some(path) = &self.from_diffusers {
            let imported = read_diffusers_config(path)?;
            for w in &imported.warnings {
                eprintln!("warning: {}: {w}", path.display());
            }
            (imported.spec, imported.sampler)
        } else if let Some(path) = &self.betas_file {
            (
                ScheduleSpec::trained(read_betas_file(path)?),
                SamplerSettings::default(),
            )
        } else {
            (
                ScheduleSpec::new(self.kind, steps, self.beta_start, self.beta_end),
                SamplerSettings::default(),
            )
        };
        spec.rescale_zero_snr |= self.rescale_zero_snr;
        Ok((spec, sampler))
    }

    /// The built schedule; an invalid spec is a usage error.
    pub fn build(&self, steps: usize) -> Result<(Schedule, SamplerSettings)> {
        let (spec, sampler) = self.resolve(steps)?;
        let schedule = spec
            .build()
            .map_err(|e| UsageError::new(format!("invalid schedule: {e}")))?;
        Ok((schedule, sampler))
    }
}

fn read_text_file(path: &Path, what: &'static str) -> Result<String> {
    Ok(crate::fsutil::read_text_limited(
        path,
        what,
        MAX_TEXT_FILE_BYTES,
    )?)
}

/// Reads a diffusers config from a `scheduler_config.json` or the folder holding one.
pub fn read_diffusers_config(path: &Path) -> Result<ImportedConfig> {
    let file = if path.is_dir() {
        path.join(CONFIG_FILE_NAME)
    } else {
        path.to_path_buf()
    };
    let text = read_text_file(&file, "diffusers config")?;
    from_config_str(&text).with_context(|| format!("{}", file.display()))
}

/// Parses β values from text: a JSON list (or object with `trained_betas`), a CSV with a
/// `beta` column, or numbers separated by commas/whitespace with `#` comments.
pub fn parse_betas(text: &str) -> Result<Vec<f64>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let list = match &value {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Object(o) => match o.get("trained_betas") {
                Some(serde_json::Value::Array(a)) => a,
                _ => return Err("JSON object has no `trained_betas` list".into()),
            },
            _ => return Err("expected a JSON list of numbers".into()),
        };
        return list
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_f64().ok_or(format!("item {} is not a number", i + 1)))
            .collect();
    }
    let mut lines = text.lines().enumerate().peekable();
    // A CSV header with a `beta` column: take that column.
    let mut column: Option<usize> = None;
    while let Some((_, line)) = lines.peek() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            lines.next();
            continue;
        }
        if l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            let cols: Vec<&str> = l.split(',').map(str::trim).collect();
            column = Some(
                cols.iter()
                    .position(|c| *c == "beta")
                    .ok_or("the header has no `beta` column")?,
            );
            lines.next();
        }
        break;
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let l = line.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        let fields: Vec<&str> = match column {
            Some(c) => vec![
                l.split(',')
                    .nth(c)
                    .ok_or(format!("line {}: no `beta` column", i + 1))?,
            ],
            None => l
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .collect(),
        };
        for f in fields {
            out.push(
                f.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("line {}: `{f}` is not a number", i + 1))?,
            );
        }
    }
    if out.is_empty() {
        return Err("no β values found".into());
    }
    Ok(out)
}

/// Reads β_1..β_T from a file (see [`parse_betas`]).
pub fn read_betas_file(path: &Path) -> Result<Vec<f64>> {
    let text = read_text_file(path, "betas file")?;
    parse_betas(&text).map_err(|e| anyhow!("betas file {}: {e}", path.display()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ScheduleCmdArgs {
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: TableFormat,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The schedule as JSON: the spec and one object per t.
pub fn schedule_json(schedule: &Schedule) -> Result<String> {
    let rows: Vec<ScheduleRow> = schedule.rows().collect();
    let mut s = serde_json::to_string_pretty(&serde_json::json!({
        "spec": schedule.spec(),
        "rows": rows,
    }))?;
    s.push('\n');
    Ok(s)
}

pub fn schedule(args: ScheduleCmdArgs) -> Result<()> {
    let (schedule, _) = args.schedule.common.build(args.schedule.steps)?;
    let text = match args.format {
        TableFormat::Csv => schedule.to_csv(),
        TableFormat::Json => schedule_json(&schedule)?,
    };
    Output::new(args.out).write(&text)
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// What the model predicts (epsilon, sample, v_prediction).
    #[arg(long, value_name = "TYPE")]
    pub prediction_type: Option<PredictionType>,
    /// Inference timestep spacing (leading, trailing, linspace).
    #[arg(long, value_name = "SPACING")]
    pub timestep_spacing: Option<TimestepSpacing>,
    /// Folder to write scheduler_config.json into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn export_diffusers(args: ExportArgs) -> Result<()> {
    let (schedule, mut sampler) = args.schedule.common.build(args.schedule.steps)?;
    if let Some(p) = args.prediction_type {
        sampler.prediction = p;
    }
    if let Some(s) = args.timestep_spacing {
        sampler.timestep_spacing = s;
    }
    crate::fsutil::create_dir_all(&args.out)?;
    let path = args.out.join(CONFIG_FILE_NAME);
    let text = diffusers::to_config_string(schedule.spec(), &sampler);
    crate::fsutil::write_atomic(&path, text.as_bytes())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// Inference steps to check the timestep spacings with.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub inference_steps: usize,
    /// Check only this spacing (default: all three).
    #[arg(long, value_name = "SPACING")]
    pub spacing: Option<TimestepSpacing>,
    /// diffusers' steps_offset for the `leading` spacing.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub steps_offset: usize,
}

/// Prints one finding per line; exits 1 when any finding is an error.
pub fn lint(args: LintArgs) -> Result<()> {
    let (spec, _) = args.schedule.resolve()?;
    if args.inference_steps == 0 {
        return Err(UsageError::new("--inference-steps must be at least 1").into());
    }
    let options = LintOptions {
        inference_steps: args.inference_steps,
        spacings: args
            .spacing
            .map(|s| vec![s])
            .unwrap_or_else(|| TimestepSpacing::ALL.to_vec()),
        steps_offset: args.steps_offset,
    };
    let findings = lint_spec(&spec, &options);
    let mut text = String::new();
    if findings.is_empty() {
        text.push_str("no findings\n");
    }
    for f in &findings {
        let _ = writeln!(text, "{f}");
    }
    Output::new(None).write(&text)?;
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if errors > 0 {
        return Err(anyhow!("the schedule has {errors} error(s)"));
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ExampleArgs {
    /// The starting value x0.
    #[arg(long, default_value_t = 0.8, allow_negative_numbers = true)]
    pub x0: f64,
    /// β1 of the first step.
    #[arg(long, default_value_t = 0.1)]
    pub beta1: f64,
    /// The drawn ε.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub eps: f64,
    /// β2 of the second step.
    #[arg(long, default_value_t = 0.2)]
    pub beta2: f64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
}

/// Ten significant digits for the example's printout.
fn d10(x: f64) -> String {
    format!("{x:.10}")
}

pub fn example(args: ExampleArgs) -> Result<()> {
    for (name, v) in [("--beta1", args.beta1), ("--beta2", args.beta2)] {
        if !(v > 0.0 && v < 1.0) {
            return Err(UsageError::new(format!("{name} = {v} must be in (0, 1)")).into());
        }
    }
    for (name, v) in [("--x0", args.x0), ("--eps", args.eps)] {
        if check_value("x", v).is_err() {
            return Err(UsageError::new(format!(
                "{name} {v} is outside [-{MAX_ABS_VALUE:e}, {MAX_ABS_VALUE:e}]"
            ))
            .into());
        }
    }
    let ex = WorkedExample {
        x0: args.x0,
        beta1: args.beta1,
        eps: args.eps,
        beta2: args.beta2,
    };
    let r = ex.compute();
    let text = match args.format {
        TextFormat::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::json!({
                "input": ex,
                "mean1": r.q1.mean,
                "variance1": r.q1.variance,
                "x1": r.x1,
                "mean2": r.q2.mean,
                "variance2": r.q2.variance,
            }))?;
            s.push('\n');
            s
        }
        TextFormat::Text => {
            let mut s = String::new();
            let _ = writeln!(
                s,
                "Worked example: x0 = {}, β1 = {}, ε = {}, β2 = {}",
                ex.x0, ex.beta1, ex.eps, ex.beta2
            );
            let _ = writeln!(
                s,
                "mean of q(x1|x0):     μ1 = √(1−β1)·x0 = {} × {} = {}   (one step keeps √α1 of the signal)",
                d10(r.sqrt_alpha1),
                ex.x0,
                d10(r.q1.mean)
            );
            let _ = writeln!(
                s,
                "variance of q(x1|x0): σ1² = β1 = {}   (the noise one step adds)",
                r.q1.variance
            );
            let _ = writeln!(
                s,
                "sample x1:            x1 = μ1 + √β1·ε = {} + {} × {} = {}   (one draw, with the given ε)",
                d10(r.q1.mean),
                d10(r.sqrt_beta1),
                ex.eps,
                d10(r.x1)
            );
            let _ = writeln!(
                s,
                "mean of q(x2|x0):     μ2 = √(α1·α2)·x0 = √{} × {} = {}   (two steps in one jump: the closed form)",
                d10(r.alpha_bar2),
                ex.x0,
                d10(r.q2.mean)
            );
            let _ = writeln!(
                s,
                "variance of q(x2|x0): 1 − α1·α2 = {}   (signal and noise variances still sum to 1)",
                d10(r.q2.variance)
            );
            s
        }
    };
    Output::new(None).write(&text)
}

#[derive(Debug, Args)]
pub struct PosteriorArgs {
    /// Data p(x0) as weight:mean:sd components, e.g. "0.5:-1:0.1,0.5:1:0.1".
    #[arg(long, value_name = "MIXTURE", allow_hyphen_values = true)]
    pub mixture: String,
    #[command(flatten)]
    pub schedule: ScheduleArgs,
    /// The timestep t (1..T): the posterior is over x_{t-1}.
    #[arg(long = "t", value_name = "T")]
    pub t: usize,
    /// The observed x_t.
    #[arg(long = "xt", value_name = "X", allow_negative_numbers = true)]
    pub x_t: f64,
    /// Also give the x0-conditioned posterior N(μ̃_t, β̃_t) for this x0.
    #[arg(long = "x0", value_name = "X0", allow_negative_numbers = true)]
    pub x0: Option<f64>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextFormat,
}

pub fn posterior(args: PosteriorArgs) -> Result<()> {
    let data: Mixture = args
        .mixture
        .parse()
        .map_err(|e| UsageError::new(format!("--mixture: {e}")))?;
    let (schedule, _) = args.schedule.common.build(args.schedule.steps)?;
    if args.t == 0 || args.t > schedule.num_steps() {
        return Err(UsageError::new(format!(
            "--t {} is outside 1..={}",
            args.t,
            schedule.num_steps()
        ))
        .into());
    }
    for (flag, value) in [("--xt", Some(args.x_t)), ("--x0", args.x0)] {
        if let Some(v) = value
            && check_value("x", v).is_err()
        {
            return Err(UsageError::new(format!(
                "{flag} {v} is outside [-{MAX_ABS_VALUE:e}, {MAX_ABS_VALUE:e}]"
            ))
            .into());
        }
    }
    let report = posterior_report(&data, &schedule, args.t, args.x_t, args.x0)?;
    let text = match args.format {
        TextFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report)?;
            s.push('\n');
            s
        }
        TextFormat::Text => {
            let mut s = String::new();
            let _ = writeln!(
                s,
                "true posterior q(x_{}|x_{} = {}): {} component(s)",
                args.t - 1,
                args.t,
                args.x_t,
                report.components.len()
            );
            for c in &report.components {
                let _ = writeln!(
                    s,
                    "  weight {:.6}  mean {:.6}  variance {:.6e}",
                    c.weight, c.mean, c.variance
                );
            }
            let _ = writeln!(
                s,
                "mean {:.6}, variance {:.6e}",
                report.mean, report.variance
            );
            let modes: Vec<String> = report.modes.iter().map(|m| format!("{m:.6}")).collect();
            let _ = writeln!(s, "modes ({}): {}", modes.len(), modes.join(", "));
            let _ = writeln!(
                s,
                "KL(true posterior ‖ moment-matched Gaussian) = {:.6e}",
                report.kl_to_gaussian
            );
            let _ = writeln!(
                s,
                "x0-conditioned posterior variance β̃_{} = {:.6e}",
                args.t, report.posterior_variance
            );
            if let Some(g) = report.x0_posterior {
                let _ = writeln!(
                    s,
                    "q(x_{}|x_{}, x0) = N({:.6}, {:.6e})",
                    args.t - 1,
                    args.t,
                    g.mean,
                    g.variance
                );
            }
            s
        }
    };
    Output::new(None).write(&text)
}
