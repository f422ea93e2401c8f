//! The dead-leaves generator: deterministic for a seed, colour, and with the statistics of
//! natural images it is meant to teach (stated ranges, measured over many crops).

use ddpm_lab::model::data::{DataDomain, DataSpec, Dataset, DatasetKind};
use ddpm_lab::model::render::image_grid;

fn dataset(size: usize) -> Dataset {
    let mut spec = DataSpec::new(DatasetKind::DeadLeaves);
    spec.size = Some(size);
    Dataset::open(&spec).expect("dead leaves open").0
}

#[test]
fn the_same_seed_gives_the_same_images_and_another_seed_others() {
    let d = dataset(64);
    assert_eq!(
        d.domain(),
        DataDomain::Image {
            channels: 3,
            size: 64
        }
    );
    let a = d.generate(7, 4);
    assert_eq!(a.len(), 4 * 3 * 64 * 64);
    assert_eq!(a, d.generate(7, 4));
    let b = d.generate(8, 4);
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(
        differing > a.len() / 2,
        "{differing} of {} values differ",
        a.len()
    );
    assert!(a.iter().all(|v| v.is_finite() && (-1.0..=1.0).contains(v)));
}

#[test]
fn images_are_piecewise_smooth_colour_scenes_with_natural_statistics() {
    let size = 64;
    let d = dataset(size);
    let n = 48;
    let items = d.generate(1, n);
    let plane = size * size;
    if let Ok(path) = std::env::var("DDPM_LAB_DUMP_DEAD_LEAVES") {
        image_grid(&items[..16 * 3 * plane], d.domain(), 2, 2)
            .save(path)
            .expect("png");
    }
    let mut means = Vec::new();
    let mut stds = Vec::new();
    let mut chroma = Vec::new();
    let (mut small, mut total, mut big) = (0usize, 0usize, 0usize);
    for item in items.chunks_exact(3 * plane) {
        let lum: Vec<f32> = (0..plane)
            .map(|i| (item[i] + item[plane + i] + item[2 * plane + i]) / 3.0)
            .collect();
        let m = lum.iter().sum::<f32>() / plane as f32;
        let s = (lum.iter().map(|v| (v - m).powi(2)).sum::<f32>() / plane as f32).sqrt();
        means.push(m);
        stds.push(s);
        // Colour: how far pixels are from grey, on average.
        let c = (0..plane)
            .map(|i| {
                let (r, g, b) = (item[i], item[plane + i], item[2 * plane + i]);
                ((r - g).abs() + (g - b).abs() + (b - r).abs()) / 3.0
            })
            .sum::<f32>()
            / plane as f32;
        chroma.push(c);
        // Horizontal luminance differences: mostly tiny (smooth leaves), a few large (edges).
        for y in 0..size {
            for x in 1..size {
                let g = (lum[y * size + x] - lum[y * size + x - 1]).abs();
                total += 1;
                if g < 0.02 {
                    small += 1;
                }
                if g > 0.2 {
                    big += 1;
                }
            }
        }
    }
    let avg = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    // Brightness spread over the whole range, not one grey.
    assert!(
        (-0.4..0.4).contains(&avg(&means)),
        "mean luminance {}",
        avg(&means)
    );
    let spread = means.iter().cloned().fold(f32::MIN, f32::max)
        - means.iter().cloned().fold(f32::MAX, f32::min);
    assert!(spread > 0.4, "crop means spread {spread}");
    // Contrast inside a crop.
    assert!(
        (0.1..0.6).contains(&avg(&stds)),
        "luminance std {}",
        avg(&stds)
    );
    // Colour, not grey.
    assert!(avg(&chroma) > 0.04, "chroma {}", avg(&chroma));
    // Heavy-tailed gradients: most pixel steps small, some edges.
    let small_frac = small as f64 / total as f64;
    let big_frac = big as f64 / total as f64;
    assert!(small_frac > 0.25, "small-gradient fraction {small_frac}");
    assert!((0.02..0.25).contains(&big_frac), "edge fraction {big_frac}");
    if let Ok(path) = std::env::var("DDPM_LAB_DUMP_DEAD_LEAVES") {
        image_grid(&items[..16 * 3 * plane], d.domain(), 2, 2)
            .save(path)
            .expect("png");
    }
}

#[test]
fn bad_crop_sizes_are_errors() {
    for size in [0usize, 4, 30, 1024] {
        let mut spec = DataSpec::new(DatasetKind::DeadLeaves);
        spec.size = Some(size);
        let err = Dataset::open(&spec).expect_err("bad size must fail");
        assert!(err.to_string().contains(&size.to_string()), "{err}");
    }
}
