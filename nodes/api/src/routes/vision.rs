//! Vision routes: latest detections, current gesture, recognition, visualisation toggles.

use super::with_state;
use crate::auth;
use crate::detections::ReceivedDetections;
use crate::health_report::round2;
use crate::session::Caller;
use crate::state::AppState;
use crate::visualization::{ClientKey, ClientVisualization};
use base64::Engine as _;
use mm_http::{respond, Access, ApiError, Response, RouteSpec};
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::vision_json::{DetectionsJson, FaceJson};
use mm_shm_schema::{Detections, Gesture};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use warp::http::Method;
use warp::{Filter, Rejection};

/// Detections older than this are not "current".
const FRESH_NS: u64 = 2_000_000_000;

pub(super) static DETECTIONS: RouteSpec = RouteSpec {
    name: "face_detections",
    method: Method::GET,
    path: "/api/face/detections",
    aliases: &[],
    access: Access::Public,
    summary:
        "Faces, hands and people in the newest processed frame; names only of those who opted in.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<DetectionsReply>()],
};

pub(super) static GESTURE: RouteSpec = RouteSpec {
    name: "gesture_current",
    method: Method::GET,
    path: "/api/gesture/current",
    aliases: &["/current_gesture"],
    access: Access::Public,
    summary: "The most confident gesture in view.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<GestureReply>()],
};

pub(super) static RECOGNIZE: RouteSpec = RouteSpec {
    name: "face_recognize",
    method: Method::POST,
    path: "/api/face/recognize",
    aliases: &["/recognize_face"],
    access: Access::Session,
    summary: "Faces of the current frame, who was recognised (opted-in identities only) and whether the caller is, optionally with the frame.",
    request: mm_http::RequestDoc::optional_json::<RecognizeRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<RecognizeReply>()],
};

pub(super) static FACE_TOGGLE: RouteSpec = RouteSpec {
    name: "visualization_face",
    method: Method::POST,
    path: "/api/visualization/face",
    aliases: &["/toggle_face_visualization"],
    access: Access::Session,
    summary: "Face boxes on the stream, and the caller's own name label, on or off.",
    request: mm_http::RequestDoc::optional_json::<ToggleRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<ToggleReply>()],
};

pub(super) static GESTURE_TOGGLE: RouteSpec = RouteSpec {
    name: "visualization_gesture",
    method: Method::POST,
    path: "/api/visualization/gesture",
    aliases: &["/toggle_gesture_visualization"],
    access: Access::Session,
    summary: "Hand skeletons and gesture labels on the stream on or off.",
    request: mm_http::RequestDoc::optional_json::<ToggleRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<ToggleReply>()],
};

/// Body of `POST /api/face/recognize`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RecognizeRequest {
    /// Add the current stream frame as a base64 JPEG.
    #[serde(default)]
    include_image: bool,
}

/// Body of `POST /api/visualization/{face,gesture}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ToggleRequest {
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// The `GET /api/face/detections` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DetectionsReply {
    /// Always true.
    pub success: bool,
    /// Unix ms when the API received the detections.
    pub timestamp: u64,
    /// From capture to detections done, ms.
    pub latency_ms: f64,
    /// What was found; faces named only where their owner opted in.
    #[serde(flatten)]
    pub detections: DetectionsJson,
}

/// The `GET /api/gesture/current` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GestureReply {
    /// Always true.
    pub success: bool,
    /// The gesture's name; `none` without hands.
    pub gesture: &'static str,
    /// Its confidence, 0..1.
    pub confidence: f64,
    /// Hands in view.
    pub hands: usize,
    /// Unix ms when the API received the detections.
    pub timestamp: u64,
}

/// How sure recognition is of one identity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecognitionScore {
    /// `1 - distance`, two decimals.
    pub confidence: f64,
    /// The embedding distance.
    pub distance: f64,
}

/// The `POST /api/face/recognize` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecognizeReply {
    /// Always true.
    pub success: bool,
    /// Faces in the frame.
    pub detected_faces: usize,
    /// Faces recognised as identities that opted in.
    pub recognized_faces: usize,
    /// Identity → score, for those.
    pub recognized_data: BTreeMap<String, RecognitionScore>,
    /// Every face; named only where its owner opted in.
    pub faces: Vec<FaceJson>,
    /// The frame's sequence number.
    pub sequence: u64,
    /// Unix ms when the API received the detections.
    pub timestamp: u64,
    /// Whether the frame was asked for.
    pub include_image: bool,
    /// Whether the caller's wallet, if it opted in, is in view.
    pub wallet_recognized: bool,
    /// How sure; null when not recognised.
    pub wallet_confidence: Option<f64>,
    /// With `include_image`: `data:image/jpeg;base64,...` of the current stream frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// With `include_image`: that frame's sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_sequence: Option<u64>,
}

/// The `POST /api/visualization/*` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ToggleReply {
    /// Always true.
    pub success: bool,
    /// The value just set.
    pub enabled: bool,
    /// This client's face setting now.
    pub faces: bool,
    /// This client's gesture setting now.
    pub gestures: bool,
    /// The wallet whose setting it is (the session's).
    pub wallet_address: String,
}

/// The vision routes.
pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let detections = DETECTIONS
        .filter()
        .and(with_state(state.clone()))
        .map(|state| respond(current_detections(&state)));
    let gesture = GESTURE
        .filter()
        .and(with_state(state.clone()))
        .map(|state| respond(current_gesture(&state)));
    let recognize = RECOGNIZE
        .filter()
        .and(auth::caller_with_body::<RecognizeRequest>(
            &RECOGNIZE,
            state.clone(),
        ))
        .and(with_state(state.clone()))
        .map(|caller: Caller, request, state| respond(recognize(&caller, &request, &state)));
    let toggle_route = |spec: &'static RouteSpec, feature: Feature| {
        spec.filter()
            .and(auth::caller_with_body::<ToggleRequest>(spec, state.clone()))
            .and(with_state(state.clone()))
            .map(move |caller: Caller, body, state| respond(toggle(&caller, body, &state, feature)))
    };
    let face_toggle = toggle_route(&FACE_TOGGLE, Feature::Faces);
    let gesture_toggle = toggle_route(&GESTURE_TOGGLE, Feature::Gestures);
    detections
        .or(gesture)
        .unify()
        .or(recognize)
        .unify()
        .or(face_toggle)
        .unify()
        .or(gesture_toggle)
        .unify()
}

/// The newest detections if they are fresh, or 503 with the reason there are none.
fn fresh(state: &AppState) -> Result<Arc<ReceivedDetections>, ApiError> {
    let latest = state.detections.borrow().clone();
    match latest {
        Some(received) if monotonic_ns().saturating_sub(received.received_ns) <= FRESH_NS => {
            Ok(received)
        }
        Some(_) => Err(ApiError::unavailable(
            "no detections for 2 s; the inference node is down or has no frames",
        )),
        None => Err(ApiError::unavailable(
            "no detections yet; the inference node is not running or still loading its models",
        )),
    }
}

/// Faces as the public may see them: names only of identities that opted in.
fn public_faces(detections: &Detections, state: &AppState) -> Vec<FaceJson> {
    // The policy the overlay draws by: the API never reveals more than the stream shows.
    let policy = *state.policy.borrow();
    detections
        .faces()
        .iter()
        .map(|face| {
            let mut json = FaceJson::new(face);
            if face.recognised().is_some_and(|id| !policy.may_label(id)) {
                json.anonymise();
            }
            json
        })
        .collect()
}

/// `GET /api/face/detections`: everything inference found in the newest processed frame.
fn current_detections(state: &AppState) -> Result<DetectionsReply, ApiError> {
    let received = fresh(state)?;
    let found = &received.detections;
    let mut detections = DetectionsJson::new(found);
    detections.faces = public_faces(found, state);
    Ok(DetectionsReply {
        success: true,
        timestamp: received.received_unix_ms,
        latency_ms: found.done_ns.saturating_sub(found.capture_ns) as f64 / 1e6,
        detections,
    })
}

/// `GET /api/gesture/current`: the most confident gesture in view, `none` without hands.
fn current_gesture(state: &AppState) -> Result<GestureReply, ApiError> {
    let received = fresh(state)?;
    let hands = received.detections.hands();
    let best = hands
        .iter()
        .max_by(|a, b| a.gesture_score.total_cmp(&b.gesture_score));
    let (gesture, confidence) = match best {
        Some(hand) => (Gesture::from_code(hand.gesture).name(), hand.gesture_score),
        None => ("none", 0.0),
    };
    Ok(GestureReply {
        success: true,
        gesture,
        confidence: round2(f64::from(confidence)),
        hands: hands.len(),
        timestamp: received.received_unix_ms,
    })
}

/// `POST /api/face/recognize`: the faces of the current frame and who was recognised (named
/// only for identities that opted in), optionally with the current JPEG.
fn recognize(
    caller: &Caller,
    request: &RecognizeRequest,
    state: &AppState,
) -> Result<RecognizeReply, ApiError> {
    let received = fresh(state)?;
    let detections = &received.detections;
    // Whether an enrolled person is in view is theirs to tell: public_faces names only
    // identities that turned face visualisation on for themselves, and only those are counted
    // or reported; for any other wallet the answer is false whether or not it is in view, so
    // the route cannot be used to track people.
    let faces = public_faces(detections, state);
    let recognized_data: BTreeMap<String, RecognitionScore> = faces
        .iter()
        .filter_map(|face| {
            let (identity, distance) = (face.identity.as_ref()?, face.distance?);
            let score = RecognitionScore {
                confidence: round2(1.0 - distance),
                distance,
            };
            Some((identity.clone(), score))
        })
        .collect();
    let wallet_confidence = faces
        .iter()
        .find(|face| face.identity.as_deref() == Some(caller.wallet.as_str()))
        .and_then(|face| face.distance)
        .map(|distance| round2(1.0 - distance));
    let image = match (request.include_image, state.broadcast.latest()) {
        (false, _) => None,
        (true, Some(frame)) => Some(frame),
        (true, None) => return Err(ApiError::unavailable("no stream frame available")),
    };
    Ok(RecognizeReply {
        success: true,
        detected_faces: faces.len(),
        recognized_faces: faces.iter().filter(|f| f.identity.is_some()).count(),
        recognized_data,
        faces,
        sequence: detections.sequence,
        timestamp: received.received_unix_ms,
        include_image: request.include_image,
        wallet_recognized: wallet_confidence.is_some(),
        wallet_confidence,
        image: image.as_ref().map(|frame| {
            let encoded = base64::engine::general_purpose::STANDARD.encode(frame.jpeg());
            format!("data:image/jpeg;base64,{encoded}")
        }),
        image_sequence: image.as_ref().map(|frame| frame.sequence()),
    })
}

#[derive(Debug, Clone, Copy)]
enum Feature {
    Faces,
    Gestures,
}

/// `POST /api/visualization/face` and `/gesture`: the setting of the caller's wallet.
fn toggle(
    caller: &Caller,
    request: ToggleRequest,
    state: &AppState,
    feature: Feature,
) -> Result<ToggleReply, ApiError> {
    let client = ClientKey(caller.wallet.clone());
    let enabled = request.enabled;
    let (policy, settings): (_, ClientVisualization) = {
        let mut visualization = state
            .visualization
            .lock()
            .map_err(|_| ApiError::unavailable("settings unavailable"))?;
        let policy = visualization.set(client.clone(), |c| match feature {
            Feature::Faces => c.faces = enabled,
            Feature::Gestures => c.gestures = enabled,
        });
        (policy, visualization.of(&client))
    };
    // The bus thread publishes it to the overlay; a closed channel means shutdown.
    let _ = state.policy.send(policy);
    Ok(ToggleReply {
        success: true,
        enabled,
        faces: settings.faces,
        gestures: settings.gestures,
        wallet_address: caller.wallet.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_missing_fields_take_defaults() {
        let toggle: ToggleRequest = serde_json::from_str("{}").unwrap();
        assert!(toggle.enabled);
        assert!(serde_json::from_str::<ToggleRequest>(r#"{"enabled": "yes"}"#).is_err());
        assert!(serde_json::from_str::<RecognizeRequest>(r#"{"surprise": 1}"#).is_err());
    }
}
