//! `GET /`: what this server is and every route it serves.

use super::ROUTES;
use mm_http::route_table::index_route;
use mm_http::Response;
use warp::{Filter, Rejection};

pub(super) fn routes() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    index_route("mmoment-edge camera API", env!("CARGO_PKG_VERSION"), ROUTES)
}
