//! `[livepeer]`: the RTMP stream to Livepeer (or any RTMP ingest).

use super::{check, check_duration, ConfigError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Environment variable holding the stream key; it wins over `stream_key_file`.
pub const STREAM_KEY_ENV: &str = "MM_LIVEPEER_STREAM_KEY";

/// `[livepeer]`. The stream key is a secret and never part of the config: it comes from
/// [`STREAM_KEY_ENV`] or the 0600 file `stream_key_file`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LivepeerConfig {
    /// The ingest; the stream key is appended as the last path segment.
    pub ingest_url: String,
    /// The playback id, for the HLS playback URL in the status.
    pub playback_id: String,
    /// Start streaming when the media node starts.
    pub autostart: bool,
    /// File holding the stream key (mode 0600); unset (`""`) for none.
    #[serde(with = "super::unset")]
    pub stream_key_file: Option<PathBuf>,
    /// First delay before reconnecting; doubles after each failure up to `reconnect_max_ms`.
    pub reconnect_initial_ms: u64,
    /// Longest delay between reconnections.
    pub reconnect_max_ms: u64,
    /// Longest a connect or a write may block before the connection counts as lost.
    pub io_timeout_ms: u64,
}

impl Default for LivepeerConfig {
    fn default() -> Self {
        Self {
            ingest_url: "rtmp://rtmp.livepeer.com/live".to_owned(),
            playback_id: String::new(),
            autostart: false,
            stream_key_file: None,
            reconnect_initial_ms: 500,
            reconnect_max_ms: 2000,
            io_timeout_ms: 5000,
        }
    }
}

impl LivepeerConfig {
    /// An RTMP URL; back-offs that grow and cannot spin.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let url = self.ingest_url.as_str();
        check(
            (url.starts_with("rtmp://") || url.starts_with("rtmps://")) && url.len() > 8,
            "livepeer.ingest_url",
            url,
            "must be an rtmp:// or rtmps:// URL",
        )?;
        check(
            self.playback_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "livepeer.playback_id",
            &self.playback_id,
            "only letters, digits, '-' and '_'",
        )?;
        check_duration(
            "livepeer.reconnect_initial_ms",
            self.reconnect_initial_ms,
            true,
        )?;
        check_duration("livepeer.reconnect_max_ms", self.reconnect_max_ms, true)?;
        check_duration("livepeer.io_timeout_ms", self.io_timeout_ms, true)?;
        check(
            self.reconnect_initial_ms <= self.reconnect_max_ms,
            "livepeer.reconnect_initial_ms",
            self.reconnect_initial_ms,
            "must not exceed reconnect_max_ms",
        )
    }

    /// The HLS playback URL, when a playback id is configured.
    pub fn playback_url(&self) -> Option<String> {
        (!self.playback_id.is_empty()).then(|| {
            format!(
                "https://livepeercdn.studio/hls/{}/index.m3u8",
                self.playback_id
            )
        })
    }
}
