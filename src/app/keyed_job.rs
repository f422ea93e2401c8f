//! A derived result that is computed on a background job and keyed on its inputs.
//!
//! Panels ask for the result of a key every frame; when the key differs from the last one
//! asked for, the running job (if any) is cancelled and a new one starts. Until it
//! finishes, the last finished result stays available, so a frame never waits.

use super::jobs::{JobContext, JobHandle, JobOutcome, Progress, Repaint, spawn};
use std::sync::Arc;

/// The last finished result of a keyed computation and the job computing the next one.
pub struct KeyedJob<K, T> {
    name: &'static str,
    latest: Option<(K, Arc<T>)>,
    pending: Option<(K, JobHandle<(), T>)>,
    /// The key whose job failed last and why (cleared by the next success); a failed key
    /// is not retried every frame.
    error: Option<(K, String)>,
}

impl<K, T> Default for KeyedJob<K, T> {
    fn default() -> Self {
        Self {
            name: "derived",
            latest: None,
            pending: None,
            error: None,
        }
    }
}

impl<K: PartialEq + Clone, T: Send + 'static> KeyedJob<K, T> {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            latest: None,
            pending: None,
            error: None,
        }
    }

    /// Makes sure a result for `key` exists or is being computed: starts `work` unless the
    /// latest result or the running job already has this key. A job for another key is
    /// cancelled (dropping its handle cancels it).
    pub fn request<F>(&mut self, key: &K, repaint: Repaint, work: F)
    where
        F: FnOnce(&JobContext<()>) -> anyhow::Result<T> + Send + 'static,
    {
        if self.has_or_runs(key) {
            return;
        }
        self.pending = Some((key.clone(), spawn(self.name, repaint, work)));
    }

    /// [`request`](Self::request) for work that goes in steps ([`jobs::spawn_steps`]:
    /// in a web page it shares the page's thread without freezing it).
    ///
    /// [`jobs::spawn_steps`]: crate::app::jobs::spawn_steps
    pub fn request_steps<S, I, F>(&mut self, key: &K, repaint: Repaint, init: I, step: F)
    where
        S: 'static,
        I: FnOnce(&JobContext<()>) -> anyhow::Result<S> + Send + 'static,
        F: FnMut(&mut S, &JobContext<()>) -> anyhow::Result<crate::app::jobs::Step<T>>
            + Send
            + 'static,
    {
        if self.has_or_runs(key) {
            return;
        }
        let job = crate::app::jobs::spawn_steps(self.name, repaint, init, step);
        self.pending = Some((key.clone(), job));
    }

    /// Polls, then says whether `key`'s result exists, is being computed or failed.
    fn has_or_runs(&mut self, key: &K) -> bool {
        self.poll();
        self.latest.as_ref().is_some_and(|(k, _)| k == key)
            || self.pending.as_ref().is_some_and(|(k, _)| k == key)
            || self.error.as_ref().is_some_and(|(k, _)| k == key)
    }

    /// Takes a finished job's outcome, if there is one. Never blocks.
    pub fn poll(&mut self) {
        let Some((_, handle)) = self.pending.as_mut() else {
            return;
        };
        let Some(outcome) = handle.poll() else {
            return;
        };
        if let Some((key, _)) = self.pending.take() {
            self.accept(key, outcome);
        }
    }

    fn accept(&mut self, key: K, outcome: JobOutcome<T>) {
        match outcome {
            JobOutcome::Finished(value) => {
                self.latest = Some((key, Arc::new(value)));
                self.error = None;
            }
            JobOutcome::Cancelled => {}
            JobOutcome::Failed(message) => self.error = Some((key, message)),
        }
    }

    /// Blocks until the running job (if any) ends. For tests and benches only: the UI
    /// never calls it.
    pub fn wait(&mut self) {
        if let Some((key, handle)) = self.pending.take() {
            let outcome = handle.wait();
            self.accept(key, outcome);
        }
    }

    /// The most recent finished result, whatever its key.
    pub fn latest(&self) -> Option<&Arc<T>> {
        self.latest.as_ref().map(|(_, v)| v)
    }

    /// The key of [`Self::latest`].
    pub fn latest_key(&self) -> Option<&K> {
        self.latest.as_ref().map(|(k, _)| k)
    }

    /// True when the latest result was computed for `key`.
    pub fn is_current(&self, key: &K) -> bool {
        self.latest_key() == Some(key)
    }

    /// Progress of the running job, or `None` when nothing runs.
    pub fn progress(&self) -> Option<Progress> {
        self.pending.as_ref().map(|(_, h)| h.progress())
    }

    pub fn is_running(&self) -> bool {
        self.pending.is_some()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_ref().map(|(_, m)| m.as_str())
    }

    /// The error of the last job for `key`, if that job failed.
    pub fn error_for(&self, key: &K) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, m)| m.as_str())
    }

    /// Forgets every result and cancels the running job.
    pub fn clear(&mut self) {
        self.latest = None;
        self.pending = None;
        self.error = None;
    }
}

/// Lets a job report progress (each report wakes the UI) at most every 100 ms.
pub struct ProgressThrottle {
    last: web_time::Instant,
}

impl Default for ProgressThrottle {
    fn default() -> Self {
        Self {
            last: web_time::Instant::now(),
        }
    }
}

impl ProgressThrottle {
    pub fn due(&mut self) -> bool {
        if self.last.elapsed() >= std::time::Duration::from_millis(100) {
            self.last = web_time::Instant::now();
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::jobs::no_repaint;

    #[test]
    fn keeps_the_last_result_until_the_new_one_is_done() {
        let mut job: KeyedJob<u32, u32> = KeyedJob::new("square");
        job.request(&3, no_repaint(), |_| Ok(9));
        job.wait();
        assert_eq!(job.latest().map(|v| **v), Some(9));
        assert!(job.is_current(&3));
        job.request(&4, no_repaint(), |_| Ok(16));
        // The old result stays visible while the new one runs.
        assert!(job.latest().is_some());
        job.wait();
        assert!(job.is_current(&4));
        assert_eq!(job.latest().map(|v| **v), Some(16));
        // Asking again for the same key starts nothing.
        job.request(&4, no_repaint(), |_| Ok(0));
        assert!(!job.is_running());
        job.request(&5, no_repaint(), |_| anyhow::bail!("no"));
        job.wait();
        assert_eq!(job.error(), Some("no"));
        assert!(job.is_current(&4));
        // A failed key is not retried on the next frame.
        job.request(&5, no_repaint(), |_| Ok(25));
        assert!(!job.is_running());
    }
}
