//! The desktop app shell.

use anyhow::{Result, anyhow};
use eframe::egui;

/// The app's state.
#[derive(Default)]
pub struct DdpmLabApp {}

impl eframe::App for DdpmLabApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("ddpm-lab");
        });
    }
}

/// Opens the window and runs until it is closed.
pub fn run_native() -> Result<()> {
    let options = eframe::NativeOptions::default();
    eframe::run_native(
        "ddpm-lab",
        options,
        Box::new(|_cc| Ok(Box::new(DdpmLabApp::default()))),
    )
    .map_err(|e| anyhow!("cannot open the window: {e}"))
}
