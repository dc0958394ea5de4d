//! Names and wire types of every shared-memory service of mmoment-edge.
//!
//! Every process links this crate; no node spells a service name or lays out a message itself.
//! Each message type carries [`SCHEMA_VERSION`] in its iceoryx2 type name, so a node built from
//! an older schema refuses to open a service created by a newer one instead of misreading bytes.

mod fixed_str;
mod frame;
mod jpeg;
mod names;
mod status;

pub use fixed_str::FixedStr;
pub use frame::{FrameHeader, PixelFormat, SourceKind, Stage, UnknownCode, STAGE_COUNT};
pub use jpeg::JpegHeader;
pub use names::{CameraId, InvalidCameraId, ServiceNames, Stream};
pub use status::{NodeState, NodeStatus};

/// Version of the message layouts in this crate. Bump it whenever a layout changes; it is part
/// of every type's iceoryx2 type name (`mm.v<N>.<Type>`).
pub const SCHEMA_VERSION: u32 = 1;
