//! The face gallery's messages: the notice that it changed, its entries fetched one by one,
//! and the best face of the current frame for an enrollment. An embedding crosses shared
//! memory only sealed to the requester's one-time key (`mm-bus-seal`): the bytes here are
//! never a face in the clear.

use crate::vision::{DisplayName, FaceDetection, IdentityId, EMBEDDING_LEN};
use iceoryx2::prelude::ZeroCopySend;

/// Bytes of a requester's or responder's one-time public key (X25519).
pub const SEAL_KEY_LEN: usize = 32;
/// Bytes of a sealed embedding: its little-endian `f32`s and AES-SIV's 16-byte tag.
pub const SEALED_EMBEDDING_LEN: usize = EMBEDDING_LEN * 4 + 16;

/// An embedding sealed to one requester.
pub type SealedEmbedding = [u8; SEALED_EMBEDDING_LEN];

/// The gallery changed (`mm/<camera>/gallery`, newest only): inference fetches its `count`
/// entries at `revision` from `biometric/gallery`. It carries no embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ZeroCopySend)]
#[type_name("mm.v2.GalleryRevision")]
#[repr(C)]
pub struct GalleryRevision {
    /// Changes with every change of the gallery.
    pub revision: u64,
    /// Entries at this revision.
    pub count: u32,
    /// Zero.
    pub reserved: u32,
}

/// Asks the biometric node for one gallery entry (`biometric/gallery`, request-response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ZeroCopySend)]
#[type_name("mm.v2.GalleryEntryRequest")]
#[repr(C)]
pub struct GalleryEntryRequest {
    /// The revision the requester is reading.
    pub revision: u64,
    /// Which entry, from 0.
    pub index: u32,
    /// Zero.
    pub reserved: u32,
    /// The requester's one-time public key; the embedding is sealed to it.
    pub requester_key: [u8; SEAL_KEY_LEN],
}

/// Outcome of a [`GalleryEntryRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum GalleryEntryStatus {
    /// The entry is in the response.
    Found = 1,
    /// The gallery has another revision now (in the response): read it from the start.
    Stale = 2,
    /// No entry at that index.
    OutOfRange = 3,
    /// The entry could not be opened or sealed; see the biometric node's log.
    Failed = 4,
}

/// One gallery entry, its embedding sealed to the requester.
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend)]
#[type_name("mm.v2.GalleryEntryResponse")]
#[repr(C)]
pub struct GalleryEntryResponse {
    /// [`GalleryEntryStatus`] code.
    pub status: u32,
    /// Entries at `revision`.
    pub count: u32,
    /// The gallery's current revision.
    pub revision: u64,
    /// Whose face (a wallet address).
    pub identity: IdentityId,
    /// The name to draw on it.
    pub display_name: DisplayName,
    /// The responder's one-time public key.
    pub responder_key: [u8; SEAL_KEY_LEN],
    /// The embedding, sealed.
    pub sealed_embedding: SealedEmbedding,
}

impl GalleryEntryResponse {
    /// A response without an entry.
    pub fn empty(status: GalleryEntryStatus, revision: u64, count: u32) -> Self {
        Self {
            status: status as u32,
            count,
            revision,
            identity: IdentityId::empty(),
            display_name: DisplayName::empty(),
            responder_key: [0; SEAL_KEY_LEN],
            sealed_embedding: [0; SEALED_EMBEDDING_LEN],
        }
    }

    /// The status; unknown codes are `None`.
    pub fn status(&self) -> Option<GalleryEntryStatus> {
        match self.status {
            1 => Some(GalleryEntryStatus::Found),
            2 => Some(GalleryEntryStatus::Stale),
            3 => Some(GalleryEntryStatus::OutOfRange),
            4 => Some(GalleryEntryStatus::Failed),
            _ => None,
        }
    }

    /// What the sealed embedding is bound to: the entry's place and its identity, so that
    /// no embedding can be passed off as another wallet's.
    pub fn seal_context(&self, index: u32) -> Vec<u8> {
        let mut context = b"mm.v2.GalleryEntry".to_vec();
        context.extend_from_slice(&self.revision.to_le_bytes());
        context.extend_from_slice(&index.to_le_bytes());
        context.extend_from_slice(self.identity.as_str().as_bytes());
        context
    }
}

impl Default for GalleryEntryResponse {
    fn default() -> Self {
        Self::empty(GalleryEntryStatus::Failed, 0, 0)
    }
}

/// Asks inference for the embedding of the best face in the current frame
/// (`mm/<camera>/inference/best-face`, request-response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ZeroCopySend)]
#[type_name("mm.v2.BestFaceRequest")]
#[repr(C)]
pub struct BestFaceRequest {
    /// Smallest face side in pixels that is accepted; 0 = the node's default.
    pub min_face_px: u32,
    /// Zero.
    pub reserved: u32,
    /// The requester's one-time public key; the embedding is sealed to it.
    pub requester_key: [u8; SEAL_KEY_LEN],
}

/// Outcome of a [`BestFaceRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum BestFaceStatus {
    /// `face` and the sealed embedding are valid.
    Found = 1,
    /// No face in the current frame.
    NoFace = 2,
    /// Faces were seen, but all were too small or turned away.
    TooSmall = 3,
    /// No frame has arrived yet.
    NoFrame = 4,
    /// The models failed, or the embedding could not be sealed; see the inference node's log.
    Failed = 5,
    /// More than one face is large and frontal enough: whose would be ambiguous.
    Several = 6,
}

impl BestFaceStatus {
    /// The status of code `code`; unknown codes are `None`.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            1 => Some(Self::Found),
            2 => Some(Self::NoFace),
            3 => Some(Self::TooSmall),
            4 => Some(Self::NoFrame),
            5 => Some(Self::Failed),
            6 => Some(Self::Several),
            _ => None,
        }
    }
}

/// The answer to a [`BestFaceRequest`].
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend)]
#[type_name("mm.v2.BestFaceResponse")]
#[repr(C)]
pub struct BestFaceResponse {
    /// [`BestFaceStatus`] code.
    pub status: u32,
    /// Faces in the frame.
    pub faces_in_frame: u32,
    /// Sequence of the frame the face came from.
    pub sequence: u64,
    /// The chosen face.
    pub face: FaceDetection,
    /// The responder's one-time public key.
    pub responder_key: [u8; SEAL_KEY_LEN],
    /// The face's embedding, sealed.
    pub sealed_embedding: SealedEmbedding,
}

impl BestFaceResponse {
    /// A response without a face.
    pub fn empty(status: BestFaceStatus, faces_in_frame: u32) -> Self {
        Self {
            status: status as u32,
            faces_in_frame,
            sequence: 0,
            face: FaceDetection::default(),
            responder_key: [0; SEAL_KEY_LEN],
            sealed_embedding: [0; SEALED_EMBEDDING_LEN],
        }
    }

    /// What the sealed embedding is bound to: the frame it came from.
    pub fn seal_context(&self) -> Vec<u8> {
        let mut context = b"mm.v2.BestFace".to_vec();
        context.extend_from_slice(&self.sequence.to_le_bytes());
        context
    }
}

impl Default for BestFaceResponse {
    fn default() -> Self {
        Self::empty(BestFaceStatus::NoFrame, 0)
    }
}
