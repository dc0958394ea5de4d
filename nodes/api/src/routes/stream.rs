//! `GET /stream` (MJPEG) and `GET /api/stream/info`.

use super::with_state;
use crate::frame::BOUNDARY;
use crate::health_report::round2;
use crate::state::AppState;
use mm_http::{json, Access, ApiError, Response, RouteSpec};
use mm_runtime::clock::monotonic_ns;
use serde::Serialize;
use warp::http::{header, HeaderValue, Method};
use warp::{Filter, Rejection, Reply};

pub(super) static STREAM: RouteSpec = RouteSpec {
    name: "stream",
    method: Method::GET,
    path: "/stream",
    aliases: &[],
    access: Access::Public,
    summary:
        "MJPEG: multipart/x-mixed-replace, one part per new frame; 503 beyond api.max_viewers. Public unless access.stream_public = false (then a session token, in the header or ?token=).",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::media(200, &["multipart/x-mixed-replace"], "One JPEG part per new frame, until the viewer leaves.")],
};

pub(super) static STREAM_INFO: RouteSpec = RouteSpec {
    name: "stream_info",
    method: Method::GET,
    path: "/api/stream/info",
    aliases: &[],
    access: Access::Public,
    summary: "The MJPEG stream as it is now: resolution, frame rate, viewers.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<StreamInfoReply>()],
};

/// The `GET /api/stream/info` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamInfoReply {
    /// Always true.
    pub success: bool,
    /// The camera id.
    pub playback_id: String,
    /// Whether a frame arrived within `api.health_timeout_ms`.
    pub is_active: bool,
    /// `mjpeg`.
    pub stream_type: &'static str,
    /// `WIDTHxHEIGHT` of the newest frame (the configured size before the first).
    pub resolution: String,
    /// Frames per second delivered now.
    pub fps: f64,
    /// The configured frame rate.
    pub target_fps: u32,
    /// JPEG quality.
    pub quality: u32,
    /// Viewers of `/stream` now.
    pub viewers: usize,
    /// Sequence number of the newest frame.
    pub last_sequence: Option<u64>,
    /// Where the stream is.
    pub stream_url: &'static str,
    /// Whether unknown faces are pixelated in everything that leaves the camera
    /// (`privacy.blur_unknown_faces`).
    pub blur_unknown_faces: bool,
    /// Whether face boxes are drawn on the stream.
    pub face_boxes: bool,
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let stream = STREAM
        .filter()
        .and(crate::auth::stream_viewer(&STREAM, state.clone()))
        .and(with_state(state.clone()))
        .map(stream);
    let info = STREAM_INFO.filter().and(with_state(state)).map(stream_info);
    stream.or(info).unify()
}

/// `GET /stream`: `multipart/x-mixed-replace; boundary=frame`, one part per new JPEG.
fn stream(state: AppState) -> Response {
    let max_viewers = state.config.api.max_viewers as usize;
    let Some(parts) = state.broadcast.viewer_stream(max_viewers) else {
        return ApiError::unavailable(format!(
            "too many viewers: /stream serves at most {max_viewers} at once"
        ))
        .into_response();
    };
    let mut response = warp::reply::stream(parts).into_response();
    let headers = response.headers_mut();
    let content_type = format!("multipart/x-mixed-replace; boundary={BOUNDARY}");
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    // Tell reverse proxies not to buffer the endless body.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// `GET /api/stream/info`: the MJPEG stream as it is now.
fn stream_info(state: AppState) -> Response {
    let now = monotonic_ns();
    let capture = &state.config.capture;
    let configured = (capture.width, capture.height);
    let (is_active, fps, (width, height), last_sequence) = match state.stats.lock() {
        Ok(mut stats) => (
            stats
                .age_ns(now)
                .is_some_and(|age| age <= state.config.api.health_timeout_ns()),
            round2(f64::from(stats.fps(now))),
            stats.resolution().unwrap_or(configured),
            stats.last_header.map(|h| h.frame.sequence),
        ),
        Err(_) => (false, 0.0, configured, None),
    };
    json(&StreamInfoReply {
        success: true,
        playback_id: state.config.camera_id.clone(),
        is_active,
        stream_type: "mjpeg",
        resolution: format!("{width}x{height}"),
        fps,
        target_fps: capture.fps,
        quality: state.config.encode.quality,
        viewers: state.broadcast.viewers(),
        last_sequence,
        stream_url: STREAM.path,
        blur_unknown_faces: state.config.privacy.blur_unknown_faces,
        face_boxes: state.policy.borrow().faces != 0,
    })
}
