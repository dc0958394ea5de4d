//! `[biometric]`: the biometric node (port 5003, internal): sealed face embeddings, their
//! keys and the audit log.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Environment variable that may hold the device key (128 hex digits) instead of its file.
pub const DEVICE_KEY_ENV: &str = "MM_BIOMETRIC_DEVICE_KEY";

/// `[biometric]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BiometricConfig {
    /// Where its HTTP API listens (internal: loopback).
    pub bind: SocketAddr,
    /// Its database (wrapped keys, sealed embeddings, the audit log), created when missing.
    pub database: PathBuf,
    /// The device key's file (mode 0600), created with a fresh key on first start unless
    /// `MM_BIOMETRIC_DEVICE_KEY` holds the key.
    pub device_key_file: PathBuf,
    /// The embedding model every sealed embedding is bound to.
    pub model_id: String,
}

impl Default for BiometricConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 5003)),
            database: PathBuf::from("data/biometric.sqlite"),
            device_key_file: PathBuf::from("data/biometric-device.key"),
            model_id: "dlib-resnet29-128".to_owned(),
        }
    }
}

impl BiometricConfig {
    /// Files that are named, a model id that is plain.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        super::check(
            !self.database.as_os_str().is_empty(),
            "biometric.database",
            self.database.display(),
            "must name a file",
        )?;
        super::check(
            !self.device_key_file.as_os_str().is_empty(),
            "biometric.device_key_file",
            self.device_key_file.display(),
            "must name a file",
        )?;
        super::check(
            !self.model_id.is_empty()
                && self.model_id.len() <= 64
                && self.model_id.bytes().all(|b| b.is_ascii_graphic()),
            "biometric.model_id",
            &self.model_id,
            "must be 1-64 printable ASCII characters",
        )
    }
}
