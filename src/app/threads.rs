//! The app's worker threads: the compute pool and the job threads run below the UI thread's
//! priority, so a job that uses every core never takes a frame's time slice.
//!
//! On 2 cores a reverse run keeps the two pool threads and its own job thread busy; with all
//! of them at the UI thread's priority the scheduler gives the UI thread a third of the
//! machine at best and, now and then, makes it wait a whole time slice (measured at 128²:
//! frames of 30–65 ms while a DDIM run goes). A nice value of 10 gives a runnable UI thread
//! about ten times the weight of each worker, so it is scheduled as soon as it wakes, and the
//! workers still get every cycle it leaves.
//!
//! The CLI does not call this: there the computation is the point.

/// The nice value the workers run at (0 is normal, 19 the lowest). 10 is what `nice` uses
/// by default.
pub const WORKER_NICE: i32 = 10;

/// Builds the global rayon pool (the one burn's flex backend, `gemm` and the fused kernels
/// use) with its threads at [`WORKER_NICE`]. The pool's size is rayon's default, so
/// `RAYON_NUM_THREADS` is respected. Call it once, before any computation; if the pool
/// already exists (a second call, or a test harness that used it), nothing changes and this
/// returns `false`.
pub fn init_worker_pool() -> bool {
    // A page has no threads: rayon then runs everything on the calling thread by itself,
    // as long as no global pool was asked for (a failed build would leave none at all).
    if cfg!(target_arch = "wasm32") {
        return false;
    }
    worker_pool_builder().build_global().is_ok()
}

/// The pool [`init_worker_pool`] builds, for a local pool with the same threads.
fn worker_pool_builder() -> rayon::ThreadPoolBuilder {
    rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("ddpm-lab-worker-{i}"))
        .start_handler(|_| lower_current_thread_priority())
}

/// Lowers the calling thread's scheduling priority to [`WORKER_NICE`] (Linux and other
/// unix systems, where a thread has its own nice value; elsewhere nothing happens). A
/// failure is harmless: the thread keeps its priority.
pub fn lower_current_thread_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority only read their arguments; on Linux
        // PRIO_PROCESS with a thread id sets that one thread's nice value.
        unsafe {
            let tid = libc::gettid();
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, WORKER_NICE);
        }
    }
}

/// The calling thread's nice value, where the platform has one (for tests and reports).
pub fn current_thread_nice() -> Option<i32> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: as above; errno is cleared first because -1 is also a valid priority.
        unsafe {
            let tid = libc::gettid();
            *libc::__errno_location() = 0;
            let nice = libc::getpriority(libc::PRIO_PROCESS, tid as libc::id_t);
            if *libc::__errno_location() != 0 {
                return None;
            }
            Some(nice)
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn pool_threads_and_job_threads_run_below_the_ui_thread() {
        let ui_nice = current_thread_nice().expect("the test thread has a nice value");
        let pool = worker_pool_builder()
            .num_threads(2)
            .build()
            .expect("a local pool");
        let pool_nice = pool.broadcast(|_| current_thread_nice());
        assert_eq!(pool_nice.len(), 2);
        for nice in pool_nice {
            // setpriority sets an absolute value; a process started above 10 keeps its own.
            assert_eq!(nice, Some(WORKER_NICE.max(ui_nice)));
        }
        // The calling thread is untouched.
        assert_eq!(current_thread_nice(), Some(ui_nice));

        let job = crate::app::jobs::spawn("nice", crate::app::jobs::no_repaint(), |_ctx| {
            Ok(current_thread_nice())
        });
        let job: crate::app::jobs::JobHandle<(), Option<i32>> = job;
        match job.wait() {
            crate::app::jobs::JobOutcome::Finished(nice) => {
                assert_eq!(nice, Some(WORKER_NICE.max(ui_nice)))
            }
            other => panic!("the job did not finish: {other:?}"),
        }
    }
}
