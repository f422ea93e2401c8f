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
}

/// Starts `work` on a new thread. A panic in the worker becomes a `Failed` outcome; an
/// error whose root is [`Cancelled`] (or any error after cancellation) becomes `Cancelled`.
pub fn spawn<E, T, F>(name: impl Into<String>, repaint: Repaint, work: F) -> JobHandle<E, T>
where
    E: Send + 'static,
    T: Send + 'static,
    F: FnOnce(&JobContext<E>) -> anyhow::Result<T> + Send + 'static,
{
    let name = name.into();
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
    let thread = std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            // Below the UI thread, so a job on every core never costs a frame.
            super::threads::lower_current_thread_priority();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&ctx)));
            let done = match result {
                Ok(Ok(v)) => Done::Ok(v),
                Ok(Err(e)) => Done::Err(
                    e.chain()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(": "),
                ),
                Err(panic) => Done::Err(format!("internal error: {}", panic_message(&panic))),
            };
            let _ = done_tx.send(done);
            repaint();
        })
        .ok();
    JobHandle {
        name,
        cancel,
        progress,
        events: event_rx,
        done: done_rx,
        started: thread.is_some(),
        thread,
        outcome_taken: false,
    }
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
