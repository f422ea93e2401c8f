//! How the app's number boxes read typed text. egui's own parser accepts "NaN" and "inf"
//! (Rust's `f64` parser does) and then clamps them by total order: a typed "NaN" would
//! jump a slider to its maximum, "-inf" to its minimum. Every number box and slider in
//! the app reads with [`finite_number`] instead, so such text is refused (the box shows
//! its value again) and only finite numbers, clamped to the widget's range, reach state.

/// A finite number typed into a number box: egui's rules (whitespace anywhere ignored,
/// U+2212 as a minus sign), but `None` for text that is not a finite number ("NaN",
/// "inf", "1e999", letters, empty).
pub fn finite_number(text: &str) -> Option<f64> {
    let text: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '−' { '-' } else { c })
        .collect();
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finite_numbers_are_read() {
        assert_eq!(finite_number(" 1 000 "), Some(1000.0));
        assert_eq!(finite_number("−2.5"), Some(-2.5));
        assert_eq!(finite_number("1e308"), Some(1e308));
        assert_eq!(finite_number("5e-324"), Some(5e-324));
        assert_eq!(finite_number("-0"), Some(-0.0));
        for bad in [
            "NaN", "nan", "inf", "-inf", "infinity", "1e999", "", "  ", "abc", "1e",
        ] {
            assert_eq!(finite_number(bad), None, "{bad:?}");
        }
    }
}
