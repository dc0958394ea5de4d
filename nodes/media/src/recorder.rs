//! One recording: a thread that writes the shared H.264 units into a fragmented MP4 until it
//! is stopped, or reaches its duration or size limit, or the disk its free-space floor; then
//! it writes the trailer and a JSON sidecar, records how it ended, and applies retention.

use crate::sink::Unit;
use mm_codec::mux::{H264Muxer, MuxSettings, MuxTarget};
use mm_runtime::media_files::{self, MediaKind, Retention};
use mm_runtime::report::ErrorChain;
use mm_shm_schema::{MediaText, RecordingState, RecordingStatus};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the free space is checked while writing.
const FREE_SPACE_CHECK: Duration = Duration::from_secs(1);
/// Longest the thread waits for a unit before it rechecks (a source that stopped).
const UNIT_WAIT: Duration = Duration::from_millis(500);

/// What one recording is to be.
#[derive(Debug, Clone)]
pub struct RecordingJob {
    /// The videos folder.
    pub dir: PathBuf,
    /// The file's name there.
    pub name: String,
    /// Camera id, for the sidecar.
    pub camera_id: String,
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
    pub status: Arc<Mutex<RecordingStatus>>,
}

/// The JSON sidecar of a recording.
#[derive(Debug, Serialize)]
struct RecordingSidecar<'a> {
    name: &'a str,
    camera_id: &'a str,
    started_at: String,
    duration_s: f64,
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

impl RecordingJob {
    /// Runs the recording on a thread of its own until it ends.
    pub fn spawn(self, units: Receiver<Arc<Unit>>) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new()
            .name("mm-recording".to_owned())
            .spawn(move || self.run(units))
    }

    fn update(&self, change: impl FnOnce(&mut RecordingStatus)) {
        if let Ok(mut status) = self.status.lock() {
            change(&mut status);
        }
    }

    fn run(self, units: Receiver<Arc<Unit>>) {
        let path = self.dir.join(&self.name);
        let (ending, dims, bytes, duration_us) = match self.write(&path, &units) {
            Ok(done) => done,
            Err(ending) => (ending, (0, 0, 0), 0, 0),
        };
        let started_unix_ms = self.status.lock().map_or(0, |s| s.started_unix_ms);
        let sidecar = RecordingSidecar {
            name: &self.name,
            camera_id: &self.camera_id,
            started_at: media_files::rfc3339(started_unix_ms),
            duration_s: duration_us as f64 / 1e6,
            bytes,
            width: dims.0,
            height: dims.1,
            fps: dims.2,
            ended: ending.state.name(),
            detail: &ending.detail,
        };
        if path.exists() {
            let sidecar_path = self.dir.join(MediaKind::Video.sidecar_name(&self.name));
            let written = serde_json::to_vec_pretty(&sidecar)
                .map_err(std::io::Error::other)
                .and_then(|json| std::fs::write(&sidecar_path, json));
            if let Err(error) = written {
                tracing::warn!(error = %ErrorChain(&error), "cannot write the recording's sidecar");
            }
        }
        tracing::info!(name = %self.name, ended = ending.state.name(), detail = %ending.detail, duration_s = duration_us as f64 / 1e6, "recording ended");
        self.update(|status| {
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

    /// Writes until the end; the file's (width, height, fps), bytes and media time.
    #[allow(clippy::type_complexity)]
    fn write(
        &self,
        path: &std::path::Path,
        units: &Receiver<Arc<Unit>>,
    ) -> Result<(Ending, (u32, u32, u32), u64, i64), Ending> {
        let failed = |detail: String| Ending {
            state: RecordingState::Failed,
            detail,
        };
        // The feed starts every writer at a keyframe.
        let first = loop {
            match units.recv_timeout(UNIT_WAIT) {
                Ok(unit) => break unit,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Ending {
                        state: RecordingState::Stopped,
                        detail: "stopped before the first keyframe".to_owned(),
                    })
                }
            }
        };
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
            .map_err(|error| failed(ErrorChain(&error).to_string()))?;
        let dims = (first.width, first.height, first.fps);
        let limit_us = self.limit.as_micros() as i64;
        let origin_us = first.pts_us;
        let mut free_checked = Instant::now();
        let mut next = Some(first);
        let ending = loop {
            let unit = match next.take() {
                Some(unit) => unit,
                None => match units.recv_timeout(UNIT_WAIT) {
                    Ok(unit) => unit,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => {
                        break Ending {
                            state: RecordingState::Stopped,
                            detail: "stopped by request".to_owned(),
                        }
                    }
                },
            };
            // The unit at the limit is not written: the file covers exactly [0, limit).
            if unit.pts_us - origin_us >= limit_us {
                break Ending {
                    state: RecordingState::Finished,
                    detail: format!("duration limit of {} s reached", self.limit.as_secs_f64()),
                };
            }
            if let Err(error) = muxer.write_video(&unit.data, unit.pts_us, unit.keyframe) {
                break failed(ErrorChain(&error).to_string());
            }
            let (bytes, duration_us) = (muxer.bytes(), muxer.duration_us());
            self.update(|status| {
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
        if let Err(error) = muxer.finish() {
            return Ok((
                failed(ErrorChain(&error).to_string()),
                dims,
                bytes,
                duration_us,
            ));
        }
        Ok((ending, dims, bytes, duration_us))
    }
}
