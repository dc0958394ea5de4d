//! The async runtime every mmoment-edge node stands on.
//!
//! iceoryx2 has no async API; this crate gives one: subscribers whose `next()` is awaited and
//! woken by tokio's reactor through the file descriptor of an iceoryx2 event listener (a
//! publisher notifies after each send), with newest-frame-wins semantics. It also owns node
//! start-up (config, logging, dead-node cleanup), status reporting, orderly shutdown, and the
//! supervisor that runs every node as a child process.

pub mod bus;
pub mod clock;
pub mod config;
mod env_override;
pub mod instance_lock;
pub mod logging;
pub mod message;
pub mod node;
pub mod procfs;
pub mod publisher;
pub mod rate;
pub mod request;
pub mod sequence;
pub mod shutdown;
pub mod status;
pub mod subscriber;
pub mod supervisor;
mod vision_config;
mod wake;

pub use bus::{Bus, BusError};
pub use config::{Config, ConfigError};
pub use message::{MessagePublisher, MessageSubscriber};
pub use node::{NodeArgs, NodeContext, NodeStartError};
pub use publisher::{LoanedSlice, PublishError, SlicePublisher};
pub use request::{RequestClient, RequestError, RequestServer};
pub use subscriber::{ReceiveError, SliceSample, SliceSubscriber};
