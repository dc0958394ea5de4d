//! `mm-encode`: turns every new frame into one JPEG, shared by every MJPEG viewer.
//!
//! With `input = "composited"` it encodes the overlay's frames, and falls back to the raw
//! frames while none arrived for `fallback_after_ms` (overlay down or restarting), so the
//! stream never stops because of the overlay — unless `privacy.blur_unknown_faces` is on: a
//! raw frame would show every face, so then nothing is sent until the overlay is back.

use mm_bus::{ReceiveError, SlicePublisher, SliceSample, SliceSubscriber};
use mm_codec::JpegEncoder;
use mm_encode::encode_frame;
use mm_runtime::config::EncodeInput;
use mm_runtime::node_loop::NodeWork;
use mm_runtime::report::ErrorChain;
use mm_runtime::status::StatusReporter;
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, FrameHeader, JpegHeader, Stream};
use std::time::Duration;
use tokio::time::Instant;

/// Encodes frames in sequence order, each at most once, whichever stream they come from.
struct Encoder {
    jpeg: JpegEncoder,
    publisher: SlicePublisher<JpegHeader>,
    last_sequence: Option<u64>,
}

impl Encoder {
    fn encode(
        &mut self,
        sample: SliceSample<FrameHeader>,
        status: &mut StatusReporter,
        skipped: u64,
    ) {
        let sequence = sample.user_header().sequence;
        if self.last_sequence.is_some_and(|last| sequence <= last) {
            return;
        }
        let result = encode_frame(
            &mut self.jpeg,
            sample.user_header(),
            sample.payload(),
            &self.publisher,
        );
        drop(sample);
        match result {
            Ok(_) => {
                self.last_sequence = Some(sequence);
                status.record_frame(skipped);
            }
            Err(error) => {
                tracing::warn!(error = %ErrorChain(&error), "frame not encoded");
                status.record_error(&error);
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, stop) = NodeContext::launch("encode")?;
    let config = node.config.encode.clone();
    let quality = config.quality.clamp(1, 100) as u8;
    let capture = &node.config.capture;
    // A JPEG is far smaller than the frame; the segment grows if one is ever larger.
    let initial_jpeg_len = capture.width as usize * capture.height as usize / 2;
    let raw = node.bus.slice_subscriber::<streams::FramesRaw>()?;
    let composited = match config.input {
        EncodeInput::Raw => None,
        EncodeInput::Composited => Some(node.bus.slice_subscriber::<streams::FramesComposited>()?),
    };
    let encoder = Encoder {
        jpeg: JpegEncoder::new(quality),
        publisher: node
            .bus
            .slice_publisher::<streams::FramesJpeg>(initial_jpeg_len)?,
        last_sequence: None,
    };
    let preferred = if composited.is_some() {
        Stream::FramesComposited
    } else {
        Stream::FramesRaw
    };
    node.status.set_input(preferred.suffix());
    node.status
        .set_detail(&format!("{} q{quality}", preferred.suffix()));
    tracing::info!(input = preferred.suffix(), quality, "encoding");
    let work = EncodeWork {
        encoder,
        raw,
        composited,
        fallback_after: node.config.encode_fallback_after(),
        // Raw frames show every face: a blurring camera withholds them instead.
        fallback: if node.config.privacy.blur_unknown_faces {
            Fallback::Withhold
        } else {
            Fallback::RawFrames
        },
        last_composited: None,
        on_fallback: false,
    };
    node.run(stop, work).await;
    Ok(())
}

/// A frame that arrived, and from where.
enum Arrived {
    /// From `frames/composited`.
    Composited(SliceSample<FrameHeader>),
    /// From `frames/raw`.
    Raw(SliceSample<FrameHeader>),
}

/// Encode's inputs and the state of its fallback.
struct EncodeWork {
    encoder: Encoder,
    raw: SliceSubscriber<FrameHeader>,
    composited: Option<SliceSubscriber<FrameHeader>>,
    fallback_after: Duration,
    fallback: Fallback,
    last_composited: Option<Instant>,
    on_fallback: bool,
}

impl NodeWork for EncodeWork {
    type Input = Arrived;
    type Error = ReceiveError;

    async fn next(&mut self) -> Result<Arrived, ReceiveError> {
        tokio::select! {
            biased;
            sample = next_frame(&mut self.composited) => sample.map(Arrived::Composited),
            sample = self.raw.next() => sample.map(Arrived::Raw),
        }
    }

    async fn handle(&mut self, node: &mut NodeContext, input: Arrived) {
        match input {
            Arrived::Composited(sample) => {
                self.last_composited = Some(Instant::now());
                if self.on_fallback {
                    self.on_fallback = false;
                    tracing::info!("composited frames are back");
                    node.status.set_input(Stream::FramesComposited.suffix());
                }
                let skipped = self.composited.as_ref().map_or(0, |c| c.skipped());
                self.encoder.encode(sample, &mut node.status, skipped);
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
                            tracing::warn!("no composited frames: encoding raw frames");
                            node.status.set_input(Stream::FramesRaw.suffix());
                        }
                        Fallback::Withhold => {
                            tracing::warn!("no composited frames: withholding frames (privacy.blur_unknown_faces)");
                            node.status.set_input("none");
                            node.status.record_problem(WITHHELD);
                        }
                    }
                }
                if !reads_composited || (overlay_silent && self.fallback == Fallback::RawFrames) {
                    let skipped = self.raw.skipped();
                    self.encoder.encode(sample, &mut node.status, skipped);
                }
            }
        }
    }
}

/// What encode does while the overlay is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fallback {
    /// Encode the raw frames, so the stream never stops because of the overlay.
    RawFrames,
    /// Send nothing: the raw frames would show faces that must be blurred.
    Withhold,
}

/// The status error while frames are withheld.
const WITHHELD: &str =
    "withholding frames: the overlay is silent and privacy.blur_unknown_faces is on";

/// The next composited frame, or never when encode reads raw frames only.
async fn next_frame(
    subscriber: &mut Option<SliceSubscriber<FrameHeader>>,
) -> Result<SliceSample<FrameHeader>, ReceiveError> {
    match subscriber {
        Some(subscriber) => subscriber.next().await,
        None => std::future::pending().await,
    }
}
