//! The `ddpm-lab` binary: parse the command line, then run a subcommand or open the app.

fn main() -> std::process::ExitCode {
    ddpm_lab::ui::mark_process_start();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    ddpm_lab::cli::main_with(ddpm_lab::ui::run_native)
}
