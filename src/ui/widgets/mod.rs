//! Widgets shared by several panels.

pub mod density;
pub mod scrubber;

pub use scrubber::Scrubber;
