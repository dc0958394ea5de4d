//! The HTTP routes of port 5002.

use crate::frame::BOUNDARY;
use crate::health::{health_report, HealthInputs};
use crate::rejection::{handle_rejection, json_error};
use crate::state::AppState;
use mm_runtime::clock::{monotonic_ns, unix_ms};
use serde_json::json;
use std::convert::Infallible;
use warp::http::{header, HeaderValue, StatusCode};
use warp::{Filter, Reply};

/// Every route, with JSON errors for everything that matches none.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Infallible> + Clone {
    let vision = crate::vision_routes::routes(state.clone());
    let with_state = warp::any().map(move || state.clone());
    let index = warp::path::end().and(warp::get()).map(index);
    let stream = warp::path!("stream")
        .and(warp::get())
        .and(with_state.clone())
        .map(stream);
    let health = warp::path!("api" / "health")
        .or(warp::path!("health"))
        .unify()
        .and(warp::get())
        .and(with_state.clone())
        .then(health);
    let status = warp::path!("api" / "status")
        .and(warp::get())
        .and(with_state.clone())
        .then(status);
    let stream_info = warp::path!("api" / "stream" / "info")
        .and(warp::get())
        .and(with_state)
        .map(stream_info);
    index
        .or(stream)
        .unify()
        .or(health)
        .unify()
        .or(status)
        .unify()
        .or(stream_info)
        .unify()
        .or(vision)
        .unify()
        .recover(handle_rejection)
        .unify()
}

fn index() -> warp::reply::Response {
    warp::reply::json(&json!({
        "name": "mmoment-edge camera API",
        "version": env!("CARGO_PKG_VERSION"),
        "endpoints": {
            "stream": "/stream",
            "health": "/api/health",
            "status": "/api/status",
            "stream_info": "/api/stream/info",
            "face_detections": "/api/face/detections",
            "face_recognize": "/api/face/recognize",
            "gesture_current": "/api/gesture/current",
            "visualization_face": "/api/visualization/face",
            "visualization_gesture": "/api/visualization/gesture",
        },
    }))
    .into_response()
}

/// `GET /stream`: `multipart/x-mixed-replace; boundary=frame`, one part per new JPEG.
fn stream(state: AppState) -> warp::reply::Response {
    let max_viewers = state.config.api.max_viewers as usize;
    let Some(parts) = state.broadcast.viewer_stream(max_viewers) else {
        return json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("too many viewers: /stream serves at most {max_viewers} at once"),
        );
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

/// `GET /api/health` (and `/health`): 200 while frames flow, else 503 with the reason.
async fn health(state: AppState) -> warp::reply::Response {
    let nodes = state.statuses.fresh().await;
    let report = {
        let Ok(mut stats) = state.stats.lock() else {
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "frame statistics unavailable",
            );
        };
        health_report(HealthInputs {
            now_ns: monotonic_ns(),
            started_ns: state.started_ns,
            unix_ms: unix_ms(),
            frame_timeout_ns: state.config.api.health_timeout_ms * 1_000_000,
            viewers: state.broadcast.viewers(),
            stats: &mut stats,
            nodes: &nodes,
        })
    };
    let code = if report.status != "error" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = serde_json::to_value(&report).unwrap_or_default();
    let capture = &state.config.capture;
    body["camera"] = json!({
        "id": state.config.camera_id,
        "resolution": format!("{}x{}", capture.width, capture.height),
        "target_fps": capture.fps,
        "preferred_device": capture.device,
    });
    body["buffer_fps"] = json!(report.fps);
    warp::reply::with_status(warp::reply::json(&body), code).into_response()
}

/// `GET /api/status`: the reference's shape, with true values.
async fn status(state: AppState) -> warp::reply::Response {
    let now = monotonic_ns();
    let (online, last_seen_ms) = match state.stats.lock() {
        Ok(stats) => {
            let age_ns = stats.age_ns(now);
            let online =
                age_ns.is_some_and(|age| age <= state.config.api.health_timeout_ms * 1_000_000);
            let last_seen = age_ns.map(|age| unix_ms().saturating_sub(age / 1_000_000));
            (online, last_seen)
        }
        Err(_) => (false, None),
    };
    warp::reply::json(&json!({
        "success": true,
        "timestamp": unix_ms() / 1000,
        "data": {
            "isOnline": online,
            // RTMP streaming and recording come with the H.264 part of encode.
            "isStreaming": false,
            "isRecording": false,
            "lastSeen": last_seen_ms.map(|ms| ms / 1000),
            "streamInfo": { "playbackId": null, "isActive": false, "format": "livepeer" },
            "recordingInfo": { "isActive": false, "currentFilename": null },
        },
    }))
    .into_response()
}

/// `GET /api/stream/info`: the MJPEG stream as it is now.
fn stream_info(state: AppState) -> warp::reply::Response {
    let now = monotonic_ns();
    let capture = &state.config.capture;
    let (active, fps, resolution, sequence) = match state.stats.lock() {
        Ok(mut stats) => {
            let active = stats
                .age_ns(now)
                .is_some_and(|age| age <= state.config.api.health_timeout_ms * 1_000_000);
            let (width, height) = stats
                .resolution()
                .unwrap_or((capture.width, capture.height));
            let sequence = stats.last_header.map(|h| h.frame.sequence);
            (
                active,
                stats.fps(now),
                format!("{width}x{height}"),
                sequence,
            )
        }
        Err(_) => (
            false,
            0.0,
            format!("{}x{}", capture.width, capture.height),
            None,
        ),
    };
    warp::reply::json(&json!({
        "success": true,
        "playbackId": state.config.camera_id,
        "isActive": active,
        "streamType": "mjpeg",
        "resolution": resolution,
        "fps": (f64::from(fps) * 100.0).round() / 100.0,
        "targetFps": capture.fps,
        "quality": state.config.encode.quality,
        "viewers": state.broadcast.viewers(),
        "lastSequence": sequence,
        "streamUrl": "/stream",
    }))
    .into_response()
}
