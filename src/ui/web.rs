//! The web page: the same app in a browser tab (built by `scripts/web.sh`). What differs
//! from the desktop lives here and in the few `cfg(target_arch = "wasm32")` items it names.

use super::{DdpmLabApp, PanelId};
use crate::egui;
use wasm_bindgen::JsCast;

/// The canvas `index.html` gives the app.
const CANVAS_ID: &str = "ddpm_lab_canvas";

/// Starts the app in the page's canvas. A failure to start replaces the loading text with
/// the reason (the page has no terminal to print it to).
pub fn start() {
    console_error_panic_hook::set_once();
    eframe::WebLogger::init(log::LevelFilter::Info).ok();
    super::mark_process_start();
    wasm_bindgen_futures::spawn_local(async {
        let document = web_sys::window().and_then(|w| w.document());
        let Some(document) = document else {
            log::error!("no document to draw in");
            return;
        };
        let canvas = document
            .get_element_by_id(CANVAS_ID)
            .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok());
        let Some(canvas) = canvas else {
            log::error!("the page has no canvas #{CANVAS_ID}");
            return;
        };
        let result = eframe::WebRunner::new()
            .start(
                canvas,
                eframe::WebOptions::default(),
                Box::new(|cc| {
                    if wants_widget_list() {
                        cc.egui_ctx.enable_accesskit();
                        cc.egui_ctx.add_plugin(WidgetList);
                    }
                    Ok(Box::new(DdpmLabApp::new(cc)))
                }),
            )
            .await;
        let status = document.get_element_by_id("status");
        match result {
            Ok(()) => {
                if let Some(s) = status {
                    s.remove();
                }
            }
            Err(e) => {
                let msg = format!("ddpm-lab could not start: {e:?}");
                log::error!("{msg}");
                if let Some(s) = status {
                    s.set_text_content(Some(&msg));
                }
            }
        }
    });
}

/// Follows the page's link: `#lesson` (or any panel's [`PanelId::slug`]) shows that panel,
/// and switching tabs writes the shown panel's name into the address, so the address can be
/// handed out as a link to it.
pub fn follow_link(panel: &mut PanelId) {
    use std::sync::Mutex;
    /// The hash last seen, to tell a link the user followed from one the app wrote.
    static LAST_HASH: Mutex<Option<String>> = Mutex::new(None);
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let hash = location.hash().unwrap_or_default();
    let Ok(mut last) = LAST_HASH.lock() else {
        return;
    };
    if last.as_deref() != Some(hash.as_str()) {
        // A new link (the page opened, or the address changed): follow it.
        if let Some(p) = PanelId::from_slug(&hash) {
            *panel = p;
        }
    }
    let wanted = format!("#{}", panel.slug());
    if hash != wanted {
        // replace_state, not a new history entry per tab click.
        if let Ok(history) = web_sys::window().map_or(Err(()), |w| w.history().map_err(|_| ())) {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&wanted));
        }
    }
    *last = Some(wanted);
}

/// With `?widgets` in the page's address, the app keeps a list of the widgets it drew last
/// frame (from egui's accessibility tree: role, label, rectangle in CSS pixels), which
/// [`widgets`] returns. Browser tests use it to click real widgets by their labels.
struct WidgetList;

static WIDGETS: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

impl egui::Plugin for WidgetList {
    fn debug_name(&self) -> &'static str {
        "ddpm-lab widget list"
    }

    fn output_hook(&mut self, _ctx: &egui::Context, output: &mut egui::FullOutput) {
        let Some(update) = &output.platform_output.accesskit_update else {
            return;
        };
        let list: Vec<serde_json::Value> = update
            .nodes
            .iter()
            .filter_map(|(_, node)| {
                let b = node.bounds()?;
                let label = node.label().or_else(|| node.value()).unwrap_or_default();
                Some(serde_json::json!({
                    "role": format!("{:?}", node.role()),
                    "label": label,
                    "disabled": node.is_disabled(),
                    "x0": b.x0, "y0": b.y0, "x1": b.x1, "y1": b.y1,
                }))
            })
            .collect();
        if let Ok(mut w) = WIDGETS.lock() {
            *w = serde_json::Value::Array(list).to_string();
        }
    }
}

/// The widgets of the last frame as JSON (empty without `?widgets` in the address).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn widgets() -> String {
    WIDGETS.lock().map(|w| w.clone()).unwrap_or_default()
}

fn wants_widget_list() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .is_some_and(|q| q.contains("widgets"))
}
