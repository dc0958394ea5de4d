//! The one interface every frame source implements.

use mm_shm_schema::SourceKind;
use std::os::fd::BorrowedFd;
use std::time::Duration;

/// How the capture loop paces a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// The loop asks for a frame every period (synthetic scenes, files at their own rate).
    Every(Duration),
    /// `fill` blocks until the device delivers; the device sets the rate.
    Device,
    /// As fast as the source can fill (files in benchmarks).
    Unpaced,
}

/// What lies under a [`SourceError`]: the library's own error (FFmpeg, V4L2, libjpeg, the
/// OS), or a description where there is none.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a source could not deliver a frame.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source cannot be opened or configured at all.
    #[error("cannot open {source_name}")]
    Open {
        /// Which source.
        source_name: String,
        /// Why.
        #[source]
        source: Cause,
    },
    /// One frame failed; the next may succeed (e.g. a corrupt MJPEG frame).
    #[error("frame failed: {step}")]
    Frame {
        /// What was being done (`decode`, `scale`, ...).
        step: &'static str,
        /// Why it failed.
        #[source]
        source: Cause,
    },
    /// The device went away; the source will try to reopen it on the next call.
    #[error("device lost")]
    Disconnected(#[source] Cause),
}

impl SourceError {
    /// `step` of one frame failed because of `cause`.
    pub fn frame(step: &'static str, cause: impl Into<Cause>) -> Self {
        Self::Frame {
            step,
            source: cause.into(),
        }
    }
}

/// A producer of RGB24 frames that writes each frame directly into the buffer it is given —
/// a loaned shared-memory sample — with no intermediate full-frame buffer.
pub trait FrameSource {
    /// What kind of source this is.
    fn kind(&self) -> SourceKind;

    /// Width and height of the frames `fill` writes now.
    fn size(&self) -> (u32, u32);

    /// How the capture loop should pace calls to `fill`.
    fn pacing(&self) -> Pacing;

    /// How long the capture loop must wait before calling [`FrameSource::ready`] again: a
    /// lost device is reopened with growing delays, waited out by the loop without blocking
    /// it. Zero (the default) for sources that are always ready.
    fn retry_delay(&self) -> Duration {
        Duration::ZERO
    }

    /// For sources paced by a device: the descriptor that turns readable when the next frame
    /// is ready, which the capture loop awaits on its reactor so that `fill` does not block
    /// its thread. `None` (the default) when there is nothing to wait for.
    fn frame_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }

    /// Makes sure the source can deliver — opens or reopens a device — before the capture
    /// loop loans a frame of [`FrameSource::size`]. Sources that are always ready keep the
    /// default.
    fn ready(&mut self) -> Result<(), SourceError> {
        Ok(())
    }

    /// Writes the next frame into `frame` (exactly `width * height * 3` bytes, packed rows) and
    /// returns its capture time (CLOCK_MONOTONIC ns).
    fn fill(&mut self, frame: &mut [u8]) -> Result<u64, SourceError>;
}
