//! `GET /api/status`: the reference system's shape, with true values, and the top-level
//! `streaming` and `recording` its web app reads (the reference never sent them).

use super::with_state;
use crate::state::AppState;
use mm_http::{json, Access, Response, RouteSpec};
use mm_runtime::clock::{monotonic_ns, unix_ms};
use mm_shm_schema::StreamingState;
use serde::Serialize;
use warp::http::Method;
use warp::{Filter, Rejection};

pub(super) static STATUS: RouteSpec = RouteSpec {
    name: "status",
    method: Method::GET,
    path: "/api/status",
    aliases: &[],
    access: Access::Public,
    summary: "Whether the camera is online, streaming, recording.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<StatusReply>()],
};

/// The `GET /api/status` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusReply {
    /// Always true.
    pub success: bool,
    /// Unix time in seconds.
    pub timestamp: u64,
    /// Whether the RTMP stream sends frames now (`data.isStreaming`, where the reference
    /// system's web app reads it).
    pub streaming: bool,
    /// Whether a recording runs (`data.isRecording`).
    pub recording: bool,
    /// The camera's state.
    pub data: CameraStatus,
}

/// The camera's state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CameraStatus {
    /// Whether a frame arrived within `api.health_timeout_ms`.
    pub is_online: bool,
    /// Whether the RTMP stream sends frames now.
    pub is_streaming: bool,
    /// Whether a recording runs.
    pub is_recording: bool,
    /// Unix seconds of the newest frame.
    pub last_seen: Option<u64>,
    /// The RTMP stream.
    pub stream_info: LiveStreamState,
    /// The recording.
    pub recording_info: RecordingState,
}

/// The RTMP (Livepeer) stream.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveStreamState {
    /// Livepeer's playback id, when configured.
    pub playback_id: Option<String>,
    /// Whether it is live.
    pub is_active: bool,
    /// `stopped`, `connecting`, `streaming`, `retrying`, or `unknown` while the media node
    /// does not answer.
    pub state: &'static str,
    /// `livepeer`.
    pub format: &'static str,
}

/// The recording.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordingState {
    /// Whether one runs.
    pub is_active: bool,
    /// The file being written.
    pub current_filename: Option<String>,
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    STATUS
        .filter()
        .and(with_state(state))
        .then(|state: AppState| async move { status(state).await })
}

async fn status(state: AppState) -> Response {
    let media = state.media.recent_state().await.ok();
    let streaming = media.map(|m| StreamingState::try_from(m.streaming.state).unwrap_or_default());
    let is_streaming = streaming == Some(StreamingState::Streaming);
    let recording = media.map(|m| m.recording);
    let is_recording =
        recording.is_some_and(|r| r.state == mm_shm_schema::RecordingState::Recording as u32);
    let now = monotonic_ns();
    let age_ns = state.stats.lock().ok().and_then(|stats| stats.age_ns(now));
    let is_online = age_ns.is_some_and(|age| age <= state.config.api.health_timeout_ns());
    let last_seen = age_ns.map(|age| unix_ms().saturating_sub(age / 1_000_000) / 1000);
    json(&StatusReply {
        success: true,
        timestamp: unix_ms() / 1000,
        streaming: is_streaming,
        recording: is_recording,
        data: CameraStatus {
            is_online,
            is_streaming,
            is_recording,
            last_seen,
            stream_info: LiveStreamState {
                playback_id: state
                    .config
                    .livepeer
                    .playback_url()
                    .map(|_| state.config.livepeer.playback_id.clone()),
                is_active: is_streaming,
                state: streaming.map_or("unknown", StreamingState::name),
                format: "livepeer",
            },
            recording_info: RecordingState {
                is_active: is_recording,
                current_filename: recording
                    .filter(|_| is_recording)
                    .map(|r| r.name.as_str().to_owned()),
            },
        },
    })
}
