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

/// Replaces `{0}`, `{1}`, … in `template` with `args`.
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = template.to_string();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), &a.to_string());
    }
    out
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
        ("SchedText", schedule::SchedText::entries()),
        ("FwdText", forward_step::FwdText::entries()),
        ("PostText", posterior::PostText::entries()),
        ("LessonText", lesson::LessonText::entries()),
        ("ImgText", image::ImgText::entries()),
        ("PtsText", points::PtsText::entries()),
    ]
}
