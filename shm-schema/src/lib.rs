//! Names and wire types of every shared-memory service of mmoment-edge.
//!
//! Every process links this crate; no node spells a service name or lays out a message itself.
//! Each message type carries [`SCHEMA_VERSION`] in its iceoryx2 type name, so a node built from
//! an older schema refuses to open a service created by a newer one instead of misreading bytes.

mod chain;
mod declarations;
mod fixed_str;
mod frame;
mod gallery;
mod h264;
mod jpeg;
mod media;
mod names;
mod status;
mod vision;
#[cfg(feature = "json")]
pub mod vision_json;

pub use chain::{session_feature, CheckInChange, CheckInEvent};
pub use declarations::{
    frame_segments_bytes, h264_initial_unit_len, streams, Limits, MessageStream, Pattern,
    RequestStream, SliceStream, Stream, StreamKind, StreamVisitor,
};
pub use fixed_str::FixedStr;
pub use frame::{FrameHeader, PixelFormat, SourceKind, Stage, UnknownCode, STAGE_COUNT};
pub use gallery::{
    BestFaceRequest, BestFaceResponse, BestFaceStatus, GalleryEntryRequest, GalleryEntryResponse,
    GalleryEntryStatus, GalleryRevision, SealedEmbedding, SEALED_EMBEDDING_LEN, SEAL_KEY_LEN,
};
pub use h264::H264Header;
pub use jpeg::JpegHeader;
pub use media::{
    MediaAction, MediaName, MediaOutcome, MediaRequest, MediaResponse, MediaState, MediaText,
    RecordingState, RecordingStatus, StreamingState, StreamingStatus,
};
pub use names::{node_name, node_of, CameraId, InvalidCameraId, ServiceNames};
pub use status::{NodeState, NodeStatus};
pub use vision::{
    Detections, DisplayName, FaceDetection, Gesture, HandDetection, Handedness, IdentityId,
    OverlayPolicy, PersonDetection, VisionTimings, EMBEDDING_LEN, FACE_LANDMARKS, HAND_LANDMARKS,
    MAX_FACES, MAX_HANDS, MAX_LABELLED_IDENTITIES, MAX_PERSONS,
};

/// Version of the message layouts in this crate. Bump it whenever a layout changes; it is part
/// of every type's iceoryx2 type name (`mm.v<N>.<Type>`).
pub const SCHEMA_VERSION: u32 = 2;
