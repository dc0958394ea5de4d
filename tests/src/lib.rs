//! Harness for end-to-end tests: starts the real supervisor (and through it every node) as
//! processes, reads `/stream` like a browser does, and inspects processes and shared memory.

pub mod biometric;
pub mod browser;
pub mod media_probe;
mod mjpeg;
pub mod openapi;
mod pipeline;
pub mod python_tools;
pub mod solana;
pub mod vision;
pub mod wallet;

pub use mjpeg::{MjpegReader, Part};
pub use mm_runtime::clock::monotonic_ns;
pub use mm_runtime::procfs::{children_named, is_running};
pub use pipeline::{all_exited, bin_dir, free_port, media, model_dir, Pipeline, PipelineBuilder};

use tokio::sync::{Mutex, MutexGuard};

/// End-to-end tests measure frame rates on a 2-core machine: within one test binary they run
/// one at a time, so they do not compete for the CPU.
pub async fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::const_new(());
    LOCK.lock().await
}
