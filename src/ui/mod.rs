//! The desktop app: a shell with navigation and one file per panel.

pub mod denoiser_view;
pub mod explain_view;
pub mod fonts;
pub mod forward_step;
pub mod i18n;
pub mod image;
pub mod lesson;
pub mod points;
pub mod posterior;
pub mod schedule;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod widgets;

use crate::app::{LabContext, Lang, Settings, ThemeChoice};
use crate::egui;
#[cfg(not(target_arch = "wasm32"))]
use anyhow::{Result, anyhow};
use i18n::{Shell, Text};
use serde::{Deserialize, Serialize};

/// The app's name for eframe: its window title and its data folder's name.
pub const APP_ID: &str = "ddpm-lab";

/// The key under which the app's state is persisted.
pub const STORAGE_KEY: &str = "ddpm-lab-state";

/// Which panel is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PanelId {
    #[default]
    Schedule,
    ForwardStep,
    Posterior,
    Image,
    Points,
    Lesson,
}

impl PanelId {
    pub const ALL: [PanelId; 6] = [
        PanelId::Schedule,
        PanelId::ForwardStep,
        PanelId::Posterior,
        PanelId::Image,
        PanelId::Points,
        PanelId::Lesson,
    ];

    /// The panel's name in a link (`…/index.html#lesson` opens the web page on the lesson).
    pub fn slug(self) -> &'static str {
        match self {
            PanelId::Schedule => "schedule",
            PanelId::ForwardStep => "forward-step",
            PanelId::Posterior => "posterior",
            PanelId::Image => "image",
            PanelId::Points => "points",
            PanelId::Lesson => "lesson",
        }
    }

    /// The panel a link names (`#lesson`, `lesson`; any case), if any.
    pub fn from_slug(text: &str) -> Option<PanelId> {
        let text = text.trim().trim_start_matches('#');
        PanelId::ALL
            .into_iter()
            .find(|p| p.slug().eq_ignore_ascii_case(text))
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            PanelId::Schedule => Shell::Schedule.tr(lang),
            PanelId::ForwardStep => Shell::ForwardStep.tr(lang),
            PanelId::Posterior => Shell::Posterior.tr(lang),
            PanelId::Image => Shell::Image.tr(lang),
            PanelId::Points => Shell::Points.tr(lang),
            PanelId::Lesson => Shell::Lesson.tr(lang),
        }
    }
}

/// Everything that persists between runs. Each panel keeps its own inputs; caches are
/// `#[serde(skip)]` inside the panels.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PersistedState {
    pub settings: Settings,
    pub panel: PanelId,
    pub schedule: schedule::SchedulePanel,
    pub forward_step: forward_step::ForwardStepPanel,
    pub posterior: posterior::PosteriorPanel,
    pub image: image::ImagePanel,
    pub points: points::PointsPanel,
    pub lesson: lesson::LessonPanel,
}

/// The eframe app.
#[derive(Default)]
pub struct DdpmLabApp {
    pub state: PersistedState,
    pub lab: LabContext,
    confirm_reset: bool,
    /// Set by "Reset to defaults": next frame forgets the views too (plot zoom and pan,
    /// panel widths, scroll positions), which egui keeps in its own memory.
    reset_views: bool,
    applied_theme: Option<ThemeChoice>,
    /// A message about something the shell itself could not do (an unknown dropped file).
    pub notice: Option<String>,
    first_frame_logged: bool,
    /// The window's context, so work started outside a frame (a dropped file) can wake it.
    repaint: Option<egui::Context>,
    /// Files dropped on a page, being read (browsers read files asynchronously).
    #[cfg(target_arch = "wasm32")]
    dropped_reads: Vec<crate::app::dialogs::PathJob>,
}

impl DdpmLabApp {
    /// Restores the persisted state (when there is one) and installs fonts.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let state = cc
            .storage
            .and_then(|s| eframe::get_value::<PersistedState>(s, STORAGE_KEY))
            .unwrap_or_default();
        #[cfg_attr(target_arch = "wasm32", expect(unused_mut))]
        let mut app = Self::new_with_state(cc, state);
        // The model trained in the Points panel is kept beside the app's settings.
        // (A page has no folder for it: there it lives as long as the tab.)
        #[cfg(not(target_arch = "wasm32"))]
        app.state
            .points
            .set_store_dir(eframe::storage_dir(APP_ID).map(|d| d.join("trained-points")));
        app
    }

    /// An app with the given state and the app's fonts (what tests build).
    pub fn new_with_state(cc: &eframe::CreationContext<'_>, state: PersistedState) -> Self {
        let mut app = Self::with_state(state);
        app.lab.korean_unavailable = !fonts::install_fonts(&cc.egui_ctx);
        app
    }

    /// An app with the given state, without touching fonts or storage.
    pub fn with_state(state: PersistedState) -> Self {
        let mut app = Self {
            state,
            ..Self::default()
        };
        app.lab.settings = app.state.settings.clone();
        app.state.schedule.publish(&mut app.lab);
        app
    }

    fn apply_theme(&mut self, ctx: &egui::Context) {
        let theme = self.state.settings.theme;
        if self.applied_theme != Some(theme) {
            ctx.set_theme(match theme {
                ThemeChoice::System => egui::ThemePreference::System,
                ThemeChoice::Light => egui::ThemePreference::Light,
                ThemeChoice::Dark => egui::ThemePreference::Dark,
            });
            self.applied_theme = Some(theme);
        }
    }

    /// Files dropped on the window go to the panel that understands them.
    #[cfg(not(target_arch = "wasm32"))]
    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<std::path::PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        for path in dropped {
            self.open_path(&path);
        }
    }

    /// In a page a dropped file is read first (asynchronously, into [`crate::browser`]);
    /// once read it is opened by its path like a file dropped on the desktop window.
    #[cfg(target_arch = "wasm32")]
    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        use crate::app::jobs::JobOutcome;
        let dropped: Vec<egui::DroppedFileHandle> =
            ctx.input(|i| i.raw.dropped_files.iter().cloned().collect());
        for file in dropped {
            let read = crate::app::jobs::spawn_future("read-dropped", self.repaint(), async move {
                let name = file.path().to_string_lossy().into_owned();
                let bytes = file.bytes_async().await.map_err(anyhow::Error::msg)?;
                Ok(Some(crate::browser::add_file(&name, bytes)))
            });
            self.dropped_reads.push(read);
        }
        let mut opened = Vec::new();
        let mut failed = None;
        self.dropped_reads.retain_mut(|job| match job.poll() {
            None => true,
            Some(JobOutcome::Finished(Some(path))) => {
                opened.push(path);
                false
            }
            Some(JobOutcome::Failed(msg)) => {
                failed = Some(format!("a dropped file could not be read: {msg}"));
                false
            }
            Some(_) => false,
        });
        if failed.is_some() {
            self.notice = failed;
        }
        for path in opened {
            self.open_path(&path);
        }
    }

    /// Wakes the window (once it has drawn a frame) when background work finishes.
    fn repaint(&self) -> crate::app::jobs::Repaint {
        let ctx = self.repaint.clone();
        std::sync::Arc::new(move || {
            if let Some(c) = &ctx {
                c.request_repaint();
            }
        })
    }

    /// Opens a file by path, as a drop or a file dialog would: the panel that understands
    /// its type takes it; anything else gets a notice and changes nothing.
    pub fn open_path(&mut self, path: &std::path::Path) {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "json" => {
                self.state.schedule.import_config_path(path, &mut self.lab);
                self.state.panel = PanelId::Schedule;
            }
            "csv" => {
                self.state.points.open_points_csv(path, self.repaint());
                self.state.panel = PanelId::Points;
            }
            _ if crate::app::image_input::has_image_extension(path) => {
                self.state.image.open_image_path(path, self.repaint());
                self.state.panel = PanelId::Image;
            }
            _ => {
                self.notice = Some(i18n::fill(
                    Shell::UnsupportedFile.tr(self.lab.lang()),
                    &[&path.display()],
                ));
            }
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        let lang = self.lab.lang();
        ui.horizontal(|ui| {
            ui.heading(Shell::AppTitle.tr(lang));
            ui.separator();
            for id in PanelId::ALL {
                ui.selectable_value(&mut self.state.panel, id, id.title(lang));
            }
            // Right to left: each control is added before its label, so on screen every
            // label stands just before (left of) the control it names.
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(Shell::ResetDefaults.tr(lang)).clicked() {
                    self.confirm_reset = true;
                }
                ui.separator();
                let theme = egui::ComboBox::from_id_salt("theme-picker")
                    .selected_text(theme_name(self.state.settings.theme, lang))
                    .show_ui(ui, |ui| {
                        for t in [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark] {
                            ui.selectable_value(
                                &mut self.state.settings.theme,
                                t,
                                theme_name(t, lang),
                            );
                        }
                    });
                let theme_label = ui.label(Shell::Theme.tr(lang));
                theme.response.labelled_by(theme_label.id);
                ui.separator();
                // Without a Hangul font "한국어" itself cannot be drawn: name it in English.
                let no_hangul = self.lab.korean_unavailable;
                let lang_name = |l: Lang| match l {
                    Lang::Ko if no_hangul => Shell::KoreanInEnglish.en(),
                    l => l.native_name(),
                };
                let language = egui::ComboBox::from_id_salt("language-picker")
                    .selected_text(lang_name(self.state.settings.lang))
                    .show_ui(ui, |ui| {
                        for l in Lang::ALL {
                            ui.selectable_value(&mut self.state.settings.lang, l, lang_name(l));
                        }
                    });
                let language_label = ui.label(Shell::Language.tr(lang));
                language.response.labelled_by(language_label.id);
            });
        });
        if let Some(notice) = self.notice.clone() {
            ui.horizontal(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, notice);
                if ui
                    .small_button("✖")
                    .on_hover_text(Shell::Dismiss.tr(lang))
                    .clicked()
                {
                    self.notice = None;
                }
            });
        }
        if self.state.settings.lang == Lang::Ko && self.lab.korean_unavailable {
            ui.colored_label(ui.visuals().warn_fg_color, Shell::KoreanFontMissing.en());
        }
    }

    fn reset_dialog(&mut self, ui: &mut egui::Ui) {
        if !self.confirm_reset {
            return;
        }
        let lang = self.lab.lang();
        let modal = egui::Modal::new(egui::Id::unique("confirm-reset")).show(ui.ctx(), |ui| {
            ui.label(Shell::ResetConfirm.tr(lang));
            ui.horizontal(|ui| {
                if ui.button(Shell::ResetDefaults.tr(lang)).clicked() {
                    let settings = self.state.settings.clone();
                    self.state = PersistedState {
                        settings,
                        ..PersistedState::default()
                    };
                    self.state.schedule.publish(&mut self.lab);
                    self.confirm_reset = false;
                    self.reset_views = true;
                }
                if ui.button(Shell::Cancel.tr(lang)).clicked() {
                    self.confirm_reset = false;
                }
            });
        });
        if modal.should_close() {
            self.confirm_reset = false;
        }
    }

    /// Draws one frame into `ui` (the whole window).
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if std::mem::take(&mut self.reset_views) {
            ctx.memory_mut(|m| m.data = Default::default());
        }
        self.repaint = Some(ctx.clone());
        self.apply_theme(&ctx);
        self.handle_dropped_files(&ctx);
        #[cfg(target_arch = "wasm32")]
        web::follow_link(&mut self.state.panel);
        self.lab.settings = self.state.settings.clone();
        egui::Panel::top("top-bar").show(ui, |ui| self.top_bar(ui));
        let backend_before = self.lab.settings.backend;
        egui::CentralPanel::default().show(ui, |ui| {
            let lab = &mut self.lab;
            match self.state.panel {
                PanelId::Schedule => self.state.schedule.schedule_ui(ui, lab),
                PanelId::ForwardStep => self.state.forward_step.forward_step_ui(ui, lab),
                PanelId::Posterior => self.state.posterior.posterior_ui(ui, lab),
                PanelId::Image => self.state.image.image_ui(ui, lab),
                PanelId::Points => self.state.points.points_ui(ui, lab),
                PanelId::Lesson => self.state.lesson.lesson_ui(ui, lab),
            }
        });
        // The denoiser panels choose the device (a setting): keep their choice.
        if self.lab.settings.backend != backend_before {
            self.state.settings.backend = self.lab.settings.backend;
        }
        self.reset_dialog(ui);
    }
}

fn theme_name(t: ThemeChoice, lang: Lang) -> &'static str {
    match t {
        ThemeChoice::System => Shell::ThemeSystem.tr(lang),
        ThemeChoice::Light => Shell::ThemeLight.tr(lang),
        ThemeChoice::Dark => Shell::ThemeDark.tr(lang),
    }
}

/// When the process started, for the startup-time log line.
static PROCESS_START: std::sync::OnceLock<web_time::Instant> = std::sync::OnceLock::new();

/// Marks the process start (call first thing in `main`).
pub fn mark_process_start() {
    PROCESS_START.get_or_init(web_time::Instant::now);
}

impl eframe::App for DdpmLabApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
        if !self.first_frame_logged {
            self.first_frame_logged = true;
            if let Some(start) = PROCESS_START.get() {
                log::info!(
                    "first frame drawn {} ms after start",
                    start.elapsed().as_millis()
                );
            }
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.state);
    }

    /// A page can be closed or reloaded at any moment and browsers do not reliably let it
    /// save on the way out, so it saves every few seconds (the desktop: eframe's 30 s, and
    /// on exit).
    fn auto_save_interval(&self) -> std::time::Duration {
        if cfg!(target_arch = "wasm32") {
            std::time::Duration::from_secs(3)
        } else {
            std::time::Duration::from_secs(30)
        }
    }
}

/// Opens the window and runs until it is closed.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_native() -> Result<()> {
    crate::app::threads::init_worker_pool();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("ddpm-lab")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([800.0, 560.0])
            .with_drag_and_drop(true),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        APP_ID,
        options,
        Box::new(|cc| Ok(Box::new(DdpmLabApp::new(cc)))),
    )
    .map_err(|e| anyhow!("cannot open the window: {e}"))
}
