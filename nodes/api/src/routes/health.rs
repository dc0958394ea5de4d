//! `GET /api/health`: 200 while frames flow, else 503 with the reason.

use super::with_state;
use crate::health_report::{health_report, HealthInputs, HealthReport};
use crate::state::AppState;
use crate::stats::FrameStats;
use mm_http::{json_with_status, Access, ApiError, Response, RouteSpec};
use mm_runtime::clock::{monotonic_ns, unix_ms};
use serde::Serialize;
use std::path::PathBuf;
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection, Reply};

pub(super) static HEALTH: RouteSpec = RouteSpec {
    name: "health",
    method: Method::GET,
    path: "/api/health",
    aliases: &["/health"],
    access: Access::Public,
    summary:
        "200 while frames flow (ok or degraded), else 503 with the reason; every node's state.",
    request: mm_http::RequestDoc::None,
    replies: &[
        mm_http::ReplyDoc::ok::<HealthReply>(),
        mm_http::ReplyDoc::json::<HealthReply>(503, "No frames flow; `reason` says why."),
    ],
};

/// The `GET /api/health` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthReply {
    /// Status, reason, frames and nodes.
    #[serde(flatten)]
    pub report: HealthReport,
    /// The camera as configured.
    pub camera: CameraInfo,
    /// The reference system's name for `fps`.
    pub buffer_fps: f64,
    /// Sessions alive now (a count only: who holds them is nobody else's business).
    pub active_sessions: usize,
}

/// The camera as configured.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CameraInfo {
    /// The camera id.
    pub id: String,
    /// `WIDTHxHEIGHT`.
    pub resolution: String,
    /// Configured frames per second.
    pub target_fps: u32,
    /// The configured V4L2 device.
    #[schema(value_type = String)]
    pub preferred_device: PathBuf,
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    HEALTH.filter().and(with_state(state)).then(health)
}

/// The health report now, and what `also` reads off the frame statistics under the same lock.
pub(super) async fn report_with<T>(
    state: &AppState,
    also: impl FnOnce(&FrameStats) -> T,
) -> Result<(HealthReport, T), ApiError> {
    let nodes = state.statuses.fresh().await;
    let Ok(mut stats) = state.stats.lock() else {
        return Err(ApiError::unavailable("frame statistics unavailable"));
    };
    let report = health_report(HealthInputs {
        now_ns: monotonic_ns(),
        started_ns: state.started_ns,
        unix_ms: unix_ms(),
        frame_timeout_ns: state.config.api.health_timeout_ns(),
        viewers: state.broadcast.viewers(),
        stats: &mut stats,
        nodes: &nodes,
    });
    let also = also(&stats);
    Ok((report, also))
}

async fn health(state: AppState) -> Response {
    let report = match report_with(&state, |_| ()).await {
        Ok((report, ())) => report,
        Err(error) => return error.into_response(),
    };
    let code = if report.status == "error" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let capture = &state.config.capture;
    let reply = HealthReply {
        active_sessions: state.sessions.active(unix_ms()),
        buffer_fps: report.fps,
        report,
        camera: CameraInfo {
            id: state.config.camera_id.clone(),
            resolution: format!("{}x{}", capture.width, capture.height),
            target_fps: capture.fps,
            preferred_device: capture.device.clone(),
        },
    };
    json_with_status(&reply, code)
}
