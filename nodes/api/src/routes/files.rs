//! `GET`, `HEAD` and `DELETE` of one photo or recording: byte ranges, ETags, the right content
//! type. A name must be one the media node could have made (see `media_files`; a recording
//! may be asked for as `.mov`, as the reference system's web app does); anything else,
//! including `..`, `%2e%2e%2f` and symlinks, is 404 JSON and touches nothing. Each
//! needs a session: a caller reaches its own files (403 for another's), the owner every one.

use super::with_state;
use crate::auth;
use crate::ownership::may_access;
use crate::session::Caller;
use crate::state::AppState;
use bytes::Bytes;
use mm_http::{json, reply_or_error, Access, ApiError, ReplyDoc, Response, RouteSpec};
use mm_runtime::media_files::{self, MediaFile, MediaKind};
use mm_shm_schema::{MediaAction, RecordingState};
use serde::Serialize;
use std::io::SeekFrom;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use warp::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use warp::{Filter, Rejection, Reply};

macro_rules! file_route {
    ($name:ident, $key:literal, $method:ident, $path:literal, $summary:literal, $replies:expr) => {
        pub(super) static $name: RouteSpec = RouteSpec {
            name: $key,
            method: Method::$method,
            path: $path,
            aliases: &[],
            access: Access::Session,
            summary: $summary,
            request: mm_http::RequestDoc::None,
            replies: $replies,
        };
    };
}

/// What a `GET` of a photo answers.
const PHOTO_REPLIES: &[ReplyDoc] = &[
    ReplyDoc::media(200, &["image/jpeg"], "The photo."),
    ReplyDoc::media(206, &["image/jpeg"], "The range asked for."),
    ReplyDoc::empty(304, "It has not changed (If-None-Match)."),
];

/// What a `GET` of a recording answers.
const VIDEO_REPLIES: &[ReplyDoc] = &[
    ReplyDoc::media(200, &["video/mp4"], "The recording."),
    ReplyDoc::media(206, &["video/mp4"], "The range asked for."),
    ReplyDoc::empty(304, "It has not changed (If-None-Match)."),
];

/// What a `HEAD` answers: the headers of the `GET`, no body.
const HEAD_REPLIES: &[ReplyDoc] = &[
    ReplyDoc::empty(200, "Content-Length, Content-Type and ETag of the file."),
    ReplyDoc::empty(304, "It has not changed (If-None-Match)."),
];

/// What a `DELETE` answers.
const DELETE_REPLIES: &[ReplyDoc] = &[ReplyDoc::ok::<DeletedReply>()];

file_route!(
    PHOTO_GET,
    "photo_get",
    GET,
    "/api/photos/{name}",
    "One photo (JPEG); Range and ETag.",
    PHOTO_REPLIES
);
file_route!(
    PHOTO_HEAD,
    "photo_head",
    HEAD,
    "/api/photos/{name}",
    "A photo's size, type and ETag.",
    HEAD_REPLIES
);
file_route!(
    PHOTO_DELETE,
    "photo_delete",
    DELETE,
    "/api/photos/{name}",
    "Deletes a photo.",
    DELETE_REPLIES
);
file_route!(
    VIDEO_GET,
    "video_get",
    GET,
    "/api/videos/{name}",
    "One recording (MP4); Range and ETag.",
    VIDEO_REPLIES
);
file_route!(
    VIDEO_HEAD,
    "video_head",
    HEAD,
    "/api/videos/{name}",
    "A recording's size, type and ETag.",
    HEAD_REPLIES
);
file_route!(
    VIDEO_DELETE,
    "video_delete",
    DELETE,
    "/api/videos/{name}",
    "Deletes a recording.",
    DELETE_REPLIES
);

/// Bytes read from the file per body chunk.
const CHUNK: usize = 64 * 1024;

/// Reply of a delete.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedReply {
    /// Always true.
    pub success: bool,
    /// The file deleted.
    pub deleted: String,
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let serve = |spec: &'static RouteSpec, kind: MediaKind, with_body: bool| {
        spec.named_filter()
            .and(auth::caller(spec, state.clone()))
            .and(warp::header::headers_cloned())
            .and(with_state(state.clone()))
            .then(
                move |name: String, caller: Caller, headers: HeaderMap, state: AppState| async move {
                    reply_or_error(serve(&state, &caller, kind, &name, &headers, with_body).await)
                },
            )
    };
    let delete = |spec: &'static RouteSpec, kind: MediaKind| {
        spec.named_filter()
            .and(auth::caller(spec, state.clone()))
            .and(with_state(state.clone()))
            .then(
                move |name: String, caller: Caller, state: AppState| async move {
                    reply_or_error(delete(&state, &caller, kind, &name).await)
                },
            )
    };
    serve(&PHOTO_GET, MediaKind::Photo, true)
        .or(serve(&PHOTO_HEAD, MediaKind::Photo, false))
        .unify()
        .or(delete(&PHOTO_DELETE, MediaKind::Photo))
        .unify()
        .or(serve(&VIDEO_GET, MediaKind::Video, true))
        .unify()
        .or(serve(&VIDEO_HEAD, MediaKind::Video, false))
        .unify()
        .or(delete(&VIDEO_DELETE, MediaKind::Video))
        .unify()
}

fn folder(state: &AppState, kind: MediaKind) -> &std::path::Path {
    match kind {
        MediaKind::Photo => &state.config.photos.dir,
        MediaKind::Video => &state.config.recording.dir,
    }
}

/// The file `name`, if it exists and is `caller`'s to reach.
fn find(
    state: &AppState,
    caller: &Caller,
    kind: MediaKind,
    name: &str,
) -> Result<MediaFile, ApiError> {
    let dir = folder(state, kind);
    let file = media_files::resolve(dir, kind, &kind.stored_name(name))
        .ok_or_else(|| ApiError::not_found(format!("no such file: {}", printable(name))))?;
    if !may_access(caller, dir, kind, &file.name) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this file belongs to another wallet",
        ));
    }
    Ok(file)
}

/// `name` as an error message may show it: at most 80 plain characters.
fn printable(name: &str) -> String {
    name.chars()
        .take(80)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

async fn delete(
    state: &AppState,
    caller: &Caller,
    kind: MediaKind,
    name: &str,
) -> Result<Response, ApiError> {
    let file = find(state, caller, kind, name)?;
    if kind == MediaKind::Video && recording_now(state, &file.name).await {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "the recording is still being written; stop it first",
        ));
    }
    match media_files::remove(folder(state, kind), kind, &file.name) {
        Ok(true) => Ok(json(&DeletedReply {
            success: true,
            deleted: file.name,
        })),
        Ok(false) => Err(ApiError::not_found(format!("no such file: {}", file.name))),
        Err(error) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot delete {}: {error}", file.name),
        )),
    }
}

/// Whether `name` is the recording the media node writes now. A media node that does not
/// answer writes nothing.
async fn recording_now(state: &AppState, name: &str) -> bool {
    state
        .media
        .ask(MediaAction::Status, 0, "")
        .await
        .is_ok_and(|response| {
            let recording = response.state.recording;
            recording.state == RecordingState::Recording as u32 && recording.name.as_str() == name
        })
}

/// The strong validator of a file's current content: its size and modification time.
fn etag_of(file: &MediaFile, modified_ns: u128) -> String {
    format!("\"{:x}-{:x}\"", file.bytes, modified_ns)
}

async fn serve(
    state: &AppState,
    caller: &Caller,
    kind: MediaKind,
    name: &str,
    headers: &HeaderMap,
    with_body: bool,
) -> Result<Response, ApiError> {
    let file = find(state, caller, kind, name)?;
    let modified_ns = std::fs::symlink_metadata(&file.path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let etag = etag_of(&file, modified_ns);
    let matches = |value: &HeaderValue| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
    };
    if headers.get(header::IF_NONE_MATCH).is_some_and(matches) {
        let mut response = Response::default();
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
            .headers_mut()
            .insert(header::ETAG, header_value(&etag));
        return Ok(response);
    }
    // A Range with an If-Range naming another version gets the whole file.
    let range_applies = headers
        .get(header::IF_RANGE)
        .is_none_or(|value| value.to_str().is_ok_and(|v| v.trim() == etag));
    let range = match headers.get(header::RANGE).filter(|_| range_applies) {
        Some(value) => Some(parse_range(value, file.bytes)?),
        None => None,
    };
    let (start, len, status) = match range {
        Some((start, end)) => (start, end - start + 1, StatusCode::PARTIAL_CONTENT),
        None => (0, file.bytes, StatusCode::OK),
    };
    let mut response = if with_body && len > 0 {
        file_body(file.path.clone(), start, len)
    } else {
        Response::default()
    };
    *response.status_mut() = status;
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(kind.content_type()),
    );
    out.insert(header::CONTENT_LENGTH, header_value(&len.to_string()));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    out.insert(header::ETAG, header_value(&etag));
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let range = format!("bytes {start}-{}/{}", start + len - 1, file.bytes);
        out.insert(header::CONTENT_RANGE, header_value(&range));
    }
    Ok(response)
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// One `bytes=` range of a file of `size` bytes, as inclusive (first, last). Several ranges,
/// other units or a range past the end are 416 JSON.
fn parse_range(value: &HeaderValue, size: u64) -> Result<(u64, u64), ApiError> {
    let unsatisfiable = || {
        ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            format!("Range must be one bytes=first-last within the file's {size} bytes"),
        )
    };
    let text = value.to_str().map_err(|_| unsatisfiable())?.trim();
    let spec = text.strip_prefix("bytes=").ok_or_else(unsatisfiable)?;
    if spec.contains(',') {
        return Err(unsatisfiable());
    }
    let (first, last) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| unsatisfiable());
    let (start, end) = match (first.trim().is_empty(), last.trim().is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => {
            let suffix = number(last)?.min(size);
            if suffix == 0 {
                return Err(unsatisfiable());
            }
            (size - suffix, size - 1)
        }
        (false, true) => (number(first)?, size.saturating_sub(1)),
        (false, false) => (number(first)?, number(last)?.min(size.saturating_sub(1))),
        (true, true) => return Err(unsatisfiable()),
    };
    if size == 0 || start >= size || start > end {
        return Err(unsatisfiable());
    }
    Ok((start, end))
}

/// `len` bytes of `path` from `start`, read in chunks as the client takes them (a recording
/// may be gigabytes: never read whole into memory).
fn file_body(path: PathBuf, start: u64, len: u64) -> Response {
    let (chunks, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::spawn(async move {
        let read = async {
            let mut file = tokio::fs::File::open(&path).await?;
            file.seek(SeekFrom::Start(start)).await?;
            let mut left = len;
            while left > 0 {
                let mut buffer = vec![0u8; CHUNK.min(left as usize)];
                let got = file.read(&mut buffer).await?;
                if got == 0 {
                    return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
                }
                buffer.truncate(got);
                left -= got as u64;
                if chunks.send(Ok(Bytes::from(buffer))).await.is_err() {
                    // The client went away.
                    return Ok(());
                }
            }
            Ok(())
        };
        if let Err(error) = read.await {
            let _ = chunks.send(Err(error)).await;
        }
    });
    let mut receiver = receiver;
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    warp::reply::stream(stream).into_response()
}
