//! Which shipped model the panel uses when the user has not picked one: the natural
//! (colour) model for photos and colour pictures when the build ships it, the glyph
//! model for digits and as the fallback.

use super::*;

/// The shipped model used for photos and colour pictures when the build has it.
pub const NATURAL_MODEL: &str = "natural";
/// The shipped model of digits.
pub const GLYPH_MODEL: &str = "glyphs";

/// The image model this build ships first: `glyphs` if present.
pub fn default_image_model() -> Option<ModelSource> {
    default_model_among(&shipped_image_models(), false)
}

/// The shipped model for a picture: `natural` for photos and colour pictures when the
/// build ships it, `glyphs` for digits (and for everything when there is no natural
/// model), else the first image model there is.
pub fn default_model_for(choice: &ImageChoice) -> Option<ModelSource> {
    let colour = match choice {
        ImageChoice::Sample { kind, .. } => *kind != SampleKind::Glyph,
        ImageChoice::File(_) | ImageChoice::Photo(_) => true,
    };
    default_model_among(&shipped_image_models(), colour)
}

fn shipped_image_models() -> Vec<String> {
    shipped::for_images(true)
        .iter()
        .map(|m| m.name.to_string())
        .collect()
}

/// The pick of [`default_model_for`] among shipped model `names`.
pub fn default_model_among(names: &[String], colour: bool) -> Option<ModelSource> {
    let has = |n: &str| names.iter().any(|m| m == n);
    let name = if colour && has(NATURAL_MODEL) {
        Some(NATURAL_MODEL.to_string())
    } else if has(GLYPH_MODEL) {
        Some(GLYPH_MODEL.to_string())
    } else {
        names.first().cloned()
    };
    name.map(ModelSource::Shipped)
}
