//! What every HTTP handler shares.

use crate::bus_thread::StatusRequests;
use crate::stats::FrameStats;
use crate::viewers::FrameBroadcast;
use mm_runtime::Config;
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
    pub statuses: StatusRequests,
    /// When the API started (CLOCK_MONOTONIC ns).
    pub started_ns: u64,
}
