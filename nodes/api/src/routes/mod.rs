//! The HTTP routes of port 5002, one module per area.
//!
//! Every route is a [`RouteSpec`] in [`ROUTES`]: its filter is built from it, the index lists
//! it, and the tests walk it.

mod camera;
mod enrollment;
mod files;
mod health;
mod index;
mod media;
mod metrics;
mod recording;
mod session;
mod status;
mod stream;
mod ui;
mod vision;

use crate::state::AppState;
use mm_http::origin_guard::{with_origin_guard, OriginGuard};
use mm_http::rejection::handle_rejection;
use mm_http::request_log::with_request_log;
use mm_http::RouteSpec;
use std::convert::Infallible;
use std::sync::Arc;
use warp::{Filter, Reply};

pub use camera::CameraResetReply;
pub use enrollment::{
    EnrolledFace, EnrolledFacesReply, EnrolledReply, EnrollmentJson, OwnEnrollmentReply,
    PrepareReply,
};
pub use files::DeletedReply;
pub use health::{CameraInfo, HealthReply};
pub use media::{CaptureReply, LegacyMediaItem, LivepeerStatusReply, MediaItem, MediaListReply};
pub use mm_http::IndexReply;
pub use recording::{RecordReply, RecordingJson};
pub use session::{ChallengeReply, ConnectReply, DisconnectReply, SessionStatusReply};
pub use status::{CameraStatus, StatusReply};
pub use stream::StreamInfoReply;
pub use vision::{DetectionsReply, GestureReply, RecognizeReply, ToggleReply};

/// Every route of port 5002.
pub static ROUTES: &[&RouteSpec] = &[
    &mm_http::route_table::INDEX,
    &mm_http::openapi::OPENAPI,
    &ui::PAGE,
    &ui::SCRIPT,
    &ui::STYLE,
    &stream::STREAM,
    &stream::STREAM_INFO,
    &health::HEALTH,
    &status::STATUS,
    &session::CHALLENGE,
    &session::CONNECT,
    &session::DISCONNECT,
    &session::STATUS,
    &vision::DETECTIONS,
    &vision::GESTURE,
    &vision::RECOGNIZE,
    &vision::FACE_TOGGLE,
    &vision::GESTURE_TOGGLE,
    &media::LIVEPEER_START,
    &media::LIVEPEER_STOP,
    &media::LIVEPEER_STATUS,
    &media::CAPTURE,
    &recording::RECORD,
    &recording::START_RECORDING,
    &recording::STOP_RECORDING,
    &media::PHOTOS,
    &files::PHOTO_GET,
    &files::PHOTO_HEAD,
    &files::PHOTO_DELETE,
    &media::VIDEOS,
    &files::VIDEO_GET,
    &files::VIDEO_HEAD,
    &files::VIDEO_DELETE,
    &enrollment::PREPARE,
    &enrollment::CONFIRM,
    &enrollment::ENROLL_LOCAL,
    &enrollment::ENROLLMENT_GET,
    &enrollment::ENROLLMENT_DELETE,
    &enrollment::ENROLLED_FACES,
    &enrollment::ENROLLED_CLEAR,
    &camera::CAMERA_RESET,
    &metrics::METRICS,
];

/// Every route, with a request id on each, JSON errors for everything that matches none,
/// and CORS and the `Host` check in front.
pub fn routes(state: AppState) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let access = &state.config.access;
    let guard = OriginGuard::new(access.cors_origins.clone(), access.allowed_hosts());
    let all = index::routes()
        .or(ui::routes())
        .unify()
        .or(stream::routes(state.clone()))
        .unify()
        .or(health::routes(state.clone()))
        .unify()
        .or(status::routes(state.clone()))
        .unify()
        .or(session::routes(state.clone()))
        .unify()
        .or(vision::routes(state.clone()))
        .unify()
        .or(media::routes(state.clone()))
        .unify()
        .or(recording::routes(state.clone()))
        .unify()
        .or(files::routes(state.clone()))
        .unify()
        .or(enrollment::routes(state.clone()))
        .unify()
        .or(camera::routes(state.clone()))
        .unify()
        .or(metrics::routes(state))
        .unify()
        .recover(handle_rejection)
        .unify();
    with_request_log(with_origin_guard(Arc::new(guard), all))
}

/// A body with nothing but the legacy credentials (optional).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EmptyRequest {}

/// A filter that hands each handler the shared state.
fn with_state(state: AppState) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

#[cfg(test)]
mod tests {
    use super::ROUTES;
    use std::collections::BTreeSet;

    #[test]
    fn names_and_paths_are_unique() {
        let names: BTreeSet<_> = ROUTES.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), ROUTES.len());
        let paths: Vec<_> = ROUTES
            .iter()
            .flat_map(|r| {
                std::iter::once(&r.path)
                    .chain(r.aliases)
                    .map(|p| (&r.method, p))
            })
            .collect();
        let unique: BTreeSet<_> = paths.iter().collect();
        assert_eq!(unique.len(), paths.len(), "{paths:?}");
    }
}
