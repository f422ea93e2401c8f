//! The pure math of DDPM: schedules, the forward and reverse processes, samplers, a
//! schedule linter, exact 1-D mixture posteriors and diffusers configs.
//!
//! f64 and slices only: nothing here knows about egui or burn, so every number the app
//! shows and the CLI prints comes from one tested place. Paper notation: t = 1..T, ᾱ_0 = 1.

pub mod analytic;
pub mod chain;
pub mod diffusers;
pub mod forward;
pub mod gaussian;
pub mod gmm1d;
pub mod lint;
pub mod log_snr_curve;
pub mod log_snr_weighting;
pub mod pixel_marginal;
pub mod posterior_sweep;
pub mod quadrature;
pub mod reverse;
pub mod samplers;
pub mod schedule;

pub use forward::{LengthMismatch, WorkedExample, WorkedExampleResult, add_noise, q_xt_given_x0};
pub use gaussian::Gaussian;
pub use gmm1d::{Mixture, MixtureError};
pub use lint::{Finding, FindingKind, LintOptions, Severity, lint};
pub use reverse::{PredictionType, StepOptions, StepOutput, TimestepSpacing, VarianceType};
pub use schedule::{Schedule, ScheduleError, ScheduleKind, ScheduleRow, ScheduleSpec};
