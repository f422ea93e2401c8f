//! ddpm-lab: a desktop lab that teaches and tunes the DDPM diffusion process.
//!
//! Dependencies flow one way: `ui → app → model → diffusion`. [`diffusion`] is pure f64
//! math; `app` holds non-drawing state and background jobs; `ui` draws.

pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod diffusion;
pub mod fsutil;
pub mod heap;
pub mod model;
#[doc(hidden)]
pub mod tolerance;
pub mod ui;

pub use eframe::egui;
