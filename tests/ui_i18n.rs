//! Languages: switching through the UI's language picker changes every panel's words, the
//! choice persists, every string table is complete in English and Korean, Korean is drawn
//! with a real Hangul font, and without one the app stays in English and says so.

mod common;

use common::{WINDOW, app_harness, shows};
use ddpm_lab::app::Lang;
use ddpm_lab::egui;
use ddpm_lab::ui::forward_step::FwdText;
use ddpm_lab::ui::i18n::{Shell, Text, every_table};
use ddpm_lab::ui::image::ImgText;
use ddpm_lab::ui::lesson::LessonText;
use ddpm_lab::ui::points::PtsText;
use ddpm_lab::ui::posterior::PostText;
use ddpm_lab::ui::schedule::SchedText;
use ddpm_lab::ui::{DdpmLabApp, PanelId, PersistedState, STORAGE_KEY, fonts};
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};
use std::collections::HashMap;

fn settle(h: &mut Harness<'static, DdpmLabApp>) {
    h.step();
    let s = &mut h.state_mut().state;
    s.forward_step.finish_background_work();
    s.posterior.finish_background_work();
    s.lesson.finish_background_work();
    s.image.finish_background_work();
    s.points.finish_background_work();
    h.run();
}

/// True when a Hangul font was found; false (and the Korean test is skipped) when not,
/// unless `DDPM_LAB_REQUIRE_KOREAN_FONT` is set (scripts/test.sh sets it after installing
/// fonts-nanum), which makes a missing font a failure.
fn korean_available(h: &Harness<'static, DdpmLabApp>) -> bool {
    let available = !h.state().lab.korean_unavailable;
    assert!(
        available || std::env::var_os("DDPM_LAB_REQUIRE_KOREAN_FONT").is_none(),
        "no Hangul font was found; install fonts-nanum (scripts/test.sh does)"
    );
    available
}

fn choose_language(h: &mut Harness<'static, DdpmLabApp>, picker: &str, option: &str) {
    h.get_by_label(picker).click();
    h.run();
    h.get_by_label(option).click();
    settle(h);
}

fn go_to(h: &mut Harness<'static, DdpmLabApp>, tab: &str) {
    h.get_by_label(tab).click();
    settle(h);
}

#[test]
fn the_language_picker_switches_every_panel() {
    let mut h = app_harness(PersistedState::default());
    settle(&mut h);
    if !korean_available(&h) {
        return;
    }
    for id in PanelId::ALL {
        assert!(shows(&h, id.title(Lang::En)), "{id:?}");
    }
    choose_language(&mut h, Shell::Language.en(), "한국어");
    assert_eq!(h.state().state.settings.lang, Lang::Ko);
    // The navigation, the shell's button and the Schedule panel.
    for (id, ko) in [
        (PanelId::Schedule, "스케줄"),
        (PanelId::ForwardStep, "순방향 한 스텝"),
        (PanelId::Posterior, "사후분포"),
        (PanelId::Image, "이미지"),
        (PanelId::Points, "점 구름"),
        (PanelId::Lesson, "레슨"),
    ] {
        assert_eq!(id.title(Lang::Ko), ko);
        assert!(h.query_all_by_label(ko).next().is_some(), "{id:?}");
        assert!(
            h.query_all_by_label(id.title(Lang::En)).next().is_none(),
            "{id:?} still in English"
        );
    }
    h.get_by_label(Shell::ResetDefaults.ko());
    h.get_by_label(SchedText::ExportCsv.ko());
    assert!(!shows(&h, SchedText::ExportCsv.en()));
    // Each panel's heading and a button.
    go_to(&mut h, "순방향 한 스텝");
    assert!(shows(&h, FwdText::Title.ko()));
    h.get_by_label(FwdText::Reroll.ko());
    go_to(&mut h, "사후분포");
    assert!(shows(&h, PostText::Title.ko()));
    h.get_by_label(PostText::Add.ko());
    go_to(&mut h, "이미지");
    assert!(shows(&h, ImgText::Title.ko()));
    h.get_by_label(ImgText::OpenImage.ko());
    go_to(&mut h, "점 구름");
    assert!(shows(&h, PtsText::Title.ko()));
    h.get_by_label(PtsText::FromNoise.ko());
    go_to(&mut h, "레슨");
    assert!(shows(&h, LessonText::Heading.ko()));
    h.get_by_label(LessonText::Next.ko());
    assert!(!shows(&h, LessonText::Next.en()));
    // And back.
    choose_language(&mut h, Shell::Language.ko(), "English");
    assert_eq!(h.state().state.settings.lang, Lang::En);
    assert!(shows(&h, LessonText::Heading.en()));
    h.get_by_label(LessonText::Next.en());
    h.get_by_label("Schedule");
}

/// An in-memory eframe storage, as the app's persistence sees it.
#[derive(Default)]
struct MemoryStorage(HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn the_language_choice_persists() {
    let mut h = app_harness(PersistedState::default());
    settle(&mut h);
    if !korean_available(&h) {
        return;
    }
    choose_language(&mut h, Shell::Language.en(), "한국어");
    // What eframe does at exit, then what it does at the next start.
    let mut storage = MemoryStorage::default();
    eframe::App::save(h.state_mut(), &mut storage);
    let restored: PersistedState = eframe::get_value(&storage, STORAGE_KEY).unwrap();
    assert_eq!(restored.settings.lang, Lang::Ko);
    let mut h = app_harness(restored);
    settle(&mut h);
    assert_eq!(h.state().lab.lang(), Lang::Ko);
    assert!(h.query_all_by_label("스케줄").next().is_some());
    h.get_by_label(Shell::ResetDefaults.ko());
}

/// Keys whose Korean text is, on purpose, the same as the English (symbols, names,
/// code identifiers) although the English has letters.
const SAME_IN_BOTH: &[(&str, &str)] = &[
    ("Shell", "AppTitle"),
    ("SchedText", "PresetSd"),
    ("SchedText", "PresetSdHint"),
    ("SchedText", "PresetCosineHint"),
    ("SchedText", "PresetSigmoidHint"),
    ("SchedText", "BetaStart"),
    ("SchedText", "BetaEnd"),
    ("SchedText", "PlotLogSnr"),
    ("PostText", "KlFine"),
    ("PostText", "KlCoarse"),
    ("ImgText", "Rgb"),
    ("ImgText", "Ddim"),
    ("PtsText", "Ddim"),
];

fn has_hangul(s: &str) -> bool {
    s.chars().any(|c| {
        ('\u{AC00}'..='\u{D7A3}').contains(&c)
            || ('\u{1100}'..='\u{11FF}').contains(&c)
            || ('\u{3130}'..='\u{318F}').contains(&c)
    })
}

/// Has a run of two or more ASCII letters (a word, not a symbol like t or N).
fn has_words(s: &str) -> bool {
    let mut run = 0;
    for c in s.chars() {
        if c.is_ascii_alphabetic() {
            run += 1;
            if run >= 2 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

fn placeholders(s: &str) -> Vec<usize> {
    (0..10)
        .filter(|i| s.contains(&format!("{{{i}}}")))
        .collect()
}

#[test]
fn every_table_has_english_and_korean_text() {
    let mut untranslated = Vec::new();
    let mut count = 0;
    for (table, entries) in every_table() {
        for (key, en, ko) in entries {
            count += 1;
            assert!(!en.trim().is_empty(), "{table}::{key}: empty English");
            assert!(!ko.trim().is_empty(), "{table}::{key}: empty Korean");
            assert_eq!(
                placeholders(en),
                placeholders(ko),
                "{table}::{key}: placeholders differ"
            );
            if has_words(en) && !has_hangul(ko) && !SAME_IN_BOTH.contains(&(table, key)) {
                untranslated.push(format!("{table}::{key}: {ko}"));
            }
        }
    }
    assert!(count > 250, "{count} entries: is every table listed?");
    assert!(
        untranslated.is_empty(),
        "Korean text without Hangul:\n{}",
        untranslated.join("\n")
    );
    // Each exception is a real key that needs the exception (a renamed or since
    // translated key must not linger here).
    let tables = every_table();
    for (table, key) in SAME_IN_BOTH {
        let entry = tables
            .iter()
            .filter(|(t, _)| t == table)
            .flat_map(|(_, e)| e.iter())
            .find(|(k, _, _)| k == key);
        let Some((_, en, ko)) = entry else {
            panic!("{table}::{key} is not a key");
        };
        assert!(
            has_words(en) && !has_hangul(ko),
            "{table}::{key} needs no exception"
        );
    }
}

#[test]
fn every_text_of_every_table_renders() {
    // Every text drawn with the app's fonts (English always, Korean when a Hangul font is
    // found): kittest panics on a glyph no font has. The first frame installs the fonts
    // (they apply from the next frame on).
    let mut h = Harness::builder().with_size(WINDOW).build_ui_state(
        |ui, korean: &mut Option<bool>| {
            let Some(korean) = *korean else {
                *korean = Some(fonts::install_fonts(ui.ctx()));
                return;
            };
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (_, entries) in every_table() {
                    for (_, en, ko) in entries {
                        ui.label(en);
                        if korean {
                            ui.label(ko);
                        }
                    }
                }
            });
        },
        None,
    );
    h.run();
    // The first and the last text were laid out (the scroll area lays out all of them).
    let tables = every_table();
    let first = tables.first().and_then(|(_, e)| e.first()).unwrap().1;
    let last = tables.last().and_then(|(_, e)| e.last()).unwrap().1;
    for text in [first, last] {
        assert!(h.query_all_by_label(text).next().is_some(), "{text}");
    }
}

#[test]
fn korean_is_drawn_with_a_real_hangul_font() {
    // Every Korean text of every table drawn with the app's fonts: kittest panics on a
    // glyph no font has, so a missing Hangul font (or symbol) fails here.
    let mut h = Harness::builder().with_size(WINDOW).build_ui_state(
        |ui, found: &mut Option<bool>| {
            let Some(found) = *found else {
                *found = Some(fonts::install_fonts(ui.ctx()));
                return;
            };
            if !found {
                return;
            }
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (_, entries) in every_table() {
                    for (_, _, ko) in entries {
                        ddpm_lab::ui::widgets::math_label(ui, ko);
                    }
                }
            });
        },
        None,
    );
    h.run();
    let found = h.state().unwrap_or(false);
    assert!(
        found || std::env::var_os("DDPM_LAB_REQUIRE_KOREAN_FONT").is_none(),
        "no Hangul font was found; install fonts-nanum (scripts/test.sh does)"
    );
    if !found {
        return;
    }
    let path = fonts::find_cjk_font().unwrap();
    let has = h
        .ctx
        .fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), "한국어 레슨 사후분포"));
    assert!(has, "the Hangul font {} lacks Hangul", path.display());
    h.get_by_label(LessonText::Heading.ko());
}

#[test]
fn without_a_hangul_font_the_app_stays_in_english_and_says_so() {
    let mut state = PersistedState::default();
    state.settings.lang = Lang::Ko;
    state.panel = PanelId::Lesson;
    let mut h = Harness::builder()
        .with_size(WINDOW)
        .build_eframe(move |cc| {
            let mut app = DdpmLabApp::with_state(state);
            app.lab.korean_unavailable = !fonts::install_fonts_with(&cc.egui_ctx, None);
            app
        });
    settle(&mut h);
    assert!(h.state().lab.korean_unavailable);
    assert_eq!(h.state().lab.lang(), Lang::En);
    // The setting itself is kept: with a font installed later, Korean comes back.
    assert_eq!(h.state().state.settings.lang, Lang::Ko);
    h.get_by_label(Shell::KoreanFontMissing.en());
    h.get_by_label(LessonText::Heading.en());
    h.get_by_label("Schedule");
    // The picker names Korean without Hangul, and opening it draws no Hangul either.
    h.get(by().value(Shell::KoreanInEnglish.en()));
    h.get_by_label(Shell::Language.en()).click();
    h.run();
    h.get_by_label("English").click();
    settle(&mut h);
    assert_eq!(h.state().state.settings.lang, Lang::En);
    assert!(!shows(&h, Shell::KoreanFontMissing.en()));
}

/// Calls that put text on screen; a literal with words right after one of them is a
/// string that bypasses the tables.
const DRAWING_CALLS: &[&str] = &[
    ".label(\"",
    ".button(\"",
    ".small_button(\"",
    ".heading(\"",
    ".strong(\"",
    ".weak(\"",
    ".small(\"",
    ".monospace(\"",
    ".on_hover_text(\"",
    ".text(\"",
    ".selectable_label(",
    ".checkbox(",
    ".radio_value(",
    ".selectable_value(",
    ".colored_label(",
    "Button::new(\"",
    "Label::new(\"",
    "RichText::new(\"",
    "from_label(\"",
    "Points::new(\"",
    "Line::new(\"",
    "VLine::new(\"",
    "marker(\"",
    "curve(\"",
    "dashed(\"",
];

#[test]
fn ui_code_draws_no_untranslated_literals() {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui"),
        &mut files,
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for call in DRAWING_CALLS {
                let Some(at) = code.find(call) else {
                    continue;
                };
                // The first string literal from the call on.
                let rest = &code[at + call.len() - usize::from(call.ends_with('"'))..];
                let Some(open) = rest.find('"') else {
                    continue;
                };
                let literal: String = rest[open + 1..].chars().take_while(|c| *c != '"').collect();
                if has_words(&literal) && !literal.contains('{') {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, code));
                }
            }
        }
    }
    assert!(found.is_empty(), "untranslated text:\n{}", found.join("\n"));
}

#[test]
fn messages_from_the_core_are_worded_in_korean() {
    use ddpm_lab::diffusion::MixtureError;
    use ddpm_lab::diffusion::diffusers::{ImportWarning, from_config_str};
    use ddpm_lab::fsutil::ReadError;
    use ddpm_lab::ui::posterior::mixture_error_text;
    use ddpm_lab::ui::schedule::{import_warning_text, read_error_text};
    let imported = from_config_str(
        r#"{"beta_shedule": "linear", "prediction_type": "noise", "variance_type": "learned",
            "timestep_spacing": "random", "thresholding": true}"#,
    )
    .unwrap();
    assert_eq!(imported.warnings.len(), 5);
    assert!(matches!(
        &imported.warnings[0],
        ImportWarning::UnknownKey { key, suggestion: Some("beta_schedule") } if key == "beta_shedule"
    ));
    for w in &imported.warnings {
        let (en, ko) = (
            import_warning_text(w, Lang::En),
            import_warning_text(w, Lang::Ko),
        );
        assert_eq!(en, w.to_string());
        assert!(has_hangul(&ko), "{ko}");
    }
    assert!(import_warning_text(&imported.warnings[0], Lang::Ko).contains("`beta_schedule`"));
    assert!(import_warning_text(&imported.warnings[1], Lang::Ko).contains("`noise`"));
    let read = ReadError::NotUtf8 {
        what: "config",
        path: "/tmp/x.json".into(),
    };
    assert!(read_error_text(&read, Lang::Ko).contains("/tmp/x.json"));
    assert!(has_hangul(&read_error_text(&read, Lang::Ko)));
    for e in [
        MixtureError::Parse("1:2".into()),
        MixtureError::TimestepOutOfRange { got: 0, max: 10 },
    ] {
        assert!(has_hangul(&mixture_error_text(&e, Lang::Ko)), "{e}");
    }
}

/// A Korean particle left in its "either form" spelling, e.g. "(으)로", "을(를)", "이(가)".
fn unfilled_particle(s: &str) -> Option<String> {
    const SYLLABLES: &str = "을를은는이가와과으로라";
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c != '(' {
            continue;
        }
        let inner: String = chars[i + 1..].iter().take_while(|&&c| c != ')').collect();
        if !inner.is_empty()
            && inner.chars().count() <= 2
            && inner.chars().all(|c| SYLLABLES.contains(c))
        {
            let from = i.saturating_sub(3);
            return Some(
                chars[from..(i + inner.chars().count() + 4).min(chars.len())]
                    .iter()
                    .collect(),
            );
        }
    }
    None
}

#[test]
fn every_korean_text_reads_with_its_particles_and_placeholders_filled() {
    // Each placeholder filled as the panels fill it: words that end on a vowel, on ㄹ,
    // on another consonant, numbers and file names.
    let samples: [&[&dyn std::fmt::Display]; 4] = [
        &[
            &"moons", &1000, &"bad.png", &3, &"x", &"y", &"z", &"w", &"v", &"u",
        ],
        &[
            &"swiss_roll",
            &2,
            &"config.json",
            &0.5,
            &"x",
            &"y",
            &"z",
            &"w",
            &"v",
            &"u",
        ],
        &[
            &"직접 그리기",
            &7,
            &"/tmp/모델",
            &10,
            &"x",
            &"y",
            &"z",
            &"w",
            &"v",
            &"u",
        ],
        &[
            &"ring8",
            &1,
            &"“스텝”",
            &6,
            &"x",
            &"y",
            &"z",
            &"w",
            &"v",
            &"u",
        ],
    ];
    let mut problems = Vec::new();
    for (table, entries) in every_table() {
        for (key, _en, ko) in entries {
            for args in samples {
                let text = ddpm_lab::ui::i18n::fill(ko, args);
                if let Some(bad) = unfilled_particle(&text) {
                    problems.push(format!("{table}::{key}: “{bad}” in {text}"));
                }
                if placeholders(&text).iter().any(|_| true) {
                    problems.push(format!("{table}::{key}: a placeholder is left in {text}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The Points warning of the newcomer's walk, filled for the word it names.
    let text = ddpm_lab::ui::i18n::fill(PtsText::OtherData.ko(), &[&"직접 그리기"]);
    assert!(text.contains("직접 그리기로 학습함"), "{text}");
    let text = ddpm_lab::ui::i18n::fill(PtsText::TrainedOn.ko(), &[&"circles", &30]);
    assert!(text.contains("circles로 30 스텝"), "{text}");
    // Messages built in code are resolved too.
    use ddpm_lab::diffusion::lint::FindingKind;
    use ddpm_lab::ui::schedule::finding_text;
    let ko = finding_text(
        &FindingKind::BetaNotPositive {
            t: 3,
            value: -0.1,
            count: 1,
        },
        Lang::Ko,
    );
    assert!(unfilled_particle(&ko).is_none(), "{ko}");
    assert!(ko.contains("-0.1이 양수가 아닙니다"), "{ko}");
}
