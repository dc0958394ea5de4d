//! What the media node hands its writer threads (the recording, the RTMP stream): each
//! access unit once, through a bounded queue per thread.
//!
//! iceoryx2 samples cannot leave the thread that took them, so each unit is copied once out
//! of shared memory into an [`Arc`] that every writer shares (a compressed unit, a few KiB;
//! never a frame). A writer that falls behind loses units, never holds up the others, and
//! gets the stream again from the next keyframe.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::Arc;

/// Units a writer may have waiting: two seconds at 30 fps.
pub const SINK_QUEUE: usize = 60;

/// One H.264 access unit, out of shared memory.
#[derive(Debug)]
pub struct Unit {
    /// Annex B data.
    pub data: Vec<u8>,
    /// Capture time (CLOCK_MONOTONIC µs): the presentation time.
    pub pts_us: i64,
    /// Whether a decoder can start here (SPS/PPS in front).
    pub keyframe: bool,
    /// Encoded width.
    pub width: u32,
    /// Encoded height.
    pub height: u32,
    /// Nominal frames per second.
    pub fps: u32,
}

/// The media node's end of one writer's queue.
pub struct SinkFeed {
    queue: SyncSender<Arc<Unit>>,
    /// False until a keyframe went in (again): units before it are useless to a decoder.
    synced: bool,
    dropped: Arc<AtomicU64>,
}

/// Why a unit could not be offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterGone;

impl SinkFeed {
    /// A feed and the writer's end of it; `dropped` counts the units the writer never got.
    pub fn new(dropped: Arc<AtomicU64>) -> (Self, Receiver<Arc<Unit>>) {
        let (queue, units) = std::sync::mpsc::sync_channel(SINK_QUEUE);
        let feed = Self {
            queue,
            synced: false,
            dropped,
        };
        (feed, units)
    }

    /// Queues `unit` when the writer can use it; a full queue drops it and every unit until
    /// the next keyframe. `Err` once the writer ended.
    pub fn offer(&mut self, unit: &Arc<Unit>) -> Result<(), WriterGone> {
        if !self.synced && !unit.keyframe {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        match self.queue.try_send(unit.clone()) {
            Ok(()) => {
                self.synced = true;
                Ok(())
            }
            Err(TrySendError::Full(_)) => {
                self.synced = false;
                self.dropped.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(TrySendError::Disconnected(_)) => Err(WriterGone),
        }
    }

    /// Units were lost before they reached the feed (a gap on the bus): wait for a keyframe.
    pub fn resync(&mut self) {
        self.synced = false;
    }
}

/// A writer's state, shared between its thread (which updates it) and the media node's loop
/// (which reports it). A writer that panicked leaves the last state it wrote; reading a
/// poisoned lock still gives it.
#[derive(Debug, Default)]
pub struct SharedState<T: Copy + Default>(Arc<std::sync::Mutex<T>>);

impl<T: Copy + Default> Clone for SharedState<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Copy + Default> SharedState<T> {
    /// A state starting as `initial`.
    pub fn new(initial: T) -> Self {
        Self(Arc::new(std::sync::Mutex::new(initial)))
    }

    /// The state now.
    pub fn get(&self) -> T {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the state in place.
    pub fn update(&self, change: impl FnOnce(&mut T)) {
        change(
            &mut self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }
}

/// Runs a writer on a thread of its own named `name`.
pub fn spawn_writer(
    name: &str,
    writer: impl FnOnce() + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(writer)
}
