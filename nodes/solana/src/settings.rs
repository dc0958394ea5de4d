//! The `[solana]` config section, decoded into the types the node works with; a key or URL
//! that does not decode stops the node at start with the key's name.

use crate::follower::FollowerSettings;
use crate::program::CameraNetwork;
use crate::rpc::{Commitment, Endpoint};
use mm_runtime::config::SolanaConfig;
use solana_sdk::pubkey::Pubkey;
use std::str::FromStr;
use std::time::Duration;

/// Why `[solana]` is unusable.
#[derive(Debug, thiserror::Error)]
#[error("solana.{key}: {reason}")]
pub struct SettingsError {
    /// The key.
    pub key: &'static str,
    /// What is wrong.
    pub reason: String,
}

/// The node's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The program.
    pub network: CameraNetwork,
    /// This camera's account.
    pub camera: Pubkey,
    /// The RPC endpoint.
    pub endpoint: Endpoint,
    /// How final reads must be.
    pub commitment: Commitment,
    /// Longest one request may take.
    pub rpc_timeout: Duration,
    /// How the follower runs.
    pub follower: FollowerSettings,
}

fn key(name: &'static str, text: &str) -> Result<Pubkey, SettingsError> {
    Pubkey::from_str(text).map_err(|error| SettingsError {
        key: name,
        reason: format!("not a public key: {error}"),
    })
}

impl Settings {
    /// Decodes `config`.
    pub fn new(config: &SolanaConfig) -> Result<Self, SettingsError> {
        let program = key("program_id", &config.program_id)?;
        let camera = key("camera_account", &config.camera_account)?;
        let ws_url = (!config.ws_url.is_empty()).then_some(config.ws_url.as_str());
        let endpoint = Endpoint::new(&config.rpc_url, ws_url).map_err(|reason| SettingsError {
            key: "rpc_url",
            reason,
        })?;
        let commitment =
            Commitment::from_str(&config.commitment).map_err(|reason| SettingsError {
                key: "commitment",
                reason,
            })?;
        let rpc_timeout = Duration::from_millis(config.rpc_timeout_ms);
        Ok(Self {
            network: CameraNetwork { program },
            camera,
            endpoint,
            commitment,
            rpc_timeout,
            follower: FollowerSettings {
                program,
                camera,
                websocket: config.websocket,
                poll_interval: Duration::from_millis(config.poll_interval_ms),
                resync_interval: Duration::from_millis(config.resync_interval_ms),
                retry_initial: Duration::from_millis(config.retry_initial_ms),
                retry_max: Duration::from_millis(config.retry_max_ms),
                timeout: rpc_timeout,
            },
        })
    }
}
