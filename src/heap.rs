//! How the process's allocator keeps freed memory.
//!
//! Every tensor op on burn's `flex` backend returns a fresh buffer, and a UNet training step
//! frees and reallocates hundreds of megabytes of them. glibc's defaults hand any buffer over
//! 128 KB back to the kernel when it is freed (and trim the heap when 2× that is free at its
//! top), so each step faulted in its pages again: page faults, `clear_page` and TLB
//! shoot-downs were ~10 % of a step (`perf record`), and keeping freed buffers for reuse makes
//! a batch-32 training step ~25 % faster and a batch-16 forward ~20 % (README, Performance)
//! at the same peak memory.

/// Buffers up to this size come from the heap and are reused after they are freed (glibc's
/// default is 128 KB, raised on the fly to at most 32 MB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_BYTES: i32 = 32 << 20;

/// Free memory at the top of the heap up to this much is kept rather than given back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD_BYTES: i32 = 256 << 20;

/// Tells the allocator to keep freed tensor buffers for reuse. Call it once, first thing in
/// `main`; returns whether the allocator took the settings (only glibc is tuned; elsewhere
/// nothing changes and this returns `false`).
pub fn keep_freed_buffers() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes the allocator's parameters (under its own lock).
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
