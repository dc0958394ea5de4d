//! HTTP plumbing shared by every mmoment-edge server: the API (5002) now, the biometric
//! (5003) and Solana (5001) nodes next.
//!
//! - [`reply`]: typed JSON replies, and [`ApiError`], the one error shape (`{"error": ...}`
//!   with its status).
//! - [`json_body`]: request bodies are JSON only (415 otherwise), bounded in size.
//! - [`rejection`]: every rejection warp raises becomes an [`ApiError`].
//! - [`request_log`]: a request id on every request, in every log line and in the
//!   `x-request-id` reply header.
//! - [`route_table`]: each route declared once, with who may call it.
//! - [`origin_guard`]: CORS and the `Host` check.
//! - [`server`]: an internal node's server beside its bus loop.
//! - [`metrics`]: `GET /metrics` in Prometheus' text format.
//! - [`openapi`]: the OpenAPI 3.1 document of a server, from its route table.

pub mod json_body;
pub mod metrics;
pub mod openapi;
pub mod origin_guard;
pub mod rejection;
pub mod reply;
pub mod request_log;
pub mod route_table;
pub mod server;

pub use openapi::{ReplyDoc, RequestDoc};
pub use reply::{json, json_with_status, reply_or_error, respond, ApiError, ErrorBody, Response};
pub use route_table::{Access, IndexReply, RouteSpec};
