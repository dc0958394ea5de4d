//! Recording routes: start, stop or toggle the recording of the one H.264 stream. The media
//! node writes it; a recording belongs to the wallet whose session started it, which (or the
//! camera's owner) alone may stop it.
//!
//! The reference system's web app is served in its own shapes: `duration` 0 (or none) means
//! "until stopped" (capped by `recording.max_duration_s`), `POST /api/record` without
//! `action` toggles, every reply names the file in a top-level `filename`, and stopping while
//! nothing records answers 200 `{"success": false, "error": "No recording in progress"}`.

use super::media::VIDEOS;
use super::{with_state, EmptyRequest};
use crate::auth;
use crate::ownership::owner_of;
use crate::session::Caller;
use crate::state::AppState;
use mm_http::{json, reply_or_error, Access, ApiError, Response, RouteSpec};
use mm_runtime::media_files::{self, MediaKind};
use mm_shm_schema::{MediaAction, MediaState, RecordingState, RecordingStatus};
use serde::{Deserialize, Serialize};
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection};

pub(super) static RECORD: RouteSpec = RouteSpec {
    name: "record",
    method: Method::POST,
    path: "/api/record",
    aliases: &[],
    access: Access::Session,
    summary: "Starts ({\"action\": \"start\", \"duration\": s; 0 or none: until stopped, at most recording.max_duration_s}) or stops a recording; without action, starts one when none runs and stops the running one otherwise. Stopping while none runs answers 200 with success false.",
    request: mm_http::RequestDoc::optional_json::<RecordRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<RecordReply>()],
};

pub(super) static START_RECORDING: RouteSpec = RouteSpec {
    name: "start_recording",
    method: Method::POST,
    path: "/start_recording",
    aliases: &[],
    access: Access::Session,
    summary: "Legacy: POST /api/record with action start.",
    request: mm_http::RequestDoc::optional_json::<StartRecordingRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<RecordReply>()],
};

pub(super) static STOP_RECORDING: RouteSpec = RouteSpec {
    name: "stop_recording",
    method: Method::POST,
    path: "/stop_recording",
    aliases: &[],
    access: Access::Session,
    summary: "Legacy: POST /api/record with action stop.",
    request: mm_http::RequestDoc::optional_json::<EmptyRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<RecordReply>()],
};

/// The error of a stop while nothing records, in the reference system's words.
pub const NOT_RECORDING: &str = "No recording in progress";

/// Longest recording a request may name, seconds (a day; `recording.max_duration_s` caps it
/// further).
const MAX_REQUESTED_S: f64 = 86_400.0;

/// Body of `POST /api/record` (optional: no body toggles).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RecordRequest {
    /// `start` or `stop`; absent: start when none runs, else stop.
    #[serde(default)]
    action: Option<RecordAction>,
    /// Seconds; 0 or absent: until stopped, at most the configured maximum (a longer one is
    /// capped to it).
    #[serde(default)]
    duration: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum RecordAction {
    Start,
    Stop,
}

/// Body of `/start_recording` (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StartRecordingRequest {
    /// Seconds, as for `POST /api/record`.
    #[serde(default)]
    duration: Option<f64>,
}

/// A recording, as the routes report it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordingJson {
    /// `idle`, `recording`, `stopped`, `finished` or `failed`.
    pub state: &'static str,
    /// Whether it runs now.
    pub is_recording: bool,
    /// Its file; null when none ran.
    pub name: Option<String>,
    /// Where to download it.
    pub url: Option<String>,
    /// When it started (RFC 3339).
    pub started_at: Option<String>,
    /// Media time written, seconds.
    pub duration_s: f64,
    /// Bytes written.
    pub bytes: u64,
    /// Where it ends by itself, seconds.
    pub limit_s: f64,
    /// How it ended, or its error.
    pub detail: Option<String>,
}

/// Reply of the record routes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordReply {
    /// False only when a stop found nothing recording (`error` says so).
    pub success: bool,
    /// The file started or stopped (`recording.name`); null when there is none.
    pub filename: Option<String>,
    /// Why nothing was done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    /// The recording after the request.
    pub recording: RecordingJson,
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let record_route = RECORD
        .filter()
        .and(auth::caller_with_body::<RecordRequest>(
            &RECORD,
            state.clone(),
        ))
        .and(with_state(state.clone()))
        .then(
            |caller: Caller, request: RecordRequest, state: AppState| async move {
                reply_or_error(record(&state, &caller, request.action, request.duration).await)
            },
        );
    let start_recording = START_RECORDING
        .filter()
        .and(auth::caller_with_body::<StartRecordingRequest>(
            &START_RECORDING,
            state.clone(),
        ))
        .and(with_state(state.clone()))
        .then(
            |caller: Caller, request: StartRecordingRequest, state: AppState| async move {
                let start = Some(RecordAction::Start);
                reply_or_error(record(&state, &caller, start, request.duration).await)
            },
        );
    let stop_recording = STOP_RECORDING
        .filter()
        .and(auth::caller_with_body::<EmptyRequest>(
            &STOP_RECORDING,
            state.clone(),
        ))
        .and(with_state(state))
        .then(
            |caller: Caller, _: EmptyRequest, state: AppState| async move {
                let stop = Some(RecordAction::Stop);
                reply_or_error(record(&state, &caller, stop, None).await)
            },
        );
    record_route
        .or(start_recording)
        .unify()
        .or(stop_recording)
        .unify()
}

/// The media node's `duration_ms` for a requested duration: 0 (the configured maximum) for
/// none or 0.
fn duration_ms(duration_s: Option<f64>) -> Result<u64, ApiError> {
    match duration_s {
        None | Some(0.0) => Ok(0),
        Some(seconds) if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_REQUESTED_S => {
            Ok((seconds * 1000.0).round().max(1.0) as u64)
        }
        Some(seconds) => Err(ApiError::bad_request(format!(
            "duration must be 0 (until stopped) or above 0 and at most {MAX_REQUESTED_S} seconds, not {seconds}"
        ))),
    }
}

/// Starts a recording for `caller`, or stops the running one if it is `caller`'s (or `caller`
/// owns the camera); `None` toggles.
async fn record(
    state: &AppState,
    caller: &Caller,
    action: Option<RecordAction>,
    duration_s: Option<f64>,
) -> Result<Response, ApiError> {
    let duration_ms = duration_ms(duration_s)?;
    let media_action = match action {
        // A start needs no question first: the media node refuses a second one (409).
        Some(RecordAction::Start) => MediaAction::StartRecording,
        None | Some(RecordAction::Stop) => {
            let running = state.media.ask(MediaAction::Status, 0, "").await?.state;
            let is_recording = running.recording.state == RecordingState::Recording as u32;
            if !is_recording {
                return match action {
                    None => asked(state, caller, MediaAction::StartRecording, duration_ms).await,
                    _ => Ok(not_recording(&running)),
                };
            }
            let dir = &state.config.recording.dir;
            let name = running.recording.name.as_str();
            let theirs =
                owner_of(dir, MediaKind::Video, name).as_deref() != Some(caller.wallet.as_str());
            if theirs && !caller.owner {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "the running recording belongs to another wallet",
                ));
            }
            MediaAction::StopRecording
        }
    };
    asked(state, caller, media_action, duration_ms).await
}

/// Asks the media node for `action` and answers with the recording after it.
async fn asked(
    state: &AppState,
    caller: &Caller,
    action: MediaAction,
    duration_ms: u64,
) -> Result<Response, ApiError> {
    let media = state
        .media
        .ask(action, duration_ms, &caller.wallet)
        .await?
        .state;
    Ok(json(&RecordReply {
        success: true,
        filename: recording_name(&media.recording),
        error: None,
        recording: recording_json(&media.recording),
    }))
}

/// The reference system's answer to a stop while nothing records (200).
fn not_recording(media: &MediaState) -> Response {
    json(&RecordReply {
        success: false,
        filename: None,
        error: Some(NOT_RECORDING),
        recording: recording_json(&media.recording),
    })
}

/// The recording's file name, if one ran.
fn recording_name(recording: &RecordingStatus) -> Option<String> {
    (!recording.name.is_empty()).then(|| recording.name.as_str().to_owned())
}

/// The recording as JSON.
pub fn recording_json(recording: &RecordingStatus) -> RecordingJson {
    let state = RecordingState::try_from(recording.state).unwrap_or_default();
    let name = recording_name(recording);
    RecordingJson {
        state: state.name(),
        is_recording: state == RecordingState::Recording,
        url: name.as_ref().map(|name| format!("{}/{name}", VIDEOS.path)),
        name,
        started_at: (recording.started_unix_ms != 0)
            .then(|| media_files::rfc3339(recording.started_unix_ms)),
        duration_s: recording.duration_ms as f64 / 1000.0,
        bytes: recording.bytes,
        limit_s: recording.limit_ms as f64 / 1000.0,
        detail: (!recording.detail.is_empty()).then(|| recording.detail.as_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_or_no_duration_means_until_stopped() {
        assert_eq!(duration_ms(None).unwrap(), 0);
        assert_eq!(duration_ms(Some(0.0)).unwrap(), 0);
        assert_eq!(duration_ms(Some(2.5)).unwrap(), 2500);
        for bad in [-1.0, f64::NAN, f64::INFINITY, MAX_REQUESTED_S + 1.0] {
            assert!(duration_ms(Some(bad)).is_err(), "{bad}");
        }
    }
}
