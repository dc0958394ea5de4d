//! `[photos]`: photos taken through the API.

use super::{check, ConfigError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which frames a photo is taken of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoSource {
    /// `frames/composited`: what the stream shows, overlays included.
    Composited,
    /// `frames/raw`: the camera's picture without overlays. While
    /// `privacy.blur_unknown_faces` is on, unknown faces are pixelated in it as on the stream,
    /// and the whole photo when no fresh detections cover it.
    Raw,
}

impl PhotoSource {
    /// Lower-case name, as in the config.
    pub const fn name(self) -> &'static str {
        match self {
            PhotoSource::Composited => "composited",
            PhotoSource::Raw => "raw",
        }
    }
}

/// `[photos]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotosConfig {
    /// Folder of the photos (created when missing).
    pub dir: PathBuf,
    /// `composited` or `raw`.
    pub source: PhotoSource,
    /// JPEG quality, 1..=100.
    pub quality: u32,
    /// Photos kept, newest first.
    pub keep_count: u32,
    /// Bytes all photos may take, MiB.
    pub keep_mb: u64,
}

impl Default for PhotosConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("data/photos"),
            source: PhotoSource::Composited,
            quality: 95,
            keep_count: 1000,
            keep_mb: 2048,
        }
    }
}

impl PhotosConfig {
    /// A JPEG quality; limits above zero.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            (1..=100).contains(&self.quality),
            "photos.quality",
            self.quality,
            "must be 1..=100",
        )?;
        check(
            self.keep_count > 0,
            "photos.keep_count",
            self.keep_count,
            "must be above 0",
        )?;
        check(
            self.keep_mb > 0,
            "photos.keep_mb",
            self.keep_mb,
            "must be above 0",
        )
    }
}
