//! Harness for end-to-end tests: starts the real supervisor (and through it every node) as
//! processes, reads `/stream` like a browser does, and inspects processes and shared memory.

mod mjpeg;
mod pipeline;
mod procs;

pub use mjpeg::{MjpegReader, Part};
pub use pipeline::{all_exited, bin_dir, Pipeline, PipelineBuilder};
pub use procs::{children_named, is_running, monotonic_ns};

use std::sync::{Mutex, MutexGuard};

/// End-to-end tests measure frame rates on a 2-core machine: within one test binary they run
/// one at a time, so they do not compete for the CPU.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
