//! `GET /`: what this server is and every route it serves.

use super::ROUTES;
use mm_http::{json, Access, IndexReply, Response, RouteSpec};
use warp::http::Method;
use warp::{Filter, Rejection};

pub(super) static INDEX: RouteSpec = RouteSpec {
    name: "index",
    method: Method::GET,
    path: "/",
    aliases: &[],
    access: Access::Public,
    summary: "This server's name, version and routes.",
};

pub(super) fn routes() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    INDEX.filter().map(index)
}

fn index() -> Response {
    json(&IndexReply::new(
        "mmoment-edge camera API",
        env!("CARGO_PKG_VERSION"),
        ROUTES,
    ))
}
