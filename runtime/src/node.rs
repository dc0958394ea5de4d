//! Start-up every node binary shares: arguments, config, logging, bus, dead-node cleanup.

use crate::config::{Config, ConfigError, CONFIG_PATH_ENV};
use crate::instance_lock::{InstanceLock, InstanceLockError};
use crate::report::ErrorChain;
use crate::shutdown::StopSignal;
use crate::status::StatusReporter;
use mm_bus::{Bus, BusError, RECEIVE_RETRY};
use std::path::PathBuf;

/// Environment variable through which the supervisor tells a node how often it was restarted.
pub const RESTARTS_ENV: &str = "MM_NODE_RESTARTS";

/// Command-line arguments every node accepts.
#[derive(Debug, Clone, Default, clap::Parser)]
pub struct NodeArgs {
    /// Config file (TOML). Default: `$MM_CONFIG`, else built-in defaults.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

impl NodeArgs {
    /// The config file to read: `--config`, else `$MM_CONFIG`, else none.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.config
            .clone()
            .or_else(|| std::env::var_os(CONFIG_PATH_ENV).map(PathBuf::from))
    }
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeStartError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The shared-memory bus could not be opened.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// This node already runs for this camera.
    #[error(transparent)]
    AlreadyRunning(#[from] InstanceLockError),
    /// The SIGTERM/SIGINT handlers could not be installed.
    #[error("cannot install signal handlers")]
    Signals(#[source] std::io::Error),
}

/// What a running node holds: its config, its bus connection and its status reporter.
pub struct NodeContext {
    /// The node's name (`capture`, `encode`, `api`).
    pub name: &'static str,
    /// The loaded configuration.
    pub config: Config,
    /// This node's connection to the camera's services.
    pub bus: Bus,
    /// Publishes this node's status.
    pub status: StatusReporter,
    /// Held while the node runs: no second instance of it starts for this camera.
    _instance: InstanceLock,
}

/// What [`NodeContext::launch`] returns: the started node and the future that resolves when
/// SIGTERM or SIGINT asks it to stop.
pub type Launched = (
    NodeContext,
    std::pin::Pin<Box<dyn std::future::Future<Output = StopSignal>>>,
);

impl NodeContext {
    /// The whole start-up of a node binary: parses the command line, installs the stop-signal
    /// handlers (before any work, so no early signal is lost), then [`NodeContext::start`].
    pub fn launch(name: &'static str) -> Result<Launched, NodeStartError> {
        Self::launch_with_log_defaults(name, &[])
    }

    /// Like [`NodeContext::launch`], with per-target log defaults
    /// ([`crate::logging::init_with_defaults`]), e.g. those of an HTTP server.
    pub fn launch_with_log_defaults(
        name: &'static str,
        log_defaults: &[&str],
    ) -> Result<Launched, NodeStartError> {
        let args = <NodeArgs as clap::Parser>::parse();
        let stop = crate::shutdown::stop_signal().map_err(NodeStartError::Signals)?;
        let config = Config::load(args.config_path().as_deref())?;
        crate::logging::init_with_defaults(&config.log.level, log_defaults);
        let node = Self::start(name, &args)?;
        Ok((node, Box::pin(stop)))
    }

    /// Loads the config, sets up logging, opens the bus as node `mm-<name>`, and removes the
    /// shared-memory resources of dead nodes (e.g. this node's previous, killed run).
    pub fn start(name: &'static str, args: &NodeArgs) -> Result<Self, NodeStartError> {
        let config = Config::load(args.config_path().as_deref())?;
        crate::logging::init(&config.log.level);
        let camera = config.camera().map_err(ConfigError::from)?;
        let node_name = mm_shm_schema::node_name(name);
        let instance = InstanceLock::acquire(&camera, &node_name)?;
        let bus = Bus::open(&camera, &node_name)?;
        let cleanup = bus.cleanup_dead_nodes();
        if cleanup.cleanups > 0 || cleanup.failed_cleanups > 0 {
            tracing::info!(
                cleaned = cleanup.cleanups,
                failed = cleanup.failed_cleanups,
                "removed resources of dead nodes"
            );
        }
        let restarts = std::env::var(RESTARTS_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let status = StatusReporter::new(bus.status_publisher()?, name, restarts);
        tracing::info!(node = name, camera = %camera, restarts, "node started");
        Ok(Self {
            name,
            config,
            bus,
            status,
            _instance: instance,
        })
    }

    /// What every node does when taking a sample fails (e.g. its publisher was just killed):
    /// log, report it in the status, remove the dead publisher's resources, and pause
    /// [`RECEIVE_RETRY`] so a broken connection does not become a busy loop.
    pub async fn recover_from_receive_error(&mut self, error: &(dyn std::error::Error + 'static)) {
        tracing::warn!(error = %ErrorChain(error), "cannot receive");
        self.status.record_error(error);
        self.bus.cleanup_dead_nodes();
        tokio::time::sleep(RECEIVE_RETRY).await;
    }
}
