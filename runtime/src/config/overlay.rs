//! `[overlay]`: what the overlay draws, and when.

use super::{check_duration, ConfigError};
use serde::{Deserialize, Serialize};

/// When overlay draws detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverlayMode {
    /// Never wait: the newest detections are drawn on the newest frame.
    Latest,
    /// Wait up to `exact_wait_ms` for the frame's own detections.
    Exact,
}

/// `[overlay]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverlayConfig {
    /// `latest` or `exact`.
    pub mode: OverlayMode,
    /// `exact`: longest wait for a frame's detections before it is drawn without them.
    pub exact_wait_ms: u64,
    /// Detections older than this (capture time against the frame's) are not drawn.
    pub max_detection_age_ms: u64,
    /// Draw person boxes.
    pub draw_persons: bool,
}

impl Default for OverlayConfig {
    fn default() -> Self {
        Self {
            mode: OverlayMode::Latest,
            exact_wait_ms: 150,
            max_detection_age_ms: 500,
            draw_persons: false,
        }
    }
}

impl OverlayConfig {
    /// Waits and ages that fit nanoseconds; a detection age above zero.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check_duration("overlay.exact_wait_ms", self.exact_wait_ms, false)?;
        check_duration(
            "overlay.max_detection_age_ms",
            self.max_detection_age_ms,
            true,
        )
    }
}
