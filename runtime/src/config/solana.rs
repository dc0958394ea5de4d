//! `[solana]`: the Solana node (port 5001), the `camera_network` program and the RPC it reads.

use super::{check, check_duration, ConfigError};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// `[solana]`. The RPC URL may carry a provider's API key: the node shows only its host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SolanaConfig {
    /// Address the node's HTTP server listens on (internal: loopback by default).
    pub bind: SocketAddr,
    /// The `camera_network` program id (base58).
    pub program_id: String,
    /// This camera's `CameraAccount` (base58).
    pub camera_account: String,
    /// JSON-RPC endpoint (http:// or https://).
    pub rpc_url: String,
    /// Its websocket; `""`: derived from `rpc_url` as Solana does (ws/wss, port + 1).
    pub ws_url: String,
    /// How final what the node reads must be: processed, confirmed or finalized.
    pub commitment: String,
    /// Subscribe over the websocket (polling stays the fallback).
    pub websocket: bool,
    /// How often sessions are polled without a websocket.
    pub poll_interval_ms: u64,
    /// How often sessions are read in full while the websocket works (it can miss nothing
    /// the polling would see, but a lost notification is found this way).
    pub resync_interval_ms: u64,
    /// Longest one RPC request may take.
    pub rpc_timeout_ms: u64,
    /// First delay before retrying after an RPC failure; doubles up to `retry_max_ms`.
    pub retry_initial_ms: u64,
    /// Longest delay between retries.
    pub retry_max_ms: u64,
}

impl Default for SolanaConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 5001)),
            program_id: "Hx5JaUCZXQqvcYzTcdgm9ZE3sqhMWqwAhNXZBrzWm45S".to_owned(),
            camera_account: "WT9oJrL7sbNip8Rc2w5LoWFpwsUcZZJnnjE2zZjMuvD".to_owned(),
            rpc_url: "https://api.devnet.solana.com".to_owned(),
            ws_url: String::new(),
            commitment: "confirmed".to_owned(),
            websocket: true,
            poll_interval_ms: 5000,
            resync_interval_ms: 60_000,
            rpc_timeout_ms: 10_000,
            retry_initial_ms: 500,
            retry_max_ms: 30_000,
        }
    }
}

/// Whether `text` looks like a base58 public key (32 bytes: 32 to 44 characters); the node
/// decodes it for real when it starts.
pub(crate) fn is_base58_key(text: &str) -> bool {
    const ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    (32..=44).contains(&text.len()) && text.chars().all(|c| ALPHABET.contains(c))
}

impl SolanaConfig {
    /// Keys that are base58, URLs of the right schemes, intervals that cannot spin.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            is_base58_key(&self.program_id),
            "solana.program_id",
            &self.program_id,
            "must be a base58 public key",
        )?;
        check(
            is_base58_key(&self.camera_account),
            "solana.camera_account",
            &self.camera_account,
            "must be a base58 public key",
        )?;
        // The value is not echoed: a URL may hold an API key.
        check(
            self.rpc_url.starts_with("http://") || self.rpc_url.starts_with("https://"),
            "solana.rpc_url",
            "(not shown)",
            "must be an http:// or https:// URL",
        )?;
        check(
            self.ws_url.is_empty()
                || self.ws_url.starts_with("ws://")
                || self.ws_url.starts_with("wss://"),
            "solana.ws_url",
            "(not shown)",
            "must be empty or a ws:// or wss:// URL",
        )?;
        check(
            ["processed", "confirmed", "finalized"].contains(&self.commitment.as_str()),
            "solana.commitment",
            &self.commitment,
            "must be processed, confirmed or finalized",
        )?;
        check_duration("solana.poll_interval_ms", self.poll_interval_ms, true)?;
        check_duration("solana.resync_interval_ms", self.resync_interval_ms, true)?;
        check_duration("solana.rpc_timeout_ms", self.rpc_timeout_ms, true)?;
        check_duration("solana.retry_initial_ms", self.retry_initial_ms, true)?;
        check_duration("solana.retry_max_ms", self.retry_max_ms, true)?;
        check(
            self.retry_initial_ms <= self.retry_max_ms,
            "solana.retry_initial_ms",
            self.retry_initial_ms,
            "must not exceed retry_max_ms",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bad_values_are_named() {
        SolanaConfig::default().validate().unwrap();
        let bad_key = SolanaConfig {
            camera_account: "0OIl".to_owned(),
            ..SolanaConfig::default()
        };
        assert!(bad_key
            .validate()
            .unwrap_err()
            .to_string()
            .contains("solana.camera_account"));
        let secret_url = SolanaConfig {
            rpc_url: "ftp://host/?api-key=SECRET".to_owned(),
            ..SolanaConfig::default()
        };
        let error = secret_url.validate().unwrap_err().to_string();
        assert!(
            error.contains("solana.rpc_url") && !error.contains("SECRET"),
            "{error}"
        );
    }
}
