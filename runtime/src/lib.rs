//! The runtime every mmoment-edge node stands on, above the bus (`mm-bus`): node start-up
//! (config, logging, the instance lock, dead-node cleanup), status reporting, orderly
//! shutdown, and the supervisor that runs every node as a child process.

pub mod clock;
pub mod config;
mod env_override;
pub mod instance_lock;
pub mod logging;
pub mod media_files;
pub mod node;
pub mod node_loop;
pub mod procfs;
pub mod rate;
pub mod report;
pub mod secret;
pub mod shutdown;
pub mod status;
pub mod supervisor;

pub use config::{Config, ConfigError};
pub use node::{NodeArgs, NodeContext, NodeStartError};
