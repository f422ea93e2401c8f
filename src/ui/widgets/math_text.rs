//! Text with combining accents (β̃, x̂): egui draws a combining mark only when it comes from
//! the same font as its letter, and its default proportional font has no combining marks,
//! so an accented letter is drawn in the monospace font (Hack) when Hack has the mark, else
//! in DejaVu Sans (the app's math family, which has all of them), while the rest stays
//! proportional.

use crate::egui::{self, Color32, FontId, TextStyle, text::LayoutJob, text::TextFormat};

/// Combining diacritical marks (U+0300..U+036F).
fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// The combining marks egui's monospace font (Hack) has: grave, acute, tilde, hook above.
fn monospace_has(mark: char) -> bool {
    matches!(mark, '\u{0300}' | '\u{0301}' | '\u{0303}' | '\u{0309}')
}

/// `text` as a layout job in `style`, accented letters in monospace. `color` defaults to
/// the ui's text colour.
pub fn math_job(ui: &egui::Ui, text: &str, style: TextStyle, color: Option<Color32>) -> LayoutJob {
    let font = style.resolve(ui.style());
    let color = color.unwrap_or_else(|| ui.visuals().text_color());
    let plain = TextFormat {
        font_id: font.clone(),
        color,
        valign: egui::Align::Center,
        ..Default::default()
    };
    let accented = TextFormat {
        font_id: FontId::monospace(font.size),
        ..plain.clone()
    };
    let math_family = egui::FontFamily::Name(crate::ui::fonts::MATH_FAMILY.into());
    let math = ui
        .fonts(|f| f.families().contains(&math_family))
        .then(|| TextFormat {
            font_id: FontId::new(font.size, math_family),
            ..plain.clone()
        });
    let mut job = LayoutJob::default();
    let chars: Vec<char> = text.chars().collect();
    let mut run = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if chars.get(i + 1).copied().is_some_and(is_combining) {
            if !run.is_empty() {
                job.append(&std::mem::take(&mut run), 0.0, plain.clone());
            }
            let mut cluster = String::from(c);
            i += 1;
            while let Some(&m) = chars.get(i).filter(|m| is_combining(**m)) {
                cluster.push(m);
                i += 1;
            }
            let format = match &math {
                Some(m) if !cluster.chars().skip(1).all(monospace_has) => m.clone(),
                _ => accented.clone(),
            };
            job.append(&cluster, 0.0, format);
        } else {
            run.push(c);
            i += 1;
        }
    }
    if !run.is_empty() {
        job.append(&run, 0.0, plain);
    }
    job
}

/// A label whose accented letters render (see [`math_job`]).
pub fn math_label(ui: &mut egui::Ui, text: &str) -> egui::Response {
    let job = math_job(ui, text, TextStyle::Body, None);
    ui.label(job)
}
