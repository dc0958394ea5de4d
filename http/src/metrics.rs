//! `GET /metrics` of every server: a `prometheus-client` registry, filled from the server's
//! state when scraped, in Prometheus' text exposition format (0.0.4), and the route's spec.

use crate::reply::Response;
use crate::route_table::{Access, RouteSpec};
use prometheus_client::registry::Registry;
use warp::http::{header, Method, StatusCode};
use warp::Reply;

/// `GET /metrics`: public (counts and rates; no wallet, no secret).
pub static METRICS: RouteSpec = RouteSpec {
    name: "metrics",
    method: Method::GET,
    path: "/metrics",
    aliases: &[],
    access: Access::Public,
    summary: "Prometheus metrics (text exposition format 0.0.4), every name prefixed mm_.",
    request: crate::RequestDoc::None,
    replies: &[crate::ReplyDoc::media(200, &["text/plain"], "The metrics.")],
};

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A registry whose metric names all start with `mm_`.
pub fn registry() -> Registry {
    Registry::with_prefix("mm")
}

/// `registry` as the reply of a scrape.
pub fn reply(registry: &Registry) -> Response {
    let mut text = String::new();
    match prometheus_client::encoding::prometheus_text::encode(&mut text, registry) {
        Ok(()) => {
            warp::reply::with_header(text, header::CONTENT_TYPE, CONTENT_TYPE).into_response()
        }
        Err(_) => crate::ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "metrics not encoded")
            .into_response(),
    }
}
