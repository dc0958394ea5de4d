//! The on-chain program `camera_network` (Anchor 0.29) as this node sees it: instruction
//! discriminators and arguments, account lists, PDA seeds and account layouts, exactly as
//! `spec/reference-system.md` §5 gives them.

mod borsh;
pub mod instruction;
pub mod pda;
pub mod state;

pub use borsh::{BorshReader, BorshWriter, DecodeError};
pub use instruction::{
    enroll_face_embedding, ActivityAction, CameraFeatures, CameraNetwork, InstructionKind,
    RegisterCameraArgs, UpdateCameraArgs, MAX_EMBEDDING_LEN,
};
pub use pda::{camera_address, face_data_address, registry_address, session_address};
pub use state::{
    as_base58, AccountDecodeError, AccountKind, CameraAccount, CameraMetadata, CameraRegistry,
    FaceData, SessionFeatures, UserSession, SESSION_CAMERA_OFFSET,
};

/// The program id `camera_network` is deployed under (devnet).
pub const DEFAULT_PROGRAM_ID: &str = "Hx5JaUCZXQqvcYzTcdgm9ZE3sqhMWqwAhNXZBrzWm45S";

/// The reference camera's `CameraAccount`.
pub const DEFAULT_CAMERA_ACCOUNT: &str = "WT9oJrL7sbNip8Rc2w5LoWFpwsUcZZJnnjE2zZjMuvD";

/// An Anchor discriminator: the first 8 bytes of sha256(`global:<ix>` or `account:<Struct>`).
pub type Discriminator = [u8; 8];
