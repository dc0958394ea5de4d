//! `[api]`: the REST API and `/stream`.

use super::{check, check_duration, ConfigError};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// `[api]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// `/api/health` turns 503 when no frame arrived for this long.
    pub health_timeout_ms: u64,
    /// Most `/stream` viewers at once; one more gets 503.
    pub max_viewers: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([0, 0, 0, 0], 5002)),
            health_timeout_ms: 2000,
            max_viewers: 64,
        }
    }
}

impl ApiConfig {
    /// [`Self::health_timeout_ms`] in nanoseconds (validated to at most a day: no overflow).
    pub fn health_timeout_ns(&self) -> u64 {
        self.health_timeout_ms.saturating_mul(1_000_000)
    }

    /// A health timeout above zero, room for one viewer at least.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            self.max_viewers >= 1,
            "api.max_viewers",
            self.max_viewers,
            "must be at least 1",
        )?;
        check_duration("api.health_timeout_ms", self.health_timeout_ms, true)
    }
}
