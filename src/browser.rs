//! What a browser page has instead of a file system (the web build only).
//!
//! Files the user opens (the file picker, a drop) are kept in memory under
//! `/opened/<name>`: the panels then open that path as they open a path on the desktop, and
//! [`crate::fsutil::read_limited`] finds the bytes here. Saving hands the bytes to the
//! browser as a download.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wasm_bindgen::JsCast;

/// Where opened files appear.
pub const OPENED_DIR: &str = "/opened";

/// Opened files are kept until this many bytes are held; older ones are then forgotten
/// (a page's memory is the tab's).
const MAX_HELD_BYTES: usize = 256 * 1024 * 1024;

static FILES: Mutex<BTreeMap<PathBuf, (u64, Arc<Vec<u8>>)>> = Mutex::new(BTreeMap::new());
static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Keeps an opened file's bytes and returns the path it can be opened at.
pub fn add_file(name: &str, bytes: Vec<u8>) -> PathBuf {
    // A name is only its last component: a browser gives no folders.
    let name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "file".to_string());
    let path = Path::new(OPENED_DIR).join(name);
    let order = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Ok(mut files) = FILES.lock() {
        files.insert(path.clone(), (order, Arc::new(bytes)));
        while files.values().map(|(_, b)| b.len()).sum::<usize>() > MAX_HELD_BYTES
            && files.len() > 1
        {
            let oldest = files
                .iter()
                .min_by_key(|(_, (o, _))| *o)
                .map(|(p, _)| p.clone());
            match oldest {
                Some(p) => files.remove(&p),
                None => break,
            };
        }
    }
    path
}

/// The bytes of an opened file, if `path` names one.
pub fn read(path: &Path) -> Option<Arc<Vec<u8>>> {
    FILES.lock().ok()?.get(path).map(|(_, b)| b.clone())
}

/// Gives `bytes` to the browser as a download named `file_name`.
pub fn download(file_name: &str, bytes: &[u8]) -> Result<(), String> {
    let js = |e: wasm_bindgen::JsValue| format!("the browser refused the download: {e:?}");
    let window = web_sys::window().ok_or("no browser window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js)?;
    let anchor = document
        .create_element("a")
        .map_err(js)?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "cannot make a link")?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    web_sys::Url::revoke_object_url(&url).map_err(js)?;
    Ok(())
}
