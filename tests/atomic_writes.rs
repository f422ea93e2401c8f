//! Nothing half-written: a command that fails, or is killed with SIGKILL in the middle of
//! writing, leaves either no output or the previous output intact, and never a model
//! folder whose config.json does not load.

use ddpm_lab::model::BackendKind;
use ddpm_lab::model::checkpoint::{CONFIG_FILE, Checkpoint};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ddpm-lab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Spawns the CLI, sends SIGKILL after `delay`, and waits for it to die.
fn run_and_kill(args: &[&str], delay: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddpm-lab"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    std::thread::sleep(delay);
    // `Child::kill` is SIGKILL on Unix: no destructor, no clean-up handler runs.
    let _ = child.kill();
    let _ = child.wait();
}

/// The folder is absent, holds no config.json (not a model folder), or loads.
fn assert_absent_or_loadable(dir: &Path) {
    if !dir.join(CONFIG_FILE).is_file() {
        return;
    }
    let device = BackendKind::Flex.device().expect("flex device");
    if let Err(e) = Checkpoint::load(dir, &device) {
        panic!("{} has a config.json but does not load: {e}", dir.display());
    }
}

/// Leftover scratch files show that a kill landed in the middle of a write.
fn scratch_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

#[test]
fn training_that_fails_before_its_first_checkpoint_leaves_no_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("model");
    let out_s = out.to_str().expect("utf-8 path");
    // Missing data: found after the folder would have been made.
    let missing = dir.path().join("missing.csv");
    let o = cli(&[
        "train",
        "--dataset",
        "csv",
        "--data-dir",
        missing.to_str().expect("utf-8"),
        "--steps",
        "3",
        "--out",
        out_s,
    ]);
    assert!(!o.status.success());
    assert!(!out.exists(), "a failed run left {}", out.display());
    // Points so far apart that the loss overflows at the first step.
    let csv = dir.path().join("huge.csv");
    std::fs::write(&csv, "x,y\n1e300,-1e300\n-1e300,1e300\n0,0\n1e-300,5\n").expect("csv");
    let o = cli(&[
        "train",
        "--dataset",
        "csv",
        "--data-dir",
        csv.to_str().expect("utf-8"),
        "--steps",
        "3",
        "--hidden",
        "16",
        "--layers",
        "1",
        "--out",
        out_s,
    ]);
    if o.status.success() {
        assert_absent_or_loadable(&out);
    } else {
        assert!(!out.exists(), "a failed run left {}", out.display());
    }
}

#[test]
fn training_killed_mid_checkpoint_leaves_a_loadable_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("model");
    let out_s = out.to_str().expect("utf-8 path");
    // A wide MLP (~0.8 M parameters, a 3 MB weights file) saved after every step: most of
    // the run is spent writing checkpoints, so kills land inside them.
    let args = [
        "train",
        "--dataset",
        "moons",
        "--steps",
        "100000",
        "--batch",
        "16",
        "--hidden",
        "512",
        "--layers",
        "3",
        "--checkpoint-every",
        "1",
        "--log-every",
        "1",
        "--out",
        out_s,
    ];
    let mut rng = StdRng::seed_from_u64(12);
    let mut kills = 0;
    let started = Instant::now();
    while kills < 10 {
        let delay = Duration::from_millis(rng.random_range(50..1500));
        let mut with_resume = args.to_vec();
        if out.join(CONFIG_FILE).is_file() {
            with_resume.push("--resume");
        }
        run_and_kill(&with_resume, delay);
        assert_absent_or_loadable(&out);
        kills += 1;
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "runs too slow"
        );
    }
    // The folder still resumes (the state and optimizer files are whole): a resumed run
    // gets past the step it started from.
    if out.join(CONFIG_FILE).is_file() {
        let step_of = |out: &Path| -> u64 {
            std::fs::read_to_string(out.join("state.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v["step"].as_u64())
                .unwrap_or(0)
        };
        let before = step_of(&out);
        let mut resume = args.to_vec();
        resume.push("--resume");
        let mut child = Command::new(env!("CARGO_BIN_EXE_ddpm-lab"))
            .args(&resume)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let waited = Instant::now();
        while step_of(&out) <= before && waited.elapsed() < Duration::from_secs(60) {
            assert!(
                child.try_wait().expect("wait").is_none(),
                "the resumed run stopped"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            step_of(&out) > before,
            "the resumed run did not get past step {before}"
        );
    }
    assert_absent_or_loadable(&out);
    eprintln!(
        "{kills} kills, {} scratch files left behind",
        scratch_files(&out)
    );
}

#[test]
fn export_killed_mid_write_keeps_the_previous_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A million β values: a ~25 MB scheduler_config.json, so the write takes a while.
    let betas: Vec<String> = (0..1_000_000)
        .map(|i| format!("{:e}", 1e-6 + 1e-8 * (i as f64 / 1e6)))
        .collect();
    let betas_file = dir.path().join("betas.txt");
    std::fs::write(&betas_file, betas.join("\n")).expect("betas");
    let out = dir.path().join("export");
    let out_s = out.to_str().expect("utf-8");
    let o = cli(&["export-diffusers", "--steps", "10", "--out", out_s]);
    assert!(o.status.success());
    let config = out.join("scheduler_config.json");
    let previous = std::fs::read(&config).expect("first export");
    let big = [
        "export-diffusers",
        "--betas-file",
        betas_file.to_str().expect("utf-8"),
        "--out",
        out_s,
    ];
    let mut rng = StdRng::seed_from_u64(7);
    let mut replaced = 0;
    for _ in 0..12 {
        let before = std::fs::read(&config).expect("config present");
        run_and_kill(&big, Duration::from_millis(rng.random_range(20..1500)));
        let after = std::fs::read(&config).expect("config still present");
        let parsed = ddpm_lab::diffusion::diffusers::from_config_str(
            std::str::from_utf8(&after).expect("utf-8"),
        );
        assert!(
            parsed.is_ok(),
            "a killed export left a config that does not parse"
        );
        if after != before {
            replaced += 1;
            assert!(
                before == previous,
                "only the first full export changes the file"
            );
        }
    }
    eprintln!(
        "12 kills, file replaced {replaced} time(s), {} scratch file(s)",
        scratch_files(&out)
    );
}
