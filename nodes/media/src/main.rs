//! `mm-media`: recordings and the RTMP stream from the one shared H.264 encode
//! (`frames/h264`), and photos; the API asks for them over `media/control`.
//!
//! It reads `frames/h264` only while a recording or the stream runs, so the H.264 node idles
//! otherwise. Each writer (the recording, the stream) is a thread of its own behind a bounded
//! queue: a slow disk or a stalled ingest holds up neither the other writer nor this loop.

mod control;
mod photo;
mod photo_privacy;
mod recorder;
mod sink;
mod streamer;

use control::MediaWork;
use mm_runtime::NodeContext;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, stop) = NodeContext::launch("media")?;
    // FFmpeg's own log lines may carry the RTMP URL, and with it the stream key: every
    // failure reaches the log through our errors instead.
    ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Quiet);
    let mut work = MediaWork::open(&mut node)?;
    work.autostart(&mut node);
    // Dropping the work at the end stops the stream and finishes the recording's file.
    node.run(stop, work).await;
    Ok(())
}
