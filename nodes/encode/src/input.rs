//! Which frames a video encoder takes: `frames/composited` (the overlay's output) as
//! configured, falling back to `frames/raw` while the overlay is silent — unless
//! `privacy.blur_unknown_faces` is on: a raw frame would show every face, so then nothing is
//! taken until the overlay is back. The JPEG encoder and the H.264 encoder both decide so.

use mm_bus::{BusError, ReceiveError, SliceSample, SliceSubscriber};
use mm_runtime::config::EncodeInput;
use mm_runtime::status::StatusReporter;
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, FrameHeader, Stream};
use std::time::Duration;
use tokio::time::Instant;

/// A frame that arrived, and from where.
pub enum Arrived {
    /// From `frames/composited`.
    Composited(SliceSample<FrameHeader>),
    /// From `frames/raw`.
    Raw(SliceSample<FrameHeader>),
}

/// What is done while the overlay is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fallback {
    /// Take the raw frames, so the stream never stops because of the overlay.
    RawFrames,
    /// Take nothing: the raw frames would show faces that must be blurred.
    Withhold,
}

/// The status error while frames are withheld.
const WITHHELD: &str =
    "withholding frames: the overlay is silent and privacy.blur_unknown_faces is on";

/// The frames one encoder takes, and the state of its fallback.
pub struct FrameInput {
    raw: SliceSubscriber<FrameHeader>,
    composited: Option<SliceSubscriber<FrameHeader>>,
    fallback_after: Duration,
    fallback: Fallback,
    last_composited: Option<Instant>,
    on_fallback: bool,
}

impl FrameInput {
    /// Subscribes as `encode.input` says, with the fallback rules of the node's config.
    pub fn open(node: &mut NodeContext) -> Result<Self, BusError> {
        let raw = node.bus.slice_subscriber::<streams::FramesRaw>()?;
        let composited = match node.config.encode.input {
            EncodeInput::Raw => None,
            EncodeInput::Composited => {
                Some(node.bus.slice_subscriber::<streams::FramesComposited>()?)
            }
        };
        let input = Self {
            raw,
            composited,
            fallback_after: node.config.encode_fallback_after(),
            fallback: if node.config.privacy.blur_unknown_faces {
                Fallback::Withhold
            } else {
                Fallback::RawFrames
            },
            last_composited: None,
            on_fallback: false,
        };
        node.status.set_input(input.preferred().suffix());
        Ok(input)
    }

    /// The stream taken while all is well.
    pub fn preferred(&self) -> Stream {
        if self.composited.is_some() {
            Stream::FramesComposited
        } else {
            Stream::FramesRaw
        }
    }

    /// Waits for the next frame of either stream, composited first. Cancel-safe.
    pub async fn next(&mut self) -> Result<Arrived, ReceiveError> {
        tokio::select! {
            biased;
            sample = next_frame(&mut self.composited) => sample.map(Arrived::Composited),
            sample = self.raw.next() => sample.map(Arrived::Raw),
        }
    }

    /// The frame to encode out of what arrived, with the frames its stream skipped; `None`
    /// for a raw frame that is not taken (the overlay delivers, or frames are withheld).
    /// Switching to or from the fallback is logged and shown in `status`.
    pub fn select(
        &mut self,
        arrived: Arrived,
        status: &mut StatusReporter,
    ) -> Option<(SliceSample<FrameHeader>, u64)> {
        match arrived {
            Arrived::Composited(sample) => {
                self.last_composited = Some(Instant::now());
                if self.on_fallback {
                    self.on_fallback = false;
                    tracing::info!("composited frames are back");
                    status.set_input(Stream::FramesComposited.suffix());
                }
                let skipped = self.composited.as_ref().map_or(0, |c| c.skipped());
                Some((sample, skipped))
            }
            Arrived::Raw(sample) => {
                let reads_composited = self.composited.is_some();
                let overlay_silent = reads_composited
                    && self
                        .last_composited
                        .is_none_or(|at| at.elapsed() >= self.fallback_after);
                if overlay_silent && !self.on_fallback {
                    self.on_fallback = true;
                    match self.fallback {
                        Fallback::RawFrames => {
                            tracing::warn!("no composited frames: taking raw frames");
                            status.set_input(Stream::FramesRaw.suffix());
                        }
                        Fallback::Withhold => {
                            tracing::warn!("no composited frames: withholding frames (privacy.blur_unknown_faces)");
                            status.set_input("none");
                            status.record_problem(WITHHELD);
                        }
                    }
                }
                let take =
                    !reads_composited || (overlay_silent && self.fallback == Fallback::RawFrames);
                take.then(|| (sample, self.raw.skipped()))
            }
        }
    }
}

/// The next composited frame, or never when only raw frames are read.
async fn next_frame(
    subscriber: &mut Option<SliceSubscriber<FrameHeader>>,
) -> Result<SliceSample<FrameHeader>, ReceiveError> {
    match subscriber {
        Some(subscriber) => subscriber.next().await,
        None => std::future::pending().await,
    }
}
