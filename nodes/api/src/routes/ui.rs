//! `GET /ui`: the camera's web page, and its script and style sheet.
//!
//! The three files are compiled into the binary (`nodes/api/ui/`): a camera may be offline,
//! so nothing is fetched from elsewhere, and the Content-Security-Policy allows nothing but
//! this origin (and the object URLs the page makes of the wallet's own photos and videos).

use mm_http::{Access, ReplyDoc, RequestDoc, Response, RouteSpec};
use warp::http::{header, HeaderValue, Method};
use warp::{Filter, Rejection, Reply};

pub(super) static PAGE: RouteSpec = RouteSpec {
    name: "ui",
    method: Method::GET,
    path: "/ui",
    aliases: &[],
    access: Access::Public,
    summary: "The web page: live view, detections and gesture, photo/record/Livepeer controls, the signed-in wallet's photos and videos, node health, Sign In With Solana.",
    request: RequestDoc::None,
    replies: &[ReplyDoc::media(200, &["text/html"], "The page.")],
};

pub(super) static SCRIPT: RouteSpec = RouteSpec {
    name: "ui_script",
    method: Method::GET,
    path: "/ui/app.js",
    aliases: &[],
    access: Access::Public,
    summary: "The web page's script.",
    request: RequestDoc::None,
    replies: &[ReplyDoc::media(200, &["text/javascript"], "The script.")],
};

pub(super) static STYLE: RouteSpec = RouteSpec {
    name: "ui_style",
    method: Method::GET,
    path: "/ui/app.css",
    aliases: &[],
    access: Access::Public,
    summary: "The web page's style sheet.",
    request: RequestDoc::None,
    replies: &[ReplyDoc::media(200, &["text/css"], "The style sheet.")],
};

/// Where the page may load from and connect to: this origin only; `blob:` for the photos and
/// recordings it fetches with the session and shows.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One embedded file: its route, content type and text.
struct Asset {
    route: &'static RouteSpec,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 3] = [
    Asset {
        route: &PAGE,
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../ui/index.html"),
    },
    Asset {
        route: &SCRIPT,
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../ui/app.js"),
    },
    Asset {
        route: &STYLE,
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../ui/app.css"),
    },
];

pub(super) fn routes() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let [page, script, style] = ASSETS.map(|asset| {
        asset
            .route
            .filter()
            .map(move || asset_reply(asset.content_type, asset.body))
            .boxed()
    });
    page.or(script).unify().or(style).unify()
}

fn asset_reply(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The page is small and changes with the binary: always revalidate.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
