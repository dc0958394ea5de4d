//! `mm-h264`: encodes the frames encode takes (composited, with the same raw fallback and
//! withholding rules) into H.264 once, and publishes each access unit on `frames/h264` for
//! the RTMP stream and recordings.
//!
//! It encodes only while `frames/h264` has a subscriber: an idle camera spends no CPU on it.
//! A subscriber that joins gets a keyframe (with SPS/PPS) on the next frame. The encoder runs
//! in a process of its own so that a stall or crash of libx264, RTMP or a recording can never
//! hold up the MJPEG path.

use mm_bus::{ReceiveError, SlicePublisher, SliceSample};
use mm_codec::h264::{AccessUnit, H264Encoder, H264Error, H264Settings};
use mm_encode::input::{Arrived, FrameInput};
use mm_runtime::clock::monotonic_ns;
use mm_runtime::node_loop::NodeWork;
use mm_runtime::report::ErrorChain;
use mm_runtime::NodeContext;
use mm_shm_schema::{h264_initial_unit_len, streams, FrameHeader, H264Header, Stream};
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, stop) = NodeContext::launch("h264")?;
    let capture = &node.config.capture;
    let config = &node.config.h264;
    let settings = H264Settings {
        encoder: config.encoder.clone(),
        width: capture.width,
        height: capture.height,
        fps: capture.fps,
        gop: Duration::from_millis(config.gop_ms),
        bitrate: u64::from(config.bitrate_kbps) * 1000,
        profile: config.profile.clone(),
    };
    let frame_len = u64::from(capture.width) * u64::from(capture.height) * 3;
    let publisher = node
        .bus
        .slice_publisher::<streams::FramesH264>(h264_initial_unit_len(frame_len) as usize)?;
    let input = FrameInput::open(&mut node)?;
    node.status
        .set_detail(&format!("{} (idle)", settings.encoder));
    tracing::info!(encoder = %settings.encoder, "ready; encoding while frames/h264 is read");
    let work = H264Work {
        input,
        settings,
        encoder: None,
        publisher,
        readers: 0,
        unit_sequence: 0,
        encoder_run: 0,
        last_sequence: None,
    };
    node.run(stop, work).await;
    Ok(())
}

/// The H.264 node's input, encoder and publisher.
struct H264Work {
    input: FrameInput,
    settings: H264Settings,
    /// Open while anyone reads `frames/h264`.
    encoder: Option<H264Encoder>,
    publisher: SlicePublisher<H264Header>,
    /// Subscribers of `frames/h264` at the last check.
    readers: usize,
    unit_sequence: u64,
    encoder_run: u64,
    last_sequence: Option<u64>,
}

impl NodeWork for H264Work {
    type Input = Arrived;
    type Error = ReceiveError;

    async fn next(&mut self) -> Result<Arrived, ReceiveError> {
        self.input.next().await
    }

    async fn handle(&mut self, node: &mut NodeContext, arrived: Arrived) {
        let Some((sample, skipped)) = self.input.select(arrived, &mut node.status) else {
            return;
        };
        // Frames taken every 8th: a reader that joins is noticed within a few frames.
        if self.last_sequence.is_none_or(|last| last % 8 == 0) {
            self.check_readers(node);
        }
        if self.readers == 0 {
            self.last_sequence = Some(sample.user_header().sequence);
            return;
        }
        let opening = self.encoder.is_none();
        match self.encode(sample) {
            Ok(()) => {
                node.status.record_frame(skipped);
                // Health names the encoder `auto` chose.
                if let Some(encoder) = self.encoder.as_ref().filter(|_| opening) {
                    let settings = encoder.settings();
                    node.status.set_detail(&format!(
                        "{} {}x{} {} kbit/s",
                        settings.encoder,
                        settings.width,
                        settings.height,
                        settings.bitrate / 1000
                    ));
                }
            }
            Err(error) => {
                tracing::warn!(error = %ErrorChain(&error), "frame not encoded");
                node.status.record_error(&error);
                // A failed encoder may be in any state: the next frame opens a fresh one.
                self.encoder = None;
            }
        }
    }

    fn on_status_tick(&mut self, node: &mut NodeContext) {
        self.check_readers(node);
    }
}

/// Why a frame did not become a published access unit.
#[derive(Debug, thiserror::Error)]
enum FrameError {
    /// The encoder failed or could not be opened.
    #[error(transparent)]
    Encode(#[from] H264Error),
    /// The unit could not be published.
    #[error(transparent)]
    Publish(#[from] mm_bus::PublishError),
}

impl H264Work {
    /// Opens the encoder when the first reader comes, closes it when the last one goes, and
    /// gives a reader that joined a keyframe on the next frame.
    fn check_readers(&mut self, node: &mut NodeContext) {
        let readers = node
            .bus
            .port_counts(Stream::FramesH264)
            .map_or(0, |counts| counts.subscribers);
        if readers > self.readers {
            if let Some(encoder) = &mut self.encoder {
                encoder.force_keyframe();
            }
        }
        if readers == 0 && self.encoder.take().is_some() {
            tracing::info!("no readers of frames/h264: encoder closed");
            node.status
                .set_detail(&format!("{} (idle)", self.settings.encoder));
        }
        self.readers = readers;
    }

    fn encode(&mut self, sample: SliceSample<FrameHeader>) -> Result<(), FrameError> {
        let header = *sample.user_header();
        if self
            .last_sequence
            .is_some_and(|last| header.sequence <= last)
        {
            return Ok(());
        }
        self.last_sequence = Some(header.sequence);
        let encoder = match &mut self.encoder {
            Some(encoder) => encoder,
            None => {
                let encoder = if self.settings.encoder == "auto" {
                    H264Encoder::open_auto(self.settings.clone())?
                } else {
                    H264Encoder::open(self.settings.clone())?
                };
                self.encoder_run += 1;
                tracing::info!(encoder = %encoder.settings().encoder, "encoding H.264");
                self.encoder.insert(encoder)
            }
        };
        let publisher = &self.publisher;
        let unit_sequence = &mut self.unit_sequence;
        let encoder_run = self.encoder_run;
        let (fps, gop_ms) = (
            encoder.settings().fps,
            encoder.settings().gop.as_millis() as u32,
        );
        let mut published = Ok(());
        let mut publish = |unit: AccessUnit<'_>| {
            if published.is_err() {
                return;
            }
            published = publish_unit(
                publisher,
                &header,
                unit,
                *unit_sequence,
                encoder_run,
                fps,
                gop_ms,
            );
            *unit_sequence += 1;
        };
        // The frame is read in place; the sample is released once its unit is out.
        encoder.encode(
            sample.payload(),
            header.stride as usize,
            header.capture_ns,
            &mut publish,
        )?;
        drop(sample);
        Ok(published?)
    }
}

/// Loans a sample of the unit's size, fills it and sends it: the unit is copied once, from
/// the encoder's packet into shared memory (its size is known only after encoding).
fn publish_unit(
    publisher: &SlicePublisher<H264Header>,
    frame: &FrameHeader,
    unit: AccessUnit<'_>,
    unit_sequence: u64,
    encoder_run: u64,
    fps: u32,
    gop_ms: u32,
) -> Result<(), mm_bus::PublishError> {
    let mut loaned = publisher.loan(unit.data.len())?;
    let (header, payload) = loaned.parts_mut();
    payload.copy_from_slice(unit.data);
    *header = H264Header {
        frame: *frame,
        unit_sequence,
        encoder_run,
        encode_ns: monotonic_ns(),
        len: unit.data.len() as u32,
        keyframe: u32::from(unit.keyframe),
        width: frame.width,
        height: frame.height,
        fps,
        gop_ms,
    };
    publisher.send(loaned)?;
    Ok(())
}
