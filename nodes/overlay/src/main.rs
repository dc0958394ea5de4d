//! `mm-overlay`: copies each frame of `frames/raw` into `frames/composited` with the detections
//! drawn on it. Never holds up capture: it reads the newest frame and skips the rest.

use mm_bus::{MessageSubscriber, ReceiveError, SlicePublisher, SliceSample, SliceSubscriber};
use mm_overlay::canvas::Canvas;
use mm_overlay::compose::{conceal, draw, DrawOptions};
use mm_overlay::pairing::RecentDetections;
use mm_runtime::clock::monotonic_ns;
use mm_runtime::config::OverlayMode;
use mm_runtime::node_loop::NodeWork;
use mm_runtime::report::ErrorChain;
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, Detections, FrameHeader, OverlayPolicy, PixelFormat, Stage, Stream};
use std::time::Duration;
use tokio::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, stop) = NodeContext::launch("overlay")?;
    let config = node.config.overlay.clone();
    let options = DrawOptions {
        persons: config.draw_persons,
        blur_unknown_faces: node.config.privacy.blur_unknown_faces,
    };
    let capture = &node.config.capture;
    let frame_len = PixelFormat::Rgb24.frame_len(capture.width, capture.height);
    let work = OverlayWork {
        frames: node.bus.slice_subscriber::<streams::FramesRaw>()?,
        detections: node.bus.message_subscriber::<streams::Detections>()?,
        policies: node.bus.message_subscriber::<streams::OverlayPolicy>()?,
        publisher: node
            .bus
            .slice_publisher::<streams::FramesComposited>(frame_len)?,
        recent: RecentDetections::new(config.max_detection_age_ms * 1_000_000),
        policy: OverlayPolicy::default(),
        mode: config.mode,
        exact_wait: Duration::from_millis(config.exact_wait_ms),
        options,
        last_detections: None,
        // Until the first fresh detections a blurring overlay conceals every frame.
        concealing: options.blur_unknown_faces,
    };
    node.status.set_input(Stream::FramesRaw.suffix());
    node.status
        .set_detail(&mode_detail(work.mode, work.concealing));
    node.run(stop, work).await;
    Ok(())
}

/// What woke the overlay.
enum Arrived {
    /// New overlay policies, oldest first.
    Policies(Vec<OverlayPolicy>),
    /// New detections, oldest first.
    Detections(Vec<Detections>),
    /// A raw frame to composite.
    Frame(SliceSample<FrameHeader>),
}

/// The overlay's inputs, its output and what it knows about faces.
struct OverlayWork {
    frames: SliceSubscriber<FrameHeader>,
    detections: MessageSubscriber<Detections>,
    policies: MessageSubscriber<OverlayPolicy>,
    publisher: SlicePublisher<FrameHeader>,
    recent: RecentDetections,
    policy: OverlayPolicy,
    mode: OverlayMode,
    exact_wait: Duration,
    options: DrawOptions,
    last_detections: Option<Instant>,
    concealing: bool,
}

impl NodeWork for OverlayWork {
    type Input = Arrived;
    type Error = ReceiveError;

    async fn next(&mut self) -> Result<Arrived, ReceiveError> {
        tokio::select! {
            biased;
            batch = self.policies.next_batch() => batch.map(Arrived::Policies),
            batch = self.detections.next_batch() => batch.map(Arrived::Detections),
            sample = self.frames.next() => sample.map(Arrived::Frame),
        }
    }

    async fn handle(&mut self, node: &mut NodeContext, input: Arrived) {
        match input {
            Arrived::Policies(batch) => {
                self.policy = batch.last().copied().unwrap_or(self.policy);
                let policy = &self.policy;
                tracing::info!(
                    revision = policy.revision,
                    labelled = policy.labelled_count,
                    gestures = policy.gestures,
                    "overlay policy"
                );
            }
            Arrived::Detections(batch) => {
                self.last_detections = Some(Instant::now());
                batch.into_iter().for_each(|d| self.recent.push(d));
            }
            Arrived::Frame(sample) => self.composite(node, sample).await,
        }
    }
}

impl OverlayWork {
    /// Draws the right detections on one frame (after waiting for them in `exact` mode) and
    /// publishes it.
    async fn composite(&mut self, node: &mut NodeContext, sample: SliceSample<FrameHeader>) {
        let sequence = sample.user_header().sequence;
        // Waiting only makes sense while inference is producing detections; with inference
        // down or loading, frames go out at once, without boxes.
        let inference_active = self
            .last_detections
            .is_some_and(|at| at.elapsed() <= self.exact_wait);
        if self.mode == OverlayMode::Exact
            && inference_active
            && wait_for_exact(
                &mut self.detections,
                &mut self.recent,
                sequence,
                self.exact_wait,
            )
            .await
        {
            self.last_detections = Some(Instant::now());
        }
        let capture_ns = sample.user_header().capture_ns;
        let recent = &self.recent;
        let chosen = match self.mode {
            OverlayMode::Latest => recent.latest_for(capture_ns),
            // A frame inference skipped has no detections of its own; a blurring camera then
            // uses the newest fresh ones rather than conceal it.
            OverlayMode::Exact if self.options.blur_unknown_faces => recent
                .exact(sequence)
                .or_else(|| recent.latest_for(capture_ns)),
            OverlayMode::Exact => recent.exact(sequence),
        };
        let concealed = self.options.blur_unknown_faces && chosen.is_none();
        if concealed != self.concealing {
            self.concealing = concealed;
            if concealed {
                tracing::warn!("no fresh detections: concealing whole frames");
            } else {
                tracing::info!("detections are fresh again: blurring unknown faces");
            }
            node.status.set_detail(&mode_detail(self.mode, concealed));
        }
        match compose(&self.publisher, &sample, chosen, &self.policy, self.options) {
            Ok(()) => node.status.record_frame(self.frames.skipped()),
            Err(error) => {
                tracing::warn!(error = %ErrorChain(&error), "frame not composited");
                node.status.record_error(&error);
            }
        }
    }
}

/// The overlay's status detail: its mode, and whether it conceals whole frames now.
fn mode_detail(mode: OverlayMode, concealing: bool) -> String {
    let mode = format!("{mode:?}").to_lowercase();
    if concealing {
        format!("{mode}, concealing frames: no fresh detections")
    } else {
        mode
    }
}

/// `exact` mode: waits (at most `wait`) until frame `sequence`'s detections arrived or
/// inference moved past it. True when detections arrived meanwhile.
async fn wait_for_exact(
    detections: &mut MessageSubscriber<Detections>,
    recent: &mut RecentDetections,
    sequence: u64,
    wait: Duration,
) -> bool {
    let deadline = Instant::now() + wait;
    let mut arrived = false;
    while !recent.settled(sequence) {
        tokio::select! {
            batch = detections.next_batch() => match batch {
                Ok(batch) => {
                    arrived = true;
                    batch.into_iter().for_each(|d| recent.push(d));
                }
                Err(_) => break,
            },
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    arrived
}

/// Why a frame could not be composited.
#[derive(Debug, thiserror::Error)]
enum ComposeError {
    #[error(transparent)]
    Publish(#[from] mm_bus::PublishError),
    #[error("frame of {len} bytes is smaller than its header's {width}x{height}")]
    Size { len: usize, width: u32, height: u32 },
}

/// The one pass that writes pixels: the frame is copied into the loaned composited sample and
/// the detections are drawn on the copy; the raw frame is never modified. Without fresh
/// detections a blurring camera conceals the whole frame: it cannot know where the faces are.
fn compose(
    publisher: &SlicePublisher<FrameHeader>,
    sample: &SliceSample<FrameHeader>,
    detections: Option<&Detections>,
    policy: &OverlayPolicy,
    options: DrawOptions,
) -> Result<(), ComposeError> {
    let header = *sample.user_header();
    let frame = sample.payload();
    let mut loaned = publisher.loan(frame.len())?;
    let (out_header, pixels) = loaned.parts_mut();
    *out_header = header;
    pixels.copy_from_slice(frame);
    if detections.is_some() || options.blur_unknown_faces {
        let mut canvas = Canvas::new(pixels, header.width as usize, header.height as usize).ok_or(
            ComposeError::Size {
                len: frame.len(),
                width: header.width,
                height: header.height,
            },
        )?;
        match detections {
            Some(detections) => draw(&mut canvas, detections, policy, options),
            None => conceal(&mut canvas),
        }
    }
    out_header.stage_ns[Stage::Overlay as usize] = monotonic_ns();
    publisher.send(loaned)?;
    Ok(())
}
