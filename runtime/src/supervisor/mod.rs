//! The supervisor: runs every node of the config as a child process, restarts crashed ones
//! with exponential backoff, forwards SIGTERM and returns when all of them are down.

mod backoff;
mod child;

pub use backoff::Backoff;
pub use child::{ChildReport, ChildSpec};

use crate::config::Config;
use crate::instance_lock::{InstanceLock, InstanceLockError};
use crate::report::ErrorChain;
use mm_bus::Bus;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::watch;

/// Why the supervisor could not start.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    /// The folder of the node binaries could not be determined.
    #[error("cannot locate the node binaries")]
    BinDir(#[source] std::io::Error),
    /// A configured node has no binary.
    #[error("node {node}: no executable at {}", path.display())]
    MissingBinary {
        /// The node.
        node: String,
        /// Where its binary was expected.
        path: PathBuf,
    },
    /// No node is configured.
    #[error("supervisor.nodes is empty: nothing to run")]
    NoNodes,
    /// A supervisor already runs this camera.
    #[error(transparent)]
    AlreadyRunning(#[from] InstanceLockError),
    /// The camera id is unusable.
    #[error(transparent)]
    Camera(#[from] mm_shm_schema::InvalidCameraId),
    /// The camera's bus could not be opened (to clean up after dead nodes).
    #[error(transparent)]
    Bus(#[from] mm_bus::BusError),
}

/// Runs the nodes of one camera.
#[derive(Debug)]
pub struct Supervisor {
    config: Config,
    specs: Vec<ChildSpec>,
    /// Held while the supervisor lives: one supervisor per camera.
    _instance: InstanceLock,
}

impl Supervisor {
    /// Prepares to run the nodes named in `config`; children get `config_path` as `--config`.
    pub fn new(config: Config, config_path: Option<&Path>) -> Result<Self, SupervisorError> {
        let sup = &config.supervisor;
        if sup.nodes.is_empty() {
            return Err(SupervisorError::NoNodes);
        }
        let instance =
            InstanceLock::acquire(&config.camera()?, &mm_shm_schema::node_name("supervisor"))?;
        let bin_dir = match &sup.bin_dir {
            Some(dir) => dir.clone(),
            None => own_dir().map_err(SupervisorError::BinDir)?,
        };
        let args: Vec<String> = config_path
            .map(|path| vec!["--config".to_owned(), path.display().to_string()])
            .unwrap_or_default();
        let specs = sup
            .nodes
            .iter()
            .map(|name| {
                let binary = bin_dir.join(mm_shm_schema::node_name(name));
                if !binary.is_file() {
                    return Err(SupervisorError::MissingBinary {
                        node: name.clone(),
                        path: binary,
                    });
                }
                Ok(ChildSpec {
                    name: name.clone(),
                    binary,
                    args: args.clone(),
                    stop_timeout: Duration::from_millis(sup.stop_timeout_ms),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            config,
            specs,
            _instance: instance,
        })
    }

    /// Runs every node until `stop` resolves, then stops them all and returns what happened.
    pub async fn run(self, stop: impl Future<Output = ()>) -> Vec<ChildReport> {
        self.cleanup_dead_nodes();
        let (stop_tx, stop_rx) = watch::channel(false);
        let sup = &self.config.supervisor;
        let tasks: Vec<_> = self
            .specs
            .iter()
            .cloned()
            .map(|spec| {
                let backoff = Backoff::new(
                    Duration::from_millis(sup.restart_backoff_initial_ms),
                    Duration::from_millis(sup.restart_backoff_max_ms),
                    Duration::from_millis(sup.restart_reset_after_ms),
                );
                tokio::spawn(child::supervise(spec, backoff, stop_rx.clone()))
            })
            .collect();
        stop.await;
        tracing::info!("stopping every node");
        // Every child task holds a receiver, so the send cannot fail.
        let _ = stop_tx.send(true);
        let mut reports = Vec::with_capacity(tasks.len());
        for task in tasks {
            match task.await {
                Ok(report) => reports.push(report),
                Err(error) => {
                    tracing::error!(error = %ErrorChain(&error), "supervision task failed")
                }
            }
        }
        self.cleanup_dead_nodes();
        reports
    }

    /// Removes what killed nodes left in shared memory. Best effort: a failure is logged.
    fn cleanup_dead_nodes(&self) {
        let bus = self
            .config
            .camera()
            .map_err(SupervisorError::from)
            .and_then(|camera| {
                Bus::open(&camera, &mm_shm_schema::node_name("supervisor"))
                    .map_err(SupervisorError::from)
            });
        match bus {
            Ok(bus) => {
                let state = bus.cleanup_dead_nodes();
                if state.cleanups > 0 {
                    tracing::info!(cleaned = state.cleanups, "removed resources of dead nodes");
                }
            }
            Err(error) => tracing::warn!(error = %ErrorChain(&error), "cannot clean up dead nodes"),
        }
    }
}

fn own_dir() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| std::io::Error::other("executable has no parent folder"))
}
