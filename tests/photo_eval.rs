//! The photo evaluation (`ddpm-lab eval-photos`): PSNR, the blur baseline and the
//! conversion of a model's output to x̂0, checked against values computed by hand.

use ddpm_lab::diffusion::PredictionType;
use ddpm_lab::diffusion::ScheduleSpec;
use ddpm_lab::model::inference::{Denoise, InferenceError, OracleDenoiser};
use ddpm_lab::model::photo_eval::{
    PhotoEvalError, best_blur, evaluate_photos, gaussian_blur, psnr,
};
use ddpm_lab::tolerance::SINGLE;

/// ε̂ = 0 everywhere: its x̂0 is x_t/√ᾱ_t, the "noisy" estimate itself.
struct ZeroEps(usize);

impl Denoise for ZeroEps {
    fn predict(&self, x_t: &[f32], _t: usize, _b: usize) -> Result<Vec<f32>, InferenceError> {
        Ok(vec![0.0; x_t.len()])
    }
    fn prediction(&self) -> PredictionType {
        PredictionType::Epsilon
    }
    fn item_len(&self) -> usize {
        self.0
    }
}

/// A smooth colour test picture in [−0.8, 0.8], channel-first.
fn picture(size: usize, phase: f32) -> Vec<f32> {
    let mut v = Vec::with_capacity(3 * size * size);
    for c in 0..3 {
        for y in 0..size {
            for x in 0..size {
                let u = (x as f32 / size as f32 * 6.0 + phase + c as f32).sin();
                let w = (y as f32 / size as f32 * 4.0 - phase).cos();
                v.push(0.8 * u * w);
            }
        }
    }
    v
}

#[test]
fn psnr_matches_its_formula() {
    // MSE 0.04 on a peak-to-peak range of 2: 10·log10(4 / 0.04) = 20 dB.
    let clean = vec![0.0_f32; 100];
    let est = vec![0.2_f32; 100];
    assert!(
        SINGLE.close(psnr(&clean, &est), 20.0),
        "{}",
        psnr(&clean, &est)
    );
    // Identical pictures: the finite cap, never +∞.
    assert_eq!(psnr(&clean, &clean), 100.0);
}

#[test]
fn blur_keeps_constants_and_spreads_an_impulse_as_a_gaussian() {
    let size = 21;
    let constant = vec![0.37_f32; size * size];
    for v in gaussian_blur(&constant, size, 1.7) {
        assert!(SINGLE.close(v as f64, 0.37), "{v}");
    }
    let mut impulse = vec![0.0_f32; size * size];
    impulse[10 * size + 10] = 1.0;
    let sigma = 1.5_f64;
    let b = gaussian_blur(&impulse, size, sigma);
    let centre = b[10 * size + 10] as f64;
    // Separable: the ratio of a neighbour at (dx, dy) to the centre is exp(−(dx²+dy²)/2σ²).
    for (dx, dy) in [(1usize, 0usize), (0, 2), (2, 1), (3, 3)] {
        let got = b[(10 + dy) * size + 10 + dx] as f64 / centre;
        let want = (-((dx * dx + dy * dy) as f64) / (2.0 * sigma * sigma)).exp();
        assert!(SINGLE.close(got, want), "({dx},{dy}): {got} vs {want}");
    }
    // Far from the edges the mass is kept.
    let mass: f64 = b.iter().map(|&v| v as f64).sum();
    assert!(SINGLE.close(mass, 1.0), "{mass}");
    // σ = 0 copies.
    assert_eq!(gaussian_blur(&impulse, size, 0.0), impulse);
}

#[test]
fn the_tuned_blur_is_never_worse_than_no_blur_and_blurs_more_when_noise_grows() {
    let size = 32;
    let clean = picture(size, 0.3);
    let mut sigmas = Vec::new();
    for noise in [0.05_f32, 0.4] {
        let noisy: Vec<f32> = clean
            .iter()
            .enumerate()
            .map(|(i, &v)| v + noise * (((i * 7919) % 1000) as f32 / 500.0 - 1.0))
            .collect();
        let (p_blur, sigma) = best_blur(&clean, &noisy, size);
        let clipped: Vec<f32> = noisy.iter().map(|v| v.clamp(-1.0, 1.0)).collect();
        assert!(p_blur >= psnr(&clean, &clipped));
        sigmas.push(sigma);
    }
    assert!(sigmas[1] > sigmas[0], "{sigmas:?}");
}

#[test]
fn the_model_column_is_the_models_own_x0() {
    let size = 16;
    let schedule = ScheduleSpec::linear(1000, 1e-4, 0.02).build().unwrap();
    let photos = vec![
        ("a".to_string(), picture(size, 0.0)),
        ("b".to_string(), picture(size, 1.1)),
    ];
    let item_len = 3 * size * size;
    // ε̂ = 0 gives back x_t/√ᾱ_t: the model column equals the noisy column.
    let rows =
        evaluate_photos(&ZeroEps(item_len), &schedule, &photos, size, &[50, 200], 4).unwrap();
    assert_eq!(rows.len(), 4);
    for r in &rows {
        assert!(SINGLE.close(r.psnr_model, r.psnr_noisy), "{r:?}");
        assert!(r.psnr_blur >= r.psnr_noisy, "{r:?}");
    }
    // More noise, lower PSNR of the noisy estimate.
    assert!(rows[0].psnr_noisy > rows[2].psnr_noisy);
    // A perfect ε-predictor recovers the photo: the finite cap (or within f32 rounding of it).
    let x0: Vec<f32> = photos.iter().flat_map(|(_, p)| p.clone()).collect();
    let oracle = OracleDenoiser {
        x0,
        item_len,
        schedule: schedule.clone(),
    };
    for r in evaluate_photos(&oracle, &schedule, &photos, size, &[100], 4).unwrap() {
        assert!(r.psnr_model > 60.0, "{r:?}");
        assert!(r.psnr_model > r.psnr_blur + 20.0, "{r:?}");
    }
}

#[test]
fn bad_inputs_are_errors() {
    let size = 8;
    let schedule = ScheduleSpec::linear(100, 1e-4, 0.02).build().unwrap();
    let photos = vec![("a".to_string(), picture(size, 0.0))];
    let m = ZeroEps(3 * size * size);
    assert!(matches!(
        evaluate_photos(&m, &schedule, &photos, size, &[0], 0),
        Err(PhotoEvalError::BadT { t: 0, max: 100 })
    ));
    assert!(matches!(
        evaluate_photos(&m, &schedule, &photos, size, &[101], 0),
        Err(PhotoEvalError::BadT { .. })
    ));
    assert!(matches!(
        evaluate_photos(&m, &schedule, &[], size, &[10], 0),
        Err(PhotoEvalError::NoPhotos)
    ));
    let short = vec![("a".to_string(), vec![0.0_f32; 5])];
    assert!(matches!(
        evaluate_photos(&m, &schedule, &short, size, &[10], 0),
        Err(PhotoEvalError::BadPhoto { .. })
    ));
}
