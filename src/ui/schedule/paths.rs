//! The Schedule panel's file dialogs (import a config, export CSV / config / PNG) and the
//! path field that stands in for them where no dialog can open: every dialog button still
//! works. The field itself is the shared [`PathFallback`].

use super::*;

/// What the panel exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchedExport {
    Csv,
    Config,
    Png,
}

/// What a dialog, or a path typed instead, is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathPurpose {
    Import,
    Save(SchedExport),
}

/// The path field shown instead of a file dialog.
pub type PathEntry = crate::ui::widgets::PathEntry<PathPurpose>;

impl PathPurpose {
    fn labels(self, lang: Lang) -> PathLabels<'static> {
        let (what, action, hint) = match self {
            PathPurpose::Import => (
                SchedText::PathConfig,
                SchedText::PathImport,
                "/home/me/scheduler_config.json",
            ),
            PathPurpose::Save(SchedExport::Csv) => (
                SchedText::PathSave,
                SchedText::PathSaveHere,
                "/home/me/schedule.csv",
            ),
            PathPurpose::Save(SchedExport::Config) => (
                SchedText::PathSave,
                SchedText::PathSaveHere,
                "/home/me/scheduler_config.json",
            ),
            PathPurpose::Save(SchedExport::Png) => (
                SchedText::PathSave,
                SchedText::PathSaveHere,
                "/home/me/schedule_plots.png",
            ),
        };
        PathLabels {
            what: what.tr(lang),
            action: action.tr(lang),
            hint,
        }
    }
}

impl SchedulePanel {
    /// Tells the panel whether native file dialogs work here (found out on first use
    /// otherwise); without them every dialog button opens a path field.
    pub fn set_file_dialogs_available(&mut self, available: bool) {
        self.paths.set_available(available);
    }

    /// The path field on show, if any.
    pub fn path_entry(&self) -> Option<&PathEntry> {
        self.paths.entry()
    }

    /// "Import scheduler_config.json…": the native dialog, or the path field.
    pub fn open_import_dialog(&mut self, repaint: jobs::Repaint) {
        if self.paths.open_dialog(PathPurpose::Import) {
            let job = files::spawn_open_config_dialog(repaint);
            self.dialog = Some((PathPurpose::Import, job));
        }
    }

    /// Exports `kind` to `target`, or to where a save dialog says (the path field opens
    /// instead where no dialog can).
    pub fn export(
        &mut self,
        kind: SchedExport,
        target: Option<PathBuf>,
        lang: Lang,
        repaint: jobs::Repaint,
    ) {
        if target.is_none() && !self.paths.open_dialog(PathPurpose::Save(kind)) {
            return;
        }
        let (name, filter, bytes): (&str, (&'static str, &'static [&'static str]), Vec<u8>) =
            match kind {
                SchedExport::Png => {
                    self.export_plots_png(target);
                    return;
                }
                SchedExport::Csv => match self.csv_text() {
                    Ok(csv) => ("schedule.csv", ("CSV", &["csv"]), csv.into_bytes()),
                    Err(e) => {
                        self.file_status = Some(FileStatus::Failed(schedule_error_text(&e, lang)));
                        self.status_now();
                        return;
                    }
                },
                SchedExport::Config => (
                    diffusers::CONFIG_FILE_NAME,
                    ("scheduler_config.json", &["json"]),
                    self.config_text().into_bytes(),
                ),
            };
        let job = files::spawn_save_dialog(repaint, target, name, filter, bytes);
        self.dialog = Some((PathPurpose::Save(kind), job));
    }

    /// Acts on a typed path: imports the config (next frame, where the app's context is
    /// at hand) or exports there.
    fn use_path(
        &mut self,
        purpose: PathPurpose,
        path: PathBuf,
        lang: Lang,
        repaint: jobs::Repaint,
    ) {
        match purpose {
            PathPurpose::Import => self.typed_import = Some(path),
            PathPurpose::Save(kind) => self.export(kind, Some(path), lang, repaint),
        }
    }

    /// The path field, when a dialog button opened it.
    pub(super) fn path_field_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        if let Some((purpose, path)) = self.paths.ui(ui, lang, |p| p.labels(lang)) {
            self.use_path(purpose, path, lang, Self::repaint(ui.ctx()));
            ui.ctx().request_repaint();
        }
    }
}
