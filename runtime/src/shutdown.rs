//! Orderly shutdown on SIGTERM and SIGINT.

use tokio::signal::unix::{signal, SignalKind};

/// Which signal asked the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGTERM (the supervisor, systemd, `kill`).
    Terminate,
    /// SIGINT (Ctrl-C).
    Interrupt,
}

/// Installs the SIGTERM and SIGINT handlers now and returns a future that resolves when either
/// arrives. Install it before starting work so no early signal is lost.
pub fn stop_signal() -> std::io::Result<impl std::future::Future<Output = StopSignal>> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => StopSignal::Terminate,
            _ = interrupt.recv() => StopSignal::Interrupt,
        }
    })
}

/// Lets a command-line tool end quietly when the reader of its output goes away (`mm-shm list
/// | head`), as Unix tools do, instead of panicking in `println!`: Rust ignores SIGPIPE by
/// default, which turns a closed pipe into a write error.
pub fn end_on_closed_pipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: this restores the default disposition; no handler code is installed.
    if let Err(error) = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) } {
        tracing::debug!(%error, "SIGPIPE keeps Rust's disposition");
    }
}
