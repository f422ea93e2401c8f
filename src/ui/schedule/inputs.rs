//! The panel's inputs: presets, typed numbers and how they are parsed, the schedules
//! it compares.

use super::*;

/// The named schedules one click away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    DdpmLinear,
    StableDiffusion,
    ImprovedCosine,
    Sigmoid,
    ZeroSnrLinear,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::DdpmLinear,
        Preset::StableDiffusion,
        Preset::ImprovedCosine,
        Preset::Sigmoid,
        Preset::ZeroSnrLinear,
    ];

    /// The spec the preset sets.
    pub fn spec(self) -> ScheduleSpec {
        match self {
            Preset::DdpmLinear => ScheduleSpec::linear(1000, 1e-4, 0.02),
            Preset::StableDiffusion => ScheduleSpec::scaled_linear(1000, 0.00085, 0.012),
            Preset::ImprovedCosine => ScheduleSpec::cosine(1000),
            Preset::Sigmoid => ScheduleSpec::sigmoid(1000, 1e-4, 0.02),
            Preset::ZeroSnrLinear => ScheduleSpec::linear(1000, 1e-4, 0.02).with_zero_snr(true),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Preset::DdpmLinear => SchedText::PresetDdpm.tr(lang),
            Preset::StableDiffusion => SchedText::PresetSd.tr(lang),
            Preset::ImprovedCosine => SchedText::PresetCosine.tr(lang),
            Preset::Sigmoid => SchedText::PresetSigmoid.tr(lang),
            Preset::ZeroSnrLinear => SchedText::PresetZeroSnr.tr(lang),
        }
    }

    pub(super) fn hint(self, lang: Lang) -> &'static str {
        match self {
            Preset::DdpmLinear => SchedText::PresetDdpmHint.tr(lang),
            Preset::StableDiffusion => SchedText::PresetSdHint.tr(lang),
            Preset::ImprovedCosine => SchedText::PresetCosineHint.tr(lang),
            Preset::Sigmoid => SchedText::PresetSigmoidHint.tr(lang),
            Preset::ZeroSnrLinear => SchedText::PresetZeroSnrHint.tr(lang),
        }
    }
}

pub(super) fn kind_label(kind: ScheduleKind, lang: Lang) -> &'static str {
    match kind {
        ScheduleKind::Linear => SchedText::KindLinear.tr(lang),
        ScheduleKind::ScaledLinear => SchedText::KindScaledLinear.tr(lang),
        ScheduleKind::SquaredcosCapV2 => SchedText::KindCosine.tr(lang),
        ScheduleKind::Sigmoid => SchedText::KindSigmoid.tr(lang),
        ScheduleKind::TrainedBetas => SchedText::KindCustom.tr(lang),
    }
}

/// The short description of a spec shown in lists, legends and messages.
pub fn spec_summary(spec: &ScheduleSpec, lang: Lang) -> String {
    let steps = spec.effective_steps();
    let base = match spec.kind {
        ScheduleKind::Linear | ScheduleKind::ScaledLinear | ScheduleKind::Sigmoid => tr_fill(
            SchedText::SummaryRange,
            lang,
            &[
                &spec.kind.diffusers_name(),
                &format_beta(spec.beta_start),
                &format_beta(spec.beta_end),
                &steps,
            ],
        ),
        ScheduleKind::SquaredcosCapV2 => tr_fill(
            SchedText::SummaryNoRange,
            lang,
            &[&SchedText::CosineName.tr(lang), &steps],
        ),
        ScheduleKind::TrainedBetas => tr_fill(
            SchedText::SummaryNoRange,
            lang,
            &[&SchedText::CustomName.tr(lang), &steps],
        ),
    };
    if spec.rescale_zero_snr {
        tr_fill(SchedText::SummaryZeroSnr, lang, &[&base])
    } else {
        base
    }
}

/// β as typed text: the shortest decimal that reads back as the same f64.
pub fn format_beta(v: f64) -> String {
    format!("{v}")
}

/// `v` rounded to three significant digits (what a slider sets, so specs stay readable).
pub(super) fn round_sig3(v: f64) -> f64 {
    format!("{v:.2e}").parse().unwrap_or(v)
}

/// Why the inputs do not give a schedule. Shown in the panel; the last good schedule
/// stays on screen meanwhile.
#[derive(Clone, Debug, PartialEq)]
pub enum InputProblem {
    StepsNotNumber(String),
    StepsOutOfRange(String),
    BetaNotNumber { name: &'static str, text: String },
    BetaOutOfRange { name: &'static str, value: f64 },
    Curve(CurveError),
    Build(ScheduleError),
}

impl InputProblem {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            InputProblem::StepsNotNumber(t) => tr_fill(SchedText::StepsNotNumber, lang, &[t]),
            InputProblem::StepsOutOfRange(v) => tr_fill(SchedText::StepsOutOfRange, lang, &[v]),
            InputProblem::BetaNotNumber { name, text } => {
                tr_fill(SchedText::BetaNotNumber, lang, &[name, text])
            }
            InputProblem::BetaOutOfRange { name, value } => tr_fill(
                SchedText::BetaOutOfRange,
                lang,
                &[name, &short_number(*value)],
            ),
            InputProblem::Curve(e) => {
                tr_fill(SchedText::DoesNotBuild, lang, &[&curve_error_text(e, lang)])
            }
            InputProblem::Build(e) => tr_fill(
                SchedText::DoesNotBuild,
                lang,
                &[&schedule_error_text(e, lang)],
            ),
        }
    }
}

/// A typed number as short text: "1.5" as typed, "1e308" rather than its 309 digits.
fn short_number(v: f64) -> String {
    if v == 0.0 || (1e-4..1e6).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Parses a typed T: a whole number in [`MIN_STEPS`]..=[`MAX_STEPS`] (spaces and `_`
/// between digits allowed).
pub fn parse_steps(text: &str) -> Result<usize, InputProblem> {
    let clean: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ' ')
        .collect();
    let value = clean.parse::<i64>().ok().or_else(|| {
        clean
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15)
            .map(|v| v as i64)
    });
    match value {
        None => Err(InputProblem::StepsNotNumber(text.trim().to_string())),
        Some(v) if v < MIN_STEPS as i64 || v > MAX_STEPS as i64 => {
            Err(InputProblem::StepsOutOfRange(v.to_string()))
        }
        Some(v) => Ok(v as usize),
    }
}

/// Parses a typed β: a number strictly between 0 and 1 ("inf" and "NaN" are not numbers
/// here: they are named back as typed, never printed as a value).
pub fn parse_beta(name: &'static str, text: &str) -> Result<f64, InputProblem> {
    match text.trim().parse::<f64>() {
        Ok(v) if !v.is_finite() => Err(InputProblem::BetaNotNumber {
            name,
            text: text.trim().to_string(),
        }),
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        Ok(v) => Err(InputProblem::BetaOutOfRange { name, value: v }),
        Err(_) => Err(InputProblem::BetaNotNumber {
            name,
            text: text.trim().to_string(),
        }),
    }
}

/// What the controls hold. Always individually valid numbers (typed text that does not
/// parse never gets here); the combination may still fail to build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleInputs {
    pub kind: ScheduleKind,
    pub num_steps: usize,
    pub beta_start: f64,
    pub beta_end: f64,
    pub zero_snr: bool,
    /// The custom schedule's log-SNR curve (used by `trained_betas`).
    pub curve: LogSnrCurve,
    /// An imported β list, used as it is for `trained_betas` until the curve is edited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported_betas: Option<Vec<f64>>,
}

impl Default for ScheduleInputs {
    fn default() -> Self {
        Self::from_spec(&ScheduleSpec::default())
    }
}

impl ScheduleInputs {
    /// The inputs that give `spec` (a `trained_betas` spec keeps its list as imported and
    /// seeds the curve from it).
    pub fn from_spec(spec: &ScheduleSpec) -> Self {
        let mut inputs = Self {
            kind: spec.kind,
            num_steps: spec.effective_steps(),
            beta_start: spec.beta_start,
            beta_end: spec.beta_end,
            zero_snr: spec.rescale_zero_snr,
            curve: LogSnrCurve::default(),
            imported_betas: None,
        };
        if spec.kind == ScheduleKind::TrainedBetas {
            inputs.imported_betas = Some(spec.trained_betas.clone());
            if let Ok(s) = ScheduleSpec::trained(spec.trained_betas.clone()).build() {
                inputs.curve = LogSnrCurve::from_schedule(&s, DEFAULT_POINTS);
            }
        }
        inputs
    }

    /// The spec these inputs describe (not yet built).
    pub fn to_spec(&self) -> Result<ScheduleSpec, InputProblem> {
        if !(MIN_STEPS..=MAX_STEPS).contains(&self.num_steps) {
            return Err(InputProblem::StepsOutOfRange(self.num_steps.to_string()));
        }
        match self.kind {
            ScheduleKind::TrainedBetas => {
                let betas = match &self.imported_betas {
                    Some(b) => b.clone(),
                    None => self
                        .curve
                        .betas(self.num_steps)
                        .map_err(InputProblem::Curve)?,
                };
                let mut spec = ScheduleSpec::trained(betas);
                spec.beta_start = self.beta_start;
                spec.beta_end = self.beta_end;
                Ok(spec.with_zero_snr(self.zero_snr))
            }
            kind => {
                for (name, value) in [("β_start", self.beta_start), ("β_end", self.beta_end)] {
                    if !(value > 0.0 && value < 1.0) {
                        return Err(InputProblem::BetaOutOfRange { name, value });
                    }
                }
                Ok(
                    ScheduleSpec::new(kind, self.num_steps, self.beta_start, self.beta_end)
                        .with_zero_snr(self.zero_snr),
                )
            }
        }
    }
}

/// A snapshot overlaid next to the current schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComparedSchedule {
    pub spec: ScheduleSpec,
    pub visible: bool,
    /// 1..=3: its number (#slot) and colour ([`PALETTE`]`[slot]`).
    pub slot: usize,
}

impl Default for ComparedSchedule {
    fn default() -> Self {
        Self {
            spec: ScheduleSpec::default(),
            visible: true,
            slot: 1,
        }
    }
}
