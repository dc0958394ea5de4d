//! The API node: REST API and MJPEG `/stream` over the JPEGs encode publishes.

pub mod auth;
pub mod bus_thread;
pub mod chain_sync;
pub mod detections;
pub mod frame;
pub mod health_report;
pub mod internal_nodes;
pub mod media_client;
pub mod ownership;
pub mod routes;
pub mod session;
pub mod state;
pub mod stats;
pub mod viewers;
pub mod visualization;
