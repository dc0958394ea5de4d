//! `[supervisor]`: which nodes run, and how crashed ones restart.

use super::{check, check_duration, is_known_node, out_of_range, ConfigError, DEFAULT_NODES};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[supervisor]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupervisorConfig {
    /// Nodes to run, each as the binary `mm-<name>`.
    pub nodes: Vec<String>,
    /// Folder of the node binaries; unset (`""`) means the supervisor's own folder.
    #[serde(with = "super::unset")]
    pub bin_dir: Option<PathBuf>,
    /// First delay before restarting a crashed node.
    pub restart_backoff_initial_ms: u64,
    /// Longest delay between restarts.
    pub restart_backoff_max_ms: u64,
    /// A node that ran this long before crashing restarts after the initial delay again.
    pub restart_reset_after_ms: u64,
    /// After SIGTERM, how long a node may take before it is killed.
    pub stop_timeout_ms: u64,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        Self {
            nodes: DEFAULT_NODES.map(str::to_owned).to_vec(),
            bin_dir: None,
            restart_backoff_initial_ms: 250,
            restart_backoff_max_ms: 10_000,
            restart_reset_after_ms: 30_000,
            stop_timeout_ms: 4_000,
        }
    }
}

impl SupervisorConfig {
    /// Known nodes, each once; back-offs that cannot spin and grow.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for (index, node) in self.nodes.iter().enumerate() {
            if !is_known_node(node) {
                return Err(out_of_range(
                    "supervisor.nodes",
                    node,
                    "unknown node (known: capture, inference, overlay, encode, h264, media, api, solana, biometric, fleet)",
                ));
            }
            if self.nodes[..index].contains(node) {
                return Err(out_of_range("supervisor.nodes", node, "named twice"));
            }
        }
        check_duration(
            "supervisor.restart_backoff_initial_ms",
            self.restart_backoff_initial_ms,
            true,
        )?;
        check_duration(
            "supervisor.restart_backoff_max_ms",
            self.restart_backoff_max_ms,
            true,
        )?;
        check_duration(
            "supervisor.restart_reset_after_ms",
            self.restart_reset_after_ms,
            false,
        )?;
        check_duration("supervisor.stop_timeout_ms", self.stop_timeout_ms, true)?;
        check(
            self.restart_backoff_initial_ms <= self.restart_backoff_max_ms,
            "supervisor.restart_backoff_initial_ms",
            self.restart_backoff_initial_ms,
            "must not exceed restart_backoff_max_ms",
        )
    }
}
