//! The API node: REST API and MJPEG `/stream` over the JPEGs encode publishes.

pub mod bus_thread;
pub mod detections;
pub mod frame;
pub mod health;
pub mod json_body;
pub mod rejection;
pub mod routes;
pub mod state;
pub mod stats;
pub mod viewers;
pub mod vision_routes;
pub mod visualization;
