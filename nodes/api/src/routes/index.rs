//! `GET /` and `GET /api/openapi.json`: what this server is and every route it serves.

use super::ROUTES;
use mm_http::openapi::{description_routes, ServerInfo};
use mm_http::Response;
use warp::{Filter, Rejection};

pub(super) fn routes() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let info = ServerInfo {
        title: "mmoment-edge camera API",
        version: env!("CARGO_PKG_VERSION"),
        description: "The camera's public API (port 5002): the MJPEG stream, photos, recordings, \
            Livepeer, sessions by Sign In With Solana, face enrollment and recognition, the web \
            page.",
    };
    description_routes(info, ROUTES)
}
