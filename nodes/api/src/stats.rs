//! What the API knows about the frames it receives.

use mm_runtime::rate::RateMeter;
use mm_shm_schema::{JpegHeader, SourceKind};
use prometheus_client::metrics::histogram::Histogram;

/// Window over which the delivered frame rate is measured.
const FPS_WINDOW_NS: u64 = 2_000_000_000;

/// Counters over the JPEG frames the API received.
#[derive(Debug, Clone)]
pub struct FrameStats {
    /// When the newest frame arrived (CLOCK_MONOTONIC ns).
    pub last_arrival_ns: Option<u64>,
    /// The newest frame's header.
    pub last_header: Option<JpegHeader>,
    /// Frames received.
    pub frames: u64,
    /// Frames encode published that the API never took (replaced by newer ones).
    pub skipped: u64,
    /// Seconds from capture to the API's receipt of each frame's JPEG (`/metrics`).
    pub capture_to_jpeg: Histogram,
    rate: RateMeter,
}

/// Bucket bounds of the latency histograms (`/metrics`), in seconds: 5 ms to 2 s.
pub const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0, 2.0,
];

impl Default for FrameStats {
    fn default() -> Self {
        Self {
            last_arrival_ns: None,
            last_header: None,
            frames: 0,
            skipped: 0,
            capture_to_jpeg: Histogram::new(LATENCY_BUCKETS),
            rate: RateMeter::new(FPS_WINDOW_NS),
        }
    }
}

impl FrameStats {
    /// Records a frame that arrived at `now_ns`.
    pub fn record(&mut self, header: JpegHeader, now_ns: u64, skipped_total: u64) {
        self.last_arrival_ns = Some(now_ns);
        self.last_header = Some(header);
        self.frames += 1;
        self.skipped = skipped_total;
        if header.frame.capture_ns > 0 {
            let latency_ns = now_ns.saturating_sub(header.frame.capture_ns);
            self.capture_to_jpeg.observe(latency_ns as f64 / 1e9);
        }
        self.rate.record(now_ns);
    }

    /// Frames per second received recently.
    pub fn fps(&mut self, now_ns: u64) -> f32 {
        self.rate.rate(now_ns)
    }

    /// Nanoseconds since the newest frame arrived.
    pub fn age_ns(&self, now_ns: u64) -> Option<u64> {
        self.last_arrival_ns.map(|at| now_ns.saturating_sub(at))
    }

    /// The source of the newest frame.
    pub fn source_kind(&self) -> Option<SourceKind> {
        self.last_header.and_then(|h| h.frame.source_kind().ok())
    }

    /// Width and height of the newest frame.
    pub fn resolution(&self) -> Option<(u32, u32)> {
        self.last_header.map(|h| (h.frame.width, h.frame.height))
    }
}
