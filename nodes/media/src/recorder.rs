//! One recording: a thread that writes the shared H.264 units into a fragmented MP4 until it
//! is stopped, or reaches its duration or size limit, or the disk its free-space floor; then
//! it writes the trailer and a JSON sidecar, records how it ended, and applies retention.

use crate::sink::{spawn_writer, SharedState, Unit};
use mm_codec::mux::{H264Muxer, MuxSettings, MuxTarget};
use mm_runtime::media_files::{self, MediaKind, Retention};
use mm_runtime::report::ErrorChain;
use mm_shm_schema::{MediaText, RecordingState, RecordingStatus};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the free space is checked while writing.
const FREE_SPACE_CHECK: Duration = Duration::from_secs(1);

/// What one recording is to be.
#[derive(Debug, Clone)]
pub struct RecordingJob {
    /// The videos folder.
    pub dir: PathBuf,
    /// The file's name there.
    pub name: String,
    /// Camera id, for the sidecar.
    pub camera_id: String,
    /// The wallet whose recording it is, for the sidecar.
    pub wallet: Option<String>,
    /// It ends by itself after this much media time.
    pub limit: Duration,
    /// It ends by itself at this size.
    pub max_bytes: u64,
    /// It ends when the disk has less free space.
    pub min_free_bytes: u64,
    /// Longest MP4 fragment.
    pub fragment: Duration,
    /// Retention applied when it ends.
    pub retention: Retention,
    /// Its state, shared with the media node.
    pub status: SharedState<RecordingStatus>,
}

/// The JSON sidecar of a recording: written when it starts (so that whose it is survives a
/// crash) and again when it ends.
#[derive(Debug, Serialize)]
struct RecordingSidecar<'a> {
    name: &'a str,
    camera_id: &'a str,
    wallet: Option<&'a str>,
    started_at: String,
    /// Null while it runs (and after a crash).
    duration_s: Option<f64>,
    bytes: u64,
    width: u32,
    height: u32,
    fps: u32,
    ended: &'static str,
    detail: &'a str,
}

/// How the writing loop ended.
struct Ending {
    state: RecordingState,
    detail: String,
}

impl Ending {
    fn failed(detail: String) -> Self {
        Self {
            state: RecordingState::Failed,
            detail,
        }
    }
}

/// What was written, and how it ended.
struct Written {
    ending: Ending,
    /// (width, height, fps) of the video.
    video: (u32, u32, u32),
    bytes: u64,
    duration_us: i64,
}

impl RecordingJob {
    /// Runs the recording on a thread of its own until it ends.
    pub fn spawn(self, units: Receiver<Arc<Unit>>) -> std::io::Result<std::thread::JoinHandle<()>> {
        spawn_writer("mm-recording", move || self.run(units))
    }

    fn run(self, units: Receiver<Arc<Unit>>) {
        let path = self.dir.join(&self.name);
        self.write_sidecar(&RecordingSidecar {
            name: &self.name,
            camera_id: &self.camera_id,
            wallet: self.wallet.as_deref(),
            started_at: media_files::rfc3339(self.status.get().started_unix_ms),
            duration_s: None,
            bytes: 0,
            width: 0,
            height: 0,
            fps: 0,
            ended: RecordingState::Recording.name(),
            detail: "",
        });
        let Written {
            ending,
            video,
            bytes,
            duration_us,
        } = self.write(&path, &units).unwrap_or_else(|ending| Written {
            ending,
            video: (0, 0, 0),
            bytes: 0,
            duration_us: 0,
        });
        let sidecar = RecordingSidecar {
            name: &self.name,
            camera_id: &self.camera_id,
            wallet: self.wallet.as_deref(),
            started_at: media_files::rfc3339(self.status.get().started_unix_ms),
            duration_s: Some(duration_us as f64 / 1e6),
            bytes,
            width: video.0,
            height: video.1,
            fps: video.2,
            ended: ending.state.name(),
            detail: &ending.detail,
        };
        if path.exists() {
            self.write_sidecar(&sidecar);
        } else {
            let _ = std::fs::remove_file(self.dir.join(MediaKind::Video.sidecar_name(&self.name)));
        }
        tracing::info!(name = %self.name, ended = ending.state.name(), detail = %ending.detail, duration_s = duration_us as f64 / 1e6, "recording ended");
        self.status.update(|status| {
            status.state = ending.state as u32;
            status.detail = MediaText::new(&ending.detail);
        });
        match media_files::enforce_retention(&self.dir, MediaKind::Video, self.retention, None) {
            Ok(removed) if !removed.is_empty() => {
                tracing::info!(?removed, "retention deleted old recordings");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %ErrorChain(&error), "retention failed"),
        }
    }

    fn write_sidecar(&self, sidecar: &RecordingSidecar<'_>) {
        let sidecar_path = self.dir.join(MediaKind::Video.sidecar_name(&self.name));
        let written = serde_json::to_vec_pretty(sidecar)
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(&sidecar_path, json));
        if let Err(error) = written {
            tracing::warn!(error = %ErrorChain(&error), "cannot write the recording's sidecar");
        }
    }

    /// Writes until the end; `Err` when no file was made.
    fn write(
        &self,
        path: &std::path::Path,
        units: &Receiver<Arc<Unit>>,
    ) -> Result<Written, Ending> {
        // The feed starts every writer at a keyframe; a closed feed is a stop.
        let first = units.recv().map_err(|_| Ending {
            state: RecordingState::Stopped,
            detail: "stopped before the first keyframe".to_owned(),
        })?;
        let settings = MuxSettings {
            width: first.width,
            height: first.height,
            fps: first.fps,
            first_keyframe: first.data.clone(),
            silent_audio: false,
            io_timeout: Duration::from_secs(30),
        };
        let target = MuxTarget::FragmentedMp4 {
            path,
            fragment: self.fragment,
        };
        let mut muxer = H264Muxer::create(target, &settings)
            .map_err(|error| Ending::failed(ErrorChain(&error).to_string()))?;
        let video = (first.width, first.height, first.fps);
        let limit_us = self.limit.as_micros() as i64;
        let origin_us = first.pts_us;
        let mut free_checked = Instant::now();
        let mut next = Some(first);
        let ending = loop {
            let Some(unit) = next.take().or_else(|| units.recv().ok()) else {
                break Ending {
                    state: RecordingState::Stopped,
                    detail: "stopped by request".to_owned(),
                };
            };
            // The unit at the limit is not written: the file covers exactly [0, limit).
            if unit.pts_us - origin_us >= limit_us {
                break Ending {
                    state: RecordingState::Finished,
                    detail: format!("duration limit of {} s reached", self.limit.as_secs_f64()),
                };
            }
            if let Err(error) = muxer.write_video(&unit.data, unit.pts_us, unit.keyframe) {
                break Ending::failed(ErrorChain(&error).to_string());
            }
            let (bytes, duration_us) = (muxer.bytes(), muxer.duration_us());
            self.status.update(|status| {
                status.bytes = bytes;
                status.duration_ms = (duration_us / 1000) as u64;
            });
            if bytes >= self.max_bytes {
                break Ending {
                    state: RecordingState::Finished,
                    detail: format!("size limit of {} MiB reached", self.max_bytes >> 20),
                };
            }
            if free_checked.elapsed() >= FREE_SPACE_CHECK {
                free_checked = Instant::now();
                let free = media_files::free_bytes(&self.dir).unwrap_or(u64::MAX);
                if free < self.min_free_bytes {
                    break Ending {
                        state: RecordingState::Finished,
                        detail: format!(
                            "stopped: the disk has {} MiB free, below recording.min_free_mb",
                            free >> 20
                        ),
                    };
                }
            }
        };
        let (bytes, duration_us) = (muxer.bytes(), muxer.duration_us());
        let ending = match muxer.finish() {
            Ok(()) => ending,
            Err(error) => Ending::failed(ErrorChain(&error).to_string()),
        };
        Ok(Written {
            ending,
            video,
            bytes,
            duration_us,
        })
    }
}
