//! `mm-encode`: turns every new frame into one JPEG, shared by every MJPEG viewer.
//!
//! Which frames it takes (composited, the raw fallback, withholding) is [`FrameInput`]'s rule.

use mm_bus::{ReceiveError, SlicePublisher, SliceSample};
use mm_codec::JpegEncoder;
use mm_encode::encode_frame;
use mm_encode::input::{Arrived, FrameInput};
use mm_runtime::node_loop::NodeWork;
use mm_runtime::report::ErrorChain;
use mm_runtime::status::StatusReporter;
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, FrameHeader, JpegHeader};

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
    let quality = node.config.encode.quality.clamp(1, 100) as u8;
    let capture = &node.config.capture;
    // A JPEG is far smaller than the frame; the segment grows if one is ever larger.
    let initial_jpeg_len = capture.width as usize * capture.height as usize / 2;
    let input = FrameInput::open(&mut node)?;
    let encoder = Encoder {
        jpeg: JpegEncoder::new(quality),
        publisher: node
            .bus
            .slice_publisher::<streams::FramesJpeg>(initial_jpeg_len)?,
        last_sequence: None,
    };
    let preferred = input.preferred().suffix();
    node.status.set_detail(&format!("{preferred} q{quality}"));
    tracing::info!(input = preferred, quality, "encoding");
    node.run(stop, EncodeWork { encoder, input }).await;
    Ok(())
}

/// Encode's input and its JPEG encoder.
struct EncodeWork {
    encoder: Encoder,
    input: FrameInput,
}

impl NodeWork for EncodeWork {
    type Input = Arrived;
    type Error = ReceiveError;

    async fn next(&mut self) -> Result<Arrived, ReceiveError> {
        self.input.next().await
    }

    async fn handle(&mut self, node: &mut NodeContext, arrived: Arrived) {
        if let Some((sample, skipped)) = self.input.select(arrived, &mut node.status) {
            self.encoder.encode(sample, &mut node.status, skipped);
        }
    }
}
