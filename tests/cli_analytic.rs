//! The exact-side commands (`sigmas`, `sample --mixture2d`, `sample --denoiser`,
//! `step-error`), driven as a user drives them.
//!
//! The σ's are diffusers' (`scripts/check_diffusers_samplers.py --references`, diffusers
//! 0.42.1 with float64 ᾱ: float32 rounding only); the script also compares the whole
//! `sigmas` output with diffusers over a grid of schedules, step counts and Karras on/off.

use ddpm_lab::tolerance::{SINGLE, assert_close};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ddpm-lab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

const MIXTURE: &str = "0.3:-1:0.5:0.3,0.5:1.2:-0.4:0.5,0.2:0:1.5:0.2";

#[test]
fn sigmas_prints_diffusers_karras_sigmas_with_the_final_zero() {
    let o = run(&[
        "sigmas",
        "--sampling-steps",
        "10",
        "--karras",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("i,t,sigma,alpha_bar,log_snr\n"));
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 11);
    let sigma = |i: usize| rows[i][2].parse::<f64>().expect("σ");
    let t = |i: usize| rows[i][1].parse::<f64>().expect("t");
    // diffusers' EulerDiscreteScheduler(use_karras_sigmas=True).set_timesteps(10).
    assert_close(sigma(0), 157.40728759765625, SINGLE);
    assert_close(sigma(4), 9.274612426757812, SINGLE);
    assert_close(sigma(9), 0.01000049989670515, SINGLE);
    assert_close(t(4), 663.6368408203125, SINGLE);
    assert_eq!(rows[10][1], "0");
    assert_eq!(rows[10][2], "0");
    assert_eq!(rows[10][4], "inf");
    assert!(!text.contains("NaN") && !text.contains("nan"));
}

#[test]
fn sigmas_dpm_solver_json_and_shift() {
    let o = run(&[
        "sigmas",
        "--sampling-steps",
        "10",
        "--sampler",
        "dpmpp2m",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["diffusers_class"], "DPMSolverMultistepScheduler");
    let levels = v["levels"].as_array().expect("levels");
    assert_eq!(levels.len(), 11);
    assert_eq!(levels[5]["t"].as_f64(), Some(501.0));
    assert_close(
        levels[5]["sigma"].as_f64().expect("σ"),
        3.442967176437378,
        SINGLE,
    );
    assert!(levels[10]["log_snr"].is_null());
    // A shift s = 2 lowers every log-SNR by 2 ln 2.
    let shifted = run(&[
        "sigmas",
        "--sampling-steps",
        "10",
        "--sampler",
        "dpmpp2m",
        "--shift",
        "2",
        "--format",
        "json",
    ]);
    let w: serde_json::Value = serde_json::from_str(&stdout(&shifted)).expect("json");
    let a = levels[3]["log_snr"].as_f64().expect("λ");
    let b = w["levels"][3]["log_snr"].as_f64().expect("λ'");
    assert_close(b, a - 2.0 * 2.0_f64.ln(), SINGLE);
}

#[test]
fn bad_sampling_inputs_are_usage_errors_that_state_the_range() {
    for (args, needle) in [
        (
            vec!["sigmas", "--sampling-steps", "0"],
            "between 1 and T = 1000",
        ),
        (
            vec!["sigmas", "--sampling-steps", "5", "--shift", "-1"],
            "[0.001, 1000]",
        ),
        (
            vec!["sigmas", "--sampling-steps", "1000", "--sampler", "dpmpp2m"],
            "repeat a noise level",
        ),
        (
            vec!["sample", "--mixture2d", "1:0:0", "--out", "x.csv"],
            "w:mx:my:s",
        ),
        (
            vec!["sample", "--mixture2d", "1:0:0:-2", "--out", "x.csv"],
            "standard deviation",
        ),
        (
            vec![
                "sample",
                "--mixture2d",
                "1:0:0:1",
                "--sampler",
                "ddim",
                "--karras",
                "--out",
                "x.csv",
            ],
            "--karras and --shift are for",
        ),
        (
            vec![
                "sample",
                "--mixture2d",
                "1:0:0:1",
                "--n",
                "0",
                "--out",
                "x.csv",
            ],
            "--n must be 1..=",
        ),
        (
            vec!["sample", "--mixture2d", "1:0:0:1", "--out", "x.txt"],
            ".csv",
        ),
        (
            vec![
                "sample",
                "--denoiser",
                "ideal",
                "--dataset",
                "csv",
                "--out",
                "x.csv",
            ],
            "needs --data-dir",
        ),
        (
            vec![
                "step-error",
                "--mixture2d",
                "1:0:0:1",
                "--steps-list",
                "5,0",
            ],
            "at least 1",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn mixture_sampling_starts_from_noise_fixed_by_seed_and_n() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let sample = |sampler: &str, steps: &str, out: &str| {
        let o = run(&[
            "sample",
            "--mixture2d",
            MIXTURE,
            "--sampler",
            sampler,
            "--steps",
            steps,
            "--n",
            "500",
            "--seed",
            "7",
            "--out",
            out,
        ]);
        assert!(o.status.success(), "{sampler}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("sliced W2 to the mixture"),
            "{}",
            stderr(&o)
        );
        let text = std::fs::read_to_string(out).expect("written");
        let rows = csv_rows(&text);
        assert_eq!(rows.len(), 500);
        let pts: Vec<[f64; 2]> = rows
            .iter()
            .map(|r| [r[0].parse().expect("x"), r[1].parse().expect("y")])
            .collect();
        assert!(pts.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
        pts
    };
    let a = sample("euler", "30", &path("a.csv"));
    let b = sample("euler", "30", &path("b.csv"));
    assert_eq!(a, b, "same seed, same samples");
    // With the same x_T, deterministic samplers agree more and more as steps grow.
    let heun = sample("heun", "30", &path("h.csv"));
    let dpm = sample("dpmpp2m", "30", &path("d.csv"));
    let ddim = sample("ddim", "30", &path("i.csv"));
    let gap = |p: &[[f64; 2]], q: &[[f64; 2]]| {
        p.iter()
            .zip(q)
            .map(|(x, y)| ((x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2)).sqrt())
            .sum::<f64>()
            / p.len() as f64
    };
    assert!(
        gap(&heun, &dpm) < 0.1,
        "Heun vs DPM-Solver++: {}",
        gap(&heun, &dpm)
    );
    assert!(gap(&a, &ddim) < 0.3, "Euler vs DDIM: {}", gap(&a, &ddim));
    let _ = sample("ddpm", "100", &path("p.csv"));
}

#[test]
fn ideal_denoiser_samples_are_training_points_and_say_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("pts.csv");
    std::fs::write(&data, "x,y\n0,0\n1,2\n-3,1\n2,-2\n").expect("data");
    let out = dir.path().join("s.csv");
    let o = run(&[
        "sample",
        "--denoiser",
        "ideal",
        "--dataset",
        "csv",
        "--data-dir",
        &data.to_string_lossy(),
        "--sampler",
        "heun",
        "--steps",
        "50",
        "--n",
        "40",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("only memorises"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.starts_with("x,y,nearest_index,nearest_distance\n"));
    let train = [[0.0, 0.0], [1.0, 2.0], [-3.0, 1.0], [2.0, -2.0]];
    for r in csv_rows(&text) {
        let p: [f64; 2] = [r[0].parse().expect("x"), r[1].parse().expect("y")];
        let k: usize = r[2].parse().expect("index");
        let d: f64 = r[3].parse().expect("distance");
        assert!(d < 0.05, "{p:?} is {d} from its nearest item");
        let q = train[k];
        assert!(
            (p[0] - q[0]).abs() < 0.05 && (p[1] - q[1]).abs() < 0.05,
            "{p:?} vs {q:?}"
        );
    }
}

#[test]
fn gaussian_denoiser_writes_an_image_grid() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("grid.png");
    let o = run(&[
        "sample",
        "--denoiser",
        "gaussian",
        "--dataset",
        "glyphs",
        "--train-items",
        "64",
        "--sampler",
        "dpmpp2m",
        "--steps",
        "10",
        "--n",
        "4",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = image::open(&out).expect("png");
    assert!(img.width() > 64 && img.height() > 64);
}

#[test]
fn step_error_prints_one_row_per_sampler_and_count() {
    let o = run(&[
        "step-error",
        "--mixture2d",
        "0.5:-1:0:0.3,0.5:1:0.5:0.3",
        "--samplers",
        "euler,dpmpp2m",
        "--steps-list",
        "2,40",
        "--n",
        "400",
        "--directions",
        "16",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&stdout(&o));
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4][0], "exact");
    let d = |i: usize| rows[i][2].parse::<f64>().expect("sw2");
    assert!(d(1) < d(0) && d(3) < d(2), "{rows:?}");
}

#[test]
fn the_command_line_definition_is_consistent() {
    // clap checks its own definition (argument names in conflicts and requirements,
    // duplicate flags) only when asked in release builds.
    use clap::CommandFactory;
    ddpm_lab::cli::Cli::command().debug_assert();
}

#[test]
fn explain_prints_r2_per_t_for_the_shipped_moons_model() {
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/models/moons");
    let o = run(&[
        "explain",
        "--model",
        model,
        "--denoiser",
        "gaussian",
        "--n",
        "200",
        "--t-list",
        "10,500,1000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&stdout(&o));
    assert_eq!(rows.len(), 3);
    let r2: Vec<f64> = rows.iter().map(|r| r[1].parse().expect("r2")).collect();
    // Near t = 0 both say x̂0 ≈ x_t; the moons are not Gaussian in between.
    assert!(r2[0] > 0.9, "{r2:?}");
    assert!(r2.iter().all(|v| *v <= 1.0 && v.is_finite()), "{r2:?}");
    let bad = run(&[
        "explain",
        "--model",
        model,
        "--denoiser",
        "ideal",
        "--t-list",
        "5000",
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}
