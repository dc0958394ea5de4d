//! `[privacy]`: what the camera may show about people.

use serde::{Deserialize, Serialize};

/// `[privacy]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Pixelate faces nobody has been recognised as, on the stream.
    pub blur_unknown_faces: bool,
}
