//! Vision messages: the detections of one frame and the overlay policy.

use crate::FixedStr;
use iceoryx2::prelude::ZeroCopySend;

/// Most faces one detections message carries (the highest-scoring ones).
pub const MAX_FACES: usize = 16;
/// Most hands one detections message carries.
pub const MAX_HANDS: usize = 4;
/// Most persons one detections message carries.
pub const MAX_PERSONS: usize = 32;
/// Length of a face embedding (dlib ResNet descriptor).
pub const EMBEDDING_LEN: usize = 128;
/// Landmarks of a face: left eye, right eye, nose, left and right mouth corner.
pub const FACE_LANDMARKS: usize = 5;
/// Landmarks of a hand (MediaPipe order: wrist, then 4 per finger from thumb to little finger).
pub const HAND_LANDMARKS: usize = 21;
/// Most identities the overlay policy lists.
pub const MAX_LABELLED_IDENTITIES: usize = 32;

/// Who a face or a gallery entry belongs to: a wallet address or another stable id.
pub type IdentityId = FixedStr<64>;
/// The name drawn next to a recognised face.
pub type DisplayName = FixedStr<32>;

/// A gesture recognised from hand landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Gesture {
    /// A hand is seen but no gesture matches.
    Unknown = 0,
    /// Thumb up, other fingers curled.
    ThumbsUp = 1,
    /// Thumb down, other fingers curled.
    ThumbsDown = 2,
    /// Index and middle finger extended and spread, the others curled.
    Peace = 3,
    /// All five fingers extended.
    Palm = 4,
    /// All fingers curled.
    Fist = 5,
    /// Only the index finger extended.
    Pointing = 6,
}

impl Gesture {
    /// Every gesture.
    pub const ALL: [Gesture; 7] = [
        Gesture::Unknown,
        Gesture::ThumbsUp,
        Gesture::ThumbsDown,
        Gesture::Peace,
        Gesture::Palm,
        Gesture::Fist,
        Gesture::Pointing,
    ];

    /// Snake-case name used in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Gesture::Unknown => "unknown",
            Gesture::ThumbsUp => "thumbs_up",
            Gesture::ThumbsDown => "thumbs_down",
            Gesture::Peace => "peace",
            Gesture::Palm => "palm",
            Gesture::Fist => "fist",
            Gesture::Pointing => "pointing",
        }
    }

    /// The gesture with code `code`; unknown codes read as [`Gesture::Unknown`].
    pub fn from_code(code: u8) -> Self {
        Self::ALL
            .into_iter()
            .find(|gesture| *gesture as u8 == code)
            .unwrap_or(Gesture::Unknown)
    }
}

/// Which hand, as seen by the person (not mirrored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Handedness {
    /// The person's left hand.
    Left = 1,
    /// The person's right hand.
    Right = 2,
}

impl Handedness {
    /// Lower-case name used in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Handedness::Left => "left",
            Handedness::Right => "right",
        }
    }
}

/// One detected face, in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default, ZeroCopySend)]
#[type_name("mm.v2.FaceDetection")]
#[repr(C)]
pub struct FaceDetection {
    /// Box `[x1, y1, x2, y2]`.
    pub bbox: [f32; 4],
    /// Detector confidence, 0..1.
    pub score: f32,
    /// Euclidean embedding distance to `identity`; negative when no identity matched.
    pub distance: f32,
    /// `[x, y]` of left eye, right eye, nose, left and right mouth corner.
    pub landmarks: [[f32; 2]; FACE_LANDMARKS],
    /// The recognised identity; empty when unknown.
    pub identity: IdentityId,
    /// Its display name; empty when unknown.
    pub display_name: DisplayName,
}

impl FaceDetection {
    /// The identity, when the face was recognised.
    pub fn recognised(&self) -> Option<&str> {
        (!self.identity.is_empty()).then(|| self.identity.as_str())
    }
}

/// One detected hand, in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend)]
#[type_name("mm.v2.HandDetection")]
#[repr(C)]
pub struct HandDetection {
    /// Box around the landmarks `[x1, y1, x2, y2]`.
    pub bbox: [f32; 4],
    /// Hand presence from the landmark model, 0..1.
    pub presence: f32,
    /// Confidence of `gesture`, 0..1.
    pub gesture_score: f32,
    /// `[x, y, z]`: x, y in frame pixels, z relative depth (same scale as x).
    pub landmarks: [[f32; 3]; HAND_LANDMARKS],
    /// [`Handedness`] code; 0 when undecided.
    pub handedness: u8,
    /// [`Gesture`] code.
    pub gesture: u8,
    /// Zero.
    pub reserved: [u8; 6],
}

impl Default for HandDetection {
    fn default() -> Self {
        Self {
            bbox: [0.0; 4],
            presence: 0.0,
            gesture_score: 0.0,
            landmarks: [[0.0; 3]; HAND_LANDMARKS],
            handedness: 0,
            gesture: Gesture::Unknown as u8,
            reserved: [0; 6],
        }
    }
}

/// One detected person, in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default, ZeroCopySend)]
#[type_name("mm.v2.PersonDetection")]
#[repr(C)]
pub struct PersonDetection {
    /// Box `[x1, y1, x2, y2]`.
    pub bbox: [f32; 4],
    /// Detector confidence, 0..1.
    pub score: f32,
}

/// Microseconds each model stage took on one frame (0 = not run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ZeroCopySend)]
#[type_name("mm.v2.VisionTimings")]
#[repr(C)]
pub struct VisionTimings {
    /// Resizing and tensor preparation shared by the models.
    pub preprocess_us: u32,
    /// CenterFace.
    pub face_detect_us: u32,
    /// Alignment and dlib embeddings of every face.
    pub face_embed_us: u32,
    /// Palm detection.
    pub palm_us: u32,
    /// Hand landmarks of every hand.
    pub hand_landmark_us: u32,
    /// NanoDet.
    pub person_us: u32,
    /// The whole frame.
    pub total_us: u32,
    /// Zero.
    pub reserved: u32,
}

/// What inference found in one frame (`mm/<camera>/detections`).
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend)]
#[type_name("mm.v2.Detections")]
#[repr(C)]
pub struct Detections {
    /// Sequence of the frame these detections belong to.
    pub sequence: u64,
    /// Capture time of that frame (CLOCK_MONOTONIC ns).
    pub capture_ns: u64,
    /// When inference finished (CLOCK_MONOTONIC ns).
    pub done_ns: u64,
    /// Frame size the coordinates refer to.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Valid entries in `faces`.
    pub face_count: u32,
    /// Valid entries in `hands`.
    pub hand_count: u32,
    /// Valid entries in `persons`.
    pub person_count: u32,
    /// Frames inference skipped since the previous message (it always takes the newest).
    pub skipped_frames: u32,
    /// Per-model timings.
    pub timings: VisionTimings,
    /// Faces, highest score first.
    pub faces: [FaceDetection; MAX_FACES],
    /// Hands.
    pub hands: [HandDetection; MAX_HANDS],
    /// Persons, highest score first.
    pub persons: [PersonDetection; MAX_PERSONS],
}

impl Default for Detections {
    fn default() -> Self {
        Self {
            sequence: 0,
            capture_ns: 0,
            done_ns: 0,
            width: 0,
            height: 0,
            face_count: 0,
            hand_count: 0,
            person_count: 0,
            skipped_frames: 0,
            timings: VisionTimings::default(),
            faces: [FaceDetection::default(); MAX_FACES],
            hands: [HandDetection::default(); MAX_HANDS],
            persons: [PersonDetection::default(); MAX_PERSONS],
        }
    }
}

impl Detections {
    /// The valid faces.
    pub fn faces(&self) -> &[FaceDetection] {
        &self.faces[..(self.face_count as usize).min(MAX_FACES)]
    }

    /// The valid hands.
    pub fn hands(&self) -> &[HandDetection] {
        &self.hands[..(self.hand_count as usize).min(MAX_HANDS)]
    }

    /// The valid persons.
    pub fn persons(&self) -> &[PersonDetection] {
        &self.persons[..(self.person_count as usize).min(MAX_PERSONS)]
    }
}

/// What the overlay may draw (`mm/<camera>/overlay/policy`), set through the API.
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend)]
#[type_name("mm.v2.OverlayPolicy")]
#[repr(C)]
pub struct OverlayPolicy {
    /// Increases with every change.
    pub revision: u64,
    /// 1: draw face boxes.
    pub faces: u8,
    /// 1: draw hand skeletons and gesture labels.
    pub gestures: u8,
    /// Zero.
    pub reserved: [u8; 2],
    /// Valid entries in `labelled`.
    pub labelled_count: u32,
    /// Identities whose owner turned labels on: only these get their name drawn.
    pub labelled: [IdentityId; MAX_LABELLED_IDENTITIES],
}

impl Default for OverlayPolicy {
    fn default() -> Self {
        Self {
            revision: 0,
            faces: 1,
            gestures: 0,
            reserved: [0; 2],
            labelled_count: 0,
            labelled: [IdentityId::empty(); MAX_LABELLED_IDENTITIES],
        }
    }
}

impl OverlayPolicy {
    /// Whether `identity`'s name may be drawn.
    pub fn may_label(&self, identity: &str) -> bool {
        self.labelled[..(self.labelled_count as usize).min(MAX_LABELLED_IDENTITIES)]
            .iter()
            .any(|allowed| allowed.as_str() == identity)
    }
}
