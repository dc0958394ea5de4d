//! `mm-encode`: turns every new frame into one JPEG, shared by every MJPEG viewer.

use mm_codec::JpegEncoder;
use mm_encode::encode_frame;
use mm_runtime::config::EncodeInput;
use mm_runtime::status::STATUS_PERIOD;
use mm_runtime::subscriber::RECEIVE_RETRY;
use mm_runtime::NodeContext;
use mm_shm_schema::{FrameHeader, JpegHeader, Stream};
use tokio::time::interval;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, mut stop) = NodeContext::launch("encode")?;
    let input = match node.config.encode.input {
        EncodeInput::Raw => Stream::FramesRaw,
        EncodeInput::Composited => Stream::FramesComposited,
    };
    let quality = node.config.encode.quality.clamp(1, 100) as u8;
    let capture = &node.config.capture;
    // A JPEG is far smaller than the frame; the segment grows if one is ever larger.
    let initial_jpeg_len = capture.width as usize * capture.height as usize / 2;
    let mut frames = node.bus.slice_subscriber::<FrameHeader>(input)?;
    let publisher = node
        .bus
        .slice_publisher::<JpegHeader>(Stream::FramesJpeg, initial_jpeg_len)?;
    let mut encoder = JpegEncoder::new(quality);
    node.status
        .set_detail(&format!("{} q{quality}", input.suffix()));
    node.status.set_input(input.suffix());
    tracing::info!(input = input.suffix(), quality, "encoding");

    let mut status_tick = interval(STATUS_PERIOD);
    loop {
        tokio::select! {
            biased;
            signal = &mut stop => {
                tracing::info!(?signal, "stopping");
                break;
            }
            _ = status_tick.tick() => node.status.publish(),
            received = frames.next() => match received {
                Ok(sample) => {
                    let result = encode_frame(&mut encoder, sample.user_header(), sample.payload(), &publisher);
                    drop(sample);
                    match result {
                        Ok(_) => node.status.record_frame(frames.skipped()),
                        Err(error) => {
                            tracing::warn!(%error, "frame not encoded");
                            node.status.record_error(&error);
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot receive frames");
                    node.status.record_error(&error);
                    node.bus.cleanup_dead_nodes();
                    tokio::time::sleep(RECEIVE_RETRY).await;
                }
            },
        }
    }
    node.status.stopping();
    Ok(())
}
