//! `mm-fleet`: the fleet bridge. This camera's events — detection summaries, check-ins, node
//! health, recording state — on Zenoh under `<fleet.key_prefix>/<camera_id>/...`, and its
//! health answered to queries, so that a fleet of cameras can be watched from anywhere.
//! Frames, embeddings and names never leave through it.
//!
//! - [`events`]: the events as JSON, and their key expressions.
//! - `zenoh_side` (feature `zenoh`): the Zenoh session on a thread of its own.
//! - `bridge` (feature `zenoh`): the node's bus loop.

#[cfg(feature = "zenoh")]
pub mod bridge;
pub mod events;
#[cfg(feature = "zenoh")]
pub mod zenoh_side;
