//! `mm-encode`: turns every new frame into one JPEG, shared by every MJPEG viewer.
//!
//! With `input = "composited"` it encodes the overlay's frames, and falls back to the raw
//! frames while none arrived for `fallback_after_ms` (overlay down or restarting), so the
//! stream never stops because of the overlay — unless `privacy.blur_unknown_faces` is on: a
//! raw frame would show every face, so then nothing is sent until the overlay is back.

use mm_bus::SliceSample;
use mm_bus::{ReceiveError, SlicePublisher};
use mm_codec::JpegEncoder;
use mm_encode::encode_frame;
use mm_runtime::config::{EncodeInput, OverlayMode};
use mm_runtime::status::{StatusReporter, STATUS_PERIOD};
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, FrameHeader, JpegHeader, Stream};
use std::time::Duration;
use tokio::time::{interval, Instant};

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
                tracing::warn!(%error, "frame not encoded");
                status.record_error(&error);
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, mut stop) = NodeContext::launch("encode")?;
    let config = node.config.encode.clone();
    let quality = config.quality.clamp(1, 100) as u8;
    let capture = &node.config.capture;
    // A JPEG is far smaller than the frame; the segment grows if one is ever larger.
    let initial_jpeg_len = capture.width as usize * capture.height as usize / 2;
    let mut raw = node.bus.slice_subscriber::<streams::FramesRaw>()?;
    let mut composited = match config.input {
        EncodeInput::Raw => None,
        EncodeInput::Composited => Some(node.bus.slice_subscriber::<streams::FramesComposited>()?),
    };
    let mut encoder = Encoder {
        jpeg: JpegEncoder::new(quality),
        publisher: node
            .bus
            .slice_publisher::<streams::FramesJpeg>(initial_jpeg_len)?,
        last_sequence: None,
    };
    // In `exact` mode the overlay holds each frame until its detections arrive, so silence up
    // to that wait is expected and no reason to fall back.
    let overlay_wait_ms = match node.config.overlay.mode {
        OverlayMode::Exact => node.config.overlay.exact_wait_ms,
        OverlayMode::Latest => 0,
    };
    let fallback_after = Duration::from_millis(config.fallback_after_ms + overlay_wait_ms);
    let preferred = if composited.is_some() {
        Stream::FramesComposited
    } else {
        Stream::FramesRaw
    };
    node.status.set_input(preferred.suffix());
    node.status
        .set_detail(&format!("{} q{quality}", preferred.suffix()));
    tracing::info!(input = preferred.suffix(), quality, "encoding");

    // Raw frames show every face: a blurring camera withholds them instead of falling back.
    let fallback = if node.config.privacy.blur_unknown_faces {
        Fallback::Withhold
    } else {
        Fallback::RawFrames
    };
    let mut last_composited: Option<Instant> = None;
    let mut on_fallback = false;
    let mut status_tick = interval(STATUS_PERIOD);
    loop {
        tokio::select! {
            biased;
            signal = &mut stop => {
                tracing::info!(?signal, "stopping");
                break;
            }
            _ = status_tick.tick() => node.status.publish(),
            received = next_frame(&mut composited) => match received {
                Ok(sample) => {
                    last_composited = Some(Instant::now());
                    if on_fallback {
                        on_fallback = false;
                        tracing::info!("composited frames are back");
                        node.status.set_input(Stream::FramesComposited.suffix());
                    }
                    let skipped = composited.as_ref().map_or(0, |c| c.skipped());
                    encoder.encode(sample, &mut node.status, skipped);
                }
                Err(error) => node.recover_from_receive_error(&error).await,
            },
            received = raw.next() => match received {
                Ok(sample) => {
                    let overlay_silent = composited.is_some()
                        && last_composited.is_none_or(|at| at.elapsed() >= fallback_after);
                    if composited.is_some() && overlay_silent && !on_fallback {
                        on_fallback = true;
                        match fallback {
                            Fallback::RawFrames => {
                                tracing::warn!("no composited frames: encoding raw frames");
                                node.status.set_input(Stream::FramesRaw.suffix());
                            }
                            Fallback::Withhold => {
                                tracing::warn!("no composited frames: withholding frames (privacy.blur_unknown_faces)");
                                node.status.set_input("none");
                                node.status.record_error(&WITHHELD);
                            }
                        }
                    }
                    let encode_raw = composited.is_none()
                        || (overlay_silent && fallback == Fallback::RawFrames);
                    if encode_raw {
                        let skipped = raw.skipped();
                        encoder.encode(sample, &mut node.status, skipped);
                    }
                }
                Err(error) => node.recover_from_receive_error(&error).await,
            },
        }
    }
    node.status.stopping();
    Ok(())
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
    subscriber: &mut Option<mm_bus::SliceSubscriber<FrameHeader>>,
) -> Result<SliceSample<FrameHeader>, ReceiveError> {
    match subscriber {
        Some(subscriber) => subscriber.next().await,
        None => std::future::pending().await,
    }
}
