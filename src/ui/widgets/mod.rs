//! Widgets shared by several panels.

pub mod density;
pub mod math_text;
pub mod number;
pub mod scrubber;

pub use math_text::{math_job, math_label};
pub use number::finite_number;
pub use scrubber::Scrubber;
