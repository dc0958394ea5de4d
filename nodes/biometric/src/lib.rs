//! The biometric node: face embeddings sealed at rest and purged for good.
//!
//! - [`seal`]: AES-256-SIV, the device key, per-wallet data keys.
//! - [`package`]: the compact face package that fits `enroll_face`.
//! - [`store`]: wrapped keys, packages and the audit log in SQLite; purge by crypto-shredding.
//! - [`audit`]: the hash-chained audit log and its verification.
//! - [`device_key`]: the device key's secret file.
//! - [`routes`]: HTTP on 127.0.0.1:5003.
//! - [`bus_side`]: the gallery for inference and the best face of an enrollment, on the bus.

pub mod audit;
pub mod bus_side;
pub mod device_key;
pub mod package;
pub mod routes;
pub mod seal;
pub mod store;
