//! A schedule linter: findings a practitioner should know before training with a
//! schedule. It reads the raw β (so it also explains specs that do not build).

use super::reverse::{TimestepSpacing, inference_timesteps};
use super::schedule::{COSINE_MAX_BETA, Schedule, ScheduleError, ScheduleKind, ScheduleSpec};
use serde::{Deserialize, Serialize};
use std::fmt;

/// ᾱ_T above this is flagged: the last training step still carries visible signal
/// (Stable Diffusion's 0.0047 is the textbook case, Lin et al. 2023).
pub const TERMINAL_ALPHA_BAR_WARN: f64 = 1e-3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// What a finding is about, with the numbers that make it concrete. `Display` gives the
/// English message; the UI translates by matching on the variant.
#[derive(Clone, Debug, PartialEq)]
pub enum FindingKind {
    /// The spec does not build at all.
    InvalidSpec(ScheduleError),
    /// β_t ≤ 0 or not a number somewhere.
    BetaNotPositive { t: usize, value: f64, count: usize },
    /// β_t ≥ 1 somewhere (β_T = 1 is expected under zero terminal SNR).
    BetaAtLeastOne {
        first_t: usize,
        count: usize,
        value: f64,
        only_last: bool,
    },
    /// β was clipped at max_beta (cosine) over t_from..=t_to.
    BetaClipped {
        t_from: usize,
        t_to: usize,
        max_beta: f64,
    },
    /// β falls over t (β_T < β_1): the most noise is added first, the reverse of every
    /// usual schedule — most often β_start and β_end swapped.
    BetaDecreasing {
        beta_first: f64,
        beta_last: f64,
        /// Steps where β_t < β_{t−1}.
        count: usize,
    },
    /// ᾱ_t = ᾱ_{t−1} (or increases): a step that does nothing.
    AlphaBarNotDecreasing { t: usize, count: usize },
    /// ᾱ_T is far from 0: the last step is not pure noise.
    TerminalNotPureNoise { alpha_bar_t: f64, snr_t: f64 },
    /// ᾱ_T = 0 exactly: ε-prediction is undefined at t = T, use v-prediction.
    ZeroTerminalSnr,
    /// A spacing with n inference steps never visits t_first_unvisited..=T at the top
    /// (sampling starts from a noise level below T).
    SpacingSkipsTop {
        spacing: TimestepSpacing,
        steps: usize,
        start_t: usize,
        num_steps: usize,
        alpha_bar_start: f64,
    },
    /// A spacing with n inference steps never visits 1..=last_t-1 at the bottom (the last
    /// jump goes from last_t straight to x_0).
    SpacingSkipsBottom {
        spacing: TimestepSpacing,
        steps: usize,
        last_t: usize,
    },
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FindingKind::InvalidSpec(e) => write!(f, "invalid schedule: {e}"),
            FindingKind::BetaNotPositive { t, value, count } if value.is_nan() => write!(
                f,
                "β_{t} is not a number ({count} step(s) in all): every step must add some noise"
            ),
            FindingKind::BetaNotPositive { t, value, count } => write!(
                f,
                "β_{t} = {value} is not positive ({count} step(s) in all): every step must add some noise"
            ),
            FindingKind::BetaAtLeastOne {
                first_t,
                count,
                value,
                only_last,
            } => {
                if *only_last {
                    write!(
                        f,
                        "β_T = {value}: the last step erases all signal (zero terminal SNR)"
                    )
                } else {
                    write!(
                        f,
                        "β_{first_t} = {value} ≥ 1 ({count} step(s) in all): such a step erases all signal and every later step is meaningless"
                    )
                }
            }
            FindingKind::BetaClipped {
                t_from,
                t_to,
                max_beta,
            } => {
                if t_from == t_to {
                    write!(f, "β is clipped at max_beta = {max_beta} at t = {t_from}")
                } else {
                    write!(
                        f,
                        "β is clipped at max_beta = {max_beta} for t = {t_from}..{t_to}"
                    )
                }
            }
            FindingKind::BetaDecreasing {
                beta_first,
                beta_last,
                count,
            } => write!(
                f,
                "β decreases over t (β_1 = {} > β_T = {}, falling at {count} step(s)): the most noise is added first; usual schedules grow β with t — are β_start and β_end swapped?",
                fmt_sig(*beta_first),
                fmt_sig(*beta_last)
            ),
            FindingKind::AlphaBarNotDecreasing { t, count } => write!(
                f,
                "ᾱ is not strictly decreasing at t = {t} ({count} step(s) in all): those steps add no noise"
            ),
            FindingKind::TerminalNotPureNoise { alpha_bar_t, snr_t } => write!(
                f,
                "ᾱ_T = {}: the last step is not pure noise (SNR_T = {}); sampling from N(0, I) mismatches training — consider zero-terminal-SNR rescaling",
                fmt_sig(*alpha_bar_t),
                fmt_sig(*snr_t)
            ),
            FindingKind::ZeroTerminalSnr => write!(
                f,
                "ᾱ_T = 0 (zero terminal SNR): ε-prediction cannot recover x0 at t = T; train with v-prediction"
            ),
            FindingKind::SpacingSkipsTop {
                spacing,
                steps,
                start_t,
                num_steps,
                alpha_bar_start,
            } => write!(
                f,
                "`{spacing}` spacing with {steps} steps starts at t = {start_t}, never visiting t = {}..{num_steps}: the first input is not the noise level the model saw at T (ᾱ_{start_t} = {})",
                start_t + 1,
                fmt_sig(*alpha_bar_start)
            ),
            FindingKind::SpacingSkipsBottom {
                spacing,
                steps,
                last_t,
            } => write!(
                f,
                "`{spacing}` spacing with {steps} steps never visits t = 1..{}: the last jump goes from t = {last_t} straight to x₀",
                last_t - 1
            ),
        }
    }
}

/// Four significant digits, for messages.
pub fn fmt_sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let mag = x.abs().log10().floor() as i32;
    if (-3..6).contains(&mag) {
        let decimals = (3 - mag).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.3e}")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    pub kind: FindingKind,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.kind)
    }
}

/// What the linter checks beyond the schedule itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LintOptions {
    /// Inference steps to check the spacings with.
    pub inference_steps: usize,
    /// Spacings to check (all three by default).
    pub spacings: Vec<TimestepSpacing>,
    /// diffusers' `steps_offset` for `leading`.
    pub steps_offset: usize,
}

impl Default for LintOptions {
    fn default() -> Self {
        Self {
            inference_steps: 50,
            spacings: TimestepSpacing::ALL.to_vec(),
            steps_offset: 0,
        }
    }
}

/// Lints a spec. Findings come sorted, errors first.
pub fn lint(spec: &ScheduleSpec, options: &LintOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    let raw = match spec.raw_betas() {
        Ok(b) => b,
        Err(e) => {
            findings.push(Finding {
                severity: Severity::Error,
                kind: FindingKind::InvalidSpec(e),
            });
            return findings;
        }
    };
    lint_betas_into(&raw, spec, &mut findings);
    match Schedule::new(spec.clone()) {
        Ok(schedule) => lint_schedule_into(&schedule, options, &mut findings),
        Err(e) => {
            // The β checks above already explain most failures; say it does not build
            // when they found nothing.
            if !findings.iter().any(|f| f.severity == Severity::Error) {
                findings.push(Finding {
                    severity: Severity::Error,
                    kind: FindingKind::InvalidSpec(e),
                });
            }
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

fn lint_betas_into(betas: &[f64], spec: &ScheduleSpec, out: &mut Vec<Finding>) {
    let n = betas.len();
    // NaN counts as bad: it is not greater than 0.
    let bad: Vec<usize> = (0..n)
        .filter(|&i| betas[i].partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater))
        .collect();
    if let Some(&i) = bad.first() {
        out.push(Finding {
            severity: Severity::Error,
            kind: FindingKind::BetaNotPositive {
                t: i + 1,
                value: betas[i],
                count: bad.len(),
            },
        });
    }
    let big: Vec<usize> = (0..n).filter(|&i| betas[i] >= 1.0).collect();
    if let Some(&i) = big.first() {
        let only_last = big.len() == 1 && i == n - 1 && betas[i] == 1.0;
        out.push(Finding {
            severity: if only_last {
                Severity::Info
            } else {
                Severity::Error
            },
            kind: FindingKind::BetaAtLeastOne {
                first_t: i + 1,
                count: big.len(),
                value: betas[i],
                only_last,
            },
        });
    }
    if spec.kind == ScheduleKind::SquaredcosCapV2 && !spec.rescale_zero_snr {
        let clipped: Vec<usize> = (0..n).filter(|&i| betas[i] >= COSINE_MAX_BETA).collect();
        if let (Some(&a), Some(&b)) = (clipped.first(), clipped.last()) {
            out.push(Finding {
                severity: Severity::Info,
                kind: FindingKind::BetaClipped {
                    t_from: a + 1,
                    t_to: b + 1,
                    max_beta: COSINE_MAX_BETA,
                },
            });
        }
    }
    if let (Some(&first), Some(&last)) = (betas.first(), betas.last())
        && first.is_finite()
        && last.is_finite()
        && last < first * (1.0 - 1e-9)
    {
        let count = betas.windows(2).filter(|w| w[1] < w[0]).count();
        out.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::BetaDecreasing {
                beta_first: first,
                beta_last: last,
                count,
            },
        });
    }
    // ᾱ in plain f64 products, as a training script would compute it.
    let mut prev = 1.0_f64;
    let mut flat = Vec::new();
    for (i, &b) in betas.iter().enumerate() {
        let ab = prev * (1.0 - b);
        if ab >= prev && prev > 0.0 && b.is_finite() {
            flat.push(i + 1);
        }
        prev = ab;
    }
    if let Some(&t) = flat.first() {
        out.push(Finding {
            severity: Severity::Error,
            kind: FindingKind::AlphaBarNotDecreasing {
                t,
                count: flat.len(),
            },
        });
    }
}

fn lint_schedule_into(schedule: &Schedule, options: &LintOptions, out: &mut Vec<Finding>) {
    let t_max = schedule.num_steps();
    let ab_t = schedule.alpha_bar(t_max);
    if ab_t == 0.0 {
        out.push(Finding {
            severity: Severity::Info,
            kind: FindingKind::ZeroTerminalSnr,
        });
    } else if ab_t > TERMINAL_ALPHA_BAR_WARN {
        out.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::TerminalNotPureNoise {
                alpha_bar_t: ab_t,
                snr_t: schedule.snr(t_max),
            },
        });
    }
    let steps = options.inference_steps.min(t_max);
    for &spacing in &options.spacings {
        let Ok(ts) = inference_timesteps(t_max, steps, spacing, options.steps_offset) else {
            continue;
        };
        if let Some(&start) = ts.first()
            && start < t_max
        {
            out.push(Finding {
                severity: Severity::Warning,
                kind: FindingKind::SpacingSkipsTop {
                    spacing,
                    steps,
                    start_t: start,
                    num_steps: t_max,
                    alpha_bar_start: schedule.alpha_bar(start),
                },
            });
        }
        if let Some(&last) = ts.last()
            && last > 1
        {
            out.push(Finding {
                severity: Severity::Info,
                kind: FindingKind::SpacingSkipsBottom {
                    spacing,
                    steps,
                    last_t: last,
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decreasing(findings: &[Finding]) -> Option<&Finding> {
        findings
            .iter()
            .find(|f| matches!(f.kind, FindingKind::BetaDecreasing { .. }))
    }

    #[test]
    fn a_beta_that_falls_over_t_gets_a_warning() {
        // The newcomer's case: β_start 0.05 > β_end 0.02.
        let spec = ScheduleSpec::linear(10_000, 0.05, 0.02);
        let findings = lint(&spec, &LintOptions::default());
        let f = decreasing(&findings).expect("a note on the falling β");
        assert_eq!(f.severity, Severity::Warning);
        match f.kind {
            FindingKind::BetaDecreasing {
                beta_first,
                beta_last,
                count,
            } => {
                assert_eq!(beta_first, 0.05);
                assert!((beta_last - 0.02).abs() < 1e-12, "{beta_last}");
                assert_eq!(count, 9_999);
            }
            _ => unreachable!(),
        }
        assert!(f.to_string().contains("swapped"), "{f:?}");
        // Rising and constant β say nothing about it.
        for spec in [
            ScheduleSpec::linear(1000, 1e-4, 0.02),
            ScheduleSpec::linear(1000, 0.01, 0.01),
            ScheduleSpec::cosine(1000),
        ] {
            let findings = lint(&spec, &LintOptions::default());
            assert!(decreasing(&findings).is_none(), "{spec:?}: {findings:?}");
        }
    }
}
