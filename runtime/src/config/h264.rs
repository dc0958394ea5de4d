//! `[h264]`: the one H.264 encode that RTMP and recordings share.

use super::{check, ConfigError};
use serde::{Deserialize, Serialize};

/// `[h264]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct H264Config {
    /// `auto` (a hardware encoder when the machine has one, else libx264), `libx264`, or any
    /// FFmpeg H.264 encoder name.
    pub encoder: String,
    /// Target bitrate in kbit/s; also the VBV maximum, with a one-second buffer.
    pub bitrate_kbps: u32,
    /// Capture time between keyframes (Livepeer takes 500..=8000; it recommends 2000).
    pub gop_ms: u64,
    /// `baseline`, `main`, `high`, or `""` for the encoder's default.
    pub profile: String,
}

impl Default for H264Config {
    fn default() -> Self {
        Self {
            encoder: "auto".to_owned(),
            bitrate_kbps: 2500,
            gop_ms: 2000,
            profile: String::new(),
        }
    }
}

impl H264Config {
    /// A bitrate an encoder takes, a GOP Livepeer accepts, a known profile.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            (100..=50_000).contains(&self.bitrate_kbps),
            "h264.bitrate_kbps",
            self.bitrate_kbps,
            "must be 100..=50000",
        )?;
        check(
            (500..=8000).contains(&self.gop_ms),
            "h264.gop_ms",
            self.gop_ms,
            "must be 500..=8000 (what Livepeer accepts)",
        )?;
        check(
            ["", "baseline", "main", "high"].contains(&self.profile.as_str()),
            "h264.profile",
            &self.profile,
            "must be baseline, main, high or \"\"",
        )?;
        check(
            !self.encoder.trim().is_empty(),
            "h264.encoder",
            &self.encoder,
            "must be auto, libx264 or an FFmpeg encoder name",
        )
    }
}
