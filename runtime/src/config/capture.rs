//! `[capture]`: the frame source.

use super::{check, check_duration, ConfigError, MAX_EDGE};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which frame source capture opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceChoice {
    /// V4L2 when a device exists, else synthetic.
    Auto,
    /// The built-in moving scene over photos.
    Synthetic,
    /// A video file, looped.
    File,
    /// A V4L2 camera.
    V4l2,
}

/// Which pixel format to ask a V4L2 camera for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum V4l2FormatChoice {
    /// YUYV when the camera offers the size and rate, else MJPEG.
    Auto,
    /// Uncompressed YUYV 4:2:2.
    Yuyv,
    /// Motion JPEG, decoded once into the shared-memory frame.
    Mjpeg,
}

/// `[capture]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptureConfig {
    /// `auto`, `synthetic`, `file` or `v4l2`.
    pub source: SourceChoice,
    /// Frame width in pixels (even).
    pub width: u32,
    /// Frame height in pixels (even).
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Synthetic: folder of JPEG photos to pan across; unset (`""`) means the built-in demo
    /// photos.
    #[serde(with = "super::unset")]
    pub photos_dir: Option<PathBuf>,
    /// File: the video (or photo) to loop; required with `source = "file"`.
    #[serde(with = "super::unset")]
    pub file_path: Option<PathBuf>,
    /// File: pace at the file's own frame rate (false: as fast as it decodes, for benchmarks).
    pub file_paced: bool,
    /// V4L2: device path.
    pub device: PathBuf,
    /// V4L2: pixel format to negotiate.
    pub v4l2_format: V4l2FormatChoice,
    /// V4L2: first delay before reopening a lost device, doubled after each failed attempt
    /// up to 2 s (`mm_capture::v4l2::MAX_RECONNECT_DELAY`).
    pub reconnect_delay_ms: u64,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            source: SourceChoice::Auto,
            width: 1280,
            height: 720,
            fps: 30,
            photos_dir: None,
            file_path: None,
            file_paced: true,
            device: PathBuf::from("/dev/video0"),
            v4l2_format: V4l2FormatChoice::Auto,
            reconnect_delay_ms: 500,
        }
    }
}

impl CaptureConfig {
    /// Frame sizes and rates the pipeline handles; a reconnect delay that cannot spin.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let edge_ok = |v: u32| (2..=MAX_EDGE).contains(&v) && v.is_multiple_of(2);
        check(
            self.source != SourceChoice::File || self.file_path.is_some(),
            "capture.file_path",
            "\"\"",
            "must name a video or photo with source = \"file\"",
        )?;
        check(
            edge_ok(self.width),
            "capture.width",
            self.width,
            "must be even, 2..=3840",
        )?;
        check(
            edge_ok(self.height),
            "capture.height",
            self.height,
            "must be even, 2..=3840",
        )?;
        check(
            (1..=120).contains(&self.fps),
            "capture.fps",
            self.fps,
            "must be 1..=120",
        )?;
        check_duration("capture.reconnect_delay_ms", self.reconnect_delay_ms, true)
    }
}
