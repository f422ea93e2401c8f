//! The file dialogs of the Image panel, and the path field that stands in for them where
//! no dialog can open (no desktop portal, no zenity): every dialog button still works.
//! The field itself is the shared [`PathFallback`].

use super::*;

/// What a path typed into the panel is for (the fallback when no file dialog can open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathPurpose {
    OpenImage,
    ModelFolder,
    Save(ExportKind),
}

/// The path field shown instead of a file dialog.
pub type PathEntry = crate::ui::widgets::PathEntry<PathPurpose>;

impl PathPurpose {
    /// The field's label, button and example path.
    pub(super) fn labels(self, lang: Lang) -> PathLabels<'static> {
        let (what, action) = match self {
            PathPurpose::OpenImage => (ImgText::PathImage, ImgText::PathOpen),
            PathPurpose::ModelFolder => (ImgText::PathFolder, ImgText::PathUse),
            PathPurpose::Save(_) => (ImgText::PathSave, ImgText::PathSaveHere),
        };
        let hint = match self {
            PathPurpose::OpenImage => "/home/me/picture.png",
            PathPurpose::ModelFolder => "/home/me/models/glyphs",
            PathPurpose::Save(ExportKind::Gif) => "/home/me/trajectory.gif",
            PathPurpose::Save(_) => "/home/me/frame.png",
        };
        PathLabels {
            what: what.tr(lang),
            action: action.tr(lang),
            hint,
        }
    }
}

impl ImagePanel {
    /// Tells the panel whether native file dialogs work here (found out on first use
    /// otherwise); without them every dialog button opens a path field.
    pub fn set_file_dialogs_available(&mut self, available: bool) {
        self.paths.set_available(available);
    }

    /// Whether native file dialogs are thought to work here.
    pub fn file_dialogs_available(&mut self) -> bool {
        self.paths.available()
    }

    /// The path field on show, if any.
    pub fn path_entry(&self) -> Option<&PathEntry> {
        self.paths.entry()
    }

    /// Opens the path field for `purpose` (what a dialog button does without dialogs).
    pub fn ask_path(&mut self, purpose: PathPurpose) {
        self.paths.ask(purpose);
    }

    /// Acts on the typed path: opens the image, uses the model folder or saves there.
    pub fn submit_path(&mut self, lab: &LabContext, repaint: Repaint) {
        if let Some((purpose, path)) = self.paths.submit() {
            self.use_path(purpose, path, lab, repaint);
        }
    }

    fn use_path(
        &mut self,
        purpose: PathPurpose,
        path: PathBuf,
        lab: &LabContext,
        repaint: Repaint,
    ) {
        match purpose {
            PathPurpose::OpenImage => self.open_image_path(&path, repaint),
            PathPurpose::ModelFolder => self.use_model_folder(path),
            PathPurpose::Save(kind) => self.export(kind, Some(path), lab, repaint),
        }
    }

    /// Closes the path field.
    pub fn cancel_path(&mut self) {
        self.paths.cancel();
    }

    /// "Open image…": the native dialog, or the path field where there is none.
    pub fn open_image_dialog(&mut self, repaint: Repaint) {
        if self.paths.open_dialog(PathPurpose::OpenImage) {
            self.image_dialog = Some(dialogs::spawn_pick_file(repaint, "image", IMAGE_EXTENSIONS));
        }
    }

    /// "Load model folder…": the native dialog, or the path field.
    pub fn open_folder_dialog(&mut self, repaint: Repaint) {
        if self.paths.open_dialog(PathPurpose::ModelFolder) {
            self.folder_dialog = Some(dialogs::spawn_pick_folder(repaint));
        }
    }

    /// Without a file dialog: says so, and offers a path field (type or paste a path).
    pub fn path_entry_ui(&mut self, ui: &mut egui::Ui, lab: &LabContext) {
        let lang = lab.lang();
        if let Some((purpose, path)) = self.paths.ui(ui, lang, |p| p.labels(lang)) {
            self.use_path(purpose, path, lab, repaint_of(ui.ctx()));
        }
    }
}
