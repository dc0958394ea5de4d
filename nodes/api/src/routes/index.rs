//! `GET /`: what this server is and every route it serves.

use super::ROUTES;
use mm_http::{json, Access, Response, RouteSpec};
use serde::Serialize;
use std::collections::BTreeMap;
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

/// The `GET /` body.
#[derive(Debug, Serialize)]
pub struct IndexReply {
    /// What answers.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
    /// Route name → path.
    pub endpoints: BTreeMap<&'static str, &'static str>,
    /// Older path → the route name it answers as.
    pub legacy_endpoints: BTreeMap<&'static str, &'static str>,
    /// Every route in full, with who may call it.
    pub routes: &'static [&'static RouteSpec],
}

pub(super) fn routes() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    INDEX.filter().map(index)
}

fn index() -> Response {
    json(&IndexReply {
        name: "mmoment-edge camera API",
        version: env!("CARGO_PKG_VERSION"),
        endpoints: ROUTES.iter().map(|r| (r.name, r.path)).collect(),
        legacy_endpoints: ROUTES
            .iter()
            .flat_map(|r| r.aliases.iter().map(|alias| (*alias, r.name)))
            .collect(),
        routes: ROUTES,
    })
}
