//! The Solana node (port 5001, internal): builds the `camera_network` program's transactions
//! for the user's wallet to sign, confirms on chain what the wallet sent, and follows this
//! camera's check-ins on chain, publishing each change on the bus (`chain/checkins`).
//!
//! - [`program`]: the program's instructions, PDAs and account layouts.
//! - [`rpc`]: JSON-RPC over HTTP and the websocket subscriptions, for any endpoint.
//! - [`transactions`], [`confirm`]: the transactions for the wallet, and their confirmation.
//! - [`sessions`], [`follower`]: the sessions at this camera and how they are kept current.
//! - [`routes`]: the HTTP API; [`settings`]: the `[solana]` config, decoded.
//!
//! It never holds or asks for a user's key, and never sends a transaction itself.

pub mod confirm;
pub mod events;
pub mod follower;
pub mod program;
pub mod routes;
pub mod rpc;
pub mod sessions;
pub mod settings;
pub mod state;
pub mod transactions;
