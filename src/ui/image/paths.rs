//! The file dialogs of the Image panel, and the path field that stands in for them where
//! no dialog can open (no desktop portal, no zenity): every dialog button still works.

use super::*;

/// What a path typed into the panel is for (the fallback when no file dialog can open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathPurpose {
    OpenImage,
    ModelFolder,
    Save(ExportKind),
}

/// The path field shown instead of a file dialog.
#[derive(Clone, Debug, PartialEq)]
pub struct PathEntry {
    pub purpose: PathPurpose,
    pub text: String,
}

impl ImagePanel {
    /// Tells the panel whether native file dialogs work here (found out on first use
    /// otherwise); without them every dialog button opens a path field.
    pub fn set_file_dialogs_available(&mut self, available: bool) {
        self.dialogs_available = Some(available);
    }

    /// Whether native file dialogs are thought to work here.
    pub fn file_dialogs_available(&mut self) -> bool {
        *self
            .dialogs_available
            .get_or_insert_with(dialogs::native_dialogs_available)
    }

    /// The path field on show, if any.
    pub fn path_entry(&self) -> Option<&PathEntry> {
        self.path_entry.as_ref()
    }

    /// Opens the path field for `purpose` (what a dialog button does without dialogs).
    pub fn ask_path(&mut self, purpose: PathPurpose) {
        // What was typed for another button stays (often the same folder).
        let text = self
            .path_entry
            .as_ref()
            .map(|e| e.text.clone())
            .unwrap_or_default();
        self.path_entry = Some(PathEntry { purpose, text });
    }

    /// Acts on the typed path: opens the image, uses the model folder or saves there.
    pub fn submit_path(&mut self, lab: &LabContext, repaint: Repaint) {
        let Some(entry) = self.path_entry.take() else {
            return;
        };
        let path = PathBuf::from(entry.text.trim());
        if path.as_os_str().is_empty() {
            self.path_entry = Some(entry);
            return;
        }
        match entry.purpose {
            PathPurpose::OpenImage => self.open_image_path(&path, repaint),
            PathPurpose::ModelFolder => self.use_model_folder(path),
            PathPurpose::Save(kind) => self.export(kind, Some(path), lab, repaint),
        }
    }

    /// Closes the path field.
    pub fn cancel_path(&mut self) {
        self.path_entry = None;
    }

    /// "Open image…": the native dialog, or the path field where there is none.
    pub fn open_image_dialog(&mut self, repaint: Repaint) {
        if self.file_dialogs_available() {
            self.dialog_opened = Some(std::time::Instant::now());
            self.image_dialog = Some(dialogs::spawn_pick_file(repaint, "image", IMAGE_EXTENSIONS));
        } else {
            self.ask_path(PathPurpose::OpenImage);
        }
    }

    /// "Load model folder…": the native dialog, or the path field.
    pub fn open_folder_dialog(&mut self, repaint: Repaint) {
        if self.file_dialogs_available() {
            self.dialog_opened = Some(std::time::Instant::now());
            self.folder_dialog = Some(dialogs::spawn_pick_folder(repaint));
        } else {
            self.ask_path(PathPurpose::ModelFolder);
        }
    }

    /// A dialog came back empty: if it did so at once, no dialog was ever shown, so say
    /// so and offer the path field instead.
    pub(super) fn dialog_came_back_empty(&mut self, purpose: PathPurpose) {
        let instant = self
            .dialog_opened
            .take()
            .is_some_and(|t| t.elapsed() < dialogs::NO_DIALOG_WITHIN);
        if instant {
            self.dialogs_available = Some(false);
            self.ask_path(purpose);
        }
    }
}
