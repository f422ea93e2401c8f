//! Extreme inputs: every numeric input family of the math core swept over ±1e308,
//! subnormals, zeros, weights 1e300 apart and counts at their limits. Each either is
//! refused with an error naming the input, or gives a result with no NaN or ∞ anywhere
//! (checked through the same serde JSON the CLI prints, where a NaN would become `null`).

use ddpm_lab::diffusion::WorkedExample;
use ddpm_lab::diffusion::gmm1d::{
    ComponentSpec, MAX_ABS_VALUE, MAX_COMPONENTS, MAX_STD, MIN_STD, Mixture, MixtureError,
    posterior_report,
};
use ddpm_lab::diffusion::schedule::{ScheduleKind, ScheduleSpec};
use proptest::prelude::*;

/// Values a user can type that stress f64: the extremes, subnormals, signed zeros and
/// ordinary numbers of every magnitude.
fn extreme_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::MAX),
        Just(-f64::MAX),
        Just(1e308),
        Just(-1e308),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(-5e-324),
        Just(0.0),
        Just(-0.0),
        Just(1e300),
        Just(1e-300),
        Just(MAX_ABS_VALUE),
        Just(-MAX_ABS_VALUE),
        Just(MIN_STD),
        Just(MAX_STD),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        (-308i32..=308, -1.0f64..1.0).prop_map(|(e, m)| m * 10f64.powi(e)),
        -5.0f64..5.0,
    ]
}

/// Every f64 inside a JSON value is finite: serde_json writes NaN and ±∞ as `null`.
fn assert_no_null(v: &serde_json::Value, what: &str) {
    match v {
        serde_json::Value::Null => panic!("{what}: a non-finite number became null"),
        serde_json::Value::Array(a) => a.iter().for_each(|x| assert_no_null(x, what)),
        serde_json::Value::Object(o) => o.values().for_each(|x| assert_no_null(x, what)),
        serde_json::Value::Number(n) => {
            assert!(n.as_f64().is_some_and(f64::is_finite), "{what}: {n}")
        }
        _ => {}
    }
}

fn in_range(c: &ComponentSpec) -> bool {
    c.weight.is_finite()
        && c.weight > 0.0
        && c.mean.is_finite()
        && c.mean.abs() <= MAX_ABS_VALUE
        && (MIN_STD..=MAX_STD).contains(&c.std)
}

fn component() -> impl Strategy<Value = ComponentSpec> {
    (extreme_f64(), extreme_f64(), extreme_f64()).prop_map(|(weight, mean, std)| ComponentSpec {
        weight,
        mean,
        std,
    })
}

/// A component inside every accepted range, with values at and near the ends.
fn valid_component() -> impl Strategy<Value = ComponentSpec> {
    let weight = prop_oneof![
        Just(1e300),
        Just(1e-300),
        Just(f64::MAX),
        Just(5e-324),
        (-300i32..=300).prop_map(|e| 10f64.powi(e))
    ];
    let mean = prop_oneof![
        Just(MAX_ABS_VALUE),
        Just(-MAX_ABS_VALUE),
        -MAX_ABS_VALUE..=MAX_ABS_VALUE,
        -3.0f64..3.0
    ];
    let std = prop_oneof![
        Just(MIN_STD),
        Just(MAX_STD),
        (-6i32..=6, 1.0f64..10.0).prop_map(|(e, m)| (m * 10f64.powi(e)).clamp(MIN_STD, MAX_STD))
    ];
    (weight, mean, std).prop_map(|(weight, mean, std)| ComponentSpec { weight, mean, std })
}

fn schedule_spec() -> impl Strategy<Value = ScheduleSpec> {
    let kind = prop_oneof![
        Just(ScheduleKind::Linear),
        Just(ScheduleKind::ScaledLinear),
        Just(ScheduleKind::SquaredcosCapV2),
        Just(ScheduleKind::Sigmoid),
    ];
    (
        kind,
        1usize..400,
        extreme_f64(),
        extreme_f64(),
        any::<bool>(),
    )
        .prop_map(|(kind, steps, a, b, rescale)| {
            let mut spec = ScheduleSpec::new(kind, steps, a, b);
            spec.rescale_zero_snr = rescale;
            spec
        })
}

fn ok_schedule() -> impl Strategy<Value = ScheduleSpec> {
    prop_oneof![
        Just(ScheduleSpec::default()),
        (2usize..60).prop_map(|t| ScheduleSpec::new(ScheduleKind::Linear, t, 1e-4, 0.02)),
        (2usize..60).prop_map(|t| ScheduleSpec::new(ScheduleKind::SquaredcosCapV2, t, 1e-4, 0.02)),
        (2usize..60).prop_map(|t| {
            let mut s = ScheduleSpec::new(ScheduleKind::Linear, t, 1e-4, 0.02);
            s.rescale_zero_snr = true;
            s
        }),
        Just(ScheduleSpec::trained(vec![1e-15, 1e-12, 0.5, 1.0])),
        Just(ScheduleSpec::trained(vec![0.999, 0.999, 0.999])),
    ]
}

/// Zero-terminal-SNR rescaling of β too small to move ᾱ in f64 divided 0 by 0: every β
/// came out NaN (and the linter printed "β_1 = NaN"). It is refused instead.
#[test]
fn rescaling_a_schedule_whose_alpha_bar_never_moves_is_refused() {
    use ddpm_lab::diffusion::ScheduleError;
    for (a, b) in [(1e-300, 1e-300), (5e-324, 1e-20), (1e-17, 1e-17)] {
        let mut spec = ScheduleSpec::new(ScheduleKind::Linear, 150, a, b);
        spec.rescale_zero_snr = true;
        assert!(
            matches!(
                spec.raw_betas(),
                Err(ScheduleError::NotStrictlyDecreasing { .. })
            ),
            "{a} {b}: {:?}",
            spec.raw_betas().map(|v| v[0])
        );
        assert!(spec.build().is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Schedule parameters: refused, or every table value finite.
    #[test]
    fn schedule_is_refused_or_finite(spec in schedule_spec()) {
        if let Ok(s) = spec.build() {
            let rows: Vec<_> = s.rows().collect();
            let json = serde_json::to_value(&rows).expect("rows serialise");
            assert_no_null(&json, "schedule rows");
            for t in 1..=s.num_steps() {
                prop_assert!(s.log_snr_finite(t).is_none_or(f64::is_finite));
            }
        }
    }

    /// The linter over the same parameters: every finding, in both languages, names
    /// numbers, never NaN or ∞ (a rescaled schedule whose ᾱ never moves is refused).
    #[test]
    fn lint_findings_never_print_non_finite(spec in schedule_spec()) {
        use ddpm_lab::diffusion::lint::{LintOptions, lint};
        // A non-finite β_start or β_end is refused naming the value given (the input
        // quoted back): every other finding is about numbers the schedule computed.
        if !(spec.beta_start.is_finite() && spec.beta_end.is_finite()) {
            return Ok(());
        }
        for f in lint(&spec, &LintOptions::default()) {
            for lang in ddpm_lab::app::Lang::ALL {
                let text = ddpm_lab::ui::schedule::finding_text(&f.kind, lang);
                prop_assert!(
                    !text.split(|c: char| !c.is_alphanumeric())
                        .any(|w| matches!(w, "NaN" | "nan" | "inf" | "Inf" | "infinity")),
                    "{:?}: {}", spec, text
                );
            }
        }
    }

    /// Any mixture spec: refused with the offending component named, or valid.
    #[test]
    fn mixture_specs_are_refused_by_range(specs in prop::collection::vec(component(), 0..6)) {
        match Mixture::from_specs(&specs) {
            Ok(m) => {
                prop_assert!(!specs.is_empty() && specs.iter().all(in_range));
                prop_assert!(m.weights().iter().all(|w| w.is_finite() && *w >= 0.0));
                let total: f64 = m.weights().iter().sum();
                prop_assert!((total - 1.0).abs() < 1e-12, "weights sum to {}", total);
            }
            Err(MixtureError::Empty) => prop_assert!(specs.is_empty()),
            Err(MixtureError::BadWeight { index, value })
            | Err(MixtureError::BadMean { index, value })
            | Err(MixtureError::BadStd { index, value }) => {
                prop_assert!(!in_range(&specs[index]));
                let c = specs[index];
                prop_assert!(value.to_bits() == c.weight.to_bits()
                    || value.to_bits() == c.mean.to_bits()
                    || value.to_bits() == c.std.to_bits()
                    || value.to_bits() == (c.std * c.std).sqrt().to_bits());
            }
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }

    /// The exact posterior over the whole accepted range (weights 1e300 apart, means and
    /// x_t at ±1e6, σ from 1e-6 to 1e6, β from 1e-15 to 1): every reported number finite.
    #[test]
    fn posterior_report_is_finite_over_the_accepted_range(
        specs in prop::collection::vec(valid_component(), 1..4),
        spec in ok_schedule(),
        t_frac in 0.0f64..=1.0,
        x_t in prop_oneof![Just(MAX_ABS_VALUE), Just(-MAX_ABS_VALUE), -MAX_ABS_VALUE..=MAX_ABS_VALUE, -4.0f64..4.0],
        x0 in prop_oneof![Just(MAX_ABS_VALUE), -MAX_ABS_VALUE..=MAX_ABS_VALUE, -4.0f64..4.0],
    ) {
        let data = Mixture::from_specs(&specs).expect("in-range specs build");
        let schedule = spec.build().expect("schedule builds");
        let t = 1 + ((schedule.num_steps() - 1) as f64 * t_frac) as usize;
        let report = posterior_report(&data, &schedule, t, x_t, Some(x0)).expect("report");
        let json = serde_json::to_value(&report).expect("report serialises");
        assert_no_null(&json, "posterior report");
        prop_assert!(report.variance >= 0.0 && report.kl_to_gaussian >= 0.0);
        prop_assert!(!report.modes.is_empty());
    }

    /// x_t and x0 outside ±1e6 (or not finite) are refused, naming which.
    #[test]
    fn posterior_points_out_of_range_are_refused(x in extreme_f64(), which_x0 in any::<bool>()) {
        prop_assume!(!(x.is_finite() && x.abs() <= MAX_ABS_VALUE));
        let data: Mixture = "1:0:1".parse().expect("mixture");
        let schedule = ScheduleSpec::default().build().expect("schedule");
        let (x_t, x0) = if which_x0 { (0.0, Some(x)) } else { (x, None) };
        let err = posterior_report(&data, &schedule, 10, x_t, x0).expect_err("refused");
        let name = if which_x0 { "x0" } else { "x_t" };
        prop_assert!(matches!(err, MixtureError::ValueOutOfRange { name: n, .. } if n == name), "{err:?}");
    }

    /// The worked example's inputs within its accepted range stay finite.
    #[test]
    fn worked_example_is_finite_in_range(
        x0 in -MAX_ABS_VALUE..=MAX_ABS_VALUE,
        eps in -MAX_ABS_VALUE..=MAX_ABS_VALUE,
        beta1 in prop_oneof![Just(5e-324), Just(1.0 - f64::EPSILON), 1e-300f64..1.0],
        beta2 in prop_oneof![Just(5e-324), Just(1.0 - f64::EPSILON), 1e-300f64..1.0],
    ) {
        let r = WorkedExample { x0, beta1, eps, beta2 }.compute();
        for v in [r.q1.mean, r.q1.variance, r.x1, r.q2.mean, r.q2.variance] {
            prop_assert!(v.is_finite());
        }
    }
}

#[test]
fn negative_standard_deviation_is_refused_not_squared() {
    let err = "1:0:-0.5".parse::<Mixture>().expect_err("negative sd");
    assert_eq!(
        err,
        MixtureError::BadStd {
            index: 0,
            value: -0.5
        }
    );
    assert!(err.to_string().contains("[1e-6, 1e6]"), "{err}");
}

#[test]
fn weights_1e300_apart_normalise_without_overflow() {
    let m = Mixture::from_specs(&[
        ComponentSpec {
            weight: f64::MAX,
            mean: 0.0,
            std: 1.0,
        },
        ComponentSpec {
            weight: f64::MAX,
            mean: 1.0,
            std: 1.0,
        },
        ComponentSpec {
            weight: 1e-8,
            mean: 2.0,
            std: 1.0,
        },
    ])
    .expect("finite positive weights are accepted");
    assert_eq!(m.weights()[0], 0.5);
    assert_eq!(m.weights()[1], 0.5);
    // 1e-8 / 3.6e308 is subnormal but not lost.
    assert!(m.weights()[2] > 0.0 && m.weights()[2] < 1e-316);
    let far = Mixture::from_specs(&[
        ComponentSpec {
            weight: 1e300,
            mean: 0.0,
            std: 1.0,
        },
        ComponentSpec {
            weight: 1.0,
            mean: 1.0,
            std: 1.0,
        },
    ])
    .expect("weights 1e300 apart");
    ddpm_lab::tolerance::assert_close(far.weights()[1], 1e-300, ddpm_lab::tolerance::ROUNDING);
}

#[test]
fn mixture_size_is_limited() {
    let one = ComponentSpec {
        weight: 1.0,
        mean: 0.0,
        std: 1.0,
    };
    assert!(Mixture::from_specs(&vec![one; MAX_COMPONENTS]).is_ok());
    assert_eq!(
        Mixture::from_specs(&vec![one; MAX_COMPONENTS + 1]),
        Err(MixtureError::TooManyComponents {
            got: MAX_COMPONENTS + 1
        })
    );
}

/// A subnormal β at the step the posterior is taken: the precision form overflowed here.
#[test]
fn posterior_with_tiny_beta_is_finite() {
    let data: Mixture = "1:1e6:1e-6,1e-300:-1e6:1e6".parse().expect("mixture");
    let schedule = ScheduleSpec::trained(vec![1e-15, 0.5, 1.0])
        .build()
        .expect("schedule");
    for t in 1..=3 {
        for x_t in [-MAX_ABS_VALUE, 0.0, MAX_ABS_VALUE] {
            let r = posterior_report(&data, &schedule, t, x_t, Some(x_t)).expect("report");
            assert_no_null(&serde_json::to_value(&r).expect("json"), "tiny β");
        }
    }
}
