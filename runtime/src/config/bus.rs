//! `[bus]`: the shared-memory bus.

use serde::{Deserialize, Serialize};

/// `[bus]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusConfig {
    /// Shared memory (`/dev/shm`) the camera's frame segments may take, in MiB. The default
    /// matches the `shm_size` of `docker/compose.yml`; a frame size needing more is refused at
    /// start instead of failing later in iceoryx2.
    pub max_shm_mb: u64,
}

impl Default for BusConfig {
    fn default() -> Self {
        Self { max_shm_mb: 1024 }
    }
}
