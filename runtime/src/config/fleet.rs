//! `[fleet]`: the fleet bridge (`mm-fleet`), which puts this camera's events on Zenoh under
//! `<key_prefix>/<camera_id>/...` so that a fleet can be watched from anywhere. Frames never
//! leave the camera through it.

use super::{check, check_duration, ConfigError};
use serde::{Deserialize, Serialize};

/// `[fleet]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FleetConfig {
    /// Zenoh mode: `peer` (talks to peers and routers) or `client` (through one router).
    pub mode: String,
    /// Zenoh endpoints to connect to, e.g. `tcp/fleet.example:7447`.
    pub connect: Vec<String>,
    /// Zenoh endpoints to listen on, e.g. `tcp/0.0.0.0:7447`; empty: none.
    pub listen: Vec<String>,
    /// Find peers on the LAN by UDP multicast (off: only `connect`).
    pub multicast_scouting: bool,
    /// The first key segment: events go to `<key_prefix>/<camera_id>/<event>`.
    pub key_prefix: String,
    /// At most one detection summary per this long (and one at each change of counts).
    pub detections_interval_ms: u64,
    /// The health summary is published this often (and answered to queries at any time).
    pub health_interval_ms: u64,
}

impl Default for FleetConfig {
    fn default() -> Self {
        Self {
            mode: "peer".to_owned(),
            connect: Vec::new(),
            listen: Vec::new(),
            multicast_scouting: false,
            key_prefix: "mmoment".to_owned(),
            detections_interval_ms: 1000,
            health_interval_ms: 5000,
        }
    }
}

impl FleetConfig {
    /// A known mode, a plain key segment, positive intervals, endpoints `<protocol>/<address>`.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            self.mode == "peer" || self.mode == "client",
            "fleet.mode",
            &self.mode,
            "must be peer or client",
        )?;
        check(
            !self.key_prefix.is_empty()
                && self
                    .key_prefix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "fleet.key_prefix",
            &self.key_prefix,
            "must be one key segment of letters, digits, - and _",
        )?;
        for endpoint in self.connect.iter().chain(&self.listen) {
            check(
                endpoint
                    .split_once('/')
                    .is_some_and(|(protocol, address)| !protocol.is_empty() && !address.is_empty()),
                "fleet.connect / fleet.listen",
                endpoint,
                "an endpoint is <protocol>/<address>, e.g. tcp/127.0.0.1:7447",
            )?;
        }
        check_duration(
            "fleet.detections_interval_ms",
            self.detections_interval_ms,
            true,
        )?;
        check_duration("fleet.health_interval_ms", self.health_interval_ms, true)
    }
}
