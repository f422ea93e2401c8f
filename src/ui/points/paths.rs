//! The Points panel's file dialogs ("Open points CSV…", "Load model folder…", "Save to
//! folder…") and the path field that stands in for them where no dialog can open: every
//! dialog button still works. The field itself is the shared [`PathFallback`].

use super::*;

/// What a path typed into the panel is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathPurpose {
    OpenCsv,
    ModelFolder,
    SaveModel,
}

/// The path field shown instead of a file dialog.
pub type PathEntry = crate::ui::widgets::PathEntry<PathPurpose>;

impl PathPurpose {
    fn labels(self, lang: Lang) -> PathLabels<'static> {
        let (what, action, hint) = match self {
            PathPurpose::OpenCsv => (PtsText::PathCsv, PtsText::PathOpen, "/home/me/points.csv"),
            PathPurpose::ModelFolder => (
                PtsText::PathFolder,
                PtsText::PathUse,
                "/home/me/models/points",
            ),
            PathPurpose::SaveModel => (
                PtsText::PathSave,
                PtsText::PathSaveHere,
                "/home/me/models/my-points",
            ),
        };
        PathLabels {
            what: what.tr(lang),
            action: action.tr(lang),
            hint,
        }
    }
}

impl PointsPanel {
    /// Tells the panel whether native file dialogs work here (found out on first use
    /// otherwise); without them every dialog button opens a path field.
    pub fn set_file_dialogs_available(&mut self, available: bool) {
        self.paths.set_available(available);
    }

    /// The path field on show, if any.
    pub fn path_entry(&self) -> Option<&PathEntry> {
        self.paths.entry()
    }

    /// Types into the open path field (what a user would type or paste).
    pub fn set_path_text(&mut self, text: &str) {
        self.paths.set_text(text);
    }

    /// Acts on the typed path: reads the CSV, uses the model folder or saves there.
    pub fn submit_path(&mut self, repaint: Repaint) {
        if let Some((purpose, path)) = self.paths.submit() {
            self.use_path(purpose, path, repaint);
        }
    }

    fn use_path(&mut self, purpose: PathPurpose, path: PathBuf, repaint: Repaint) {
        match purpose {
            PathPurpose::OpenCsv => self.open_points_csv(&path, repaint),
            PathPurpose::ModelFolder => {
                self.model = Some(PointsModel::Source(ModelSource::Folder(path)));
            }
            PathPurpose::SaveModel => self.save_trained(path, repaint),
        }
    }

    /// "Open points CSV…": the native dialog, or the path field where there is none.
    pub fn open_csv_dialog(&mut self, repaint: Repaint) {
        if self.paths.open_dialog(PathPurpose::OpenCsv) {
            self.csv_dialog = Some(dialogs::spawn_pick_file(repaint, "CSV", &["csv", "txt"]));
        }
    }

    /// "Load model folder…": the native dialog, or the path field.
    pub fn open_folder_dialog(&mut self, repaint: Repaint) {
        if self.paths.open_dialog(PathPurpose::ModelFolder) {
            self.folder_dialog = Some(dialogs::spawn_pick_folder(repaint));
        }
    }

    /// "Save to folder…": the native dialog, or the path field.
    pub fn open_save_dialog(&mut self, repaint: Repaint) {
        if self.paths.open_dialog(PathPurpose::SaveModel) {
            self.save_dialog = Some(dialogs::spawn_pick_folder(repaint));
        }
    }

    /// The path field, drawn where its button is: only when it is open for one of `here`.
    pub(super) fn path_field_ui(
        &mut self,
        ui: &mut egui::Ui,
        lab: &LabContext,
        here: &[PathPurpose],
    ) {
        if !self
            .paths
            .entry()
            .is_some_and(|e| here.contains(&e.purpose))
        {
            return;
        }
        let lang = lab.lang();
        if let Some((purpose, path)) = self.paths.ui(ui, lang, |p| p.labels(lang)) {
            self.use_path(purpose, path, repaint_of(ui.ctx()));
        }
    }
}
