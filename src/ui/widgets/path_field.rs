//! The path field that stands in for a native file dialog where none can open (no desktop
//! portal, no zenity: minimal Linux, remote desktops). Every dialog button of every panel
//! goes through [`PathFallback`]: with dialogs it records when one opened (a dialog that
//! comes back empty at once was never shown); without, it opens a field to type or paste
//! a path, said so in the panel, next to drag-and-drop.
//!
//! The state ([`PathFallback`]) is separate from its drawing ([`PathFallback::ui`]), so a
//! panel's tests can drive it without a window.

use crate::app::Lang;
use crate::app::dialogs;
use crate::egui;
use crate::ui::i18n::Text;
use std::path::PathBuf;
use web_time::Instant;

crate::i18n_table! {
    /// Text of the path field.
    pub enum PathText {
        NoDialog => "No file dialog can open here (no desktop portal or zenity): type or paste a path below, or drop a file on the window.", "여기서는 파일 대화상자를 열 수 없습니다 (데스크톱 포털이나 zenity가 없음). 아래에 경로를 입력하거나 붙여 넣거나, 파일을 창에 끌어다 놓으세요.";
        Cancel => "Cancel", "취소";
    }
}

/// The path field on show: what it is for and what was typed.
#[derive(Clone, Debug, PartialEq)]
pub struct PathEntry<P> {
    pub purpose: P,
    pub text: String,
}

/// What the field says: its label, its button and an example path.
#[derive(Clone, Copy, Debug)]
pub struct PathLabels<'a> {
    pub what: &'a str,
    pub action: &'a str,
    pub hint: &'a str,
}

/// Whether native dialogs work here, and the path field shown instead where they do not.
/// `P` says what a typed path is for (open, save, a folder…), one value per button.
#[derive(Clone, Debug)]
pub struct PathFallback<P> {
    available: Option<bool>,
    opened: Option<Instant>,
    entry: Option<PathEntry<P>>,
}

impl<P> Default for PathFallback<P> {
    fn default() -> Self {
        Self {
            available: None,
            opened: None,
            entry: None,
        }
    }
}

impl<P: Copy + PartialEq> PathFallback<P> {
    /// Says whether native file dialogs work here (found out on first use otherwise).
    pub fn set_available(&mut self, available: bool) {
        self.available = Some(available);
    }

    /// Whether native file dialogs are thought to work here.
    pub fn available(&mut self) -> bool {
        *self
            .available
            .get_or_insert_with(dialogs::native_dialogs_available)
    }

    /// A dialog button was pressed: `true` when a native dialog should open (and the time
    /// is noted), `false` when the path field for `purpose` opened instead.
    pub fn open_dialog(&mut self, purpose: P) -> bool {
        if self.available() {
            self.opened = Some(Instant::now());
            true
        } else {
            self.ask(purpose);
            false
        }
    }

    /// A dialog job failed: there are no dialogs here; the path field opens.
    pub fn dialog_failed(&mut self, purpose: P) {
        self.opened = None;
        self.available = Some(false);
        self.ask(purpose);
    }

    /// A dialog came back empty: if it did so at once, no dialog was ever shown, so the
    /// path field opens (and dialogs are off from now on). A real cancel changes nothing.
    pub fn dialog_came_back_empty(&mut self, purpose: P) {
        // A page always has the browser's picker: empty there is always the user's cancel.
        let instant = self
            .opened
            .take()
            .is_some_and(|t| t.elapsed() < dialogs::NO_DIALOG_WITHIN)
            && !cfg!(target_arch = "wasm32");
        if instant {
            self.available = Some(false);
            self.ask(purpose);
        }
    }

    /// A dialog came back with a path (nothing to remember).
    pub fn dialog_done(&mut self) {
        self.opened = None;
    }

    /// Opens the path field for `purpose`. What was typed for another button stays (often
    /// the same folder).
    pub fn ask(&mut self, purpose: P) {
        let text = self
            .entry
            .as_ref()
            .map(|e| e.text.clone())
            .unwrap_or_default();
        self.entry = Some(PathEntry { purpose, text });
    }

    /// The path field on show, if any.
    pub fn entry(&self) -> Option<&PathEntry<P>> {
        self.entry.as_ref()
    }

    /// Sets what the field holds (as if typed).
    pub fn set_text(&mut self, text: &str) {
        if let Some(e) = self.entry.as_mut() {
            e.text = text.to_string();
        }
    }

    /// Closes the field.
    pub fn cancel(&mut self) {
        self.entry = None;
    }

    /// Takes the typed path and closes the field; an empty field stays open.
    pub fn submit(&mut self) -> Option<(P, PathBuf)> {
        let entry = self.entry.as_ref()?;
        let path = PathBuf::from(entry.text.trim());
        if path.as_os_str().is_empty() {
            return None;
        }
        let purpose = entry.purpose;
        self.entry = None;
        Some((purpose, path))
    }

    /// Draws the field when one is open: the note that no dialog can open, the labelled
    /// field, its button and Cancel. Returns the path submitted this frame (Enter or the
    /// button), with what it is for.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        labels: impl FnOnce(P) -> PathLabels<'static>,
    ) -> Option<(P, PathBuf)> {
        let entry = self.entry.as_mut()?;
        let labels = labels(entry.purpose);
        let warn = ui.visuals().warn_fg_color;
        ui.add(
            egui::Label::new(egui::RichText::new(PathText::NoDialog.tr(lang)).color(warn)).wrap(),
        );
        let mut submit = false;
        let mut cancel = false;
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(labels.what);
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut entry.text)
                        .desired_width(320.0)
                        .hint_text(labels.hint),
                )
                .labelled_by(label.id);
            if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                submit = true;
            }
            submit |= ui.button(labels.action).clicked();
            cancel = ui.button(PathText::Cancel.tr(lang)).clicked();
        });
        if submit {
            self.submit()
        } else {
            if cancel {
                self.cancel();
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Purpose {
        Open,
        Save,
    }

    #[test]
    fn without_dialogs_a_button_opens_the_field_and_a_typed_path_comes_back() {
        let mut f = PathFallback::<Purpose>::default();
        f.set_available(false);
        assert!(!f.open_dialog(Purpose::Open));
        assert_eq!(f.entry().map(|e| e.purpose), Some(Purpose::Open));
        // An empty (or blank) field stays open.
        f.set_text("   ");
        assert_eq!(f.submit(), None);
        assert!(f.entry().is_some());
        f.set_text(" /tmp/a.json ");
        assert_eq!(
            f.submit(),
            Some((Purpose::Open, PathBuf::from("/tmp/a.json")))
        );
        assert!(f.entry().is_none());
    }

    #[test]
    fn typed_text_stays_for_the_next_button_and_cancel_closes() {
        let mut f = PathFallback::<Purpose>::default();
        f.set_available(false);
        f.ask(Purpose::Open);
        f.set_text("/home/me/");
        f.ask(Purpose::Save);
        assert_eq!(
            f.entry(),
            Some(&PathEntry {
                purpose: Purpose::Save,
                text: "/home/me/".into()
            })
        );
        f.cancel();
        assert!(f.entry().is_none());
    }

    #[test]
    fn a_dialog_that_comes_back_empty_at_once_was_never_shown() {
        let mut f = PathFallback::<Purpose>::default();
        f.set_available(true);
        assert!(f.open_dialog(Purpose::Save));
        f.dialog_came_back_empty(Purpose::Save);
        assert!(!f.available());
        assert_eq!(f.entry().map(|e| e.purpose), Some(Purpose::Save));
        // A failed dialog job says the same.
        let mut g = PathFallback::<Purpose>::default();
        g.set_available(true);
        g.dialog_failed(Purpose::Open);
        assert!(!g.available());
        assert_eq!(g.entry().map(|e| e.purpose), Some(Purpose::Open));
        // A cancel long after the dialog opened is a real cancel.
        let mut h = PathFallback::<Purpose>::default();
        h.set_available(true);
        h.dialog_came_back_empty(Purpose::Open);
        assert!(h.available());
        assert!(h.entry().is_none());
    }
}
