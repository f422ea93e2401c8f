//! The command line, driven as a user drives it.

use ddpm_lab::tolerance::{REFERENCE, assert_close};
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

#[test]
fn schedule_csv_header_rows_and_reference_values() {
    let o = run(&["schedule"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "t,beta,alpha,alpha_bar,sqrt_alpha_bar,sqrt_one_minus_alpha_bar,posterior_variance,posterior_mean_coef1,posterior_mean_coef2,snr"
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[0][0], 1.0);
    assert_eq!(rows[999][0], 1000.0);
    let r500 = &rows[499];
    assert_close(r500[3], 0.07858724288, REFERENCE);
    assert_close(r500[6], 0.01003135541, REFERENCE);
    assert_close(r500[7], 0.003070071114, REFERENCE);
    assert_close(r500[8], 0.9941066702, REFERENCE);
    assert_close(rows[999][3], 4.035829765e-5, REFERENCE);
    // Round-trip precision: the printed β parses back to the exact f64 the core holds.
    let s = ddpm_lab::diffusion::ScheduleSpec::default()
        .build()
        .unwrap();
    assert_eq!(rows[1][1], s.beta(2));
    assert_eq!(rows[1][3], s.alpha_bar(2));
}

#[test]
fn schedule_json_and_out_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("table.json");
    let o = run(&[
        "schedule",
        "--kind",
        "cosine",
        "--steps",
        "20",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["spec"]["kind"], "squaredcos_cap_v2");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    for key in [
        "t",
        "beta",
        "alpha",
        "alpha_bar",
        "sqrt_alpha_bar",
        "sqrt_one_minus_alpha_bar",
        "posterior_variance",
        "posterior_mean_coef1",
        "posterior_mean_coef2",
        "snr",
    ] {
        assert!(rows[0].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn betas_file_in_three_formats() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("betas.txt");
    std::fs::write(&plain, "# my schedule\n0.01, 0.02\n0.05 0.1\n").unwrap();
    let json = dir.path().join("betas.json");
    std::fs::write(&json, "[0.01, 0.02, 0.05, 0.1]").unwrap();
    let csv = dir.path().join("table.csv");
    let o = run(&[
        "schedule",
        "--kind",
        "linear",
        "--steps",
        "4",
        "--beta-start",
        "0.01",
        "--beta-end",
        "0.1",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let a = stdout(&run(&["schedule", "--betas-file", plain.to_str().unwrap()]));
    let b = stdout(&run(&["schedule", "--betas-file", json.to_str().unwrap()]));
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 5);
    // Our own CSV reads back as a β list.
    let c = stdout(&run(&["schedule", "--betas-file", csv.to_str().unwrap()]));
    assert_eq!(c, std::fs::read_to_string(&csv).unwrap());
}

#[test]
fn export_and_import_diffusers_config() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sched");
    let o = run(&[
        "export-diffusers",
        "--kind",
        "scaled_linear",
        "--beta-start",
        "0.00085",
        "--beta-end",
        "0.012",
        "--rescale-zero-snr",
        "--prediction-type",
        "v_prediction",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("scheduler_config.json")).unwrap())
            .unwrap();
    assert_eq!(cfg["_class_name"], "DDPMScheduler");
    assert_eq!(cfg["beta_schedule"], "scaled_linear");
    assert_eq!(cfg["num_train_timesteps"], 1000);
    assert_eq!(cfg["rescale_betas_zero_snr"], true);
    assert_eq!(cfg["prediction_type"], "v_prediction");
    // Read back (folder form) gives the same table as the flags.
    let via_config = run(&["schedule", "--from-diffusers", out.to_str().unwrap()]);
    let via_flags = run(&[
        "schedule",
        "--kind",
        "scaled_linear",
        "--beta-start",
        "0.00085",
        "--beta-end",
        "0.012",
        "--rescale-zero-snr",
    ]);
    assert!(via_config.status.success(), "{}", stderr(&via_config));
    assert_eq!(stdout(&via_config), stdout(&via_flags));
    // Custom β are exported as trained_betas.
    let betas = dir.path().join("b.txt");
    std::fs::write(&betas, "0.1 0.2 0.3").unwrap();
    let custom = dir.path().join("custom");
    assert!(
        run(&[
            "export-diffusers",
            "--betas-file",
            betas.to_str().unwrap(),
            "--out",
            custom.to_str().unwrap()
        ])
        .status
        .success()
    );
    let cfg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(custom.join("scheduler_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cfg["trained_betas"], serde_json::json!([0.1, 0.2, 0.3]));
    assert_eq!(cfg["num_train_timesteps"], 3);
}

#[test]
fn import_warns_on_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("scheduler_config.json");
    std::fs::write(
        &p,
        r#"{"beta_schedule": "linear", "num_train_timesteps": 10, "beta_ennd": 0.5}"#,
    )
    .unwrap();
    let o = run(&["schedule", "--from-diffusers", p.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("unknown key `beta_ennd`"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("did you mean `beta_end`"));
    assert_eq!(stdout(&o).lines().count(), 11);
}

#[test]
fn lint_prints_findings() {
    let o = run(&[
        "lint",
        "--kind",
        "scaled_linear",
        "--beta-start",
        "0.00085",
        "--beta-end",
        "0.012",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("warning: ᾱ_T = 0.004660: the last step is not pure noise"),
        "{text}"
    );
    assert!(
        text.contains("`leading` spacing with 50 steps starts at t = 981"),
        "{text}"
    );
    let bad = dir_with("b.txt", "0.1 1.5 0.2");
    let o = run(&["lint", "--betas-file", bad.1.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("error: β_2 = 1.5 ≥ 1"),
        "{}",
        stdout(&o)
    );
}

fn dir_with(name: &str, content: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    (dir, p)
}

#[test]
fn example_prints_corrected_numbers() {
    let o = run(&["example"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in [
        "0.7589466384",
        "0.9170605214",
        "0.6788225099",
        "0.2800000000",
        "σ1² = β1 = 0.1",
        "0.9486832981",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    assert_eq!(text.lines().count(), 6, "a title and one line per quantity");
    let json = run(&["example", "--beta1", "0.2", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_close(
        v["mean1"].as_f64().unwrap(),
        0.8_f64.sqrt() * 0.8,
        REFERENCE,
    );
}

#[test]
fn posterior_json_keys_and_values() {
    let o = run(&[
        "posterior",
        "--mixture",
        "0.5:-1:0.1,0.5:1:0.1",
        "--steps",
        "10",
        "--beta-start",
        "0.1",
        "--beta-end",
        "0.9",
        "--t",
        "1",
        "--xt",
        "0",
        "--x0",
        "1",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in [
        "components",
        "mean",
        "variance",
        "modes",
        "kl_to_gaussian",
        "posterior_variance",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let comps = v["components"].as_array().unwrap();
    assert_eq!(comps.len(), 2);
    for c in comps {
        assert!(
            c.get("weight").is_some() && c.get("mean").is_some() && c.get("variance").is_some()
        );
    }
    assert_eq!(
        v["modes"].as_array().unwrap().len(),
        2,
        "a big first step: bimodal"
    );
    assert_eq!(v["posterior_variance"].as_f64().unwrap(), 0.0, "β̃_1 = 0");
    assert!(v["kl_to_gaussian"].as_f64().unwrap() > 0.1);
    assert!(v.get("x0_posterior").is_some());
}

/// (args, expected exit code, a piece of the one-line message)
const BAD_INPUTS: &[(&[&str], i32, &str)] = &[
    (&["schedule", "--steps", "0"], 2, "T must be at least 1"),
    (&["schedule", "--steps", "abc"], 2, "invalid value 'abc'"),
    (
        &["schedule", "--kind", "quadratic"],
        2,
        "unknown schedule kind `quadratic`",
    ),
    (
        &["schedule", "--beta-end", "1.5"],
        2,
        "beta_end = 1.5 is outside (0, 1]",
    ),
    (
        &["schedule", "--beta-start", "-0.1"],
        2,
        "beta_start = -0.1 is outside (0, 1]",
    ),
    (
        &["schedule", "--beta-start", "nan"],
        2,
        "beta_start must be a finite number",
    ),
    (&["schedule", "--format", "xml"], 2, "invalid value 'xml'"),
    (
        &["schedule", "--betas-file", "/nonexistent/betas.txt"],
        1,
        "cannot read betas file",
    ),
    (
        &["schedule", "--from-diffusers", "/nonexistent/dir"],
        1,
        "cannot read diffusers config",
    ),
    (
        &["schedule", "--kind", "linear", "--betas-file", "x"],
        2,
        "cannot be used with",
    ),
    (
        &["schedule", "--out", "/proc/forbidden/table.csv"],
        1,
        "cannot write “/proc/forbidden/table.csv”",
    ),
    (
        &["posterior", "--mixture", "0.5:1", "--t", "1", "--xt", "0"],
        2,
        "expected weight:mean:sd",
    ),
    (
        &["posterior", "--mixture", "1:0:1", "--t", "0", "--xt", "0"],
        2,
        "--t 0 is outside 1..=1000",
    ),
    (&["posterior", "--mixture", "1:0:1", "--t", "5"], 2, "--xt"),
    (
        &["example", "--beta1", "1.2"],
        2,
        "--beta1 = 1.2 must be in (0, 1)",
    ),
    (&["export-diffusers", "--steps", "10"], 2, "--out"),
    (&["frobnicate"], 2, "unrecognized subcommand"),
];

#[test]
fn bad_inputs_exit_with_one_line_messages() {
    for (args, code, needle) in BAD_INPUTS {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(*code), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: `{err}` lacks `{needle}`");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line, got\n{err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn malformed_files_are_runtime_errors() {
    let cases = [
        ("scheduler_config.json", "{ not json", "not valid JSON"),
        (
            "scheduler_config.json",
            r#"{"beta_schedule": "karras"}"#,
            "unknown beta_schedule `karras`",
        ),
        (
            "betas.txt",
            "0.1 zero 0.3",
            "line 1: `zero` is not a number",
        ),
        ("betas.txt", "", "no β values found"),
    ];
    for (name, content, needle) in cases {
        let (_dir, p) = dir_with(name, content);
        let flag = if name.ends_with(".json") {
            "--from-diffusers"
        } else {
            "--betas-file"
        };
        let o = run(&["schedule", flag, p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{content}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{content}: {}", stderr(&o));
    }
    // A β list that parses but is invalid is a schedule error.
    let (_dir, p) = dir_with("betas.txt", "0.1 1.5");
    let o = run(&["schedule", "--betas-file", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("β_2 = 1.5 is outside (0, 1]"));
}

#[test]
fn eval_photos_scores_a_colour_model_and_refuses_the_rest() {
    // The glyph model is grey: a clear usage error, exit 2.
    let o = run(&["eval-photos", "--model", "assets/models/glyphs"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("colour"), "{}", stderr(&o));
    for bad in [
        vec!["--size", "0"],
        vec!["--size", "100000"],
        vec!["--t", "0"],
        vec!["--t", "5000"],
        vec!["--size", "30"],
    ] {
        let mut args = vec!["eval-photos", "--model", "assets/models/natural"];
        args.extend(bad.iter().copied());
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{bad:?}: {}", stderr(&o));
    }
    // A real run at 64 × 64 on the bundled photos: one CSV row per photo and t, all finite,
    // the noisy column as the schedule says (≈ 10·log10(4·ᾱ/((1−ᾱ)·1)) for unit noise,
    // minus nothing: clipping only helps).
    let o = run(&[
        "eval-photos",
        "--model",
        "assets/models/natural",
        "--size",
        "64",
        "--t",
        "50,200",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 8, "{text}");
    let sched = ddpm_lab::diffusion::ScheduleSpec::linear(1000, 1e-4, 0.02)
        .build()
        .unwrap();
    for r in &rows {
        let t: usize = r[1].parse().unwrap();
        let nums: Vec<f64> = r[2..].iter().map(|v| v.parse().unwrap()).collect();
        assert!(nums.iter().all(|v| v.is_finite()), "{r:?}");
        let ab = sched.alpha_bar(t);
        let unclipped = 10.0 * (4.0 * ab / (1.0 - ab)).log10();
        assert!(nums[0] >= unclipped - 0.5, "{r:?} vs {unclipped}");
        assert!(nums[1] >= nums[0], "{r:?}");
    }
}
