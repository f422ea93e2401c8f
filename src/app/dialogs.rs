//! Native file dialogs on background jobs (rfd's async dialogs driven by a tiny executor
//! on the job's thread), so the UI thread never waits for the user to pick a file; and
//! saving: the bytes are produced on the job and written with `fsutil::write_atomic`.

use super::jobs::{self, JobHandle, Repaint};
use std::path::PathBuf;

/// Runs a future to completion on the current thread (a job's thread): the waker unparks
/// it. Enough for rfd's dialogs, which do their work elsewhere.
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// A dialog that comes back empty sooner than this was never shown: nobody cancels a
/// file dialog that fast, while rfd returns "nothing picked" at once when it finds neither
/// a desktop portal nor zenity.
pub const NO_DIALOG_WITHIN: std::time::Duration = std::time::Duration::from_millis(400);

/// Whether a native file dialog can be expected to open here. On Linux and the BSDs rfd
/// asks the desktop portal over the session bus and falls back to zenity: with neither a
/// session bus nor `zenity` on the PATH, no dialog can appear. Elsewhere the system
/// always has one. (A bus without a portal is caught afterwards: see
/// [`NO_DIALOG_WITHIN`].)
pub fn native_dialogs_available() -> bool {
    // A page always has the browser's file picker.
    if !cfg!(all(unix, not(target_os = "macos"))) || cfg!(target_arch = "wasm32") {
        return true;
    }
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty())
        || std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|d| std::path::Path::new(&d).join("bus").exists());
    bus || on_path("zenity")
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A dialog job: the path chosen, `None` when the user cancelled.
pub type PathJob = JobHandle<(), Option<PathBuf>>;

/// "Open a file" with one filter (`name`, extensions).
#[cfg(not(target_arch = "wasm32"))]
pub fn spawn_pick_file(
    repaint: Repaint,
    filter_name: &'static str,
    extensions: &'static [&'static str],
) -> PathJob {
    jobs::spawn("pick-file", repaint, move |_ctx| {
        let picked = block_on(
            rfd::AsyncFileDialog::new()
                .add_filter(filter_name, extensions)
                .pick_file(),
        );
        Ok(picked.map(|h| h.path().to_path_buf()))
    })
}

/// "Choose a folder".
#[cfg(not(target_arch = "wasm32"))]
pub fn spawn_pick_folder(repaint: Repaint) -> PathJob {
    jobs::spawn("pick-folder", repaint, move |_ctx| {
        let picked = block_on(rfd::AsyncFileDialog::new().pick_folder());
        Ok(picked.map(|h| h.path().to_path_buf()))
    })
}

/// Asks where to save (unless `target` is given), then runs `produce` and writes its bytes
/// there atomically, all on a job. `Ok(None)`: the user cancelled.
#[cfg(not(target_arch = "wasm32"))]
pub fn spawn_save<F>(
    repaint: Repaint,
    target: Option<PathBuf>,
    file_name: String,
    filter: (&'static str, &'static [&'static str]),
    produce: F,
) -> PathJob
where
    F: FnOnce() -> anyhow::Result<Vec<u8>> + Send + 'static,
{
    jobs::spawn("save-file", repaint, move |_ctx| {
        let path = match target {
            Some(p) => p,
            None => {
                let picked = block_on(
                    rfd::AsyncFileDialog::new()
                        .set_file_name(file_name)
                        .add_filter(filter.0, filter.1)
                        .save_file(),
                );
                match picked {
                    Some(h) => h.path().to_path_buf(),
                    None => return Ok(None),
                }
            }
        };
        let bytes = produce()?;
        crate::fsutil::write_atomic(&path, &bytes)?;
        Ok(Some(path))
    })
}

/// "Open a file" in a page: the browser's file picker; the file's bytes are kept in memory
/// and the path returned is where [`crate::browser`] holds them.
#[cfg(target_arch = "wasm32")]
pub fn spawn_pick_file(
    repaint: Repaint,
    filter_name: &'static str,
    extensions: &'static [&'static str],
) -> PathJob {
    jobs::spawn_future("pick-file", repaint, async move {
        let picked = rfd::AsyncFileDialog::new()
            .add_filter(filter_name, extensions)
            .pick_file()
            .await;
        Ok(match picked {
            Some(h) => Some(crate::browser::add_file(&h.file_name(), h.read().await)),
            None => None,
        })
    })
}

/// A page cannot open a folder (browsers give files, not folders): the job fails with a
/// message saying so.
#[cfg(target_arch = "wasm32")]
pub fn spawn_pick_folder(repaint: Repaint) -> PathJob {
    jobs::spawn_future("pick-folder", repaint, async {
        anyhow::bail!(
            "a web page cannot open or save model folders; the desktop app can \
             (the shipped models are built in)"
        )
    })
}

/// Saving in a page: the bytes become a download named after `target` (or `file_name`);
/// the browser decides where it lands.
#[cfg(target_arch = "wasm32")]
pub fn spawn_save<F>(
    repaint: Repaint,
    target: Option<PathBuf>,
    file_name: String,
    _filter: (&'static str, &'static [&'static str]),
    produce: F,
) -> PathJob
where
    F: FnOnce() -> anyhow::Result<Vec<u8>> + Send + 'static,
{
    jobs::spawn("save-file", repaint, move |_ctx| {
        let name = target
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(file_name);
        let bytes = produce()?;
        crate::browser::download(&name, &bytes).map_err(anyhow::Error::msg)?;
        Ok(Some(PathBuf::from(name)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::jobs::{JobOutcome, no_repaint};

    #[test]
    fn block_on_runs_a_ready_future() {
        assert_eq!(block_on(async { 41 + 1 }), 42);
    }

    #[test]
    fn saves_to_a_given_target_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        let job = spawn_save(
            no_repaint(),
            Some(target.clone()),
            "x".into(),
            ("bin", &["bin"]),
            || Ok(vec![1, 2, 3]),
        );
        assert_eq!(job.wait(), JobOutcome::Finished(Some(target.clone())));
        assert_eq!(std::fs::read(&target).unwrap(), vec![1, 2, 3]);
        let job = spawn_save(
            no_repaint(),
            Some(dir.path().join("bad.bin")),
            "x".into(),
            ("bin", &["bin"]),
            || anyhow::bail!("cannot encode"),
        );
        assert!(matches!(job.wait(), JobOutcome::Failed(m) if m.contains("cannot encode")));
        assert!(!dir.path().join("bad.bin").exists());
    }
}
