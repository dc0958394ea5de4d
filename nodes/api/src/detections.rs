//! The newest detections, as the bus thread hands them to the HTTP handlers.

use mm_shm_schema::Detections;
use std::sync::Arc;

/// Detections as the bus thread received them.
#[derive(Debug, Clone)]
pub struct ReceivedDetections {
    /// The message.
    pub detections: Box<Detections>,
    /// When the API received it (CLOCK_MONOTONIC ns).
    pub received_ns: u64,
    /// Unix time of receipt, ms.
    pub received_unix_ms: u64,
}

/// The newest detections, shared with the handlers.
pub type LatestDetections = tokio::sync::watch::Receiver<Option<Arc<ReceivedDetections>>>;
