//! `mm-overlay`: copies each frame of `frames/raw` into `frames/composited` with the detections
//! drawn on it. Never holds up capture: it reads the newest frame and skips the rest.

use mm_bus::SliceSample;
use mm_bus::{MessageSubscriber, SlicePublisher};
use mm_overlay::canvas::Canvas;
use mm_overlay::compose::{conceal, draw, DrawOptions};
use mm_overlay::pairing::RecentDetections;
use mm_runtime::clock::monotonic_ns;
use mm_runtime::config::OverlayMode;
use mm_runtime::status::STATUS_PERIOD;
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, Detections, FrameHeader, OverlayPolicy, PixelFormat, Stage, Stream};
use std::time::Duration;
use tokio::time::{interval, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, mut stop) = NodeContext::launch("overlay")?;
    let config = node.config.overlay.clone();
    let options = DrawOptions {
        persons: config.draw_persons,
        blur_unknown_faces: node.config.privacy.blur_unknown_faces,
    };
    let capture = &node.config.capture;
    let frame_len = PixelFormat::Rgb24.frame_len(capture.width, capture.height);
    let mut frames = node.bus.slice_subscriber::<streams::FramesRaw>()?;
    let mut detections = node.bus.message_subscriber::<streams::Detections>()?;
    let mut policies = node.bus.message_subscriber::<streams::OverlayPolicy>()?;
    let publisher = node
        .bus
        .slice_publisher::<streams::FramesComposited>(frame_len)?;
    let mut recent = RecentDetections::new(config.max_detection_age_ms * 1_000_000);
    let mut policy = OverlayPolicy::default();
    node.status.set_input(Stream::FramesRaw.suffix());
    // Until the first fresh detections a blurring overlay conceals every frame.
    let mut concealing = options.blur_unknown_faces;
    node.status
        .set_detail(&mode_detail(config.mode, concealing));
    let exact_wait = Duration::from_millis(config.exact_wait_ms);

    let mut last_detections: Option<Instant> = None;
    let mut status_tick = interval(STATUS_PERIOD);
    loop {
        tokio::select! {
            biased;
            signal = &mut stop => {
                tracing::info!(?signal, "stopping");
                break;
            }
            _ = status_tick.tick() => node.status.publish(),
            batch = policies.next_batch() => match batch {
                Ok(batch) => {
                    policy = batch.last().copied().unwrap_or(policy);
                    tracing::info!(revision = policy.revision, labelled = policy.labelled_count, gestures = policy.gestures, "overlay policy");
                }
                Err(error) => node.recover_from_receive_error(&error).await,
            },
            batch = detections.next_batch() => match batch {
                Ok(batch) => {
                    last_detections = Some(Instant::now());
                    batch.into_iter().for_each(|d| recent.push(d));
                }
                Err(error) => node.recover_from_receive_error(&error).await,
            },
            received = frames.next() => match received {
                Ok(sample) => {
                    let sequence = sample.user_header().sequence;
                    // Waiting only makes sense while inference is producing detections; with
                    // inference down or loading, frames go out at once, without boxes.
                    let inference_active = last_detections.is_some_and(|at| at.elapsed() <= exact_wait);
                    if config.mode == OverlayMode::Exact
                        && inference_active
                        && wait_for_exact(&mut detections, &mut recent, sequence, exact_wait).await
                    {
                        last_detections = Some(Instant::now());
                    }
                    let capture_ns = sample.user_header().capture_ns;
                    let chosen = match config.mode {
                        OverlayMode::Latest => recent.latest_for(capture_ns),
                        // A frame inference skipped has no detections of its own; a blurring
                        // camera then uses the newest fresh ones rather than conceal it.
                        OverlayMode::Exact if options.blur_unknown_faces => recent
                            .exact(sequence)
                            .or_else(|| recent.latest_for(capture_ns)),
                        OverlayMode::Exact => recent.exact(sequence),
                    };
                    let concealed = options.blur_unknown_faces && chosen.is_none();
                    if concealed != concealing {
                        concealing = concealed;
                        if concealed {
                            tracing::warn!("no fresh detections: concealing whole frames");
                        } else {
                            tracing::info!("detections are fresh again: blurring unknown faces");
                        }
                        node.status.set_detail(&mode_detail(config.mode, concealed));
                    }
                    match compose(&publisher, &sample, chosen, &policy, options) {
                        Ok(()) => node.status.record_frame(frames.skipped()),
                        Err(error) => {
                            tracing::warn!(%error, "frame not composited");
                            node.status.record_error(&error);
                        }
                    }
                }
                Err(error) => node.recover_from_receive_error(&error).await,
            },
        }
    }
    node.status.stopping();
    Ok(())
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
