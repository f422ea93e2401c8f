//! Background jobs: long work (training, reverse runs, exports) on its own thread, with
//! progress, cancellation, streamed events and a final result. The UI polls each frame and
//! never blocks; the worker asks for a repaint whenever it has something new.

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Called by a worker when the UI should redraw (`egui::Context::request_repaint` in the
/// app; a no-op in tests and the CLI). Keeps this module free of egui.
pub type Repaint = Arc<dyn Fn() + Send + Sync>;

/// A repaint callback that does nothing.
pub fn no_repaint() -> Repaint {
    Arc::new(|| {})
}

/// How far a job has come.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    /// A short status line ("step 120/1000, loss 0.041").
    pub message: String,
}

impl Progress {
    /// done/total in [0, 1] (0 when the total is unknown).
    pub fn fraction(&self) -> f32 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0) as f32
        }
    }
}

/// The worker's side: report progress, emit events, check for cancellation.
pub struct JobContext<E> {
    cancel: Arc<AtomicBool>,
    progress: Arc<Mutex<Progress>>,
    events: Sender<E>,
    repaint: Repaint,
}

impl<E> JobContext<E> {
    /// True once the user asked to stop; workers check it between steps.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The flag itself, for code that polls cancellation without a context.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    pub fn set_progress(&self, done: u64, total: u64, message: impl Into<String>) {
        if let Ok(mut p) = self.progress.lock() {
            *p = Progress {
                done,
                total,
                message: message.into(),
            };
        }
        (self.repaint)();
    }

    /// Sends a partial result (a loss value, a finished frame) to the UI.
    pub fn emit(&self, event: E) {
        // The UI may have dropped the handle; then nobody listens and that is fine.
        let _ = self.events.send(event);
        (self.repaint)();
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome<T> {
    Finished(T),
    /// Stopped at the user's request; partial events already delivered stay valid.
    Cancelled,
    Failed(String),
}

/// Returned by workers to say they stopped because they were cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

enum Done<T> {
    Ok(T),
    Err(String),
}

/// An error as one line: its whole chain, outermost first.
fn error_text(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// What a slice of stepped work ([`spawn_steps`]) says when it returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<T> {
    /// More to do: call again.
    More,
    Done(T),
}

/// How long one slice of work may take in a page, where jobs share the UI's one thread
/// (one step is never split: a step longer than this makes one frame that long).
#[cfg(target_arch = "wasm32")]
const PAGE_SLICE: std::time::Duration = std::time::Duration::from_millis(12);

/// The UI's side of a running job.
pub struct JobHandle<E, T> {
    name: String,
    cancel: Arc<AtomicBool>,
    progress: Arc<Mutex<Progress>>,
    events: Receiver<E>,
    done: Receiver<Done<T>>,
    thread: Option<JoinHandle<()>>,
    started: bool,
    outcome_taken: bool,
    /// In a page there are no threads: each poll runs a slice of the work here (`true`
    /// once it has ended).
    #[cfg(target_arch = "wasm32")]
    pump: Option<Box<dyn FnMut() -> bool>>,
    #[cfg(target_arch = "wasm32")]
    repaint: Repaint,
}

/// A job's two ends before its work is attached.
struct Parts<E, T> {
    handle: JobHandle<E, T>,
    ctx: JobContext<E>,
    done_tx: Sender<Done<T>>,
}

fn parts<E, T>(name: String, repaint: Repaint) -> Parts<E, T> {
    let cancel = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(Mutex::new(Progress::default()));
    let (event_tx, event_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let ctx = JobContext {
        cancel: cancel.clone(),
        progress: progress.clone(),
        events: event_tx,
        repaint: repaint.clone(),
    };
    let handle = JobHandle {
        name,
        cancel,
        progress,
        events: event_rx,
        done: done_rx,
        thread: None,
        started: true,
        outcome_taken: false,
        #[cfg(target_arch = "wasm32")]
        pump: None,
        #[cfg(target_arch = "wasm32")]
        repaint,
    };
    Parts {
        handle,
        ctx,
        done_tx,
    }
}

/// Starts `work` on a new thread. A panic in the worker becomes a `Failed` outcome; an
/// error whose root is [`Cancelled`] (or any error after cancellation) becomes `Cancelled`.
///
/// In a page (no threads) the work runs in one piece at the handle's first poll: use
/// [`spawn_steps`] for anything that takes longer than a frame.
pub fn spawn<E, T, F>(name: impl Into<String>, repaint: Repaint, work: F) -> JobHandle<E, T>
where
    E: Send + 'static,
    T: Send + 'static,
    F: FnOnce(&JobContext<E>) -> anyhow::Result<T> + Send + 'static,
{
    let Parts {
        mut handle,
        ctx,
        done_tx,
    } = parts(name.into(), repaint.clone());
    let run = move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&ctx)));
        let done = match result {
            Ok(Ok(v)) => Done::Ok(v),
            Ok(Err(e)) => Done::Err(error_text(&e)),
            Err(panic) => Done::Err(format!("internal error: {}", panic_message(&panic))),
        };
        let _ = done_tx.send(done);
        repaint();
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        handle.thread = start_thread(&handle.name, run);
        handle.started = handle.thread.is_some();
    }
    #[cfg(target_arch = "wasm32")]
    {
        let mut run = Some(run);
        handle.pump = Some(Box::new(move || {
            if let Some(run) = run.take() {
                run();
            }
            true
        }));
    }
    handle
}

/// Starts work that goes in steps: `init` prepares it, then `step` is called until it
/// returns [`Step::Done`]. On the desktop this is [`spawn`] with the loop on the job's
/// thread; in a page each poll runs steps for a few milliseconds, so the page keeps
/// drawing and Cancel is seen between steps. `step` checks cancellation itself (return an
/// error whose root is [`Cancelled`]).
pub fn spawn_steps<E, T, S, I, F>(
    name: impl Into<String>,
    repaint: Repaint,
    init: I,
    mut step: F,
) -> JobHandle<E, T>
where
    E: Send + 'static,
    T: Send + 'static,
    S: 'static,
    I: FnOnce(&JobContext<E>) -> anyhow::Result<S> + Send + 'static,
    F: FnMut(&mut S, &JobContext<E>) -> anyhow::Result<Step<T>> + Send + 'static,
{
    #[cfg(not(target_arch = "wasm32"))]
    {
        spawn(name, repaint, move |ctx| {
            let mut state = init(ctx)?;
            loop {
                if let Step::Done(v) = step(&mut state, ctx)? {
                    return Ok(v);
                }
            }
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        let Parts {
            mut handle,
            ctx,
            done_tx,
        } = parts(name.into(), repaint.clone());
        let mut init = Some(init);
        let mut state: Option<S> = None;
        handle.pump = Some(Box::new(move || {
            let finish = |done| {
                let _ = done_tx.send(done);
                repaint();
                true
            };
            let slice_start = web_time::Instant::now();
            loop {
                if state.is_none() {
                    let Some(init) = init.take() else {
                        return true;
                    };
                    match init(&ctx) {
                        Ok(s) => state = Some(s),
                        Err(e) => return finish(Done::Err(error_text(&e))),
                    }
                }
                let Some(s) = state.as_mut() else {
                    return true;
                };
                match step(s, &ctx) {
                    Ok(Step::Done(v)) => return finish(Done::Ok(v)),
                    Ok(Step::More) => {}
                    Err(e) => return finish(Done::Err(error_text(&e))),
                }
                if slice_start.elapsed() >= PAGE_SLICE {
                    return false;
                }
            }
        }));
        handle
    }
}

/// Runs a job's work on its own thread, below the UI thread's priority so that a job on
/// every core never costs a frame. `None` when no thread could be started (the handle then
/// reports that).
#[cfg(not(target_arch = "wasm32"))]
fn start_thread(name: &str, run: impl FnOnce() + Send + 'static) -> Option<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            super::threads::lower_current_thread_priority();
            run()
        })
        .ok()
}

/// A job whose work is a future (the browser's file dialogs): it runs on the page's event
/// loop and the handle is polled like any other.
#[cfg(target_arch = "wasm32")]
pub fn spawn_future<T, F>(name: impl Into<String>, repaint: Repaint, work: F) -> JobHandle<(), T>
where
    T: Send + 'static,
    F: std::future::Future<Output = anyhow::Result<T>> + 'static,
{
    let Parts {
        handle, done_tx, ..
    } = parts(name.into(), repaint.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let done = match work.await {
            Ok(v) => Done::Ok(v),
            Err(e) => Done::Err(error_text(&e)),
        };
        let _ = done_tx.send(done);
        repaint();
    });
    handle
}

fn panic_message(panic: &Box<dyn Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a worker thread panicked".to_string()
    }
}

impl<E, T> JobHandle<E, T> {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Asks the worker to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancel_requested(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub fn progress(&self) -> Progress {
        self.progress.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Events sent since the last call, oldest first. Never blocks.
    pub fn drain_events(&self) -> Vec<E> {
        self.events.try_iter().collect()
    }

    /// The outcome once the worker has finished (exactly once); `None` while it runs.
    /// Never blocks.
    pub fn poll(&mut self) -> Option<JobOutcome<T>> {
        if self.outcome_taken {
            return None;
        }
        #[cfg(target_arch = "wasm32")]
        if let Some(pump) = self.pump.as_mut() {
            if pump() {
                self.pump = None;
            } else {
                // More to do: come back next frame.
                (self.repaint)();
            }
        }
        let outcome = match self.done.try_recv() {
            Ok(Done::Ok(v)) => JobOutcome::Finished(v),
            Ok(Done::Err(_)) if self.is_cancel_requested() => JobOutcome::Cancelled,
            Ok(Done::Err(msg)) if msg == Cancelled.to_string() => JobOutcome::Cancelled,
            Ok(Done::Err(msg)) => JobOutcome::Failed(msg),
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) if !self.started => {
                JobOutcome::Failed("the worker thread could not be started".into())
            }
            Err(TryRecvError::Disconnected) => {
                JobOutcome::Failed("the worker stopped without a result".into())
            }
        };
        self.outcome_taken = true;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        Some(outcome)
    }

    /// Blocks until the job ends (for tests and the CLI; never call it from the UI).
    pub fn wait(self) -> JobOutcome<T> {
        self.wait_with_events().1
    }

    /// Blocks until the job ends and returns every event it sent that was not drained
    /// yet, with its outcome (for tests and the CLI; never call it from the UI).
    pub fn wait_with_events(mut self) -> (Vec<E>, JobOutcome<T>) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        #[cfg(target_arch = "wasm32")]
        while let Some(pump) = self.pump.as_mut() {
            if pump() {
                self.pump = None;
            }
        }
        // The worker has ended, so every event it sent is queued (the channel is
        // unbounded, so it never waited on a full one).
        let events = self.drain_events();
        let outcome = self
            .poll()
            .unwrap_or(JobOutcome::Failed("the job produced no outcome".into()));
        (events, outcome)
    }
}

impl<E, T> Drop for JobHandle<E, T> {
    /// Dropping a handle cancels its job: nobody would see the result.
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finishes_with_events_and_progress() {
        let job = spawn("count", no_repaint(), |ctx: &JobContext<u32>| {
            for i in 0..5 {
                ctx.emit(i);
                ctx.set_progress(i as u64 + 1, 5, "counting");
            }
            Ok("done")
        });
        let events = {
            let outcome;
            let mut job = job;
            loop {
                if let Some(o) = job.poll() {
                    outcome = o;
                    break;
                }
                std::thread::yield_now();
            }
            assert_eq!(outcome, JobOutcome::Finished("done"));
            assert_eq!(job.progress().fraction(), 1.0);
            job.drain_events()
        };
        assert_eq!(events, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn waits_with_the_events_not_drained_yet() {
        let job = spawn("count", no_repaint(), |ctx: &JobContext<u32>| {
            for i in 0..5 {
                ctx.emit(i);
            }
            Ok("done")
        });
        let (events, outcome) = job.wait_with_events();
        assert_eq!(events, vec![0, 1, 2, 3, 4]);
        assert_eq!(outcome, JobOutcome::Finished("done"));
    }

    #[test]
    fn stepped_work_runs_its_steps_in_order_and_stops_on_cancel() {
        let job = spawn_steps(
            "steps",
            no_repaint(),
            |_ctx: &JobContext<u32>| Ok(0_u32),
            |n: &mut u32, ctx: &JobContext<u32>| {
                ctx.emit(*n);
                *n += 1;
                Ok(if *n == 4 {
                    Step::Done(*n * 10)
                } else {
                    Step::More
                })
            },
        );
        let (events, outcome) = job.wait_with_events();
        assert_eq!(events, vec![0, 1, 2, 3]);
        assert_eq!(outcome, JobOutcome::Finished(40));

        let job = spawn_steps(
            "endless",
            no_repaint(),
            |_ctx: &JobContext<()>| Ok(()),
            |_: &mut (), ctx: &JobContext<()>| -> anyhow::Result<Step<()>> {
                if ctx.is_cancelled() {
                    return Err(Cancelled.into());
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
                Ok(Step::More)
            },
        );
        job.cancel();
        assert_eq!(job.wait(), JobOutcome::Cancelled);

        let job = spawn_steps(
            "bad-start",
            no_repaint(),
            |_ctx: &JobContext<()>| -> anyhow::Result<()> { anyhow::bail!("no model") },
            |_: &mut (), _: &JobContext<()>| Ok(Step::Done(())),
        );
        assert_eq!(job.wait(), JobOutcome::Failed("no model".into()));
    }

    #[test]
    fn cancels_and_survives_panics() {
        let job = spawn("spin", no_repaint(), |ctx: &JobContext<()>| {
            while !ctx.is_cancelled() {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err::<(), _>(Cancelled.into())
        });
        job.cancel();
        assert_eq!(job.wait(), JobOutcome::Cancelled);
        let job = spawn(
            "boom",
            no_repaint(),
            |_: &JobContext<()>| -> anyhow::Result<()> { panic!("kaboom") },
        );
        assert_eq!(
            job.wait(),
            JobOutcome::Failed("internal error: kaboom".into())
        );
    }
}
