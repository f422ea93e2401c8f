//! Every parser fed random and mutated-valid input: it returns `Ok` or `Err`, never panics,
//! and (inputs being small) finishes in bounded time and memory.
//!
//! The case count is proptest's `PROPTEST_CASES` (default 256 here); a long run outside the
//! test command: `PROPTEST_CASES=1000000 cargo test --release --test fuzz_parsers`.

use burn::prelude::Module;
use ddpm_lab::cli::parse_betas;
use ddpm_lab::diffusion::diffusers::{SamplerSettings, from_config_str, to_config_string};
use ddpm_lab::diffusion::{Mixture, PredictionType, ScheduleSpec};
use ddpm_lab::model::ModelConfig;
use ddpm_lab::model::checkpoint::{load_weights_from_bytes, parse_config};
use ddpm_lab::model::data::{decode_image_bounded, parse_points_csv};
use ddpm_lab::model::{
    BackendKind, CheckpointConfig, DataSpec, DatasetKind, LossWeighting, MlpDenoiserConfig,
    TrainingConfig,
};
use proptest::prelude::*;
use std::path::Path;
use std::sync::LazyLock;

/// Tokens that push parsers to their edges, spliced into valid inputs.
const TOKENS: &[&str] = &[
    "1e308",
    "-1e308",
    "1e999",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "5e-324",
    "-0",
    "0",
    "1",
    "-1",
    "0.5",
    "\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ";",
    "#",
    "\n",
    "\t",
    " ",
    "null",
    "true",
    "9999999999999999999999",
    "-",
    "e",
    ".",
    "\u{0}",
    "é",
    "β",
    "\u{FEFF}",
];

#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Token(usize, usize),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Flip(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Insert(p, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Edit::Token(p, t)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Duplicate(a, b)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len();
        let at = |p: usize| if n == 0 { 0 } else { p % (n + 1) };
        match *e {
            Edit::Flip(p, b) if n > 0 => bytes[p % n] ^= b,
            Edit::Insert(p, b) => bytes.insert(at(p), b),
            Edit::Delete(p) if n > 0 => {
                bytes.remove(p % n);
            }
            Edit::Token(p, t) => {
                let at = at(p);
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Edit::Truncate(p) => bytes.truncate(at(p)),
            Edit::Duplicate(a, b) if n > 0 => {
                let (a, b) = (a % n, b % n);
                let (lo, hi) = (a.min(b), a.max(b).min(a.min(b) + 4096));
                let piece = bytes[lo..hi].to_vec();
                bytes.splice(lo..lo, piece);
            }
            _ => {}
        }
    }
    bytes
}

/// A valid seed with a few random edits, or plain random bytes.
fn input(seeds: &'static [Vec<u8>]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (0..seeds.len(), prop::collection::vec(edit(), 0..8))
            .prop_map(move |(i, edits)| apply(seeds[i].clone(), &edits)),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn texts(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

static DIFFUSERS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut rescaled = ScheduleSpec::default();
    rescaled.rescale_zero_snr = true;
    vec![
        to_config_string(&ScheduleSpec::default(), &SamplerSettings::default()).into_bytes(),
        to_config_string(&rescaled, &SamplerSettings::default()).into_bytes(),
        to_config_string(
            &ScheduleSpec::trained(vec![0.1, 0.2, 0.3]),
            &SamplerSettings::default(),
        )
        .into_bytes(),
        br#"{"_class_name":"DDPMScheduler","num_train_timesteps":10,"beta_schedule":"squaredcos_cap_v2","prediction_type":"v_prediction","timestep_spacing":"trailing","steps_offset":1}"#.to_vec(),
    ]
});

static MIXTURES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    texts(&[
        "0.5:-1:0.1,0.5:1:0.1",
        "1:0.8:1e-6",
        "1:0:1, 2:3:0.5 ,1e-300:-1e6:1e6",
    ])
});

static BETAS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let csv = ScheduleSpec::linear(5, 1e-4, 0.02)
        .build()
        .expect("schedule")
        .to_csv();
    let mut seeds = texts(&[
        "0.1 0.2\n# a comment\n0.3, 0.4",
        "[0.0001, 0.02, 1.0]",
        "{\"trained_betas\": [0.1, 0.5]}",
        "beta\n0.1\n0.2\n",
    ]);
    seeds.push(csv.into_bytes());
    seeds
});

static POINTS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    texts(&[
        "x,y\n0.1,0.2\n-1,3\n",
        "# points\n1;2\n3\t4\n\n5,6,extra\n",
        "1e300,-1e300\n0,0\n",
    ])
});

fn tiny_config() -> CheckpointConfig {
    CheckpointConfig::new(
        ModelConfig::Mlp(
            MlpDenoiserConfig::new()
                .with_hidden(4)
                .with_hidden_layers(1)
                .with_embed_dim(4),
        ),
        ScheduleSpec::linear(10, 1e-4, 0.2),
        PredictionType::Epsilon,
        LossWeighting::Uniform,
        DataSpec::new(DatasetKind::Moons),
        TrainingConfig::new(),
    )
}

static CONFIGS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut snr = tiny_config();
    snr.loss_weighting = LossWeighting::MinSnr { gamma: 5.0 };
    vec![
        serde_json::to_vec_pretty(&tiny_config()).expect("json"),
        serde_json::to_vec(&snr).expect("json"),
    ]
});

static IMAGES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(7, 5, |x, y| {
        image::Rgb([(x * 30) as u8, (y * 50) as u8, 128])
    }));
    [
        image::ImageFormat::Png,
        image::ImageFormat::Jpeg,
        image::ImageFormat::Gif,
        image::ImageFormat::Bmp,
        image::ImageFormat::WebP,
    ]
    .into_iter()
    .map(|format| {
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).expect("encode");
        out.into_inner()
    })
    .collect()
});

static DEVICE: LazyLock<burn::prelude::Device> =
    LazyLock::new(|| BackendKind::Flex.device().expect("flex device"));

static WEIGHTS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let model = tiny_config().model.init(&DEVICE).expect("model");
    let bytes = model.into_record().into_bytes().expect("burnpack bytes");
    vec![bytes.to_vec()]
});

proptest! {
    #[test]
    fn diffusers_config_never_panics(bytes in input(&DIFFUSERS)) {
        let _ = from_config_str(&text(&bytes));
    }

    #[test]
    fn mixture_spec_never_panics(bytes in input(&MIXTURES)) {
        if let Ok(m) = text(&bytes).parse::<Mixture>() {
            prop_assert!(m.weights().iter().all(|w| w.is_finite()));
        }
    }

    #[test]
    fn betas_file_never_panics(bytes in input(&BETAS)) {
        let _ = parse_betas(&text(&bytes));
    }

    #[test]
    fn points_csv_never_panics(bytes in input(&POINTS)) {
        if let Ok(points) = parse_points_csv(&text(&bytes), Path::new("fuzz.csv")) {
            prop_assert!(points.iter().flatten().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn model_config_never_panics(bytes in input(&CONFIGS)) {
        let _ = parse_config(&text(&bytes), Path::new("config.json"));
    }

    #[test]
    fn image_bytes_never_panic(bytes in input(&IMAGES)) {
        if let Ok(img) = decode_image_bounded(&bytes) {
            prop_assert!(img.width() <= ddpm_lab::model::data::MAX_IMAGE_SIDE);
        }
    }

    #[test]
    fn weights_file_never_panics(bytes in input(&WEIGHTS)) {
        let _ = load_weights_from_bytes(bytes, Path::new("model.bpk"), &tiny_config().model, &DEVICE);
    }
}

/// The seeds themselves parse: the mutations start from valid inputs.
#[test]
fn seeds_are_valid() {
    for s in DIFFUSERS.iter() {
        from_config_str(&text(s)).expect("diffusers seed");
    }
    for s in MIXTURES.iter() {
        text(s).parse::<Mixture>().expect("mixture seed");
    }
    for s in BETAS.iter() {
        parse_betas(&text(s)).expect("betas seed");
    }
    for s in POINTS.iter() {
        parse_points_csv(&text(s), Path::new("p.csv")).expect("points seed");
    }
    for s in CONFIGS.iter() {
        parse_config(&text(s), Path::new("c.json")).expect("config seed");
    }
    for s in IMAGES.iter() {
        decode_image_bounded(s).expect("image seed");
    }
    for s in WEIGHTS.iter() {
        load_weights_from_bytes(s.clone(), Path::new("w.bpk"), &tiny_config().model, &DEVICE)
            .expect("weights seed");
    }
}
