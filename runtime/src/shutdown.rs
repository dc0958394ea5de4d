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
