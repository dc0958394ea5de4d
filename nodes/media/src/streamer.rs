//! The RTMP stream: a thread that sends the shared H.264 units (with a silent AAC track) as
//! FLV to the ingest, and when the server goes away or refuses, reconnects with a capped
//! back-off at the next keyframe, counting what it could not send.

use crate::sink::{spawn_writer, SharedState, Unit};
use mm_codec::mux::{H264Muxer, MuxSettings, MuxTarget};
use mm_runtime::clock::monotonic_ns;
use mm_runtime::report::ErrorChain;
use mm_runtime::secret::Secret;
use mm_shm_schema::{MediaText, StreamingState, StreamingStatus};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A connection that held this long starts the back-off over.
const STABLE_AFTER: Duration = Duration::from_secs(10);
/// The bitrate and latency in the status are over windows this long.
const WINDOW: Duration = Duration::from_secs(2);

/// What one stream is to be.
pub struct StreamJob {
    /// The ingest URL without the key.
    pub ingest_url: String,
    /// The stream key.
    pub key: Secret,
    /// Longest a connect or write may block.
    pub io_timeout: Duration,
    /// First reconnect delay.
    pub backoff_initial: Duration,
    /// Longest reconnect delay.
    pub backoff_max: Duration,
    /// Its state, shared with the media node.
    pub status: SharedState<StreamingStatus>,
    /// Units it never sent.
    pub dropped: Arc<AtomicU64>,
}

/// Why the sending loop left a connection.
enum Left {
    /// The media node stopped the stream.
    Stopped,
    /// The connection failed; reconnect.
    Lost(String),
}

impl StreamJob {
    /// The ingest as logs and errors may show it: the key replaced.
    pub fn shown_as(ingest_url: &str) -> String {
        format!("{}/<stream key>", ingest_url.trim_end_matches('/'))
    }

    /// Runs the stream on a thread of its own until the feed is dropped.
    pub fn spawn(self, units: Receiver<Arc<Unit>>) -> std::io::Result<std::thread::JoinHandle<()>> {
        spawn_writer("mm-rtmp", move || self.run(units))
    }

    fn update(&self, change: impl FnOnce(&mut StreamingStatus)) {
        self.status.update(|status| {
            change(status);
            status.dropped_frames = self.dropped.load(Ordering::Relaxed);
        });
    }

    fn run(self, units: Receiver<Arc<Unit>>) {
        let url = format!(
            "{}/{}",
            self.ingest_url.trim_end_matches('/'),
            self.key.expose()
        );
        let shown_as = Self::shown_as(&self.ingest_url);
        let mut delay = self.backoff_initial;
        // The feed starts at a keyframe, and restarts at one after a loss.
        while let Some(first) = self.next_keyframe(&units) {
            self.update(|s| s.state = StreamingState::Connecting as u32);
            let settings = MuxSettings {
                width: first.width,
                height: first.height,
                fps: first.fps,
                first_keyframe: first.data.clone(),
                silent_audio: true,
                io_timeout: self.io_timeout,
            };
            let target = MuxTarget::Rtmp {
                url: &url,
                shown_as: &shown_as,
            };
            let left = match H264Muxer::create(target, &settings) {
                Ok(muxer) => {
                    tracing::info!(ingest = %shown_as, "streaming");
                    self.update(|s| s.state = StreamingState::Streaming as u32);
                    let connected = Instant::now();
                    let left = self.send(muxer, first, &units);
                    if connected.elapsed() >= STABLE_AFTER {
                        delay = self.backoff_initial;
                    }
                    left
                }
                Err(error) => Left::Lost(ErrorChain(&error).to_string()),
            };
            match left {
                Left::Stopped => break,
                Left::Lost(error) => {
                    tracing::warn!(ingest = %shown_as, %error, retry_in_ms = delay.as_millis() as u64, "RTMP connection lost");
                    self.update(|s| {
                        s.state = StreamingState::Retrying as u32;
                        s.reconnects += 1;
                        s.last_error = MediaText::new(&error);
                    });
                    if !self.wait_dropping(&units, delay) {
                        break;
                    }
                    delay = (delay * 2).min(self.backoff_max);
                }
            }
        }
        self.update(|s| s.state = StreamingState::Stopped as u32);
        tracing::info!("stream stopped");
    }

    /// Sends until the connection fails or the feed ends. Every [`WINDOW`] the status gets
    /// the bitrate and the capture → sent latency of that window.
    fn send(&self, mut muxer: H264Muxer, first: Arc<Unit>, units: &Receiver<Arc<Unit>>) -> Left {
        let mut window_start = Instant::now();
        let mut window_bytes = 0u64;
        let mut latencies_us: Vec<u32> = Vec::new();
        let mut next = Some(first);
        loop {
            let Some(unit) = next.take().or_else(|| units.recv().ok()) else {
                if let Err(error) = muxer.finish() {
                    tracing::debug!(error = %ErrorChain(&error), "closing the stream");
                }
                return Left::Stopped;
            };
            if let Err(error) = muxer.write_video(&unit.data, unit.pts_us, unit.keyframe) {
                return Left::Lost(ErrorChain(&error).to_string());
            }
            let sent_us = (monotonic_ns() / 1000) as i64;
            latencies_us.push((sent_us - unit.pts_us).clamp(0, i64::from(u32::MAX)) as u32);
            window_bytes += unit.data.len() as u64;
            let elapsed = window_start.elapsed();
            let window = (elapsed >= WINDOW).then(|| {
                latencies_us.sort_unstable();
                let rank = |p: f64| {
                    let index = ((p * latencies_us.len() as f64).ceil() as usize)
                        .clamp(1, latencies_us.len());
                    latencies_us[index - 1]
                };
                let summary = (
                    (window_bytes as f64 * 8.0 / elapsed.as_secs_f64()) as u64,
                    rank(0.5),
                    rank(0.99),
                );
                window_start = Instant::now();
                window_bytes = 0;
                latencies_us.clear();
                summary
            });
            let size = unit.data.len() as u64;
            self.update(|s| {
                s.frames_sent += 1;
                s.bytes_sent += size;
                if let Some((bitrate, p50, p99)) = window {
                    s.bitrate_bps = bitrate;
                    s.send_latency_p50_us = p50;
                    s.send_latency_p99_us = p99;
                }
            });
        }
    }

    /// The next keyframe; units before it are dropped. `None` when the feed ended.
    fn next_keyframe(&self, units: &Receiver<Arc<Unit>>) -> Option<Arc<Unit>> {
        loop {
            let unit = units.recv().ok()?;
            if unit.keyframe {
                return Some(unit);
            }
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits `delay`, dropping what arrives meanwhile; false when the feed ended.
    fn wait_dropping(&self, units: &Receiver<Arc<Unit>>, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            match units.recv_timeout(left) {
                Ok(_) => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
                Err(RecvTimeoutError::Timeout) => return true,
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
    }
}

/// A fresh status for a stream started now.
pub fn started_status() -> StreamingStatus {
    StreamingStatus {
        state: StreamingState::Connecting as u32,
        started_ns: monotonic_ns(),
        ..StreamingStatus::default()
    }
}
