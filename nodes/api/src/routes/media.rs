//! Media routes: the Livepeer (RTMP) stream, photos, and the lists of photos and recordings
//! (`recording.rs` starts and stops those). The media node does the work; these routes ask
//! it over `media/control` and read its folders. Photos and recordings belong to the wallet
//! whose session made them: it lists, downloads and deletes its own; the camera's owner
//! reaches all of them and alone runs the RTMP stream. Replies also carry the fields the
//! reference system's web app reads (`filename`, `timestamp`, `photos`/`videos`).

use super::{with_state, EmptyRequest};
use crate::auth;
use crate::ownership::{may_access_with, sidecar};
use crate::session::Caller;
use crate::state::AppState;
use mm_http::{json, reply_or_error, Access, ApiError, Response, RouteSpec};
use mm_runtime::clock::monotonic_ns;
use mm_runtime::media_files::{self, MediaKind};
use mm_shm_schema::{MediaAction, MediaState, StreamingState};
use serde::{Deserialize, Serialize};
use warp::http::Method;
use warp::{Filter, Rejection};

pub(super) static LIVEPEER_START: RouteSpec = RouteSpec {
    name: "livepeer_start",
    method: Method::POST,
    path: "/api/stream/livepeer/start",
    aliases: &[],
    access: Access::Owner,
    summary: "Starts the RTMP stream to Livepeer; answers at once with state connecting.",
    request: mm_http::RequestDoc::optional_json::<EmptyRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<LivepeerStatusReply>()],
};

pub(super) static LIVEPEER_STOP: RouteSpec = RouteSpec {
    name: "livepeer_stop",
    method: Method::POST,
    path: "/api/stream/livepeer/stop",
    aliases: &[],
    access: Access::Owner,
    summary: "Stops the RTMP stream.",
    request: mm_http::RequestDoc::optional_json::<EmptyRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<LivepeerStatusReply>()],
};

pub(super) static LIVEPEER_STATUS: RouteSpec = RouteSpec {
    name: "livepeer_status",
    method: Method::GET,
    path: "/api/stream/livepeer/status",
    aliases: &[],
    access: Access::Public,
    summary: "The RTMP stream: state, frames sent, bitrate, drops, reconnects, playback URL.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<LivepeerStatusReply>()],
};

pub(super) static CAPTURE: RouteSpec = RouteSpec {
    name: "capture",
    method: Method::POST,
    path: "/api/capture",
    aliases: &["/capture_moment"],
    access: Access::Session,
    summary: "Takes a photo of the current frame (JPEG, privacy applied).",
    request: mm_http::RequestDoc::optional_json::<EmptyRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<CaptureReply>()],
};

pub(super) static PHOTOS: RouteSpec = RouteSpec {
    name: "photos",
    method: Method::GET,
    path: "/api/photos",
    aliases: &[],
    access: Access::Session,
    summary: "The caller's photos (the owner: all), newest first (limit, cursor).",
    request: mm_http::RequestDoc::query::<ListQuery>(),
    replies: &[mm_http::ReplyDoc::ok::<MediaListReply>()],
};

pub(super) static VIDEOS: RouteSpec = RouteSpec {
    name: "videos",
    method: Method::GET,
    path: "/api/videos",
    aliases: &[],
    access: Access::Session,
    summary: "The caller's recordings (the owner: all), newest first (limit, cursor), with their durations.",
    request: mm_http::RequestDoc::query::<ListQuery>(),
    replies: &[mm_http::ReplyDoc::ok::<MediaListReply>()],
};

/// The RTMP stream, as the status route reports it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LivepeerStatusReply {
    /// Always true.
    pub success: bool,
    /// `stopped`, `connecting`, `streaming` or `retrying`.
    pub state: &'static str,
    /// Whether frames are being sent now.
    pub is_streaming: bool,
    /// Video frames sent since it was started.
    pub frames_sent: u64,
    /// Video bitrate over the last seconds, bits per second.
    pub bitrate_bps: u64,
    /// Capture → written to the ingest's connection over the last seconds: median and
    /// 99th percentile, ms; null before the first window.
    pub send_latency_ms: Option<[f64; 2]>,
    /// Frames not sent (ingest away or too slow).
    pub dropped_frames: u64,
    /// Reconnections since it was started.
    pub reconnects: u32,
    /// The newest connection error.
    pub last_error: Option<String>,
    /// Seconds since it was started; null when stopped.
    pub uptime_s: Option<f64>,
    /// The ingest, without the stream key.
    pub ingest_url: String,
    /// Livepeer's playback id, when configured.
    pub playback_id: Option<String>,
    /// The HLS playback URL, when a playback id is configured.
    pub playback_url: Option<String>,
}

/// Reply of `POST /api/capture`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaptureReply {
    /// Always true.
    pub success: bool,
    /// The photo's file name (`GET /api/photos/<filename>`).
    pub filename: String,
    /// The same name.
    pub name: String,
    /// Where to download it.
    pub url: String,
    /// Its size.
    pub bytes: u64,
    /// Its size (the reference system's name).
    pub size: u64,
    /// When it was taken, Unix milliseconds.
    pub timestamp: u64,
}

/// One file of a listing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MediaItem {
    /// The file name.
    pub name: String,
    /// Where to download it.
    pub url: String,
    /// Its size.
    pub bytes: u64,
    /// When it was made (RFC 3339), from its name.
    pub created_at: String,
    /// When it was last written (RFC 3339).
    pub modified_at: String,
    /// Videos: media seconds, once the recording ended (null while it runs or after a crash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
}

/// One file of a listing, in the reference system's shape.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LegacyMediaItem {
    /// The file name.
    pub filename: String,
    /// Where to download it.
    pub url: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written, Unix milliseconds.
    pub timestamp: u64,
}

/// Reply of `GET /api/photos` and `GET /api/videos`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MediaListReply {
    /// Always true.
    pub success: bool,
    /// The files, newest first.
    pub items: Vec<MediaItem>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
    /// `GET /api/photos`: the same page in the reference system's shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photos: Option<Vec<LegacyMediaItem>>,
    /// `GET /api/videos`: the same page in the reference system's shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub videos: Option<Vec<LegacyMediaItem>>,
    /// Files on this page.
    pub count: usize,
}

/// Query of the listings.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Items on the page (default 50, at most 500).
    limit: Option<usize>,
    /// Where the page starts: the `next_cursor` of the page before.
    cursor: Option<String>,
}

/// Most items one page returns.
const MAX_PAGE: usize = 500;
/// Items a page returns without `limit`.
const DEFAULT_PAGE: usize = 50;

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let livepeer = |spec: &'static RouteSpec, action: MediaAction| {
        spec.filter()
            .and(auth::caller_with_body::<EmptyRequest>(spec, state.clone()))
            .and(with_state(state.clone()))
            .then(
                move |_: Caller, _: EmptyRequest, state: AppState| async move {
                    reply_or_error(
                        ask(&state, action, 0, "")
                            .await
                            .map(|s| livepeer_reply(&state, s)),
                    )
                },
            )
    };
    let start = livepeer(&LIVEPEER_START, MediaAction::StartStream);
    let stop = livepeer(&LIVEPEER_STOP, MediaAction::StopStream);
    let status = LIVEPEER_STATUS
        .filter()
        .and(with_state(state.clone()))
        .then(|state: AppState| async move {
            reply_or_error(
                state
                    .media
                    .recent_state()
                    .await
                    .map(|s| livepeer_reply(&state, s)),
            )
        });
    let capture = CAPTURE
        .filter()
        .and(auth::caller_with_body::<EmptyRequest>(
            &CAPTURE,
            state.clone(),
        ))
        .and(with_state(state.clone()))
        .then(
            |caller: Caller, _: EmptyRequest, state: AppState| async move {
                reply_or_error(capture(&state, &caller).await)
            },
        );
    let photos = PHOTOS
        .filter()
        .and(auth::caller(&PHOTOS, state.clone()))
        .and(warp::query::<ListQuery>())
        .and(with_state(state.clone()))
        .map(|caller: Caller, query: ListQuery, state: AppState| {
            reply_or_error(list(&state, &caller, MediaKind::Photo, query))
        });
    let videos = VIDEOS
        .filter()
        .and(auth::caller(&VIDEOS, state.clone()))
        .and(warp::query::<ListQuery>())
        .and(with_state(state))
        .map(|caller: Caller, query: ListQuery, state: AppState| {
            reply_or_error(list(&state, &caller, MediaKind::Video, query))
        });
    start
        .or(stop)
        .unify()
        .or(status)
        .unify()
        .or(capture)
        .unify()
        .or(photos)
        .unify()
        .or(videos)
        .unify()
}

/// Asks the media node for `action` and returns its state afterwards.
async fn ask(
    state: &AppState,
    action: MediaAction,
    duration_ms: u64,
    wallet: &str,
) -> Result<MediaState, ApiError> {
    Ok(state.media.ask(action, duration_ms, wallet).await?.state)
}

async fn capture(state: &AppState, caller: &Caller) -> Result<Response, ApiError> {
    let response = state
        .media
        .ask(MediaAction::TakePhoto, 0, &caller.wallet)
        .await?;
    let name = response.name.as_str().to_owned();
    let file = media_files::resolve(&state.config.photos.dir, MediaKind::Photo, &name)
        .ok_or_else(|| ApiError::unavailable("the photo was taken but is not in the folder"))?;
    Ok(json(&CaptureReply {
        success: true,
        url: format!("{}/{name}", PHOTOS.path),
        filename: name.clone(),
        name,
        bytes: file.bytes,
        size: file.bytes,
        timestamp: file.modified_unix_ms,
    }))
}

fn livepeer_reply(state: &AppState, media: MediaState) -> Response {
    let streaming = media.streaming;
    let config = &state.config.livepeer;
    let stream_state = StreamingState::try_from(streaming.state).unwrap_or_default();
    json(&LivepeerStatusReply {
        success: true,
        state: stream_state.name(),
        is_streaming: stream_state == StreamingState::Streaming,
        frames_sent: streaming.frames_sent,
        bitrate_bps: streaming.bitrate_bps,
        send_latency_ms: (streaming.send_latency_p99_us > 0).then(|| {
            [
                f64::from(streaming.send_latency_p50_us) / 1000.0,
                f64::from(streaming.send_latency_p99_us) / 1000.0,
            ]
        }),
        dropped_frames: streaming.dropped_frames,
        reconnects: streaming.reconnects,
        last_error: (!streaming.last_error.is_empty())
            .then(|| streaming.last_error.as_str().to_owned()),
        uptime_s: (streaming.started_ns != 0 && stream_state != StreamingState::Stopped)
            .then(|| monotonic_ns().saturating_sub(streaming.started_ns) as f64 / 1e9),
        ingest_url: config.ingest_url.clone(),
        playback_id: (!config.playback_id.is_empty()).then(|| config.playback_id.clone()),
        playback_url: config.playback_url(),
    })
}

fn list(
    state: &AppState,
    caller: &Caller,
    kind: MediaKind,
    query: ListQuery,
) -> Result<Response, ApiError> {
    let (dir, base) = match kind {
        MediaKind::Photo => (&state.config.photos.dir, PHOTOS.path),
        MediaKind::Video => (&state.config.recording.dir, VIDEOS.path),
    };
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be 1..={MAX_PAGE}"
        )));
    }
    if let Some(cursor) = &query.cursor {
        if !kind.is_valid_name(cursor) {
            return Err(ApiError::bad_request(
                "cursor is not a file name of this list",
            ));
        }
    }
    let files = media_files::list(dir, kind)
        .map_err(|error| ApiError::unavailable(format!("cannot read the folder: {error}")))?;
    let mut page: Vec<_> = files
        .into_iter()
        .filter(|file| {
            query
                .cursor
                .as_ref()
                .is_none_or(|cursor| file.name < *cursor)
        })
        // Each sidecar is read once: whose the file is, and a video's duration.
        .filter_map(|file| {
            let sidecar = sidecar(dir, kind, &file.name);
            may_access_with(caller, sidecar.as_ref()).then_some((file, sidecar))
        })
        .take(limit + 1)
        .collect();
    let next_cursor = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|(file, _)| file.name.clone())
    } else {
        None
    };
    let legacy: Vec<LegacyMediaItem> = page
        .iter()
        .map(|(file, _)| LegacyMediaItem {
            filename: file.name.clone(),
            url: format!("{base}/{}", file.name),
            size: file.bytes,
            timestamp: file.modified_unix_ms,
        })
        .collect();
    let items: Vec<MediaItem> = page
        .into_iter()
        .map(|(file, sidecar)| MediaItem {
            url: format!("{base}/{}", file.name),
            created_at: kind.created_at(&file.name).unwrap_or_default(),
            modified_at: media_files::rfc3339(file.modified_unix_ms),
            duration_s: sidecar.as_ref().and_then(|s| s["duration_s"].as_f64()),
            bytes: file.bytes,
            name: file.name,
        })
        .collect();
    let count = items.len();
    let (photos, videos) = match kind {
        MediaKind::Photo => (Some(legacy), None),
        MediaKind::Video => (None, Some(legacy)),
    };
    Ok(json(&MediaListReply {
        success: true,
        items,
        next_cursor,
        photos,
        videos,
        count,
    }))
}
