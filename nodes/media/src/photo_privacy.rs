//! Raw photos while `privacy.blur_unknown_faces` is on: the raw frame without overlays, yet
//! every face without a permitted label pixelated exactly as the overlay does it. When no fresh
//! detections cover the frame (inference stalled, crashed or loading), the whole photo is
//! concealed: the same fail-closed rule as the stream.

use mm_bus::{BusError, MessageSubscriber, ReceiveError};
use mm_overlay::canvas::Canvas;
use mm_overlay::compose::{conceal, draw, DrawOptions};
use mm_overlay::pairing::RecentDetections;
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, Detections, FrameHeader, OverlayPolicy};
use std::time::Duration;

/// Longest a photo waits for the detections of its frame.
const DETECTIONS_WAIT: Duration = Duration::from_millis(500);

/// What a photo's faces look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Faces without a permitted label are pixelated.
    FacesBlurred,
    /// The whole picture is pixelated: nobody knew fresh where the faces were.
    Concealed,
}

impl Treatment {
    /// Lower-case name for the photo's metadata.
    pub fn name(self) -> &'static str {
        match self {
            Treatment::FacesBlurred => "faces_blurred",
            Treatment::Concealed => "concealed",
        }
    }
}

/// The detections and labelling consent a raw photo is blurred by. Subscribed for as long as
/// the node runs: the overlay policy is published only when it changes.
pub struct PhotoPrivacy {
    detections: MessageSubscriber<Detections>,
    policies: MessageSubscriber<OverlayPolicy>,
    recent: RecentDetections,
    policy: OverlayPolicy,
}

impl PhotoPrivacy {
    /// Subscribes to `detections` and `overlay/policy`; detections further than the overlay's
    /// `max_detection_age_ms` from a frame do not count for it.
    pub fn open(node: &NodeContext) -> Result<Self, BusError> {
        Ok(Self {
            detections: node.bus.message_subscriber::<streams::Detections>()?,
            policies: node.bus.message_subscriber::<streams::OverlayPolicy>()?,
            recent: RecentDetections::new(node.config.overlay.max_detection_age_ms * 1_000_000),
            policy: OverlayPolicy::default(),
        })
    }

    /// Pixelates `pixels` (packed RGB24 of the frame `header`) as the stream would be.
    pub async fn apply(
        &mut self,
        header: &FrameHeader,
        pixels: &mut [u8],
    ) -> Result<Treatment, ReceiveError> {
        if let Some(policy) = self.policies.latest()? {
            self.policy = policy;
        }
        if let Some(detections) = self.detections.latest()? {
            self.recent.push(detections);
        }
        // The frame is newer than the newest detections: its own may be on their way.
        if self.recent.latest_for(header.capture_ns).is_none() {
            if let Ok(detections) =
                tokio::time::timeout(DETECTIONS_WAIT, self.detections.next_latest()).await
            {
                self.recent.push(detections?);
            }
        }
        let Some(mut canvas) = Canvas::new(pixels, header.width as usize, header.height as usize)
        else {
            return Ok(Treatment::Concealed);
        };
        match self.recent.latest_for(header.capture_ns) {
            Some(detections) => {
                // Pixelation only: no boxes, labels or skeletons on a raw photo.
                let blur_only = OverlayPolicy {
                    faces: 0,
                    gestures: 0,
                    ..self.policy
                };
                let options = DrawOptions {
                    persons: false,
                    blur_unknown_faces: true,
                };
                draw(&mut canvas, detections, &blur_only, options);
                Ok(Treatment::FacesBlurred)
            }
            None => {
                conceal(&mut canvas);
                Ok(Treatment::Concealed)
            }
        }
    }
}
