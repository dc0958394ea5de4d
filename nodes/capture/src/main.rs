//! `mm-capture`: reads frames from a camera, a file or the synthetic scene and publishes each
//! one, written in place into shared memory, on `frames/raw`.

use anyhow::Context;
use mm_bus::SlicePublisher;
use mm_capture::source::{FrameSource, Pacing, SourceError};
use mm_capture::{device_wait, select};
use mm_runtime::clock::monotonic_ns;
use mm_runtime::node_loop::NodeWork;
use mm_runtime::report::ErrorChain;
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, FrameHeader, PixelFormat, Stage};
use std::time::Duration;
use tokio::time::{interval, MissedTickBehavior};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, stop) = NodeContext::launch("capture")?;
    let selected = select::open_source(&node.config.capture).context("opening the frame source")?;
    let source = selected.source;
    tracing::info!(source = %selected.reason, "frame source ready");
    if selected.fallback {
        tracing::warn!(source = %selected.reason, "no camera: serving a substitute");
        node.status.set_fallback(&selected.reason);
    } else {
        node.status.set_detail(&selected.reason);
    }

    let (width, height) = (node.config.capture.width, node.config.capture.height);
    let publisher = node
        .bus
        .slice_publisher::<streams::FramesRaw>(PixelFormat::Rgb24.frame_len(width, height))?;
    let work = CaptureWork {
        pacer: Pacer::new(source.pacing()),
        source,
        publisher,
        // Sequence numbers continue across restarts: a run starts at its start time in
        // milliseconds, which is later than any number an earlier run reached below 1000 fps.
        sequence: monotonic_ns() / 1_000_000,
    };
    node.run(stop, work).await;
    Ok(())
}

/// The source, the publisher it writes into, and the next frame's number.
struct CaptureWork {
    source: Box<dyn FrameSource>,
    publisher: SlicePublisher<FrameHeader>,
    pacer: Pacer,
    sequence: u64,
}

impl NodeWork for CaptureWork {
    /// The moment to capture the next frame.
    type Input = ();
    type Error = std::convert::Infallible;

    async fn next(&mut self) -> Result<(), Self::Error> {
        // A lost camera is reopened after a growing delay, waited out here so that a stop
        // request or a status tick is never held up by it.
        let retry_delay = self.source.retry_delay();
        if !retry_delay.is_zero() {
            tokio::time::sleep(retry_delay).await;
            return Ok(());
        }
        self.pacer.wait().await;
        // A camera's next frame is awaited on the reactor, not in a blocking read; after a
        // wait in vain the read finds the camera stalled and the source reconnects.
        if let Some(fd) = self.source.frame_fd() {
            if let Err(error) = device_wait::readable(fd, device_wait::FRAME_WAIT).await {
                tracing::debug!(error = %ErrorChain(&error), "cannot wait for the camera");
            }
        }
        Ok(())
    }

    async fn handle(&mut self, node: &mut NodeContext, (): ()) {
        match capture_one(self.source.as_mut(), &self.publisher, self.sequence) {
            Ok(()) => {
                self.sequence += 1;
                node.status.record_frame(0);
            }
            Err(error) => {
                tracing::warn!(error = %ErrorChain(&error), "no frame");
                node.status.record_error(&error);
                // A failing frame must not turn into a busy loop.
                if !matches!(self.source.pacing(), Pacing::Every(_)) {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    }
}

/// Why one capture iteration failed.
#[derive(Debug, thiserror::Error)]
enum CaptureError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Publish(#[from] mm_bus::PublishError),
}

/// Loans a frame, lets the source write into it, stamps the header and publishes it.
fn capture_one(
    source: &mut dyn FrameSource,
    publisher: &SlicePublisher<FrameHeader>,
    sequence: u64,
) -> Result<(), CaptureError> {
    source.ready()?;
    let (width, height) = source.size();
    let mut loaned = publisher.loan(PixelFormat::Rgb24.frame_len(width, height))?;
    let (header, payload) = loaned.parts_mut();
    let captured = source.fill(payload)?;
    *header = FrameHeader::new(width, height, PixelFormat::Rgb24, source.kind());
    header.sequence = sequence;
    header.capture_ns = captured;
    header.stamp(Stage::Capture, monotonic_ns());
    publisher.send(loaned)?;
    Ok(())
}

/// Waits for the next frame slot according to the source's [`Pacing`].
enum Pacer {
    Every(tokio::time::Interval),
    Immediately,
}

impl Pacer {
    fn new(pacing: Pacing) -> Self {
        match pacing {
            Pacing::Every(period) => {
                let mut ticks = interval(period);
                // A late frame is not made up for with a burst.
                ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
                Pacer::Every(ticks)
            }
            Pacing::Device | Pacing::Unpaced => Pacer::Immediately,
        }
    }

    async fn wait(&mut self) {
        match self {
            Pacer::Every(ticks) => {
                ticks.tick().await;
            }
            // Let the signal and status branches run between frames.
            Pacer::Immediately => tokio::task::yield_now().await,
        }
    }
}
