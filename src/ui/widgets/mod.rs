//! Widgets shared by several panels.

pub mod clip;
pub mod density;
pub mod math_text;
pub mod number;
pub mod path_field;
pub mod scrubber;

pub use math_text::{math_job, math_label};
pub use number::finite_number;
pub use path_field::{PathEntry, PathFallback, PathLabels};
pub use scrubber::Scrubber;
