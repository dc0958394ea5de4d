//! JSON views of vision messages, as the API and `mm-inference detect` print them: typed, so
//! every field a reply carries is declared here once.

use crate::{
    Detections, FaceDetection, Gesture, HandDetection, Handedness, PersonDetection, FACE_LANDMARKS,
    HAND_LANDMARKS,
};
use serde::Serialize;

/// Rounds pixel coordinates to 0.1 px: more digits are noise.
fn px(v: f32) -> f64 {
    (v as f64 * 10.0).round() / 10.0
}

/// Rounds scores and distances to 4 decimals.
fn score(v: f32) -> f64 {
    (v as f64 * 1e4).round() / 1e4
}

/// Microseconds as milliseconds with two decimals.
fn ms(us: u32) -> f64 {
    (us as f64 / 10.0).round() / 100.0
}

/// One face.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FaceJson {
    /// `[x1, y1, x2, y2]` in frame pixels.
    #[serde(rename = "box")]
    pub bbox: [f64; 4],
    /// Detector confidence, 0..1.
    pub score: f64,
    /// Eyes, nose and mouth corners, `[x, y]` each.
    pub landmarks: [[f64; 2]; FACE_LANDMARKS],
    /// The recognised identity; null when unknown (or not to be told).
    pub identity: Option<String>,
    /// Its display name; null with `identity`.
    pub display_name: Option<String>,
    /// Embedding distance to `identity`; null with `identity`.
    pub distance: Option<f64>,
    /// The face's embedding, only where asked for (`mm-inference detect --embeddings`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

impl FaceJson {
    /// The face as seen; recognition fields set only when it was recognised.
    pub fn new(face: &FaceDetection) -> Self {
        let recognised = face.recognised();
        Self {
            bbox: face.bbox.map(px),
            score: score(face.score),
            landmarks: face.landmarks.map(|p| p.map(px)),
            identity: recognised.map(str::to_owned),
            display_name: recognised.map(|_| face.display_name.as_str().to_owned()),
            distance: recognised.map(|_| score(face.distance)),
            embedding: None,
        }
    }

    /// Drops who the face is: the box stays, the name goes.
    pub fn anonymise(&mut self) {
        self.identity = None;
        self.display_name = None;
        self.distance = None;
    }
}

/// One hand.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HandJson {
    /// `[x1, y1, x2, y2]` around the landmarks.
    #[serde(rename = "box")]
    pub bbox: [f64; 4],
    /// 21 × `[x, y, z]`.
    pub landmarks: [[f64; 3]; HAND_LANDMARKS],
    /// `left`, `right`, or null when unsure.
    pub handedness: Option<&'static str>,
    /// The gesture's name (`none` without one).
    pub gesture: &'static str,
    /// Gesture confidence, 0..1.
    pub gesture_score: f64,
    /// Hand presence, 0..1.
    pub presence: f64,
}

impl HandJson {
    /// The hand as seen.
    pub fn new(hand: &HandDetection) -> Self {
        let handedness = match hand.handedness {
            1 => Some(Handedness::Left.name()),
            2 => Some(Handedness::Right.name()),
            _ => None,
        };
        Self {
            bbox: hand.bbox.map(px),
            landmarks: hand.landmarks.map(|p| p.map(px)),
            handedness,
            gesture: Gesture::from_code(hand.gesture).name(),
            gesture_score: score(hand.gesture_score),
            presence: score(hand.presence),
        }
    }
}

/// One person.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PersonJson {
    /// `[x1, y1, x2, y2]` in frame pixels.
    #[serde(rename = "box")]
    pub bbox: [f64; 4],
    /// Detector confidence, 0..1.
    pub score: f64,
}

impl PersonJson {
    /// The person as seen.
    pub fn new(person: &PersonDetection) -> Self {
        Self {
            bbox: person.bbox.map(px),
            score: score(person.score),
        }
    }
}

/// Milliseconds each model took on the frame.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TimingsJson {
    /// Colour conversion and scaling.
    pub preprocess: f64,
    /// Face detection.
    pub face_detect: f64,
    /// Face embeddings.
    pub face_embed: f64,
    /// Palm detection.
    pub palm: f64,
    /// Hand landmarks.
    pub hand_landmark: f64,
    /// Person detection.
    pub person: f64,
    /// The whole frame.
    pub total: f64,
}

/// The detections of a frame.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DetectionsJson {
    /// The frame's sequence number; absent for a still image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Faces.
    pub faces: Vec<FaceJson>,
    /// Hands.
    pub hands: Vec<HandJson>,
    /// People.
    pub persons: Vec<PersonJson>,
    /// Per-model timings.
    pub timings_ms: TimingsJson,
}

impl DetectionsJson {
    /// Everything in `detections`, names included (the caller decides what to withhold).
    pub fn new(detections: &Detections) -> Self {
        let t = &detections.timings;
        Self {
            sequence: Some(detections.sequence),
            width: detections.width,
            height: detections.height,
            faces: detections.faces().iter().map(FaceJson::new).collect(),
            hands: detections.hands().iter().map(HandJson::new).collect(),
            persons: detections.persons().iter().map(PersonJson::new).collect(),
            timings_ms: TimingsJson {
                preprocess: ms(t.preprocess_us),
                face_detect: ms(t.face_detect_us),
                face_embed: ms(t.face_embed_us),
                palm: ms(t.palm_us),
                hand_landmark: ms(t.hand_landmark_us),
                person: ms(t.person_us),
                total: ms(t.total_us),
            },
        }
    }
}
