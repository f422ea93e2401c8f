//! Euler, Heun and DPM-Solver++(2M), their σ schedules (Karras, shift), and the analytic
//! denoisers, against independent references.
//!
//! The diffusers numbers below were produced by `scripts/check_diffusers_samplers.py
//! --references` (diffusers 0.42.1, torch 2.15): diffusers' EulerDiscreteScheduler,
//! HeunDiscreteScheduler and DPMSolverMultistepScheduler(algorithm_type="dpmsolver++",
//! solver_order=2) with float64 ᾱ, so they carry float32 rounding only (SINGLE tolerance).

use ddpm_lab::diffusion::analytic::{Gaussian2dDenoiser, IsotropicMixture2d};
use ddpm_lab::diffusion::samplers::{
    NoiseLevel, OdeSampler, SamplingError, SigmaOptions, karras_sigmas, sampling_schedule,
    sigma_to_t, training_sigmas,
};
use ddpm_lab::diffusion::{Schedule, ScheduleSpec, TimestepSpacing};
use ddpm_lab::model::analytic::{AnalyticDenoiser, AnalyticKind};
use ddpm_lab::model::inference::{
    Flow, OracleDenoiser, ReverseOptions, Sampler, initial_noise_scale, reverse_plan, run_reverse,
};
use ddpm_lab::tolerance::{ROUNDING, SINGLE, assert_close};

fn linear() -> Schedule {
    ScheduleSpec::default()
        .build()
        .expect("DDPM schedule builds")
}

fn scaled_linear() -> Schedule {
    ScheduleSpec::scaled_linear(1000, 0.00085, 0.012)
        .build()
        .expect("SD schedule builds")
}

fn cosine() -> Schedule {
    ScheduleSpec::cosine(1000).build().expect("cosine builds")
}

fn karras(on: bool) -> SigmaOptions {
    SigmaOptions {
        karras: on,
        shift: 1.0,
    }
}

fn assert_all_close(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            SINGLE.close(a, e),
            "{what}[{i}]: {a} is not within {SINGLE:?} of {e}"
        );
    }
}

/// (sampler, schedule, steps, Karras, diffusers' paper timesteps, diffusers' σ's).
#[test]
fn sigmas_and_timesteps_match_diffusers() {
    type Case = (
        OdeSampler,
        fn() -> Schedule,
        usize,
        bool,
        &'static [f64],
        &'static [f64],
    );
    let cases: [Case; 5] = [
        (
            OdeSampler::Euler,
            linear,
            10,
            false,
            &[
                1000.0, 889.0, 778.0, 667.0, 556.0, 445.0, 334.0, 223.0, 112.0, 1.0, 0.0,
            ],
            &[
                157.40728759765625,
                54.56751251220703,
                21.417495727539062,
                9.488920211791992,
                4.703333854675293,
                2.5546913146972656,
                1.462356686592102,
                0.821935772895813,
                0.38037100434303284,
                0.01000049989670515,
                0.0,
            ],
        ),
        (
            OdeSampler::Euler,
            linear,
            10,
            true,
            &[
                1000.0,
                937.921875,
                864.8290405273438,
                776.1331787109375,
                663.6368408203125,
                511.7034606933594,
                301.98480224609375,
                103.161376953125,
                19.30800437927246,
                1.0,
                0.0,
            ],
            &[
                157.40728759765625,
                85.71052551269531,
                44.04740524291992,
                21.105409622192383,
                9.274612426757812,
                3.6525678634643555,
                1.2463257312774658,
                0.34969255328178406,
                0.07392619550228119,
                0.01000049989670515,
                0.0,
            ],
        ),
        (
            OdeSampler::DpmSolverPlusPlus2M,
            linear,
            10,
            false,
            &[
                1000.0, 900.0, 800.0, 700.0, 600.0, 501.0, 401.0, 301.0, 201.0, 101.0, 0.0,
            ],
            &[
                157.40728759765625,
                60.27141189575195,
                25.528480529785156,
                11.939519882202148,
                6.135209083557129,
                3.442967176437378,
                2.0410869121551514,
                1.2401610612869263,
                0.7235912680625916,
                0.3422597050666809,
                0.0,
            ],
        ),
        (
            OdeSampler::DpmSolverPlusPlus2M,
            scaled_linear,
            10,
            true,
            &[
                1000.0, 917.0, 816.0, 688.0, 524.0, 328.0, 147.0, 42.0, 8.0, 1.0, 0.0,
            ],
            &[
                14.614641189575195,
                9.102928161621094,
                5.478392124176025,
                3.1686031818389893,
                1.7494170665740967,
                0.9140722751617432,
                0.44691821932792664,
                0.20139829814434052,
                0.08191023766994476,
                0.029167158529162407,
                0.0,
            ],
        ),
        (
            OdeSampler::Heun,
            cosine,
            5,
            true,
            &[
                1000.0,
                999.4950561523438,
                998.1084594726562,
                937.99755859375,
                1.0,
                0.0,
            ],
            &[
                20291.169921875,
                3547.499267578125,
                345.8736877441406,
                10.316762924194336,
                0.006425412837415934,
                0.0,
            ],
        ),
    ];
    for (sampler, schedule, steps, on, t_ref, sigma_ref) in cases {
        let plan = sampling_schedule(
            &schedule(),
            sampler,
            steps,
            TimestepSpacing::Linspace,
            karras(on),
        )
        .expect("plan");
        let what = format!("{sampler} karras={on}");
        assert_all_close(&plan.sigmas, sigma_ref, &format!("{what} σ"));
        assert_all_close(&plan.timesteps, t_ref, &format!("{what} t"));
    }
}

/// Four starting points, the mixture and the end points diffusers reaches from them with
/// the mixture's exact x̂0 (prediction_type="sample").
const MIXTURE: &str = "0.3:-1:0.5:0.3,0.5:1.2:-0.4:0.5,0.2:0:1.5:0.2";
const STARTS: [[f32; 2]; 4] = [[0.3, -1.2], [1.7, 0.4], [-0.8, -0.1], [0.05, 2.2]];

#[test]
fn exact_mixture_runs_end_where_diffusers_ends() {
    type Case = (OdeSampler, fn() -> Schedule, usize, bool, [[f64; 2]; 4]);
    let cases: [Case; 6] = [
        (
            OdeSampler::Euler,
            linear,
            10,
            false,
            [
                [1.0836460590362549, -0.680076539516449],
                [1.6226202249526978, -0.09590093046426773],
                [-0.8613221049308777, 0.47817766666412354],
                [-0.0010477597825229168, 1.6270172595977783],
            ],
        ),
        (
            OdeSampler::Heun,
            linear,
            10,
            false,
            [
                [1.15571928024292, -0.910831093788147],
                [1.9480385780334473, -0.036612819880247116],
                [-0.983722984790802, 0.4551996886730194],
                [0.006080572493374348, 1.9551528692245483],
            ],
        ),
        (
            OdeSampler::DpmSolverPlusPlus2M,
            linear,
            10,
            false,
            [
                [1.1717040538787842, -0.7819925546646118],
                [1.7564996480941772, -0.1332995891571045],
                [-0.9737879633903503, 0.49311649799346924],
                [0.0017886803252622485, 1.6692278385162354],
            ],
        ),
        (
            OdeSampler::Euler,
            linear,
            25,
            true,
            [
                [1.0844792127609253, -0.759742021560669],
                [1.7384856939315796, -0.04804203659296036],
                [-0.8646115064620972, 0.46254831552505493],
                [0.001490665366873145, 1.7437055110931396],
            ],
        ),
        (
            OdeSampler::Heun,
            cosine,
            8,
            true,
            [
                [3.755664348602295, -3.872772693634033],
                [6.177828788757324, -1.2368425130844116],
                [-3.5414726734161377, 1.1792956590652466],
                [-1.2024766206741333, 6.523552417755127],
            ],
        ),
        (
            OdeSampler::DpmSolverPlusPlus2M,
            scaled_linear,
            15,
            true,
            [
                [1.132565975189209, -0.8792220950126648],
                [1.881357192993164, -0.0535920076072216],
                [-0.9765677452087402, 0.45450833439826965],
                [0.0015166710363700986, 1.8292136192321777],
            ],
        ),
    ];
    let mixture: IsotropicMixture2d = MIXTURE.parse().expect("mixture");
    for (solver, schedule, steps, on, expected) in cases {
        let schedule = schedule();
        let options = ReverseOptions {
            sampler: Sampler::Ode {
                solver,
                sigmas: karras(on),
            },
            steps: Some(steps),
            spacing: TimestepSpacing::Linspace,
            clip_x0: false,
            seed: 0,
        };
        let scale = initial_noise_scale(&schedule, &options).expect("scale") as f32;
        let x_t: Vec<f32> = STARTS.iter().flatten().map(|v| v * scale).collect();
        let denoiser =
            AnalyticDenoiser::new(AnalyticKind::Mixture2d(mixture.clone()), schedule.clone());
        let result = run_reverse(
            &denoiser,
            &schedule,
            x_t,
            schedule.num_steps(),
            &options,
            None,
            |_| Flow::Continue,
        )
        .expect("run");
        assert_eq!(result.t_reached, 0);
        for (i, p) in expected.iter().enumerate() {
            for d in 0..2 {
                let got = result.x[2 * i + d] as f64;
                assert!(
                    SINGLE.close(got, p[d]),
                    "{solver} karras={on}: point {i} coordinate {d}: {got} vs diffusers {}",
                    p[d]
                );
            }
        }
    }
}

#[test]
fn sigma_to_t_inverts_the_training_sigmas_and_interpolates_log_sigma() {
    let schedule = linear();
    let train = training_sigmas(&schedule);
    let logs: Vec<f64> = train.iter().map(|s| s.ln()).collect();
    for j in [0, 1, 17, 500, 998, 999] {
        assert_close(sigma_to_t(train[j], &logs), j as f64, ROUNDING);
    }
    // Halfway in ln σ between steps 10 and 11 is t = 10.5; outside the range it clamps.
    let mid = (0.5 * (logs[10] + logs[11])).exp();
    assert_close(sigma_to_t(mid, &logs), 10.5, ROUNDING);
    assert_eq!(sigma_to_t(1e-9, &logs), 0.0);
    assert_eq!(sigma_to_t(1e9, &logs), 999.0);
}

#[test]
fn karras_sigmas_follow_the_rho_formula() {
    // Karras et al. 2022, eq. 5 with ρ = 7: σ_i = (σ_max^{1/7} + i/(N−1)(σ_min^{1/7} − σ_max^{1/7}))^7.
    let s = karras_sigmas(0.002, 80.0, 3);
    assert_close(s[0], 80.0, ROUNDING);
    assert_close(s[2], 0.002, ROUNDING);
    let mid = (0.5 * (80.0_f64.powf(1.0 / 7.0) + 0.002_f64.powf(1.0 / 7.0))).powi(7);
    assert_close(s[1], mid, ROUNDING);
}

#[test]
fn a_shift_moves_log_snr_by_minus_two_ln_s() {
    let schedule = linear();
    let base = sampling_schedule(
        &schedule,
        OdeSampler::Euler,
        20,
        TimestepSpacing::Linspace,
        karras(false),
    )
    .expect("base");
    let s = 3.0;
    let shifted = sampling_schedule(
        &schedule,
        OdeSampler::Euler,
        20,
        TimestepSpacing::Linspace,
        SigmaOptions {
            karras: false,
            shift: s,
        },
    )
    .expect("shifted");
    for i in 0..20 {
        let (a, b) = (base.level(i), shifted.level(i));
        assert_close(b.log_snr(), a.log_snr() - 2.0 * s.ln(), ROUNDING);
        // A larger σ maps to a later (or the last) timestep.
        assert!(b.t >= a.t - 1e-9, "step {i}: {} < {}", b.t, a.t);
    }
    assert_eq!(*shifted.sigmas.last().expect("final"), 0.0);
    assert!(matches!(
        sampling_schedule(
            &schedule,
            OdeSampler::Euler,
            20,
            TimestepSpacing::Linspace,
            SigmaOptions {
                karras: false,
                shift: 0.0
            }
        ),
        Err(SamplingError::BadShift(_))
    ));
}

#[test]
fn schedules_are_refused_with_reasons() {
    let schedule = linear();
    assert!(matches!(
        sampling_schedule(
            &schedule,
            OdeSampler::Euler,
            0,
            TimestepSpacing::Linspace,
            karras(false)
        ),
        Err(SamplingError::StepsOutOfRange { got: 0, max: 1000 })
    ));
    assert!(matches!(
        sampling_schedule(
            &schedule,
            OdeSampler::Heun,
            1001,
            TimestepSpacing::Linspace,
            karras(false)
        ),
        Err(SamplingError::StepsOutOfRange { .. })
    ));
    // DPM-Solver++ with N = T rounds linspace(0, T−1, T+1) onto repeated steps.
    assert!(matches!(
        sampling_schedule(
            &schedule,
            OdeSampler::DpmSolverPlusPlus2M,
            1000,
            TimestepSpacing::Linspace,
            karras(false)
        ),
        Err(SamplingError::RepeatedSigma { .. })
    ));
    let one = ScheduleSpec::linear(1, 0.5, 0.5).build().expect("T = 1");
    assert!(matches!(
        sampling_schedule(
            &one,
            OdeSampler::Euler,
            1,
            TimestepSpacing::Linspace,
            karras(false)
        ),
        Err(SamplingError::TooFewTrainingSteps(1))
    ));
}

/// When x̂0 is the same point whatever x_t is, the probability-flow ODE is
/// x̃(σ) = x0 + (σ/σ_0)(x̃_0 − x0): linear in σ, which Euler, Heun and the exponential
/// integrator DPM-Solver++ all follow exactly, landing on x0.
#[test]
fn every_ode_sampler_lands_on_the_oracle_point() {
    let schedule = linear();
    let x0 = vec![0.7_f32, -0.3, 0.1, 0.9];
    let oracle = OracleDenoiser {
        x0: x0.clone(),
        item_len: 2,
        schedule: schedule.clone(),
    };
    for solver in OdeSampler::ALL {
        for on in [false, true] {
            let options = ReverseOptions {
                sampler: Sampler::Ode {
                    solver,
                    sigmas: karras(on),
                },
                steps: Some(12),
                spacing: TimestepSpacing::Linspace,
                clip_x0: false,
                seed: 0,
            };
            let x_t = vec![1.2_f32, -0.4, 0.3, 2.0];
            let plan = reverse_plan(&schedule, 1000, &options).expect("plan");
            let mut frames = 0;
            let result = run_reverse(&oracle, &schedule, x_t.clone(), 1000, &options, None, |f| {
                // x̃ − x0 shrinks in proportion to σ at every level.
                frames += 1;
                let from = NoiseLevel::of_step(&schedule, f.t);
                assert!(from.sigma > 0.0);
                Flow::Continue
            })
            .expect("run");
            assert_eq!(frames, plan.len());
            for (a, b) in result.x.iter().zip(&x0) {
                assert_close(*a as f64, *b as f64, SINGLE);
            }
        }
    }
}

/// For Gaussian data N(0, s²) the ODE has the closed form x_0 = x̃_0·s/√(s² + σ_0²); the
/// error of Euler falls like 1/N, Heun's and DPM-Solver++(2M)'s like 1/N².
#[test]
fn orders_of_convergence_on_gaussian_data() {
    let schedule = linear();
    let s = 0.5;
    let denoiser = AnalyticDenoiser::new(
        AnalyticKind::Gaussian2d(
            Gaussian2dDenoiser::new([0.0, 0.0], [[s * s, 0.0], [0.0, s * s]]).expect("gauss"),
        ),
        schedule.clone(),
    );
    let error = |solver: OdeSampler, n: usize| -> f64 {
        let options = ReverseOptions {
            sampler: Sampler::ode(solver),
            steps: Some(n),
            spacing: TimestepSpacing::Linspace,
            clip_x0: false,
            seed: 0,
        };
        let x_t = vec![1.0_f32, -0.5];
        let sigma0 = NoiseLevel::of_step(&schedule, 1000).sigma;
        let result = run_reverse(
            &denoiser,
            &schedule,
            x_t.clone(),
            1000,
            &options,
            None,
            |_| Flow::Continue,
        )
        .expect("run");
        let exact = |x: f32| {
            x as f64 * (1.0 + sigma0 * sigma0).sqrt() * s / (s * s + sigma0 * sigma0).sqrt()
        };
        ((result.x[0] as f64 - exact(x_t[0])).powi(2)
            + (result.x[1] as f64 - exact(x_t[1])).powi(2))
        .sqrt()
    };
    let ratio = |solver: OdeSampler| error(solver, 10) / error(solver, 20);
    let euler = ratio(OdeSampler::Euler);
    let heun = ratio(OdeSampler::Heun);
    let dpm = ratio(OdeSampler::DpmSolverPlusPlus2M);
    assert!(
        (1.5..3.0).contains(&euler),
        "Euler: error ratio {euler} for 2× the steps"
    );
    assert!(heun > 3.0, "Heun: error ratio {heun} for 2× the steps");
    assert!(
        dpm > 3.0,
        "DPM-Solver++(2M): error ratio {dpm} for 2× the steps"
    );
}
