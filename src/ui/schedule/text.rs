//! The Schedule panel's text in English and Korean, and Korean versions of the core's
//! messages (linter findings, schedule and config errors), matched on their variants.

use crate::app::Lang;
use crate::diffusion::ScheduleError;
use crate::diffusion::diffusers::{DiffusersConfigError, ImportWarning};
use crate::diffusion::lint::{FindingKind, Severity, fmt_sig};
use crate::diffusion::log_snr_curve::CurveError;
use crate::fsutil::ReadError;

crate::i18n_table! {
    /// Text of the Schedule panel.
    pub enum SchedText {
        Presets => "Presets", "프리셋";
        PresetDdpm => "DDPM linear", "DDPM 선형";
        PresetDdpmHint => "Ho et al. 2020: linear, T = 1000, β 1e-4 → 0.02", "Ho 외 2020: 선형, T = 1000, β 1e-4 → 0.02";
        PresetSd => "Stable Diffusion", "Stable Diffusion";
        PresetSdHint => "scaled_linear, T = 1000, β 0.00085 → 0.012", "scaled_linear, T = 1000, β 0.00085 → 0.012";
        PresetCosine => "Improved DDPM cosine", "개선된 DDPM 코사인";
        PresetCosineHint => "Nichol & Dhariwal 2021: squaredcos_cap_v2, T = 1000", "Nichol & Dhariwal 2021: squaredcos_cap_v2, T = 1000";
        PresetSigmoid => "Sigmoid", "시그모이드";
        PresetSigmoidHint => "sigmoid, T = 1000, β 1e-4 → 0.02", "sigmoid, T = 1000, β 1e-4 → 0.02";
        PresetZeroSnr => "Zero-SNR linear", "제로 SNR 선형";
        PresetZeroSnrHint => "DDPM linear rescaled so that ᾱ_T = 0 (Lin et al. 2023)", "ᾱ_T = 0이 되도록 재조정한 DDPM 선형 (Lin 외 2023)";
        Kind => "Kind", "종류";
        KindLinear => "linear", "linear (선형)";
        KindScaledLinear => "scaled_linear", "scaled_linear (√β 선형)";
        KindCosine => "squaredcos_cap_v2 (cosine)", "squaredcos_cap_v2 (코사인)";
        KindSigmoid => "sigmoid", "sigmoid (시그모이드)";
        KindCustom => "trained_betas (custom curve)", "trained_betas (직접 그린 곡선)";
        Steps => "T", "T";
        BetaStart => "β_start", "β_start";
        BetaEnd => "β_end", "β_end";
        SliderName => "{0} slider", "{0} 슬라이더";
        ZeroSnr => "Rescale to zero terminal SNR", "마지막 SNR을 0으로 재조정";
        ZeroSnrHint => "Lin et al. 2023: shift and scale √ᾱ so that ᾱ_T = 0, the last step pure noise", "Lin 외 2023: √ᾱ를 옮기고 늘려 ᾱ_T = 0, 즉 마지막 스텝이 순수한 노이즈가 되게 합니다";
        BetaRangeUnused => "This kind does not use β_start and β_end.", "이 종류는 β_start와 β_end를 쓰지 않습니다.";
        CustomHint => "Drag the points on the log-SNR plot. β is derived from the curve: ᾱₜ = σ(λₜ), βₜ = 1 − ᾱₜ/ᾱₜ₋₁.", "log-SNR 그래프의 점을 끌어 보세요. β는 곡선에서 나옵니다: ᾱₜ = σ(λₜ), βₜ = 1 − ᾱₜ/ᾱₜ₋₁.";
        CustomImported => "Using the imported β list as it is; drag a point to edit it as a curve.", "가져온 β 목록을 그대로 씁니다. 점을 끌면 곡선으로 편집합니다.";
        CustomReset => "Reset the curve", "곡선 되돌리기";
        CustomResetHint => "Start the curve again from the DDPM linear schedule", "곡선을 DDPM 선형 스케줄에서 다시 시작합니다";
        DerivedBetas => "Derived β: β_1 = {0}, β_T = {1}, largest β = {2}", "유도된 β: β_1 = {0}, β_T = {1}, 가장 큰 β = {2}";
        StepsNotNumber => "T must be a whole number (got “{0}”).", "T는 정수여야 합니다 (입력: “{0}”).";
        StepsOutOfRange => "T = {0} is out of range: type a whole number from 2 to 10\u{a0}000.", "T = {0}은(는) 범위를 벗어났습니다: 2에서 10\u{a0}000 사이의 정수를 입력하세요.";
        BetaNotNumber => "{0} must be a number (got “{1}”).", "{0}은(는) 숫자여야 합니다 (입력: “{1}”).";
        BetaOutOfRange => "{0} = {1} is out of range: β must be above 0 and below 1.", "{0} = {1}은(는) 범위를 벗어났습니다: β는 0보다 크고 1보다 작아야 합니다.";
        DoesNotBuild => "This schedule is not valid: {0}", "이 스케줄은 유효하지 않습니다: {0}";
        KeptLastGood => "The plots keep the last valid schedule.", "그래프는 마지막으로 유효했던 스케줄을 그대로 보여 줍니다.";
        Linter => "Linter (current schedule)", "린터 (현재 스케줄)";
        NoFindings => "No findings: nothing to fix.", "지적 사항이 없습니다.";
        SeverityError => "error", "오류";
        SeverityWarning => "warning", "경고";
        SeverityInfo => "info", "정보";
        Shown => "Shown schedules (up to 4)", "표시할 스케줄 (최대 4개)";
        Current => "current", "현재";
        Compared => "#{0}", "#{0}";
        Active => "active", "활성";
        ActiveHint => "The first shown schedule is the active one: the other panels use it.", "처음 표시된 스케줄이 활성 스케줄이며, 다른 패널이 이 스케줄을 씁니다.";
        ColourHint => "Its colour in the plots and the strip", "그래프와 줄무늬 이미지에서의 색";
        ResetView => "reset view", "보기 초기화";
        ResetViewHint => "Back to the whole curve (double-click on the plot does the same)", "곡선 전체 보기로 돌아가기 (그래프를 두 번 눌러도 됩니다)";
        AddToCompare => "Add current to comparison", "현재 스케줄을 비교에 추가";
        CompareFull => "At most 4 schedules can be overlaid: remove one first.", "최대 4개까지만 겹쳐 볼 수 있습니다. 먼저 하나를 지우세요.";
        RemoveNamed => "Remove schedule {0}", "스케줄 {0} 지우기";
        EditNamed => "Edit schedule {0}", "스케줄 {0} 편집";
        EditHint => "Load it into the controls (replaces the current schedule)", "컨트롤로 불러옵니다 (현재 스케줄을 바꿉니다)";
        NotBuilt => "{0}: not drawn ({1})", "{0}: 그리지 않음 ({1})";
        NoneShown => "No schedule is shown: tick one in the list on the left.", "표시된 스케줄이 없습니다. 왼쪽 목록에서 하나를 선택하세요.";
        PlotBeta => "βₜ (solid) and the posterior variance β̃ₜ (dashed)", "βₜ (실선)와 사후분산 β̃ₜ (점선)";
        PlotAlphaBar => "ᾱₜ: the share of signal variance left at t", "ᾱₜ: t에서 남은 신호 분산의 비율";
        PlotSignalNoise => "signal √ᾱₜ (solid) and noise √(1−ᾱₜ) (dashed)", "신호 √ᾱₜ (실선)와 노이즈 √(1−ᾱₜ) (점선)";
        PlotLogSnr => "log-SNR λₜ = ln(ᾱₜ/(1−ᾱₜ))", "log-SNR λₜ = ln(ᾱₜ/(1−ᾱₜ))";
        PlotLogSnrEdit => "log-SNR λₜ of the custom curve: drag the points", "직접 그린 곡선의 log-SNR λₜ: 점을 끌어 보세요";
        LogSnrView => "log-SNR view", "log-SNR 보기";
        LvLambda => "λ(t) and a sampler's noise levels on it", "λ(t)와 그 위의 샘플러 노이즈 수준";
        LvLevels => "{0}, {1} steps", "{0}, {1} 스텝";
        LvDensity => "density p(λ) of λ for a uniform t", "균등한 t가 주는 λ의 밀도 p(λ)";
        LvFactor => "log₁₀ weight on the ε-error, by objective", "목적 함수별 ε 오차 가중치 (log₁₀)";
        LvEffective => "log₁₀ effective weighting p(λ)·w(λ) on {0}", "{0}에서의 실효 가중치 p(λ)·w(λ) (log₁₀)";
        LvEps => "ε-loss", "ε 손실";
        LvX0 => "x₀-loss", "x₀ 손실";
        LvV => "v-loss", "v 손실";
        LvMinSnr => "min-SNR-γ (γ = {0})", "min-SNR-γ 가중 (γ = {0})";
        LvSampler => "sampler", "샘플러";
        LvSteps => "steps", "스텝 수";
        LvKarras => "Karras σ's", "Karras σ 간격";
        LvShift => "shift s (λ' = λ − 2 ln s)", "이동 s (λ' = λ − 2 ln s)";
        LvGamma => "γ", "γ";
        LvEuler => "Euler", "오일러";
        LvHeun => "Heun", "호인";
        LvDpm => "DPM-Solver++(2M)", "DPM-Solver++(2M) (다단계)";
        LogBeta => "log β axis", "β 축 로그";
        CursorT => "t", "t";
        PlotHint => "Hover: every value at t (table above). Click: move the cursor. Ctrl+scroll: zoom; double-click: reset.", "마우스를 올리면 t에서의 모든 값(위 표), 클릭하면 커서 이동, Ctrl+스크롤은 확대, 더블클릭은 원래대로.";
        ColSchedule => "schedule", "스케줄";
        Strip => "By eye: one picture and one noise ε under every shown schedule", "눈으로 보기: 같은 그림과 같은 노이즈 ε를 각 스케줄로 섞은 결과";
        StripFraction => "t/T", "t/T";
        StripTile => "{0}: t = {1}, ᾱₜ = {2}", "{0}: t = {1}, ᾱₜ = {2}";
        Files => "Files", "파일";
        Import => "Import scheduler_config.json…", "scheduler_config.json 가져오기…";
        DropHint => "…or drop a scheduler_config.json on the window.", "…또는 scheduler_config.json을 창에 끌어다 놓으세요.";
        ExportCsv => "Export CSV…", "CSV 내보내기…";
        ExportConfig => "Export scheduler_config.json…", "scheduler_config.json 내보내기…";
        ExportPng => "Export plots as PNG…", "그래프를 PNG로 내보내기…";
        PathConfig => "scheduler_config.json", "scheduler_config.json 파일";
        PathImport => "Import this file", "이 파일 가져오기";
        PathSave => "save to", "저장할 곳";
        PathSaveHere => "Save here", "여기에 저장";
        DialogOpen => "A file dialog is open…", "파일 대화 상자가 열려 있습니다…";
        Cancelled => "Nothing was saved: the dialog was closed (or no file dialog is available on this system).", "저장하지 않았습니다: 대화 상자가 닫혔습니다 (또는 이 시스템에서 파일 대화 상자를 열 수 없습니다).";
        Saved => "Saved “{0}”", "“{0}”에 저장했습니다";
        SaveFailed => "Could not save: {0}", "저장하지 못했습니다: {0}";
        Imported => "Imported {0}: {1}", "{0}을(를) 가져왔습니다: {1}";
        ImportFailed => "Could not import {0}: {1}", "{0}을(를) 가져오지 못했습니다: {1}";
        ImportKeptPrevious => "The previous schedule is kept.", "이전 스케줄을 그대로 둡니다.";
        ImportWarnings => "Warnings from the import:", "가져오기 경고:";
        NotSchedulerConfig => "this JSON has none of the keys of a scheduler config (num_train_timesteps, beta_schedule, beta_start, beta_end, trained_betas)", "이 JSON에는 스케줄러 설정의 키(num_train_timesteps, beta_schedule, beta_start, beta_end, trained_betas)가 하나도 없습니다";
        ImportStepsOutOfRange => "T = {0} is outside this panel's range 2..10\u{a0}000", "T = {0}은(는) 이 패널의 범위 2..10\u{a0}000을 벗어납니다";
        ReadFailed => "cannot read the file: {0}", "파일을 읽을 수 없습니다: {0}";
        SummaryRange => "{0}, β {1} → {2}, T = {3}", "{0}, β {1} → {2}, T = {3}";
        SummaryNoRange => "{0}, T = {1}", "{0}, T = {1}";
        SummaryZeroSnr => "{0}, zero SNR", "{0}, 제로 SNR";
        CustomName => "custom", "사용자 곡선";
        CosineName => "cosine", "코사인";
        PngNoPlots => "the plots are not on screen", "그래프가 화면에 없습니다";
    }
}

use crate::ui::i18n::{Text, fill};

/// A severity in words.
pub fn severity_text(s: Severity, lang: Lang) -> &'static str {
    match s {
        Severity::Error => SchedText::SeverityError.tr(lang),
        Severity::Warning => SchedText::SeverityWarning.tr(lang),
        Severity::Info => SchedText::SeverityInfo.tr(lang),
    }
}

/// A linter finding in `lang` (English is the core's own `Display`).
pub fn finding_text(kind: &FindingKind, lang: Lang) -> String {
    // The Korean is built with format!: its particles are resolved here, as fill does.
    crate::ui::i18n::resolve_particles(&finding_text_unresolved(kind, lang))
}

fn finding_text_unresolved(kind: &FindingKind, lang: Lang) -> String {
    if lang == Lang::En {
        return kind.to_string();
    }
    match kind {
        FindingKind::InvalidSpec(e) => {
            format!("유효하지 않은 스케줄: {}", schedule_error_text(e, lang))
        }
        FindingKind::BetaNotPositive { t, value, count } if value.is_nan() => format!(
            "β_{t}이(가) 숫자가 아닙니다 (모두 {count}개 스텝): 모든 스텝은 노이즈를 조금이라도 더해야 합니다"
        ),
        FindingKind::BetaNotPositive { t, value, count } => format!(
            "β_{t} = {value}이(가) 양수가 아닙니다 (모두 {count}개 스텝): 모든 스텝은 노이즈를 조금이라도 더해야 합니다"
        ),
        FindingKind::BetaAtLeastOne {
            first_t,
            count,
            value,
            only_last,
        } => {
            if *only_last {
                format!("β_T = {value}: 마지막 스텝이 신호를 모두 지웁니다 (마지막 SNR = 0)")
            } else {
                format!(
                    "β_{first_t} = {value} ≥ 1 (모두 {count}개 스텝): 이런 스텝은 신호를 모두 지우고, 그 뒤의 스텝은 의미가 없습니다"
                )
            }
        }
        FindingKind::BetaClipped {
            t_from,
            t_to,
            max_beta,
        } => {
            if t_from == t_to {
                format!("t = {t_from}에서 β가 max_beta = {max_beta}로 잘렸습니다")
            } else {
                format!("t = {t_from}..{t_to}에서 β가 max_beta = {max_beta}로 잘렸습니다")
            }
        }
        FindingKind::BetaDecreasing {
            beta_first,
            beta_last,
            count,
        } => format!(
            "β가 t에 따라 줄어듭니다 (β_1 = {} > β_T = {}, {count}개 스텝에서 감소): 노이즈를 처음에 가장 많이 더합니다. 보통의 스케줄은 t에 따라 β가 커집니다 — β_start와 β_end가 바뀌지 않았나요?",
            fmt_sig(*beta_first),
            fmt_sig(*beta_last)
        ),
        FindingKind::AlphaBarNotDecreasing { t, count } => format!(
            "t = {t}에서 ᾱ가 엄격히 줄지 않습니다 (모두 {count}개 스텝): 그 스텝들은 노이즈를 더하지 않습니다"
        ),
        FindingKind::TerminalNotPureNoise { alpha_bar_t, snr_t } => format!(
            "ᾱ_T = {}: 마지막 스텝이 순수한 노이즈가 아닙니다 (SNR_T = {}). N(0, I)에서 샘플링하면 학습과 어긋납니다 — 마지막 SNR을 0으로 재조정하는 것을 고려하세요",
            fmt_sig(*alpha_bar_t),
            fmt_sig(*snr_t)
        ),
        FindingKind::ZeroTerminalSnr => "ᾱ_T = 0 (마지막 SNR = 0): t = T에서는 ε 예측으로 x0를 복원할 수 없습니다. v 예측으로 학습하세요".to_string(),
        FindingKind::SpacingSkipsTop {
            spacing,
            steps,
            start_t,
            num_steps,
            alpha_bar_start,
        } => format!(
            "`{spacing}` 간격으로 {steps} 스텝을 쓰면 t = {start_t}에서 시작해 t = {}..{num_steps}를 한 번도 거치지 않습니다: 첫 입력이 모델이 T에서 본 노이즈 수준이 아닙니다 (ᾱ_{start_t} = {})",
            start_t + 1,
            fmt_sig(*alpha_bar_start)
        ),
        FindingKind::SpacingSkipsBottom {
            spacing,
            steps,
            last_t,
        } => format!(
            "`{spacing}` 간격으로 {steps} 스텝을 쓰면 t = 1..{}를 거치지 않습니다: 마지막 점프가 t = {last_t}에서 곧바로 x₀로 갑니다",
            last_t.saturating_sub(1)
        ),
    }
}

/// A schedule error in `lang`.
pub fn schedule_error_text(e: &ScheduleError, lang: Lang) -> String {
    // The Korean is built with format!: its particles are resolved here, as fill does.
    crate::ui::i18n::resolve_particles(&schedule_error_text_unresolved(e, lang))
}

fn schedule_error_text_unresolved(e: &ScheduleError, lang: Lang) -> String {
    if lang == Lang::En {
        return match e {
            // The core prints ᾱ in full, which for a subnormal ᾱ is hundreds of zeros.
            ScheduleError::NotStrictlyDecreasing { t, prev, value } => format!(
                "ᾱ is not strictly decreasing at t = {t} (ᾱ_{t} = ᾱ_{prev} = {}): β_{t} is too small to change ᾱ in f64",
                fmt_sig(*value)
            ),
            other => other.to_string(),
        };
    }
    match e {
        ScheduleError::ZeroSteps => "스텝 수 T는 1 이상이어야 합니다 (입력: 0)".to_string(),
        ScheduleError::TooManySteps { got, max } => {
            format!("스텝 수 T = {got}이(가) 한도 {max}를 넘습니다")
        }
        ScheduleError::NonFinite { name, value } => {
            format!("{name}은(는) 유한한 수여야 합니다 (입력: {value})")
        }
        ScheduleError::ParameterOutOfRange { name, value } => {
            format!("{name} = {value}이(가) (0, 1] 범위를 벗어났습니다")
        }
        ScheduleError::EmptyBetas => "trained_betas가 비어 있습니다".to_string(),
        ScheduleError::BetaOutOfRange { t, value } => {
            format!("β_{t} = {value}이(가) (0, 1] 범위를 벗어났습니다")
        }
        ScheduleError::BetaOneBeforeEnd { t } => format!(
            "β_{t} = 1이 마지막 스텝 전에 신호를 모두 지웁니다 (제로 SNR처럼 β_T만 1일 수 있습니다)"
        ),
        ScheduleError::NotStrictlyDecreasing { t, prev, value } => format!(
            "t = {t}에서 ᾱ가 엄격히 줄지 않습니다 (ᾱ_{t} = ᾱ_{prev} = {}): β_{t}가 f64에서 ᾱ를 바꾸기에 너무 작습니다",
            fmt_sig(*value)
        ),
        ScheduleError::AlphaBarUnderflow { t } => format!(
            "t = {t}에서 ᾱ가 0으로 언더플로됩니다: 신호가 T보다 훨씬 앞서 사라집니다. β나 T를 줄이세요"
        ),
        ScheduleError::RescaleNeedsTwoSteps => {
            "마지막 SNR을 0으로 재조정하려면 2 스텝 이상이 필요합니다".to_string()
        }
    }
}

/// A diffusers config error in `lang`.
pub fn config_error_text(e: &DiffusersConfigError, lang: Lang) -> String {
    // The Korean is built with format!: its particles are resolved here, as fill does.
    crate::ui::i18n::resolve_particles(&config_error_text_unresolved(e, lang))
}

fn config_error_text_unresolved(e: &DiffusersConfigError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        DiffusersConfigError::Json(j) => format!("올바른 JSON이 아닙니다: {j}"),
        DiffusersConfigError::NotAnObject => "설정은 JSON 객체여야 합니다".to_string(),
        DiffusersConfigError::WrongType { key, expected } => {
            format!("`{key}`의 형식이 틀렸습니다: {expected}이어야 합니다")
        }
        DiffusersConfigError::UnknownSchedule(name) => format!(
            "알 수 없는 beta_schedule `{name}` (diffusers는 linear, scaled_linear, squaredcos_cap_v2, sigmoid를 알거나 trained_betas를 받습니다)"
        ),
        DiffusersConfigError::LengthMismatch { len, steps } => {
            format!("trained_betas에는 값이 {len}개인데 num_train_timesteps는 {steps}입니다")
        }
        DiffusersConfigError::BadSteps(n) => {
            format!("num_train_timesteps = {n}이(가) 범위를 벗어났습니다")
        }
    }
}

/// A warning about an imported config in `lang` (English is the core's own `Display`).
pub fn import_warning_text(w: &ImportWarning, lang: Lang) -> String {
    // The Korean is built with format!: its particles are resolved here, as fill does.
    crate::ui::i18n::resolve_particles(&import_warning_text_unresolved(w, lang))
}

fn import_warning_text_unresolved(w: &ImportWarning, lang: Lang) -> String {
    if lang == Lang::En {
        return w.to_string();
    }
    match w {
        ImportWarning::UnknownKey { key, suggestion } => {
            let hint = suggestion
                .map(|k| format!(" (`{k}`을(를) 뜻했나요?)"))
                .unwrap_or_default();
            format!("알 수 없는 키 `{key}`는 무시합니다{hint}. diffusers도 아무 말 없이 무시합니다")
        }
        ImportWarning::UnknownPrediction(p) => format!(
            "알 수 없는 예측 종류 `{p}` (epsilon, sample/x0, v_prediction/v 중 하나여야 합니다): epsilon을 씁니다"
        ),
        ImportWarning::UnsupportedVariance(v) => {
            format!("variance_type `{v}`은(는) 여기서 지원하지 않습니다: fixed_small을 씁니다")
        }
        ImportWarning::UnknownSpacing(s) => format!(
            "알 수 없는 타임스텝 간격 `{s}` (leading, trailing, linspace 중 하나여야 합니다): leading을 씁니다"
        ),
        ImportWarning::Thresholding => {
            "thresholding(동적 x0 클리핑)은 여기서 반영하지 않습니다".to_string()
        }
    }
}

/// Why a file could not be read, in `lang` (the system's own reason for an I/O error
/// stays as the system words it).
pub fn read_error_text(e: &ReadError, lang: Lang) -> String {
    // The Korean is built with format!: its particles are resolved here, as fill does.
    crate::ui::i18n::resolve_particles(&read_error_text_unresolved(e, lang))
}

fn read_error_text_unresolved(e: &ReadError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        ReadError::Io { path, source, .. } => format!("{} ({source})", path.display()),
        ReadError::IsDir { path, .. } => {
            format!("{}은(는) 파일이 아니라 폴더입니다", path.display())
        }
        ReadError::TooLarge {
            path,
            size,
            limit_mb,
            ..
        } => format!(
            "{}의 크기가 {size}바이트로 {limit_mb} MB 한도를 넘습니다",
            path.display()
        ),
        ReadError::NotUtf8 { path, .. } => {
            format!("{}은(는) UTF-8 텍스트가 아닙니다", path.display())
        }
    }
}

/// A curve error in `lang`.
pub fn curve_error_text(e: &CurveError, lang: Lang) -> String {
    // The Korean is built with format!: its particles are resolved here, as fill does.
    crate::ui::i18n::resolve_particles(&curve_error_text_unresolved(e, lang))
}

fn curve_error_text_unresolved(e: &CurveError, lang: Lang) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    match e {
        CurveError::TooFewPoints(n) => {
            format!("log-SNR 곡선에는 조절점이 2개 이상 필요합니다 (현재 {n}개)")
        }
        CurveError::NonFinite { index } => format!("조절점 {index}이(가) 유한한 수가 아닙니다"),
        CurveError::EndsNotPinned => {
            "첫 조절점은 u = 0, 마지막 조절점은 u = 1에 있어야 합니다".to_string()
        }
        CurveError::NotIncreasingU { index } => {
            format!("조절점 {index}이(가) 앞 점보다 오른쪽에 있지 않습니다")
        }
        CurveError::NotDecreasing { index } => format!(
            "조절점 {index}이(가) 앞 점보다 아래에 있지 않습니다: log-SNR은 줄어들어야 합니다"
        ),
        CurveError::OutOfRange { index } => format!(
            "조절점 {index}의 |log-SNR|이 {}를 넘습니다",
            crate::diffusion::log_snr_curve::LOG_SNR_LIMIT
        ),
        CurveError::TooFewSteps(n) => {
            format!("log-SNR 곡선에는 T ≥ 2 스텝이 필요합니다 (현재 {n})")
        }
    }
}

/// `template` with `{0}`, `{1}`… filled, in `lang`.
pub fn tr_fill(key: SchedText, lang: Lang, args: &[&dyn std::fmt::Display]) -> String {
    fill(key.tr(lang), args)
}
