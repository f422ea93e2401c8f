//! Interface text in English and Korean.
//!
//! Each panel declares its own table with [`crate::i18n_table!`]: an enum of keys, each
//! with both texts, so a missing translation is a compile error and panels never edit a
//! shared file. Placeholders `{0}`, `{1}`… are filled by [`fill`].

pub use crate::app::Lang;

/// A key of a string table.
pub trait Text: Copy {
    fn en(self) -> &'static str;
    fn ko(self) -> &'static str;

    /// The text in `lang`.
    fn tr(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en(),
            Lang::Ko => self.ko(),
        }
    }
}

/// Declares a string table: `enum Name { Key => "English", "한국어"; … }`.
#[macro_export]
macro_rules! i18n_table {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($key:ident => $en:literal, $ko:literal;)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name { $($key),* }

        impl $crate::ui::i18n::Text for $name {
            fn en(self) -> &'static str {
                match self { $(Self::$key => $en),* }
            }
            fn ko(self) -> &'static str {
                match self { $(Self::$key => $ko),* }
            }
        }

        impl $name {
            /// Every key, for completeness tests.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$(Self::$key),*];

            /// (key name, English, Korean) of every key, for the i18n tests.
            #[allow(dead_code)]
            pub fn entries() -> Vec<$crate::ui::i18n::Entry> {
                vec![$((stringify!($key), $en, $ko)),*]
            }
        }
    };
}

/// One entry of a string table: (key name, English, Korean).
pub type Entry = (&'static str, &'static str, &'static str);

/// Replaces `{0}`, `{1}`, … in `template` with `args`; `{0|step|steps}` becomes the
/// singular when argument 0 reads "1", else the plural (English plural rules; Korean has
/// no plural and does not use it); Korean particles written after a placeholder
/// (`{0}을(를)`, `{0}(으)로`, …) are resolved for the word that was filled in.
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let values: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let inner = &after[..close];
        let mut parts = inner.split('|');
        let index = parts.next().and_then(|i| i.parse::<usize>().ok());
        match (
            index.and_then(|i| values.get(i)),
            parts.next(),
            parts.next(),
        ) {
            (Some(v), None, _) => out.push_str(v),
            (Some(v), Some(one), Some(many)) => {
                out.push_str(if v.trim() == "1" { one } else { many })
            }
            // Not ours (a literal brace, or an argument not given): kept as written.
            _ => {
                out.push('{');
                out.push_str(inner);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    resolve_particles(&out)
}

/// Korean particles whose form depends on the word before them, as templates write
/// them when that word is only known at run time: (written, after a final consonant,
/// after a vowel).
const PARTICLES: [(&str, &str, &str); 6] = [
    ("을(를)", "을", "를"),
    ("은(는)", "은", "는"),
    ("이(가)", "이", "가"),
    ("과(와)", "과", "와"),
    ("(으)로", "으로", "로"),
    ("(이)라", "이라", "라"),
];

/// Every unresolved particle form a template may write (what [`fill`] resolves).
pub fn particle_forms() -> impl Iterator<Item = &'static str> {
    PARTICLES.iter().map(|p| p.0)
}

/// How a word ends when read aloud in Korean: `None` after a vowel, else its final
/// consonant (`'ㄹ'` matters for 으로/로, any other is just "a consonant").
fn final_consonant(word: &str) -> Option<char> {
    // Closing quotes, brackets and similar do not change how the word ends.
    let word = word.trim_end_matches(|c: char| {
        matches!(c, '”' | '"' | '\'' | '’' | ')' | ']' | '`' | '»' | ' ')
    });
    let last = word.chars().last()?;
    if ('가'..='힣').contains(&last) {
        let jong = (last as u32 - 0xAC00) % 28;
        return match jong {
            0 => None,
            8 => Some('ㄹ'),
            _ => Some('ㄱ'),
        };
    }
    if let Some(d) = last.to_digit(10) {
        // 영 일 이 삼 사 오 육 칠 팔 구
        return match d {
            0 => Some('ㅇ'),
            1 | 7 | 8 => Some('ㄹ'),
            3 => Some('ㅁ'),
            6 => Some('ㄱ'),
            _ => None,
        };
    }
    if last.is_ascii_alphabetic() {
        let tail: String = word
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>()
            .to_ascii_lowercase();
        let has_vowel = tail.chars().any(|c| "aeiouy".contains(c));
        let l = last.to_ascii_lowercase();
        if !has_vowel || tail.len() == 1 {
            // Read letter by letter (png, csv, T): the name of the last letter.
            return match l {
                'l' | 'r' => Some('ㄹ'),
                'm' | 'n' => Some('ㄴ'),
                _ => None,
            };
        }
        // A word: only m, n, ng and l end on a consonant as loanwords are read.
        return match l {
            'l' => Some('ㄹ'),
            'm' | 'n' => Some('ㄴ'),
            'g' if tail.ends_with("ng") => Some('ㅇ'),
            _ => None,
        };
    }
    None
}

/// Replaces each unresolved particle with the form the word before it takes.
pub fn resolve_particles(text: &str) -> String {
    if !PARTICLES.iter().any(|(w, _, _)| text.contains(w)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (written, consonant, vowel) in PARTICLES {
            if let Some(tail) = rest.strip_prefix(written) {
                let form = match (final_consonant(&out), written) {
                    // 으로 after a consonant other than ㄹ; ㄹ takes 로.
                    (Some('ㄹ'), "(으)로") => vowel,
                    (Some(_), _) => consonant,
                    (None, _) => vowel,
                };
                out.push_str(form);
                rest = tail;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `n` with its thousands grouped by non-breaking spaces ("10 000"), so a line never
/// breaks inside the number.
pub fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(NUMBER_SPACE);
        }
        out.push(c);
    }
    out
}

/// The space inside grouped numbers: egui breaks lines at every space but U+00A0 (a
/// narrow U+202F would still break), so the no-break space it is.
pub const NUMBER_SPACE: char = '\u{A0}';

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_follow_the_word_before_them() {
        assert_eq!(fill("{0}(으)로", &[&"moons"]), "moons로");
        assert_eq!(fill("{0}(으)로", &[&"swiss_roll"]), "swiss_roll로");
        assert_eq!(fill("{0}(으)로", &[&"직접 그리기"]), "직접 그리기로");
        assert_eq!(fill("{0}(으)로", &[&"ring8"]), "ring8로");
        assert_eq!(fill("{0}(으)로", &[&"circles 3"]), "circles 3으로");
        assert_eq!(
            fill("{0}을(를) 열 수 없습니다", &[&"a.png"]),
            "a.png를 열 수 없습니다"
        );
        assert_eq!(fill("{0}을(를)", &[&"config.json"]), "config.json을");
        assert_eq!(fill("{0}은(는)", &[&"“모델”"]), "“모델”은");
        assert_eq!(fill("T = {0}이(가)", &[&10]), "T = 10이");
        assert_eq!(fill("T = {0}이(가)", &[&2]), "T = 2가");
        assert_eq!(resolve_particles("스텝(으)로"), "스텝으로");
    }

    #[test]
    fn plurals_follow_the_count() {
        assert_eq!(fill("{0} {0|step|steps}", &[&1]), "1 step");
        assert_eq!(fill("{0} {0|step|steps}", &[&2]), "2 steps");
        assert_eq!(fill("{0} {0|step|steps}", &[&0]), "0 steps");
        // Unknown braces stay as written.
        assert_eq!(fill("{x} {3}", &[&1]), "{x} {3}");
    }

    #[test]
    fn numbers_group_with_no_break_spaces() {
        assert_eq!(group_thousands(10_000), "10\u{A0}000");
        assert_eq!(group_thousands(1_234_567), "1\u{A0}234\u{A0}567");
        assert_eq!(group_thousands(999), "999");
    }
}

crate::i18n_table! {
    /// Text of the app shell.
    pub enum Shell {
        AppTitle => "ddpm-lab", "ddpm-lab";
        Schedule => "Schedule", "스케줄";
        ForwardStep => "Forward step", "순방향 한 스텝";
        Posterior => "Posterior", "사후분포";
        Image => "Image", "이미지";
        Points => "Points", "점 구름";
        Lesson => "Lesson", "레슨";
        Language => "Language", "언어";
        KoreanInEnglish => "Korean (no Hangul font)", "한국어 (한글 글꼴 없음)";
        Theme => "Theme", "테마";
        ThemeSystem => "System", "시스템";
        ThemeLight => "Light", "밝게";
        ThemeDark => "Dark", "어둡게";
        ResetDefaults => "Reset to defaults", "기본값으로 되돌리기";
        ResetConfirm => "Reset every panel to its defaults?", "모든 패널을 기본값으로 되돌릴까요?";
        Cancel => "Cancel", "취소";
        UnsupportedFile => "Cannot open {0}: drop a scheduler_config.json, an image (PNG, JPEG, GIF, BMP, WebP) or a CSV of points", "{0}을(를) 열 수 없습니다: scheduler_config.json, 이미지(PNG, JPEG, GIF, BMP, WebP) 또는 점 CSV 파일을 끌어다 놓으세요";
        Dismiss => "Dismiss", "닫기";
        KoreanFontMissing => "No Hangul font was found: the interface stays in English. Install a CJK font (e.g. fonts-nanum or Noto Sans CJK).", "한글 글꼴을 찾지 못해 영어로 표시합니다. CJK 글꼴(예: fonts-nanum, Noto Sans CJK)을 설치하세요.";
    }
}

/// Every string table of the app: (table name, its entries). The i18n tests check that
/// each entry has English and Korean text; a panel that declares a table adds it here.
pub fn every_table() -> Vec<(&'static str, Vec<Entry>)> {
    use crate::ui::{forward_step, image, lesson, points, posterior, schedule, widgets};
    vec![
        ("Shell", Shell::entries()),
        ("ScrubText", widgets::scrubber::ScrubText::entries()),
        ("PathText", widgets::path_field::PathText::entries()),
        ("SchedText", schedule::SchedText::entries()),
        ("FwdText", forward_step::FwdText::entries()),
        ("PostText", posterior::PostText::entries()),
        ("LessonText", lesson::LessonText::entries()),
        ("ImgText", image::ImgText::entries()),
        ("PtsText", points::PtsText::entries()),
    ]
}
