//! `[recording]`: MP4 recordings and how long they are kept.

use super::{check, check_duration, ConfigError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[recording]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordingConfig {
    /// Folder of the recordings (created when missing).
    pub dir: PathBuf,
    /// Longest recording, seconds: a request without a duration gets this, a longer one is
    /// capped to it.
    pub max_duration_s: u64,
    /// Largest recording, MiB; it ends by itself there.
    pub max_file_mb: u64,
    /// Longest MP4 fragment, ms (a fragment also ends at every keyframe): what a crash of
    /// the writer can lose at most.
    pub fragment_ms: u64,
    /// Recordings kept, newest first; older ones are deleted.
    pub keep_count: u32,
    /// Bytes all recordings may take, MiB.
    pub keep_mb: u64,
    /// Days a recording is kept; 0 keeps them regardless of age.
    pub keep_days: u32,
    /// A recording stops (and none starts) while the disk has less free space, MiB.
    pub min_free_mb: u64,
}

impl Default for RecordingConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("data/videos"),
            max_duration_s: 3600,
            max_file_mb: 2048,
            fragment_ms: 1000,
            keep_count: 100,
            keep_mb: 8192,
            keep_days: 30,
            min_free_mb: 512,
        }
    }
}

impl RecordingConfig {
    /// Limits above zero.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            (1..=86_400).contains(&self.max_duration_s),
            "recording.max_duration_s",
            self.max_duration_s,
            "must be 1..=86400",
        )?;
        check(
            self.max_file_mb > 0,
            "recording.max_file_mb",
            self.max_file_mb,
            "must be above 0",
        )?;
        check_duration("recording.fragment_ms", self.fragment_ms, true)?;
        check(
            self.keep_count > 0,
            "recording.keep_count",
            self.keep_count,
            "must be above 0",
        )?;
        check(
            self.keep_mb > 0,
            "recording.keep_mb",
            self.keep_mb,
            "must be above 0",
        )
    }
}
