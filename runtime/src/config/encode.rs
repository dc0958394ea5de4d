//! `[encode]`: the JPEG encoder.

use super::{check, check_duration, ConfigError};
use serde::{Deserialize, Serialize};

/// Which frames encode turns into JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodeInput {
    /// `frames/raw`, straight from capture.
    Raw,
    /// `frames/composited`, from the overlay node.
    Composited,
}

/// `[encode]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncodeConfig {
    /// `raw` or `composited`.
    pub input: EncodeInput,
    /// JPEG quality, 1..=100.
    pub quality: u32,
    /// `composited`: when no composited frame arrived for this long (overlay down), raw
    /// frames are encoded until composited ones come back.
    pub fallback_after_ms: u64,
}

impl Default for EncodeConfig {
    fn default() -> Self {
        Self {
            input: EncodeInput::Composited,
            quality: 80,
            fallback_after_ms: 200,
        }
    }
}

impl EncodeConfig {
    /// A JPEG quality libjpeg takes; a fallback wait above zero.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            (1..=100).contains(&self.quality),
            "encode.quality",
            self.quality,
            "must be 1..=100",
        )?;
        check_duration("encode.fallback_after_ms", self.fallback_after_ms, true)
    }
}
