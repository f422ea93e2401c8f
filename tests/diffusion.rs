//! The math core against reference values and invariants.
//!
//! Reference numbers come from `scripts/reference_values.py`, an independent float64 numpy
//! implementation of the published formulas (Ho et al. 2020; Nichol & Dhariwal 2021;
//! diffusers' DDPMScheduler for scaled_linear and sigmoid; Lin et al. 2023 Alg. 1), which
//! also cross-checks diffusers' own float32 ᾱ (max difference < 5e-7) and spacings (equal).

use ddpm_lab::diffusion::forward::{
    add_noise, forward_step, forward_step_in_place, forward_step_sample, forward_step_variance,
    q_xt_given_x0,
};
use ddpm_lab::diffusion::gmm1d::{
    Mixture, brute_force_posterior_on_grid, marginal, posterior_report, true_posterior,
};
use ddpm_lab::diffusion::lint::{FindingKind, LintOptions, Severity, lint};
use ddpm_lab::diffusion::reverse::{
    JumpCoefficients, PredictionType, StepOptions, StepOutput, TimestepSpacing, VarianceType,
    ddim_step, ddpm_step, eps_from_v, eps_from_x0, inference_timesteps, jumps, posterior,
    v_from_x0_eps, x0_from_eps, x0_from_v,
};
use ddpm_lab::diffusion::schedule::{Schedule, ScheduleError, ScheduleKind, ScheduleSpec};
use ddpm_lab::diffusion::{Gaussian, WorkedExample, diffusers};
use ddpm_lab::tolerance::{NUMERICAL, REFERENCE, ROUNDING, SINGLE, assert_close};
use proptest::prelude::*;

fn ddpm() -> Schedule {
    ScheduleSpec::default()
        .build()
        .expect("DDPM schedule builds")
}

// ---------- reference values ----------

#[test]
fn worked_example_matches_corrected_arithmetic() {
    let r = WorkedExample::default().compute();
    assert_close(r.q1.mean, 0.7589466384, REFERENCE);
    assert_close(r.q1.variance, 0.1, REFERENCE);
    assert_close(r.x1, 0.9170605214, REFERENCE);
    assert_close(r.q2.mean, 0.6788225099, REFERENCE);
    assert_close(r.q2.variance, 0.28, REFERENCE);
    // The notes' slip: √0.9 is 0.9487, not 0.9499.
    assert_close(r.sqrt_alpha1, 0.9486832981, REFERENCE);
}

#[test]
fn ddpm_linear_reference_values() {
    let s = ddpm();
    assert_eq!(s.num_steps(), 1000);
    assert_close(s.alpha_bar(500), 0.07858724288, REFERENCE);
    assert_close(s.posterior_variance(500), 0.01003135541, REFERENCE);
    assert_close(s.posterior_mean_coef1(500), 0.003070071114, REFERENCE);
    assert_close(s.posterior_mean_coef2(500), 0.9941066702, REFERENCE);
    assert_close(s.alpha_bar(1000), 4.035829765e-5, REFERENCE);
    // Ends: β̃_1 is exactly 0; t = 2 from the script.
    assert_eq!(s.posterior_variance(1), 0.0);
    assert_close(s.posterior_variance(2), 5.4531876613021935e-05, REFERENCE);
    assert_close(s.posterior_mean_coef1(2), 0.5452914995102903, REFERENCE);
    assert_close(s.beta(2), 0.00011991991991991993, REFERENCE);
    assert_close(s.posterior_variance(1000), 0.01999998352656061, REFERENCE);
}

#[test]
fn scaled_linear_reference_values() {
    let s = ScheduleSpec::scaled_linear(1000, 0.00085, 0.012)
        .build()
        .unwrap();
    assert_close(s.beta(500), 0.004803792980550717, REFERENCE);
    assert_close(s.alpha_bar(500), 0.27766965045646763, REFERENCE);
    assert_close(s.posterior_variance(500), 0.004794879395654088, REFERENCE);
    assert_close(s.alpha_bar(1000), 0.004660098513077238, REFERENCE);
}

#[test]
fn cosine_reference_values_and_clipping() {
    let s = ScheduleSpec::cosine(1000).build().unwrap();
    assert_close(s.beta(1), 4.128422482196914e-05, REFERENCE);
    assert_close(s.alpha_bar(500), 0.4938435904406382, REFERENCE);
    assert_close(s.posterior_mean_coef1(500), 0.00437458822614554, REFERENCE);
    assert_close(s.beta(999), 0.7499993929011166, REFERENCE);
    assert_eq!(s.beta(1000), 0.999, "β_T is clipped at max_beta");
    assert_close(s.alpha_bar(1000), 2.4287669070348567e-09, REFERENCE);
    let spec_via_alias: ScheduleSpec =
        serde_json::from_str(r#"{"kind":"cosine","num_steps":1000}"#).unwrap();
    assert_eq!(spec_via_alias.kind, ScheduleKind::SquaredcosCapV2);
}

#[test]
fn sigmoid_reference_values() {
    let s = ScheduleSpec::sigmoid(1000, 1e-4, 0.02).build().unwrap();
    assert_close(s.beta(1), 0.00014920520081703202, REFERENCE);
    assert_close(s.beta(500), 0.010020120209938985, REFERENCE);
    assert_close(s.alpha_bar(500), 0.30193105660219516, REFERENCE);
    assert_close(s.alpha_bar(1000), 3.968181990533219e-05, REFERENCE);
}

#[test]
fn zero_terminal_snr_reference_values_and_no_nan() {
    let s = ScheduleSpec::default().with_zero_snr(true).build().unwrap();
    assert_close(s.alpha_bar(1), 0.9999, REFERENCE);
    assert_close(s.beta(500), 0.01027104254954192, REFERENCE);
    assert_close(s.alpha_bar(500), 0.07602875054711475, REFERENCE);
    assert_close(s.beta(999), 0.75226723115047, REFERENCE);
    assert_eq!(s.alpha_bar(1000), 0.0);
    assert_eq!(s.beta(1000), 1.0);
    assert_close(s.posterior_variance(1000), 0.9999999957867375, REFERENCE);
    assert_close(
        s.posterior_mean_coef1(1000),
        6.490964847453783e-05,
        REFERENCE,
    );
    assert_eq!(s.posterior_mean_coef2(1000), 0.0);
    assert_eq!(s.snr(1000), 0.0);
    assert_eq!(s.log_snr_finite(1000), None);
    for row in s.rows() {
        for v in row.csv_values() {
            assert!(v.is_finite(), "non-finite value at t = {}", row.t);
        }
        assert!(s.posterior_log_variance_clipped(row.t).is_finite());
    }
    let sd = ScheduleSpec::scaled_linear(1000, 0.00085, 0.012)
        .with_zero_snr(true)
        .build()
        .unwrap();
    assert_close(sd.alpha_bar(500), 0.24235916655614523, REFERENCE);
}

#[test]
fn handles_large_t_and_t_one() {
    let big = ScheduleSpec::linear(100_000, 1e-6, 2e-4).build().unwrap();
    assert_eq!(big.num_steps(), 100_000);
    assert!(big.alpha_bar(100_000) > 0.0);
    let one = ScheduleSpec::linear(1, 0.3, 0.3).build().unwrap();
    assert_eq!(one.num_steps(), 1);
    assert_close(one.alpha_bar(1), 0.7, ROUNDING);
    assert_eq!(one.posterior_variance(1), 0.0);
    assert!(one.posterior_log_variance_clipped(1).is_finite());
}

#[test]
fn invalid_specs_are_typed_errors() {
    use ScheduleError::*;
    type IsExpected = fn(&ScheduleError) -> bool;
    let cases: Vec<(ScheduleSpec, IsExpected)> = vec![
        (ScheduleSpec::linear(0, 1e-4, 0.02), |e| {
            matches!(e, ZeroSteps)
        }),
        (ScheduleSpec::linear(2_000_000, 1e-4, 0.02), |e| {
            matches!(e, TooManySteps { .. })
        }),
        (ScheduleSpec::linear(10, f64::INFINITY, 0.02), |e| {
            matches!(e, NonFinite { .. })
        }),
        (ScheduleSpec::linear(10, 0.0, 0.02), |e| {
            matches!(e, ParameterOutOfRange { .. })
        }),
        (ScheduleSpec::sigmoid(10, 1e-4, 1.2), |e| {
            matches!(e, ParameterOutOfRange { .. })
        }),
        (ScheduleSpec::trained(vec![]), |e| matches!(e, EmptyBetas)),
        (ScheduleSpec::trained(vec![0.1, f64::NAN]), |e| {
            matches!(e, BetaOutOfRange { t: 2, .. })
        }),
        (ScheduleSpec::trained(vec![0.5, 1.0, 0.5]), |e| {
            matches!(e, BetaOneBeforeEnd { t: 2 })
        }),
        // ᾱ reaches the subnormal range long before T: rescaling would divide by noise.
        (
            ScheduleSpec::linear(2572, 0.0492, 0.436).with_zero_snr(true),
            |e| matches!(e, AlphaBarUnderflow { .. }),
        ),
        (ScheduleSpec::linear(3000, 0.2, 0.4), |e| {
            matches!(e, AlphaBarUnderflow { .. })
        }),
    ];
    for (spec, check) in cases {
        let err = spec.build().expect_err("spec must be rejected");
        assert!(check(&err), "unexpected error {err:?} for {spec:?}");
        assert!(!err.to_string().is_empty());
    }
}

// ---------- reverse process ----------

#[test]
fn spacings_match_diffusers() {
    use TimestepSpacing::*;
    let head = |n, s| inference_timesteps(1000, n, s, 0).unwrap();
    assert_eq!(&head(50, Leading)[..4], &[981, 961, 941, 921]);
    assert_eq!(&head(50, Leading)[47..], &[41, 21, 1]);
    assert_eq!(&head(50, Trailing)[..4], &[1000, 980, 960, 940]);
    assert_eq!(&head(50, Trailing)[47..], &[60, 40, 20]);
    assert_eq!(&head(50, Linspace)[..4], &[1000, 980, 959, 939]);
    assert_eq!(&head(50, Linspace)[47..], &[42, 21, 1]);
    assert_eq!(head(3, Trailing), vec![1000, 667, 333]);
    assert_eq!(head(3, Linspace), vec![1000, 501, 1]);
    assert_eq!(head(7, Leading), vec![853, 711, 569, 427, 285, 143, 1]);
    assert_eq!(head(7, Trailing), vec![1000, 857, 714, 571, 429, 286, 143]);
    assert_eq!(
        inference_timesteps(10, 4, Trailing, 0).unwrap(),
        vec![10, 8, 5, 2]
    );
    assert_eq!(
        inference_timesteps(10, 4, Linspace, 0).unwrap(),
        vec![10, 7, 4, 1]
    );
    assert!(inference_timesteps(10, 0, Leading, 0).is_err());
    assert!(inference_timesteps(10, 11, Leading, 0).is_err());
    assert!(inference_timesteps(10, 10, Leading, 1).is_err());
    assert_eq!(jumps(&[10, 7, 4, 1]), vec![(10, 7), (7, 4), (4, 1), (1, 0)]);
}

#[test]
fn prediction_conversions_round_trip() {
    for &ab in &[0.9999_f64, 0.5, 0.07858724288, 1e-4] {
        let (x0, eps) = (0.37, -1.3);
        let x_t = ab.sqrt() * x0 + (1.0 - ab).sqrt() * eps;
        assert_close(x0_from_eps(x_t, eps, ab), x0, ROUNDING);
        assert_close(eps_from_x0(x_t, x0, ab), eps, ROUNDING);
        let v = v_from_x0_eps(x0, eps, ab);
        assert_close(x0_from_v(x_t, v, ab), x0, ROUNDING);
        assert_close(eps_from_v(x_t, v, ab), eps, ROUNDING);
    }
    // ᾱ = 0: x0 cannot be recovered from ε; the data mean is returned, never NaN.
    assert_eq!(x0_from_eps(0.3, 0.3, 0.0), 0.0);
}

#[test]
fn ddpm_step_with_true_eps_lands_on_posterior_mean() {
    let s = ddpm();
    let (t, x0, eps) = (500, [0.5_f32, -0.25], [0.3_f32, -1.1]);
    let mut x_t = [0.0_f32; 2];
    add_noise(&s, t, &x0, &eps, &mut x_t).unwrap();
    let mut out = StepOutput::default();
    let opts = StepOptions {
        prediction: PredictionType::Epsilon,
        clip_x0: false,
    };
    ddpm_step(
        &s,
        t,
        t - 1,
        &x_t,
        &eps,
        &[0.0; 2],
        VarianceType::FixedSmall,
        opts,
        &mut out,
    )
    .unwrap();
    for i in 0..2 {
        let expect = posterior(&s, t, x0[i] as f64, x_t[i] as f64);
        assert_close(out.mean[i] as f64, expect.mean, SINGLE);
        assert_close(out.pred_x0[i] as f64, x0[i] as f64, SINGLE);
        assert_eq!(out.prev_sample[i], out.mean[i], "zero noise adds nothing");
    }
    // Noise enters with σ = √β̃_t (fixed_small) or √β_t (fixed_large).
    ddpm_step(
        &s,
        t,
        t - 1,
        &x_t,
        &eps,
        &[1.0; 2],
        VarianceType::FixedSmall,
        opts,
        &mut out,
    )
    .unwrap();
    assert_close(
        (out.prev_sample[0] - out.mean[0]) as f64,
        s.posterior_variance(t).sqrt(),
        SINGLE,
    );
    ddpm_step(
        &s,
        t,
        t - 1,
        &x_t,
        &eps,
        &[1.0; 2],
        VarianceType::FixedLarge,
        opts,
        &mut out,
    )
    .unwrap();
    assert_close(
        (out.prev_sample[0] - out.mean[0]) as f64,
        s.beta(t).sqrt(),
        SINGLE,
    );
    // The last step (t = 1 → 0) adds no noise.
    ddpm_step(
        &s,
        1,
        0,
        &x_t,
        &eps,
        &[1.0; 2],
        VarianceType::FixedLarge,
        opts,
        &mut out,
    )
    .unwrap();
    assert_eq!(out.prev_sample, out.mean);
    // Clipping bounds x̂0 to [−1, 1].
    let clip = StepOptions {
        prediction: PredictionType::Sample,
        clip_x0: true,
    };
    ddpm_step(
        &s,
        t,
        t - 1,
        &x_t,
        &[3.0, -7.0],
        &[0.0; 2],
        VarianceType::FixedSmall,
        clip,
        &mut out,
    )
    .unwrap();
    assert_eq!(out.pred_x0, vec![1.0, -1.0]);
    // Mismatched buffers are an error, not a panic.
    assert!(
        ddpm_step(
            &s,
            t,
            t - 1,
            &x_t,
            &[0.0],
            &[0.0; 2],
            VarianceType::FixedSmall,
            opts,
            &mut out
        )
        .is_err()
    );
}

#[test]
fn ddim_eta_zero_is_deterministic_and_exact_with_true_eps() {
    let s = ddpm();
    let (t, prev) = (800, 600);
    let x0 = [0.7_f32, -0.2, 0.1];
    let eps = [1.0_f32, 0.5, -0.3];
    let mut x_t = [0.0_f32; 3];
    add_noise(&s, t, &x0, &eps, &mut x_t).unwrap();
    let mut out = StepOutput::default();
    let opts = StepOptions {
        prediction: PredictionType::Epsilon,
        clip_x0: false,
    };
    ddim_step(&s, t, prev, &x_t, &eps, &[5.0; 3], 0.0, opts, &mut out).unwrap();
    // With the true ε, deterministic DDIM lands exactly on the forward x_prev with the same ε.
    let mut expect = [0.0_f32; 3];
    add_noise(&s, prev, &x0, &eps, &mut expect).unwrap();
    assert_eq!(out.prev_sample.len(), expect.len());
    for (got, want) in out.prev_sample.iter().zip(expect) {
        assert_close(*got as f64, want as f64, SINGLE);
    }
    // η = 1 uses the DDPM posterior width of the jump.
    let sigma = ddpm_lab::diffusion::reverse::ddim_sigma(&s, t, prev, 1.0);
    assert_close(
        sigma * sigma,
        JumpCoefficients::new(&s, t, prev).posterior_variance(),
        ROUNDING,
    );
    // v-prediction with the true v gives the same step.
    let v: Vec<f32> = (0..3)
        .map(|i| v_from_x0_eps(x0[i] as f64, eps[i] as f64, s.alpha_bar(t)) as f32)
        .collect();
    let mut out_v = StepOutput::default();
    let vopts = StepOptions {
        prediction: PredictionType::VPrediction,
        clip_x0: false,
    };
    ddim_step(&s, t, prev, &x_t, &v, &[0.0; 3], 0.0, vopts, &mut out_v).unwrap();
    for i in 0..3 {
        assert_close(
            out_v.prev_sample[i] as f64,
            out.prev_sample[i] as f64,
            SINGLE,
        );
    }
}

// ---------- linter ----------

#[test]
fn linter_flags_stable_diffusion_terminal_snr() {
    let spec = ScheduleSpec::scaled_linear(1000, 0.00085, 0.012);
    let findings = lint(&spec, &LintOptions::default());
    let msg = findings
        .iter()
        .find(|f| matches!(f.kind, FindingKind::TerminalNotPureNoise { .. }))
        .expect("terminal SNR finding")
        .to_string();
    assert!(msg.contains("ᾱ_T = 0.004660"), "{msg}");
    assert!(msg.contains("not pure noise"), "{msg}");
    // Zero-SNR rescaling clears it.
    let fixed = lint(&spec.clone().with_zero_snr(true), &LintOptions::default());
    assert!(
        !fixed
            .iter()
            .any(|f| matches!(f.kind, FindingKind::TerminalNotPureNoise { .. }))
    );
    assert!(
        fixed
            .iter()
            .any(|f| matches!(f.kind, FindingKind::ZeroTerminalSnr))
    );
}

#[test]
fn linter_finds_clipping_bad_betas_and_spacing_gaps() {
    let cos = lint(&ScheduleSpec::cosine(1000), &LintOptions::default());
    assert!(cos.iter().any(|f| matches!(
        f.kind,
        FindingKind::BetaClipped {
            t_from: 1000,
            t_to: 1000,
            ..
        }
    )));
    let leading = cos
        .iter()
        .find(|f| {
            matches!(
                f.kind,
                FindingKind::SpacingSkipsTop {
                    spacing: TimestepSpacing::Leading,
                    ..
                }
            )
        })
        .expect("leading never visits t = T");
    assert!(leading.to_string().contains("starts at t = 981"));
    assert!(!cos.iter().any(|f| matches!(
        f.kind,
        FindingKind::SpacingSkipsTop {
            spacing: TimestepSpacing::Trailing,
            ..
        }
    )));

    let bad = lint(
        &ScheduleSpec::trained(vec![0.1, 1.5, 0.2]),
        &LintOptions::default(),
    );
    assert_eq!(bad[0].severity, Severity::Error);
    assert!(
        bad.iter()
            .any(|f| matches!(f.kind, FindingKind::BetaAtLeastOne { first_t: 2, .. }))
    );
    let flat = lint(
        &ScheduleSpec::trained(vec![0.1, 1e-30, 0.2]),
        &LintOptions::default(),
    );
    assert!(
        flat.iter()
            .any(|f| matches!(f.kind, FindingKind::AlphaBarNotDecreasing { t: 2, .. }))
    );
    let nonpos = lint(
        &ScheduleSpec::trained(vec![0.1, 0.0]),
        &LintOptions::default(),
    );
    assert!(
        nonpos
            .iter()
            .any(|f| matches!(f.kind, FindingKind::BetaNotPositive { t: 2, .. }))
    );
    let invalid = lint(
        &ScheduleSpec::linear(0, 1e-4, 0.02),
        &LintOptions::default(),
    );
    assert!(matches!(
        invalid[0].kind,
        FindingKind::InvalidSpec(ScheduleError::ZeroSteps)
    ));
    assert!(
        lint(
            &ScheduleSpec::default(),
            &LintOptions {
                spacings: vec![TimestepSpacing::Trailing],
                ..Default::default()
            }
        )
        .iter()
        .all(|f| f.severity != Severity::Error)
    );
}

// ---------- diffusers configs ----------

#[test]
fn diffusers_config_round_trips_every_kind() {
    let specs = [
        ScheduleSpec::default(),
        ScheduleSpec::scaled_linear(1000, 0.00085, 0.012).with_zero_snr(true),
        ScheduleSpec::cosine(500),
        ScheduleSpec::sigmoid(200, 1e-4, 0.03),
        ScheduleSpec::trained(vec![0.01, 0.02, 0.5, 0.99]),
    ];
    for spec in specs {
        let text = diffusers::to_config_string(&spec, &diffusers::SamplerSettings::default());
        let back = diffusers::from_config_str(&text).unwrap();
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        let (a, b) = (spec.build().unwrap(), back.spec.build().unwrap());
        assert_eq!(a.alpha_bars(), b.alpha_bars(), "{spec:?}");
    }
}

#[test]
fn diffusers_config_rejects_unknown_schedule_and_warns_on_unknown_keys() {
    let err = diffusers::from_config_str(r#"{"beta_schedule": "quadratic"}"#).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown beta_schedule `quadratic`")
    );
    let ok = diffusers::from_config_str(
        r#"{"_class_name": "DDPMScheduler", "beta_shedule": "linear", "num_train_timesteps": 10}"#,
    )
    .unwrap();
    assert_eq!(ok.warnings.len(), 1);
    assert!(
        ok.warnings[0]
            .to_string()
            .contains("did you mean `beta_schedule`"),
        "{}",
        ok.warnings[0]
    );
    assert!(diffusers::from_config_str("[1, 2]").is_err());
    assert!(diffusers::from_config_str("{ not json").is_err());
    assert!(diffusers::from_config_str(r#"{"num_train_timesteps": "many"}"#).is_err());
    assert!(
        diffusers::from_config_str(r#"{"trained_betas": [0.1, 0.2], "num_train_timesteps": 3}"#)
            .is_err()
    );
}

// ---------- 1-D mixtures ----------

fn two_modes() -> Mixture {
    "0.5:-1:0.1,0.5:1:0.1".parse().unwrap()
}

#[test]
fn mixture_parsing_and_validation() {
    let m: Mixture = "1:0.8:0.05".parse().unwrap();
    assert_eq!(m.components().len(), 1);
    for bad in ["", "1:2", "a:1:1", "0:1:1", "1:1:0", "-1:0:1", "1:nan:1"] {
        assert!(bad.parse::<Mixture>().is_err(), "`{bad}` must be rejected");
    }
    let m = two_modes();
    assert_close(m.mean(), 0.0, ROUNDING);
    assert_close(m.variance(), 1.01, ROUNDING);
}

#[test]
fn marginal_is_closed_form_and_tends_to_standard_normal() {
    let s = ddpm();
    let data = two_modes();
    let q = marginal(&data, &s, 1000);
    for g in q.components() {
        assert!(g.mean.abs() < 0.01 && (g.variance - 1.0).abs() < 1e-3);
    }
    let q0 = marginal(&data, &s, 0);
    assert_eq!(q0, data);
}

#[test]
fn posterior_narrow_and_single_peaked_with_small_steps_multimodal_with_big_steps() {
    let data = two_modes();
    // T = 1000: at t = 100 the true posterior given x_t = 0 is essentially Gaussian.
    let fine = ddpm();
    let r = posterior_report(&data, &fine, 100, 0.0, Some(1.0)).unwrap();
    assert_eq!(r.modes.len(), 1);
    assert!(r.kl_to_gaussian < 1e-3, "{}", r.kl_to_gaussian);
    assert!(r.variance.sqrt() < 0.2);
    // Coarse: the same ᾱ curve in 10 steps; a jump spans 100 fine steps.
    let (coarse, times) = fine.coarsened(100).unwrap();
    assert_eq!(coarse.num_steps(), 10);
    assert_eq!(times[0], 100);
    assert_close(coarse.alpha_bar(1), fine.alpha_bar(100), ROUNDING);
    let r = posterior_report(&data, &coarse, 1, 0.0, None).unwrap();
    assert_eq!(
        r.modes.len(),
        2,
        "x_0 at ±1 seen through a big jump: {:?}",
        r.modes
    );
    assert!(r.kl_to_gaussian > 0.1, "{}", r.kl_to_gaussian);
    // Each mode sits on a posterior component: N(±1, 0.01) pulled toward x_t = 0 by the
    // likelihood, so near ±1·(1/0.01)/(1/0.01 + α/β) for the jump.
    let shrink = 100.0 / (100.0 + coarse.alpha(1) / coarse.beta(1));
    for m in &r.modes {
        assert!((m.abs() - shrink).abs() < 1e-3, "mode {m} vs ±{shrink}");
    }
    assert_close(r.modes[0], -r.modes[1], ROUNDING);
}

#[test]
fn posterior_of_single_gaussian_data_is_gaussian() {
    let data: Mixture = "1:0.8:0.3".parse().unwrap();
    let s = ddpm();
    let post = true_posterior(&data, &s, 300, 0.4).unwrap();
    assert_eq!(post.components().len(), 1);
    assert!(post.kl_to_gaussian() < 1e-10);
    assert_eq!(post.modes().len(), 1);
    assert_close(post.modes()[0], post.mean(), ROUNDING);
    assert!(true_posterior(&data, &s, 0, 0.0).is_err());
    assert!(true_posterior(&data, &s, 1001, 0.0).is_err());
}

#[test]
fn modes_are_located_accurately() {
    // Symmetric 3-mode mixture: modes at the exact stationary points of p.
    let m: Mixture = "1:-2:0.3,1:0:0.3,1:2:0.3".parse().unwrap();
    let modes = m.modes();
    assert_eq!(modes.len(), 3);
    assert!(modes[1].abs() < 1e-10);
    for &x in &modes {
        assert!(
            m.score(x).abs() < 1e-8,
            "p'(x)/p(x) = {} at {x}",
            m.score(x)
        );
    }
    // Two components merged into one peak.
    let merged: Mixture = "0.5:-0.5:1,0.5:0.5:1".parse().unwrap();
    assert_eq!(merged.modes().len(), 1);
}

#[test]
fn kl_matches_closed_form_for_gaussians() {
    let p: Mixture = "1:0.3:0.5".parse().unwrap();
    let q = Gaussian::new(-0.2, 0.7);
    assert_close(
        p.kl_to(q),
        ddpm_lab::diffusion::gaussian::kl_gaussians(p.moment_matched(), q),
        NUMERICAL,
    );
}

// ---------- forward process ----------

#[test]
fn forward_step_and_add_noise_agree() {
    let s = ddpm();
    let g = forward_step(0.8, 0.1);
    assert_close(g.mean, 0.7589466384, REFERENCE);
    assert_close(forward_step_sample(0.8, 0.1, 0.5), 0.9170605214, REFERENCE);
    let x0 = [0.8_f32, -0.4, 0.0];
    let eps = [0.5_f32, 1.0, -2.0];
    let mut out = [0.0_f32; 3];
    add_noise(&s, 500, &x0, &eps, &mut out).unwrap();
    for i in 0..3 {
        let q = q_xt_given_x0(&s, 500, x0[i] as f64);
        assert_close(out[i] as f64, q.sample_with(eps[i] as f64), SINGLE);
    }
    assert!(add_noise(&s, 500, &x0, &eps[..2], &mut out).is_err());
    let mut x = x0;
    assert!(forward_step_in_place(&s, 1, &mut x, &eps[..1]).is_err());
}

// ---------- properties ----------

fn any_spec() -> impl Strategy<Value = ScheduleSpec> {
    let named = (
        0usize..4,
        2usize..3000,
        1e-5f64..0.05,
        0.001f64..0.5,
        any::<bool>(),
    )
        .prop_map(|(k, t, a, b, zero)| {
            let kind = [
                ScheduleKind::Linear,
                ScheduleKind::ScaledLinear,
                ScheduleKind::SquaredcosCapV2,
                ScheduleKind::Sigmoid,
            ][k];
            ScheduleSpec::new(kind, t, a, b).with_zero_snr(zero)
        });
    let trained = proptest::collection::vec(1e-6f64..0.999, 1..400).prop_map(ScheduleSpec::trained);
    prop_oneof![named, trained]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn alpha_bar_strictly_decreasing_in_unit_interval(spec in any_spec()) {
        let s = match spec.build() {
            Ok(s) => s,
            Err(e) => {
                // Only an underflowing ᾱ (huge β·T) may be refused among these specs.
                prop_assert!(matches!(e, ScheduleError::AlphaBarUnderflow { .. }), "{:?}", e);
                return Ok(());
            }
        };
        let mut prev = 1.0;
        for t in 1..=s.num_steps() {
            let ab = s.alpha_bar(t);
            prop_assert!(ab < prev, "ᾱ_{} = {} ≥ ᾱ_{} = {}", t, ab, t - 1, prev);
            prop_assert!(ab > 0.0 || (spec.rescale_zero_snr && t == s.num_steps()));
            prop_assert!(ab <= 1.0);
            prev = ab;
        }
    }

    #[test]
    fn beta_recovered_from_alpha_bar_and_posterior_variance_bounded(spec in any_spec()) {
        let Ok(s) = spec.build() else { return Ok(()) };
        for t in 1..=s.num_steps() {
            let recovered = 1.0 - s.alpha_bar(t) / s.alpha_bar(t - 1);
            prop_assert!(ROUNDING.close(recovered, s.beta(t)) || (s.alpha_bar(t - 1) < 1e-200),
                "t = {}: {} vs {}", t, recovered, s.beta(t));
            let pv = s.posterior_variance(t);
            prop_assert!(pv >= 0.0 && pv <= s.beta(t) * (1.0 + 1e-12), "t = {}: β̃ = {} β = {}", t, pv, s.beta(t));
            prop_assert!(s.row(t).csv_values().iter().all(|v| v.is_finite()));
        }
        prop_assert_eq!(s.posterior_variance(1), 0.0);
    }

    #[test]
    fn closed_form_equals_iterated_chain(spec in any_spec(), x0 in -3.0f64..3.0, frac in 0.0f64..1.0) {
        let Ok(s) = spec.build() else { return Ok(()) };
        let t = ((frac * s.num_steps() as f64) as usize).clamp(1, s.num_steps());
        // Propagate mean and variance through t single steps.
        let (mut mean, mut var) = (x0, 0.0);
        for k in 1..=t {
            let step = forward_step(mean, s.beta(k));
            mean = step.mean;
            var = forward_step_variance(var, s.beta(k));
        }
        let closed = q_xt_given_x0(&s, t, x0);
        prop_assert!(ROUNDING.close(mean, closed.mean), "mean {} vs {}", mean, closed.mean);
        prop_assert!(ROUNDING.close(var, closed.variance), "var {} vs {}", var, closed.variance);
    }

    #[test]
    fn variance_preserved(var_beta in 1e-6f64..1.0) {
        prop_assert!(ROUNDING.close(forward_step_variance(1.0, var_beta), 1.0));
    }

    #[test]
    fn posterior_is_bayes_rule(x0 in -2.0f64..2.0, x_t in -3.0f64..3.0, frac in 0.0f64..1.0) {
        // q(x_{t−1}|x_t, x0) ∝ q(x_t|x_{t−1}) q(x_{t−1}|x0): check the normalised product on a grid.
        let s = ddpm();
        let t = ((frac * 999.0) as usize) + 2;
        let post = posterior(&s, t, x0, x_t);
        let prior = q_xt_given_x0(&s, t - 1, x0);
        let sd = post.std();
        let grid: Vec<f64> = (0..=2000).map(|i| post.mean + sd * (-10.0 + 20.0 * i as f64 / 2000.0)).collect();
        // In logs, then scaled by the largest term: far from x0 every factor underflows.
        let logs: Vec<f64> = grid.iter().map(|&x| forward_step(x, s.beta(t)).log_pdf(x_t) + prior.log_pdf(x)).collect();
        let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let unnorm: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
        let h = grid[1] - grid[0];
        let z: f64 = unnorm.iter().sum::<f64>() * h;
        for (x, u) in grid.iter().zip(&unnorm).step_by(100) {
            let bayes = u / z;
            prop_assert!(NUMERICAL.close(bayes * sd, post.pdf(*x) * sd), "x = {}: {} vs {}", x, bayes, post.pdf(*x));
        }
    }

    #[test]
    fn gmm_posterior_integrates_to_one_and_matches_grid_bayes(
        w1 in 0.1f64..1.0, m1 in -2.0f64..2.0, s1 in 0.05f64..1.0,
        w2 in 0.1f64..1.0, m2 in -2.0f64..2.0, s2 in 0.05f64..1.0,
        t in 1usize..=50, x_t in -2.5f64..2.5,
    ) {
        let data = Mixture::new([(w1, Gaussian::new(m1, s1 * s1)), (w2, Gaussian::new(m2, s2 * s2))]).unwrap();
        let s = ScheduleSpec::linear(50, 1e-3, 0.2).build().unwrap();
        let post = true_posterior(&data, &s, t, x_t).unwrap();
        prop_assert!(NUMERICAL.close(post.expect(|_| 1.0), 1.0));
        let (lo, hi) = post.plot_range();
        let grid: Vec<f64> = (0..=4000).map(|i| lo + (hi - lo) * i as f64 / 4000.0).collect();
        let brute = brute_force_posterior_on_grid(&data, &s, t, x_t, &grid);
        let peak = brute.iter().copied().fold(0.0, f64::max);
        for (x, b) in grid.iter().zip(&brute).step_by(50) {
            // Trapezoid normalisation on 4000 cells: agree to 1e-4 of the peak.
            prop_assert!((post.pdf(*x) - b).abs() <= 1e-4 * peak, "x = {}: {} vs {}", x, post.pdf(*x), b);
        }
    }
}
