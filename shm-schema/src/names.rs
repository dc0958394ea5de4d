//! Every service name on the bus: `mm/<camera-id>/<stream>`.

use crate::Stream;
use std::fmt;

/// Longest camera id accepted; keeps every service name well inside iceoryx2's limits.
const MAX_CAMERA_ID_LEN: usize = 32;

/// A camera id that was rejected, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid camera id {id:?}: {reason}")]
pub struct InvalidCameraId {
    /// The rejected id.
    pub id: String,
    /// Why it was rejected.
    pub reason: &'static str,
}

/// A validated camera id: 1 to 32 characters of `a-z`, `0-9`, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CameraId(String);

impl CameraId {
    /// Validates `id`.
    pub fn new(id: &str) -> Result<Self, InvalidCameraId> {
        let reject = |reason| {
            Err(InvalidCameraId {
                id: id.to_owned(),
                reason,
            })
        };
        if id.is_empty() {
            return reject("it is empty");
        }
        if id.len() > MAX_CAMERA_ID_LEN {
            return reject("it is longer than 32 characters");
        }
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if !id.chars().all(allowed) {
            return reject("only a-z, 0-9, '-' and '_' are allowed");
        }
        Ok(Self(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CameraId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The service names of one camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNames {
    camera: CameraId,
}

impl ServiceNames {
    /// The names for `camera`.
    pub fn new(camera: CameraId) -> Self {
        Self { camera }
    }

    /// The camera these names belong to.
    pub fn camera(&self) -> &CameraId {
        &self.camera
    }

    /// What every service name of this camera starts with: `mm/<camera>/`.
    pub fn prefix(&self) -> String {
        format!("mm/{}/", self.camera)
    }

    /// The full service name of `stream`, e.g. `mm/cam0/frames/raw`.
    ///
    /// A publish-subscribe service and the event service that wakes its subscribers share
    /// this name; iceoryx2 keeps them apart by messaging pattern.
    pub fn of(&self, stream: Stream) -> String {
        format!("{}{}", self.prefix(), stream.suffix())
    }

    /// The prefix of every file iceoryx2 creates for this camera (in `/dev/shm` and its root
    /// folder): `mm_<camera>_`, so cameras never collide and a camera's files can be found.
    pub fn resource_prefix(&self) -> String {
        format!("mm_{}_", self.camera)
    }
}

/// The iceoryx2 node name (and binary name) of node `node`: `mm-<node>`, e.g. `mm-capture`.
pub fn node_name(node: &str) -> String {
    format!("mm-{node}")
}

/// The node a node name belongs to: `capture` for `mm-capture`.
pub fn node_of(node_name: &str) -> Option<&str> {
    node_name.strip_prefix("mm-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_scheme() {
        let names = ServiceNames::new(CameraId::new("cam0").unwrap());
        assert_eq!(names.of(Stream::FramesRaw), "mm/cam0/frames/raw");
        assert_eq!(
            names.of(Stream::FramesComposited),
            "mm/cam0/frames/composited"
        );
        assert_eq!(names.of(Stream::FramesJpeg), "mm/cam0/frames/jpeg");
        assert_eq!(names.of(Stream::Status), "mm/cam0/status");
        assert_eq!(names.of(Stream::Detections), "mm/cam0/detections");
        assert_eq!(names.of(Stream::Gallery), "mm/cam0/gallery");
        assert_eq!(names.of(Stream::OverlayPolicy), "mm/cam0/overlay/policy");
        assert_eq!(names.of(Stream::BestFace), "mm/cam0/inference/best-face");
        assert_eq!(names.resource_prefix(), "mm_cam0_");
        assert_eq!(node_name("capture"), "mm-capture");
        assert_eq!(node_of("mm-capture"), Some("capture"));
    }

    #[test]
    fn camera_ids_are_validated() {
        assert!(CameraId::new("front-door_2").is_ok());
        assert!(CameraId::new("").is_err());
        assert!(CameraId::new("Cam0").is_err());
        assert!(CameraId::new("a/b").is_err());
        assert!(CameraId::new(&"x".repeat(33)).is_err());
    }
}
