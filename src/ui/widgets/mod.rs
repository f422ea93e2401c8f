//! Widgets shared by several panels.

pub mod scrubber;

pub use scrubber::Scrubber;
