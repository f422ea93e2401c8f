//! Widgets shared by several panels.

pub mod density;
pub mod math_text;
pub mod scrubber;

pub use math_text::{math_job, math_label};
pub use scrubber::Scrubber;
