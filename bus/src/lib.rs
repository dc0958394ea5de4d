//! The iceoryx2 ports every mmoment-edge process talks through.
//!
//! iceoryx2 has no async API; this crate gives one: subscribers whose `next()` is awaited and
//! woken by tokio's reactor through the file descriptor of an iceoryx2 event listener (a
//! publisher notifies after each send), with newest-frame-wins semantics, plus fixed-size
//! messages and request-response. Every port is opened through a stream declared in
//! `mm-shm-schema` (`bus.slice_subscriber::<streams::FramesRaw>()`), which fixes its payload
//! types and queue sizes, so a stream cannot be opened with another type.
//!
//! Layers: `mm-shm-schema` → `mm-bus` → `mm-runtime` → nodes and tools.
//!
//! The payload types come from the declaration, so a mismatch does not compile:
//!
//! ```compile_fail
//! use mm_shm_schema::{streams, JpegHeader};
//! fn open(bus: &mm_bus::Bus) -> Result<(), mm_bus::BusError> {
//!     // frames/raw carries FrameHeader, not JpegHeader.
//!     let _publisher: mm_bus::SlicePublisher<JpegHeader> =
//!         bus.slice_publisher::<streams::FramesRaw>(64)?;
//!     Ok(())
//! }
//! ```
//!
//! ```
//! use mm_shm_schema::{streams, FrameHeader};
//! fn open(bus: &mm_bus::Bus) -> Result<(), mm_bus::BusError> {
//!     let _publisher: mm_bus::SlicePublisher<FrameHeader> =
//!         bus.slice_publisher::<streams::FramesRaw>(64)?;
//!     Ok(())
//! }
//! ```

mod bus;
pub mod error;
pub mod message;
pub mod publisher;
pub mod request;
pub mod sequence;
pub mod subscriber;
mod wake;

pub use bus::{iceoryx_config, Bus, BusError, NodeEntry, PortCounts};
pub use error::IceoryxError;
pub use message::{MessagePublisher, MessageSubscriber};
pub use publisher::{LoanedSlice, PublishError, SlicePublisher};
pub use request::{Incoming, RequestClient, RequestError, RequestServer};
pub use subscriber::{ReceiveError, Sequenced, SliceSample, SliceSubscriber, RECEIVE_RETRY};

/// The iceoryx2 service type every port uses: inter-process, shared memory.
pub type Ipc = iceoryx2::prelude::ipc::Service;
