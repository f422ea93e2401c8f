//! The command line: headless subcommands over the same functions the app uses.
//!
//! Exit codes: 0 success, 1 runtime failure (files, I/O, a failed job), 2 usage (a bad
//! flag or value). Every error is one line on stderr; nothing panics.

mod analytic_cmds;
mod model_cmds;
mod output;
mod photo_cmds;
mod schedule_cmds;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use analytic_cmds::{AnalyticSampleArgs, ExplainArgs, SigmasArgs, StepErrorArgs};
pub use model_cmds::{BenchArgs, EvalArgs, ReverseArgs, SampleArgs, SamplerArgs, TrainArgs};
pub use output::{Output, UsageError};
pub use photo_cmds::EvalPhotosArgs;
pub use schedule_cmds::{
    ExampleArgs, ExportArgs, LintArgs, PosteriorArgs, ScheduleArgs, ScheduleCmdArgs,
    ScheduleCommon, parse_betas, read_betas_file, read_diffusers_config,
};

/// ddpm-lab: see the DDPM forward and backward process, tune β schedules, scrub images.
///
/// With no subcommand the desktop app opens.
#[derive(Debug, Parser)]
#[command(name = "ddpm-lab", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the schedule table, one row per t = 1..T (CSV or JSON).
    Schedule(ScheduleCmdArgs),
    /// Write DIR/scheduler_config.json for diffusers' DDPMScheduler.from_pretrained(DIR).
    ExportDiffusers(ExportArgs),
    /// Print the schedule linter's findings.
    Lint(LintArgs),
    /// Print the seed notes' worked example, computed.
    Example(ExampleArgs),
    /// The exact reverse posterior q(x_{t-1}|x_t) for 1-D mixture data.
    Posterior(PosteriorArgs),
    /// Train a denoiser (UNet for images, MLP for 2-D points) into a model folder.
    Train(TrainArgs),
    /// Draw samples from a trained model or an exact denoiser (image grid PNG, or points
    /// CSV/PNG).
    Sample(SampleArgs),
    /// Print the sampling σ's and timesteps of Euler, Heun or DPM-Solver++ (final 0 included).
    Sigmas(SigmasArgs),
    /// Sliced W2 of exact-score samples of a 2-D mixture against the number of steps, per sampler.
    StepError(StepErrorArgs),
    /// r² per t: how much of a model's x̂0 the ideal or Gaussian denoiser of its data explains.
    Explain(ExplainArgs),
    /// Noise an image to t, then denoise it step by step, writing x_t and x̂0 frames.
    Reverse(ReverseArgs),
    /// The model's prediction MSE on held-out data at fixed t, beside the ε = 0 baseline.
    Eval(EvalArgs),
    /// PSNR of a colour model's one-step x̂0 on real photos, beside the best Gaussian blur.
    EvalPhotos(EvalPhotosArgs),
    /// Time a forward pass and a training step (to size a training run).
    Bench(BenchArgs),
}

/// Parses the process arguments, runs the command (or opens the app) and maps every
/// outcome to an exit code with a one-line message.
pub fn main_with(open_app: impl FnOnce() -> Result<()>) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return output::report_clap_error(e),
    };
    let result = match cli.command {
        None => open_app(),
        Some(command) => run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::report_error(&e),
    }
}

/// Runs one subcommand.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Schedule(args) => schedule_cmds::schedule(args),
        Command::ExportDiffusers(args) => schedule_cmds::export_diffusers(args),
        Command::Lint(args) => schedule_cmds::lint(args),
        Command::Example(args) => schedule_cmds::example(args),
        Command::Posterior(args) => schedule_cmds::posterior(args),
        Command::Train(args) => model_cmds::train(args),
        Command::Sample(args) => model_cmds::sample(args),
        Command::Sigmas(args) => analytic_cmds::sigmas(args),
        Command::StepError(args) => analytic_cmds::step_error(args),
        Command::Explain(args) => analytic_cmds::explain(args),
        Command::Reverse(args) => model_cmds::reverse(args),
        Command::Eval(args) => model_cmds::eval(args),
        Command::EvalPhotos(args) => photo_cmds::eval_photos(args),
        Command::Bench(args) => model_cmds::bench(args),
    }
}
