//! ddpm-lab: a desktop lab that teaches and tunes the DDPM diffusion process.
//!
//! Dependencies flow one way: `ui → app → model → diffusion`. [`diffusion`] is pure f64 math.

pub mod app;
pub mod cli;
pub mod diffusion;
pub mod fsutil;
#[doc(hidden)]
pub mod tolerance;

pub use eframe::egui;
