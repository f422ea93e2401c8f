//! The `ddpm-lab` binary: parse the command line, then run a subcommand or open the app.
//! Built for the web (`scripts/web.sh`), it starts the app in the page's canvas instead.

#[cfg(target_arch = "wasm32")]
fn main() {
    ddpm_lab::ui::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    ddpm_lab::ui::mark_process_start();
    ddpm_lab::heap::keep_freed_buffers();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    // A safety net: no code path should panic, but if one does the user gets one line, not a
    // backtrace (set RUST_BACKTRACE=1 to see it).
    if std::env::var_os("RUST_BACKTRACE").is_none() {
        std::panic::set_hook(Box::new(|info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!("error: internal error: {msg}{place} (please report it)");
        }));
    }
    ddpm_lab::cli::main_with(ddpm_lab::ui::run_native)
}
