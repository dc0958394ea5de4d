//! What every HTTP handler shares.

use crate::bus_thread::StatusView;
use crate::detections::LatestDetections;
use crate::internal_nodes::InternalNodes;
use crate::media_client::MediaControl;
use crate::session::Sessions;
use crate::stats::FrameStats;
use crate::viewers::FrameBroadcast;
use crate::visualization::Visualization;
use mm_runtime::Config;
use mm_shm_schema::OverlayPolicy;
use std::sync::{Arc, Mutex};

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The loaded configuration.
    pub config: Arc<Config>,
    /// The newest JPEG, for every viewer.
    pub broadcast: FrameBroadcast,
    /// Counters over received frames (short critical sections only).
    pub stats: Arc<Mutex<FrameStats>>,
    /// Node statuses, from the bus thread.
    pub statuses: StatusView,
    /// When the API started (CLOCK_MONOTONIC ns).
    pub started_ns: u64,
    /// The newest detections from inference.
    pub detections: LatestDetections,
    /// Every client's visualisation settings.
    pub visualization: Arc<Mutex<Visualization>>,
    /// The overlay policy, published on the bus by the bus thread.
    pub policy: Arc<tokio::sync::watch::Sender<OverlayPolicy>>,
    /// Asks the media node for recordings, the RTMP stream and photos.
    pub media: MediaControl,
    /// Sign-in challenges and sessions.
    pub sessions: Arc<Sessions>,
    /// The biometric and Solana nodes' HTTP APIs.
    pub internal: InternalNodes,
}
