//! One supervised node: start, watch, restart with backoff, stop.

use super::backoff::Backoff;
use crate::node::RESTARTS_ENV;
use crate::report::ErrorChain;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use tokio::sync::watch;

/// How to run one node.
#[derive(Debug, Clone)]
pub struct ChildSpec {
    /// Node name, e.g. `capture`.
    pub name: String,
    /// The binary.
    pub binary: PathBuf,
    /// Arguments (the config file).
    pub args: Vec<String>,
    /// After SIGTERM, how long before SIGKILL.
    pub stop_timeout: Duration,
}

/// What happened to a supervised node over the supervisor's life.
#[derive(Debug, Clone)]
pub struct ChildReport {
    /// Node name.
    pub name: String,
    /// How often it was restarted.
    pub restarts: u32,
}

/// Runs `spec` until `stop` turns true: restarts it after every exit with `backoff`, and on
/// stop sends SIGTERM, then SIGKILL after the stop timeout.
pub async fn supervise(
    spec: ChildSpec,
    mut backoff: Backoff,
    mut stop: watch::Receiver<bool>,
) -> ChildReport {
    let mut restarts = 0u32;
    loop {
        if *stop.borrow() {
            break;
        }
        let started = Instant::now();
        match spawn(&spec, restarts) {
            Ok(mut child) => {
                tracing::info!(node = %spec.name, pid = child.id(), restarts, "node started");
                tokio::select! {
                    status = child.wait() => log_exit(&spec.name, status),
                    _ = stop_requested(&mut stop) => {
                        terminate(&spec, &mut child).await;
                        break;
                    }
                }
            }
            Err(error) => {
                tracing::error!(node = %spec.name, binary = %spec.binary.display(), error = %ErrorChain(&error), "cannot start node");
            }
        }
        let delay = backoff.delay_after(started.elapsed());
        tracing::warn!(node = %spec.name, delay_ms = delay.as_millis() as u64, "restarting node after delay");
        tokio::select! {
            _ = tokio::time::sleep(delay) => restarts += 1,
            _ = stop_requested(&mut stop) => break,
        }
    }
    ChildReport {
        name: spec.name,
        restarts,
    }
}

/// Resolves once stop is requested (or the supervisor is gone).
async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, so no lock is held across later awaits.
    let _ = stop.wait_for(|stopping| *stopping).await;
}

fn spawn(spec: &ChildSpec, restarts: u32) -> std::io::Result<Child> {
    let supervisor = nix::unistd::getpid();
    let mut command = Command::new(&spec.binary);
    command
        .args(&spec.args)
        .env(RESTARTS_ENV, restarts.to_string())
        .kill_on_drop(true);
    // SAFETY: the closure runs in the forked child before exec and calls only async-signal-
    // safe functions (prctl, getppid, kill); it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(move || die_with_parent(supervisor));
    }
    command.spawn()
}

/// In a forked child: asks the kernel for SIGKILL when the supervisor dies, however it dies
/// (`kill -9` included), so no node outlives it. SIGKILL rather than SIGTERM: a node that is
/// stuck must not stay orphaned either; what it leaves in shared memory is removed by the
/// dead-node cleanup of whatever starts next. The parent-death signal belongs to the thread
/// that forked, which is the supervisor's only (current-thread runtime) thread.
fn die_with_parent(supervisor: nix::unistd::Pid) -> std::io::Result<()> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
    // The supervisor may have died between fork and prctl: then nothing would signal us.
    if nix::unistd::getppid() != supervisor {
        kill(nix::unistd::getpid(), Signal::SIGKILL)?;
    }
    Ok(())
}

fn log_exit(name: &str, status: std::io::Result<ExitStatus>) {
    match status {
        Ok(status) => tracing::warn!(node = %name, %status, "node exited"),
        Err(error) => {
            tracing::error!(node = %name, error = %ErrorChain(&error), "cannot wait for node")
        }
    }
}

async fn terminate(spec: &ChildSpec, child: &mut Child) {
    let Some(pid) = child.id() else {
        return;
    };
    if let Err(error) = kill(Pid::from_raw(pid as i32), Signal::SIGTERM) {
        tracing::warn!(node = %spec.name, error = %ErrorChain(&error), "cannot send SIGTERM");
    }
    match tokio::time::timeout(spec.stop_timeout, child.wait()).await {
        Ok(Ok(status)) => tracing::info!(node = %spec.name, %status, "node stopped"),
        Ok(Err(error)) => {
            tracing::error!(node = %spec.name, error = %ErrorChain(&error), "cannot wait for node")
        }
        Err(_) => {
            tracing::warn!(node = %spec.name, "node ignored SIGTERM, killing it");
            if let Err(error) = child.kill().await {
                tracing::error!(node = %spec.name, error = %ErrorChain(&error), "cannot kill node");
            }
        }
    }
}
