//! The analytic denoisers against independent closed forms: the ideal denoiser of one
//! point is the oracle, the Gaussian one is the Bayes posterior mean for Gaussian data,
//! the mixture score is the gradient of its log density; and sliced W2 against known cases.

use ddpm_lab::diffusion::analytic::sliced_wasserstein::mixture_quantile_1d;
use ddpm_lab::diffusion::analytic::{
    DiagonalGaussianDenoiser, Gaussian2dDenoiser, IdealDenoiser, IsotropicMixture2d,
    Mixture2dError, sliced_w2,
};
use ddpm_lab::diffusion::reverse::eps_from_x0;
use ddpm_lab::diffusion::{ScheduleSpec, TimestepSpacing};
use ddpm_lab::model::analytic::{AnalyticDenoiser, AnalyticKind};
use ddpm_lab::model::inference::{Denoise, OracleDenoiser, ReverseOptions, Sampler};
use ddpm_lab::model::step_error::{StepErrorRequest, mixture_samples, step_error_curves};
use ddpm_lab::tolerance::{FINITE_DIFFERENCE, NUMERICAL, ROUNDING, SINGLE, assert_close};

#[test]
fn the_ideal_denoiser_of_one_point_is_the_oracle() {
    let schedule = ScheduleSpec::default().build().expect("schedule");
    let point = vec![0.4_f32, -1.1];
    let ideal = AnalyticDenoiser::new(
        AnalyticKind::Ideal(IdealDenoiser::new(vec![0.4, -1.1], 2).expect("set")),
        schedule.clone(),
    );
    let oracle = OracleDenoiser {
        x0: point.clone(),
        item_len: 2,
        schedule: schedule.clone(),
    };
    for t in [1, 10, 250, 999, 1000] {
        let x_t = [2.3_f32, 0.7];
        let x0 = ideal.predict(&x_t, t, 1).expect("ideal");
        let eps = oracle.predict(&x_t, t, 1).expect("oracle");
        for d in 0..2 {
            // Compared in ε, where f32 rounding is not amplified by 1/√ᾱ.
            let eps_ideal = eps_from_x0(x_t[d] as f64, x0[d] as f64, schedule.alpha_bar(t));
            assert_close(eps_ideal, eps[d] as f64, SINGLE);
            assert_close(x0[d] as f64, point[d] as f64, SINGLE);
        }
    }
}

#[test]
fn the_ideal_denoiser_weights_items_by_their_likelihood() {
    // Two items at ±1 in 1-D, x_t = 0.3, ᾱ = 0.5: w ∝ exp(−(0.3 ∓ √0.5)²/(2·0.5)).
    let ideal = IdealDenoiser::new(vec![1.0, -1.0], 1).expect("set");
    let mut out = [0.0];
    ideal.denoise(&[0.3], 0.5, &mut out);
    let a = 0.5_f64.sqrt();
    let wp = (-(0.3 - a) * (0.3 - a)).exp();
    let wm = (-(0.3 + a) * (0.3 + a)).exp();
    assert_close(out[0], (wp - wm) / (wp + wm), ROUNDING);
    // No signal left: the mean; a far-out x_t does not underflow to NaN.
    ideal.denoise(&[0.3], 0.0, &mut out);
    assert_close(out[0], 0.0, ROUNDING);
    ideal.denoise(&[1e6], 0.999, &mut out);
    assert_close(out[0], 1.0, ROUNDING);
    let near = ideal.nearest(&[0.8]);
    assert_eq!(near.index, 0);
    assert_close(near.distance, 0.2, ROUNDING);
}

#[test]
fn the_gaussian_denoiser_is_the_bayes_posterior_mean() {
    // Prior N(μ, Σ); x_t | x0 ~ N(√ᾱ x0, (1−ᾱ) I). Posterior precision P = Σ⁻¹ + ᾱ/(1−ᾱ) I,
    // mean P⁻¹(Σ⁻¹μ + √ᾱ/(1−ᾱ)·x_t) (the information form, computed independently here).
    let mu = [0.5, -0.2];
    let cov = [[1.3, 0.4], [0.4, 0.6]];
    let g = Gaussian2dDenoiser::new(mu, cov).expect("gauss");
    let inv = |m: [[f64; 2]; 2]| {
        let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
        [
            [m[1][1] / det, -m[0][1] / det],
            [-m[1][0] / det, m[0][0] / det],
        ]
    };
    let si = inv(cov);
    for alpha_bar in [0.999, 0.7, 0.2, 1e-4] {
        let x = [1.4, -0.9];
        let k = alpha_bar / (1.0 - alpha_bar);
        let p = [[si[0][0] + k, si[0][1]], [si[1][0], si[1][1] + k]];
        let pi = inv(p);
        let c = alpha_bar.sqrt() / (1.0 - alpha_bar);
        let rhs = [
            si[0][0] * mu[0] + si[0][1] * mu[1] + c * x[0],
            si[1][0] * mu[0] + si[1][1] * mu[1] + c * x[1],
        ];
        let expected = [
            pi[0][0] * rhs[0] + pi[0][1] * rhs[1],
            pi[1][0] * rhs[0] + pi[1][1] * rhs[1],
        ];
        let got = g.denoise(x, alpha_bar);
        assert_close(got[0], expected[0], NUMERICAL);
        assert_close(got[1], expected[1], NUMERICAL);
    }
    assert_eq!(g.denoise([3.0, 3.0], 0.0), mu);
    // Per pixel it is the 1-D Wiener filter μ + √ᾱ v/(ᾱv + 1 − ᾱ)(x − √ᾱ μ).
    let diag = DiagonalGaussianDenoiser::new(vec![0.1, -0.3], vec![0.5, 2.0]).expect("diag");
    let mut out = [0.0; 2];
    diag.denoise(&[0.4, 0.4], 0.6, &mut out);
    let a = 0.6_f64.sqrt();
    assert_close(
        out[0],
        0.1 + a * 0.5 / (0.6 * 0.5 + 0.4) * (0.4 - a * 0.1),
        ROUNDING,
    );
    assert!(Gaussian2dDenoiser::new(mu, [[1.0, 2.0], [2.0, 1.0]]).is_err());
}

#[test]
fn one_component_mixture_is_the_isotropic_gaussian() {
    let m: IsotropicMixture2d = "1:0.5:-0.2:0.7".parse().expect("mixture");
    let g = Gaussian2dDenoiser::new([0.5, -0.2], [[0.49, 0.0], [0.0, 0.49]]).expect("gauss");
    for alpha_bar in [0.99, 0.5, 0.01] {
        let x = [0.3, 1.9];
        let a = m.posterior_mean(x, alpha_bar);
        let b = g.denoise(x, alpha_bar);
        assert_close(a[0], b[0], ROUNDING);
        assert_close(a[1], b[1], ROUNDING);
    }
}

#[test]
fn mixture_score_is_the_gradient_of_its_log_density_and_tweedie_holds() {
    let m: IsotropicMixture2d = "0.3:-1:0.5:0.3,0.5:1.2:-0.4:0.5,0.2:0:1.5:0.2"
        .parse()
        .expect("mixture");
    let h = 1e-5;
    for alpha_bar in [0.95, 0.4, 0.02] {
        for x in [[0.1, 0.2], [-1.3, 0.8], [2.0, -1.5]] {
            let score = m.score(x, alpha_bar);
            let fd = [
                (m.log_density([x[0] + h, x[1]], alpha_bar)
                    - m.log_density([x[0] - h, x[1]], alpha_bar))
                    / (2.0 * h),
                (m.log_density([x[0], x[1] + h], alpha_bar)
                    - m.log_density([x[0], x[1] - h], alpha_bar))
                    / (2.0 * h),
            ];
            assert_close(score[0], fd[0], NUMERICAL);
            assert_close(score[1], fd[1], NUMERICAL);
            // Tweedie: E[x0 | x_t] = (x_t + (1 − ᾱ)·∇ln p_t)/√ᾱ.
            let mean = m.posterior_mean(x, alpha_bar);
            for d in 0..2 {
                let tweedie = (x[d] + (1.0 - alpha_bar) * score[d]) / alpha_bar.sqrt();
                assert_close(mean[d], tweedie, ROUNDING);
            }
        }
    }
    // Far out, every component's density underflows; the log-space score does not.
    let far = m.score([1e4, -1e4], 0.5);
    assert!(far[0].is_finite() && far[1].is_finite());
    assert!(m.log_density([1e4, -1e4], 0.5).is_finite());
}

#[test]
fn mixture_specs_are_validated() {
    assert!(matches!(
        "".parse::<IsotropicMixture2d>(),
        Err(Mixture2dError::Syntax { .. })
    ));
    assert!(matches!(
        "1:0:0".parse::<IsotropicMixture2d>(),
        Err(Mixture2dError::Syntax { .. })
    ));
    assert!(matches!(
        "1:0:0:0".parse::<IsotropicMixture2d>(),
        Err(Mixture2dError::OutOfRange {
            name: "standard deviation",
            ..
        })
    ));
    assert!(matches!(
        "1:nan:0:1".parse::<IsotropicMixture2d>(),
        Err(Mixture2dError::OutOfRange { .. })
    ));
    assert!(matches!(
        "0:0:0:1".parse::<IsotropicMixture2d>(),
        Err(Mixture2dError::ZeroWeight)
    ));
    assert!(matches!(
        "-1:0:0:1".parse::<IsotropicMixture2d>(),
        Err(Mixture2dError::OutOfRange { .. })
    ));
    let m: IsotropicMixture2d = "2:0:0:1, 6:1:1:0.5".parse().expect("weights normalise");
    assert_close(m.components()[0].weight, 0.25, ROUNDING);
}

#[test]
fn sliced_w2_of_a_translated_gaussian_is_its_offset_over_root_two() {
    // For N(μ, s²I) and exact samples moved by δ, every slice is moved by θ·δ, so
    // SW2² = mean_θ (θ·δ)² = |δ|²/2 (plus the sampling floor, which vanishes with n).
    let m: IsotropicMixture2d = "1:0:0:1".parse().expect("mixture");
    let exact = mixture_samples(&m, 20_000, 3);
    let floor = sliced_w2(&exact, &m, 64).expect("floor");
    assert!(floor < 0.03, "exact samples are {floor} away");
    let moved: Vec<[f64; 2]> = exact.iter().map(|p| [p[0] + 1.0, p[1]]).collect();
    let d = sliced_w2(&moved, &m, 64).expect("moved");
    assert!(
        (d - std::f64::consts::FRAC_1_SQRT_2).abs() < 0.03,
        "SW2 = {d}"
    );
    // The 1-D mixture quantile inverts its CDF: the median of a symmetric pair is 0.
    assert_close(
        mixture_quantile_1d(&[0.5, 0.5], &[-2.0, 2.0], &[1.0, 1.0], 0.5),
        0.0,
        NUMERICAL,
    );
}

#[test]
fn more_steps_bring_every_sampler_closer_to_the_mixture() {
    let schedule = ScheduleSpec::default().build().expect("schedule");
    let m: IsotropicMixture2d = "0.5:-1:0:0.3,0.5:1:0.5:0.3".parse().expect("mixture");
    let request = StepErrorRequest {
        mixture: m,
        schedule,
        samplers: vec![
            Sampler::Ddim { eta: 0.0 },
            Sampler::ode(ddpm_lab::diffusion::samplers::OdeSampler::Euler),
            Sampler::ode(ddpm_lab::diffusion::samplers::OdeSampler::DpmSolverPlusPlus2M),
        ],
        steps: vec![2, 50],
        n: 1000,
        seed: 1,
        directions: 32,
    };
    let curves = step_error_curves(&request, None).expect("curves");
    for c in &curves {
        assert_eq!(c.points.len(), 2, "{:?}", c.sampler);
        let (few, many) = (c.points[0].1, c.points[1].1);
        assert!(
            many < few,
            "{}: SW2 {few} at 2 steps, {many} at 50",
            c.sampler.label()
        );
        assert!(
            many.is_finite() && many < 0.15,
            "{}: {many}",
            c.sampler.label()
        );
    }
    let _ = (TimestepSpacing::Linspace, ReverseOptions::default());
}

#[test]
fn cosine_log_snr_density_and_v_weighting_match_the_closed_form() {
    use ddpm_lab::diffusion::log_snr_weighting::{Objective, effective_weighting, log_snr_density};
    // diffusers' cosine: ᾱ(u) = f(u)/f(0), f(u) = cos²(g), g = π/2·(u + s)/(1 + s), u = t/T.
    // λ = ln(f/(f(0) − f)), so dλ/du = f'·f(0)/(f·(f(0) − f)) with f' = −sin(2g)·π/(2(1 + s)),
    // and uniform t gives p(λ) = 1/|dλ/du|. (With f(0) = 1 this is Kingma & Gao's
    // (1 + s)/(2π)·sech(λ/2).) The v-loss weight is p(λ)·(1 + e^{−λ}).
    let big_t = 1000;
    let schedule = ScheduleSpec::cosine(big_t).build().expect("cosine");
    let s = 0.008;
    let pi = std::f64::consts::PI;
    let g = |u: f64| pi / 2.0 * (u + s) / (1.0 + s);
    let f = |u: f64| g(u).cos().powi(2);
    let f0 = f(0.0);
    let p_exact = |t: usize| {
        let u = t as f64 / big_t as f64;
        let fp = (2.0 * g(u)).sin() * pi / (2.0 * (1.0 + s));
        f(u) * (f0 - f(u)) / (f0 * fp)
    };
    let density = log_snr_density(&schedule);
    assert_eq!(density.len(), big_t);
    for t in [50, 200, 400, 500, 700, 900] {
        let (l, p) = density[t - 1];
        let expected = p_exact(t);
        assert!(
            FINITE_DIFFERENCE.close(p, expected),
            "t = {t}, λ = {l}: p = {p}, expected {expected}"
        );
    }
    let v = effective_weighting(&schedule, Objective::VPrediction);
    for t in [100, 500, 800] {
        let (l, w) = v[t - 1];
        let expected = p_exact(t) * (1.0 + (-l).exp());
        assert!(
            FINITE_DIFFERENCE.close(w, expected),
            "t = {t}: {w} vs {expected}"
        );
    }
    // min-SNR-γ is the ε-loss where SNR ≤ γ and γ/SNR of it above.
    assert_close(Objective::MinSnr { gamma: 5.0 }.factor(0.0), 1.0, ROUNDING);
    assert_close(
        Objective::MinSnr { gamma: 5.0 }.factor(5.0_f64.ln() + 2.0),
        (-2.0_f64).exp(),
        ROUNDING,
    );
    assert_close(Objective::Sample.factor(1.0), (-1.0_f64).exp(), ROUNDING);
}

#[test]
fn an_analytic_denoiser_explains_all_of_itself_and_less_of_another() {
    use ddpm_lab::model::analytic::explained_fraction;
    let schedule = ScheduleSpec::default().build().expect("schedule");
    let m: IsotropicMixture2d = "0.5:-1:0:0.3,0.5:1:0.5:0.3".parse().expect("mixture");
    let exact = AnalyticDenoiser::new(AnalyticKind::Mixture2d(m.clone()), schedule.clone());
    let x0: Vec<f32> = mixture_samples(&m, 500, 4)
        .iter()
        .flat_map(|p| [p[0] as f32, p[1] as f32])
        .collect();
    let same = explained_fraction(&exact, &exact, &schedule, &x0, &[10, 300, 900], 1).expect("r2");
    for (t, r2) in same {
        assert_close(r2.expect("varies"), 1.0, SINGLE);
        assert!(t > 0);
    }
    // The moment-matched Gaussian says the same as the mixture at both ends (x̂0 ≈ x_t/√ᾱ
    // at low noise; μ + √ᾱ·Σ·x_t to first order at high noise) and less in between, where
    // the two modes make E[x0 | x_t] bend (≈ 0.92 at t = 200 in a float64 numpy check).
    let (mean, cov) = m.moments();
    let gauss = AnalyticDenoiser::new(
        AnalyticKind::Gaussian2d(Gaussian2dDenoiser::new(mean, cov).expect("moments")),
        schedule.clone(),
    );
    let r = explained_fraction(&exact, &gauss, &schedule, &x0, &[5, 200, 950], 1).expect("r2");
    let [low, mid, high] = [r[0].1, r[1].1, r[2].1].map(|v| v.expect("varies"));
    assert!(
        high > 0.999 && low > 0.999,
        "r² {low} at t = 5, {high} at t = 950"
    );
    assert!(mid < low && mid < high && mid > 0.5, "r² {mid} at t = 200");
}
