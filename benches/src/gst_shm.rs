//! The external peer of `mm-bench transport`: GStreamer's `shmsink` / `shmsrc` (Debian's
//! gstreamer1.0-plugins-bad), driven through `appsrc` / `appsink`.
//!
//! The send timestamp travels in the first 8 bytes of each frame. Sending is how an
//! application feeds shmsink: the frame is copied into a fresh `GstBuffer` (appsrc), and shmsink
//! copies it into its shared-memory area; shmsrc hands the receiver a buffer in that area.

use anyhow::Context;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

fn caps(width: u32, height: u32) -> String {
    format!("video/x-raw,format=RGB,width={width},height={height},framerate=0/1")
}

/// Builds and starts the pipeline `description` and returns it with its element `name`.
fn start<T: IsA<gst::Element>>(
    description: &str,
    name: &str,
) -> anyhow::Result<(gst::Pipeline, T)> {
    gst::init().context("initialising GStreamer")?;
    let pipeline = gst::parse::launch(description)
        .with_context(|| format!("GStreamer pipeline {description:?}"))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| anyhow::anyhow!("{description:?} is not a pipeline"))?;
    let element = pipeline
        .by_name(name)
        .and_then(|e| e.downcast::<T>().ok())
        .with_context(|| format!("{name} missing in {description:?}"))?;
    pipeline
        .set_state(gst::State::Playing)
        .with_context(|| format!("starting {description:?}"))?;
    Ok((pipeline, element))
}

/// appsrc → shmsink.
pub struct GstSender {
    pipeline: gst::Pipeline,
    source: gst_app::AppSrc,
}

impl GstSender {
    /// Listens on `socket_path` for one shmsrc.
    pub fn start(socket_path: &str, width: u32, height: u32) -> anyhow::Result<Self> {
        let frame_len = width as usize * height as usize * 3;
        let description = format!(
            "appsrc name=source is-live=true format=time caps={} ! shmsink socket-path={socket_path} shm-size={} wait-for-connection=true sync=false",
            caps(width, height),
            frame_len * 4
        );
        let (pipeline, source) = start::<gst_app::AppSrc>(&description, "source")?;
        Ok(Self { pipeline, source })
    }

    /// Copies `frame` into a new buffer with `stamp` in its first 8 bytes and pushes it.
    pub fn send(&self, frame: &[u8], stamp: u64) -> anyhow::Result<()> {
        let mut buffer = gst::Buffer::with_size(frame.len()).context("allocating a GstBuffer")?;
        {
            let buffer = buffer.get_mut().context("fresh buffer not writable")?;
            let mut map = buffer.map_writable().context("mapping the buffer")?;
            map.copy_from_slice(frame);
            map[..8].copy_from_slice(&stamp.to_le_bytes());
        }
        self.source
            .push_buffer(buffer)
            .context("pushing into appsrc")?;
        Ok(())
    }
}

impl Drop for GstSender {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// shmsrc → appsink.
pub struct GstReceiver {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
}

impl GstReceiver {
    /// Connects to the shmsink at `socket_path`.
    pub fn connect(socket_path: &str, width: u32, height: u32) -> anyhow::Result<Self> {
        let description = format!(
            "shmsrc socket-path={socket_path} is-live=true ! {} ! appsink name=sink sync=false max-buffers=4",
            caps(width, height)
        );
        let (pipeline, sink) = start::<gst_app::AppSink>(&description, "sink")?;
        Ok(Self { pipeline, sink })
    }

    /// Waits for the next frame and returns the stamp in its first 8 bytes.
    pub fn receive(&self) -> anyhow::Result<u64> {
        let sample = self
            .sink
            .pull_sample()
            .map_err(|_| anyhow::anyhow!("shmsrc ended"))?;
        let buffer = sample.buffer().context("sample without buffer")?;
        let map = buffer.map_readable().context("mapping the buffer")?;
        let stamp = map.get(..8).context("buffer shorter than 8 bytes")?;
        Ok(u64::from_le_bytes(stamp.try_into()?))
    }
}

impl Drop for GstReceiver {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
