//! `POST /camera/reset` (owner): the capture node is stopped and its supervisor starts it
//! again, which reopens the source (V4L2 scanned afresh, as the reference's reset did).
//!
//! Only a child of this API's own supervisor named `mm-capture` is signalled: a pid read from
//! shared memory could name any process.

use super::EmptyRequest;
use crate::auth;
use crate::session::Caller;
use crate::state::AppState;
use mm_http::{respond, Access, ApiError, RouteSpec};
use mm_runtime::procfs::children_named;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde::Serialize;
use std::time::{Duration, Instant};
use warp::http::Method;
use warp::{Filter, Rejection};

/// How long the reset waits for the new capture process.
const RESTART_WAIT: Duration = Duration::from_secs(10);

pub(super) static CAMERA_RESET: RouteSpec = RouteSpec {
    name: "camera_reset",
    method: Method::POST,
    path: "/camera/reset",
    aliases: &["/api/camera/reset"],
    access: Access::Owner,
    summary: "Restarts the capture node, which reopens the camera.",
    request: mm_http::RequestDoc::optional_json::<super::EmptyRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<CameraResetReply>()],
};

/// Reply of `POST /camera/reset`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CameraResetReply {
    /// True when a new capture process runs.
    pub success: bool,
    /// In words.
    pub message: &'static str,
    /// Whether capture ran before.
    pub was_running: bool,
    /// Whether capture runs now.
    pub now_running: bool,
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (mm_http::Response,), Error = Rejection> + Clone {
    CAMERA_RESET
        .filter()
        .and(auth::caller_with_body::<EmptyRequest>(
            &CAMERA_RESET,
            state.clone(),
        ))
        .then(|caller: Caller, _: EmptyRequest| async move { respond(reset(&caller).await) })
}

async fn reset(caller: &Caller) -> Result<CameraResetReply, ApiError> {
    let supervisor = std::os::unix::process::parent_id();
    let before = children_named(supervisor, "mm-capture");
    if before.is_empty() {
        return Err(ApiError::unavailable(
            "no capture node runs under this camera's supervisor",
        ));
    }
    tracing::info!(owner = %caller.wallet, "camera reset");
    for pid in &before {
        // Gone meanwhile: the supervisor restarts it anyway.
        let _ = kill(Pid::from_raw(*pid as i32), Signal::SIGTERM);
    }
    let deadline = Instant::now() + RESTART_WAIT;
    loop {
        let now = children_named(supervisor, "mm-capture");
        if now.iter().any(|pid| !before.contains(pid)) {
            return Ok(CameraResetReply {
                success: true,
                message: "Camera reset successful",
                was_running: true,
                now_running: true,
            });
        }
        if Instant::now() >= deadline {
            return Err(ApiError::unavailable(
                "the capture node did not come back within 10 s; see the supervisor's log",
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
