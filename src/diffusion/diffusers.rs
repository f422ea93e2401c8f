//! Reading and writing diffusers' `scheduler_config.json`, so a schedule tuned here can be
//! loaded with `DDPMScheduler.from_pretrained(dir)` and a real config can be inspected here.

use super::reverse::{PredictionType, TimestepSpacing, VarianceType};
use super::schedule::{ScheduleKind, ScheduleSpec};
use serde_json::{Map, Value, json};
use thiserror::Error;

/// The file name diffusers looks for in a scheduler folder.
pub const CONFIG_FILE_NAME: &str = "scheduler_config.json";

/// The diffusers version whose `DDPMScheduler` the written config follows.
pub const DIFFUSERS_VERSION: &str = "0.31.0";

/// Keys the diffusers schedulers understand (DDPM, DDIM, PNDM, Euler, DPM-Solver and
/// friends share a config vocabulary); anything else gets a warning.
const KNOWN_KEYS: &[&str] = &[
    "_class_name",
    "_diffusers_version",
    "num_train_timesteps",
    "beta_start",
    "beta_end",
    "beta_schedule",
    "trained_betas",
    "variance_type",
    "clip_sample",
    "clip_sample_range",
    "prediction_type",
    "thresholding",
    "dynamic_thresholding_ratio",
    "sample_max_value",
    "timestep_spacing",
    "steps_offset",
    "rescale_betas_zero_snr",
    "set_alpha_to_one",
    "skip_prk_steps",
    "interpolation_type",
    "use_karras_sigmas",
    "use_exponential_sigmas",
    "use_beta_sigmas",
    "timestep_type",
    "sigma_min",
    "sigma_max",
    "final_sigmas_type",
    "solver_order",
    "algorithm_type",
    "solver_type",
    "lower_order_final",
    "euler_at_final",
    "use_lu_lambdas",
    "lambda_min_clipped",
    "predict_x0",
    "solver_p",
    "disable_corrector",
    "shift",
    "use_dynamic_shifting",
    "base_shift",
    "max_shift",
];

/// Why a config could not be read.
#[derive(Debug, Error)]
pub enum DiffusersConfigError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the config must be a JSON object")]
    NotAnObject,
    #[error("`{key}` has the wrong type: expected {expected}")]
    WrongType { key: String, expected: &'static str },
    #[error(
        "unknown beta_schedule `{0}` (diffusers knows linear, scaled_linear, squaredcos_cap_v2, sigmoid; or give trained_betas)"
    )]
    UnknownSchedule(String),
    #[error("trained_betas has {len} values but num_train_timesteps is {steps}")]
    LengthMismatch { len: usize, steps: usize },
    #[error("num_train_timesteps = {0} is out of range")]
    BadSteps(i64),
}

/// Sampling settings that travel with a scheduler config.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplerSettings {
    pub prediction: PredictionType,
    pub variance: VarianceType,
    pub clip_sample: bool,
    pub timestep_spacing: TimestepSpacing,
    pub steps_offset: usize,
}

impl Default for SamplerSettings {
    /// diffusers' `DDPMScheduler` defaults.
    fn default() -> Self {
        Self {
            prediction: PredictionType::Epsilon,
            variance: VarianceType::FixedSmall,
            clip_sample: true,
            timestep_spacing: TimestepSpacing::Leading,
            steps_offset: 0,
        }
    }
}

/// A config read back: the schedule, its sampler settings and any warnings.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedConfig {
    pub spec: ScheduleSpec,
    pub sampler: SamplerSettings,
    /// The class it was written for (`DDPMScheduler`, …), when present.
    pub class_name: Option<String>,
    /// Unknown keys and values this app does not use (`Display` words them in English;
    /// the app words them in the interface language).
    pub warnings: Vec<ImportWarning>,
}

/// Something in a config that was read but not (fully) used.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ImportWarning {
    /// A key no diffusers scheduler knows, with the known key it most resembles.
    #[error("unknown key `{key}` is ignored{}; diffusers would ignore it silently", did_you_mean(.suggestion))]
    UnknownKey {
        key: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "unknown prediction type `{0}` (expected epsilon, sample/x0 or v_prediction/v); using epsilon"
    )]
    UnknownPrediction(String),
    #[error("variance_type `{0}` is not supported here; using fixed_small")]
    UnsupportedVariance(String),
    #[error(
        "unknown timestep spacing `{0}` (expected leading, trailing or linspace); using leading"
    )]
    UnknownSpacing(String),
    #[error("thresholding (dynamic x0 clipping) is not modelled here")]
    Thresholding,
}

fn did_you_mean(suggestion: &Option<&'static str>) -> String {
    suggestion
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// The `scheduler_config.json` for a spec. Named kinds are written by name and parameters;
/// `trained_betas` as the list itself (β with full f64 precision).
pub fn to_config(spec: &ScheduleSpec, sampler: &SamplerSettings) -> Value {
    let trained: Value = if spec.kind == ScheduleKind::TrainedBetas {
        json!(spec.trained_betas)
    } else {
        Value::Null
    };
    // diffusers requires a valid beta_schedule name even when trained_betas overrides it.
    let schedule_name = match spec.kind {
        ScheduleKind::TrainedBetas => "linear",
        k => k.diffusers_name(),
    };
    json!({
        "_class_name": "DDPMScheduler",
        "_diffusers_version": DIFFUSERS_VERSION,
        "num_train_timesteps": spec.effective_steps(),
        "beta_start": spec.beta_start,
        "beta_end": spec.beta_end,
        "beta_schedule": schedule_name,
        "trained_betas": trained,
        "variance_type": sampler.variance.diffusers_name(),
        "clip_sample": sampler.clip_sample,
        "clip_sample_range": 1.0,
        "prediction_type": sampler.prediction.diffusers_name(),
        "thresholding": false,
        "dynamic_thresholding_ratio": 0.995,
        "sample_max_value": 1.0,
        "timestep_spacing": sampler.timestep_spacing.name(),
        "steps_offset": sampler.steps_offset,
        "rescale_betas_zero_snr": spec.rescale_zero_snr,
    })
}

/// Pretty JSON text of [`to_config`], newline-terminated.
pub fn to_config_string(spec: &ScheduleSpec, sampler: &SamplerSettings) -> String {
    let mut s = serde_json::to_string_pretty(&to_config(spec, sampler)).unwrap_or_default();
    s.push('\n');
    s
}

fn get_f64(map: &Map<String, Value>, key: &str) -> Result<Option<f64>, DiffusersConfigError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or(DiffusersConfigError::WrongType {
            key: key.to_string(),
            expected: "a number",
        }),
    }
}

fn get_bool(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, DiffusersConfigError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_bool()
            .map(Some)
            .ok_or(DiffusersConfigError::WrongType {
                key: key.to_string(),
                expected: "true or false",
            }),
    }
}

fn get_str<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, DiffusersConfigError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_str().map(Some).ok_or(DiffusersConfigError::WrongType {
            key: key.to_string(),
            expected: "a string",
        }),
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelled keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Reads a `scheduler_config.json` text. Unknown schedule names are errors; unknown keys
/// are warnings (diffusers itself ignores a misspelled key without a word).
pub fn from_config_str(text: &str) -> Result<ImportedConfig, DiffusersConfigError> {
    let value: Value = serde_json::from_str(text)?;
    let Value::Object(map) = value else {
        return Err(DiffusersConfigError::NotAnObject);
    };
    let mut warnings = Vec::new();
    for key in map.keys() {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            let suggestion = KNOWN_KEYS
                .iter()
                .map(|k| (edit_distance(key, k), *k))
                .filter(|(d, _)| *d <= 3)
                .min()
                .map(|(_, k)| k);
            warnings.push(ImportWarning::UnknownKey {
                key: key.clone(),
                suggestion,
            });
        }
    }
    let defaults = ScheduleSpec::default();
    let steps = match map.get("num_train_timesteps") {
        None | Some(Value::Null) => defaults.num_steps as i64,
        Some(v) => v.as_i64().ok_or(DiffusersConfigError::WrongType {
            key: "num_train_timesteps".into(),
            expected: "an integer",
        })?,
    };
    if steps < 1 || steps > super::schedule::MAX_STEPS as i64 {
        return Err(DiffusersConfigError::BadSteps(steps));
    }
    let beta_start = get_f64(&map, "beta_start")?.unwrap_or(defaults.beta_start);
    let beta_end = get_f64(&map, "beta_end")?.unwrap_or(defaults.beta_end);
    let rescale = get_bool(&map, "rescale_betas_zero_snr")?.unwrap_or(false);
    let name = get_str(&map, "beta_schedule")?.unwrap_or("linear");
    let kind: ScheduleKind = name
        .parse()
        .map_err(|_| DiffusersConfigError::UnknownSchedule(name.to_string()))?;
    let trained = match map.get("trained_betas") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| v.as_f64())
                .collect::<Option<Vec<f64>>>()
                .ok_or(DiffusersConfigError::WrongType {
                    key: "trained_betas".into(),
                    expected: "a list of numbers",
                })?,
        ),
        Some(_) => {
            return Err(DiffusersConfigError::WrongType {
                key: "trained_betas".into(),
                expected: "a list of numbers",
            });
        }
    };
    let spec = match trained {
        Some(betas) => {
            if betas.len() != steps as usize && map.contains_key("num_train_timesteps") {
                return Err(DiffusersConfigError::LengthMismatch {
                    len: betas.len(),
                    steps: steps as usize,
                });
            }
            let mut s = ScheduleSpec::trained(betas);
            s.beta_start = beta_start;
            s.beta_end = beta_end;
            s
        }
        None if kind == ScheduleKind::TrainedBetas => {
            return Err(DiffusersConfigError::UnknownSchedule(name.to_string()));
        }
        None => ScheduleSpec::new(kind, steps as usize, beta_start, beta_end),
    }
    .with_zero_snr(rescale);

    let mut sampler = SamplerSettings::default();
    if let Some(p) = get_str(&map, "prediction_type")? {
        match p.parse() {
            Ok(p) => sampler.prediction = p,
            Err(_) => warnings.push(ImportWarning::UnknownPrediction(p.to_string())),
        }
    }
    if let Some(v) = get_str(&map, "variance_type")? {
        match v {
            "fixed_small" | "fixed_small_log" => sampler.variance = VarianceType::FixedSmall,
            "fixed_large" | "fixed_large_log" => sampler.variance = VarianceType::FixedLarge,
            other => warnings.push(ImportWarning::UnsupportedVariance(other.to_string())),
        }
    }
    if let Some(c) = get_bool(&map, "clip_sample")? {
        sampler.clip_sample = c;
    }
    if let Some(s) = get_str(&map, "timestep_spacing")? {
        match s.parse() {
            Ok(s) => sampler.timestep_spacing = s,
            Err(_) => warnings.push(ImportWarning::UnknownSpacing(s.to_string())),
        }
    }
    if let Some(o) = get_f64(&map, "steps_offset")? {
        sampler.steps_offset = o.max(0.0) as usize;
    }
    if get_bool(&map, "thresholding")? == Some(true) {
        warnings.push(ImportWarning::Thresholding);
    }
    let class_name = get_str(&map, "_class_name")?.map(str::to_string);
    Ok(ImportedConfig {
        spec,
        sampler,
        class_name,
        warnings,
    })
}
