//! Samplers beyond DDPM and DDIM: Euler and Heun on the probability-flow ODE and
//! DPM-Solver++(2M), with their sampling schedules (timestep spacings, Karras σ's and a
//! log-SNR resolution shift), as Hugging Face diffusers defines them.

pub mod sigmas;
pub mod solvers;

pub use sigmas::{
    NoiseLevel, OdeSampler, SamplingError, SamplingSchedule, SigmaOptions, karras_sigmas,
    sampling_schedule, sigma_to_t, step_sigma, training_sigmas,
};
pub use solvers::OdeSolver;
