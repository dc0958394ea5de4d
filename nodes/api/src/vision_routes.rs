//! Vision routes: latest detections, current gesture, recognition, visualisation toggles.

use crate::detections::ReceivedDetections;
use crate::json_body::optional_json;
use crate::rejection::json_error;
use crate::state::AppState;
use crate::visualization::{ClientKey, ClientVisualization};
use base64::Engine as _;
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::vision_json::{detections_json, face_json};
use mm_shm_schema::{Detections, Gesture};
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

/// Detections older than this are not "current".
const FRESH_NS: u64 = 2_000_000_000;

/// Body of `POST /api/face/recognize`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecognizeRequest {
    /// Add the current stream frame as a base64 JPEG.
    #[serde(default)]
    include_image: bool,
    /// Asks whether this identity is in view.
    #[serde(default)]
    wallet_address: Option<String>,
    /// Accepted for compatibility; sessions come later.
    #[serde(default)]
    session_id: Option<String>,
}

/// Body of `POST /api/visualization/{face,gesture}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToggleRequest {
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    #[serde(default)]
    wallet_address: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
}

fn enabled_by_default() -> bool {
    true
}

/// The vision routes.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with_state = warp::any().map(move || state.clone());
    let detections = warp::path!("api" / "face" / "detections")
        .and(warp::get())
        .and(with_state.clone())
        .map(current_detections);
    let gesture = warp::path!("api" / "gesture" / "current")
        .or(warp::path!("current_gesture"))
        .unify()
        .and(warp::get())
        .and(with_state.clone())
        .map(current_gesture);
    let recognize = warp::path!("api" / "face" / "recognize")
        .or(warp::path!("recognize_face"))
        .unify()
        .and(warp::post())
        .and(optional_json::<RecognizeRequest>())
        .and(with_state.clone())
        .map(recognize);
    let face_toggle = warp::path!("api" / "visualization" / "face")
        .or(warp::path!("toggle_face_visualization"))
        .unify()
        .and(warp::post())
        .and(optional_json::<ToggleRequest>())
        .and(warp::addr::remote())
        .and(with_state.clone())
        .map(|body, addr, state| toggle(body, addr, state, Feature::Faces));
    let gesture_toggle = warp::path!("api" / "visualization" / "gesture")
        .or(warp::path!("toggle_gesture_visualization"))
        .unify()
        .and(warp::post())
        .and(optional_json::<ToggleRequest>())
        .and(warp::addr::remote())
        .and(with_state)
        .map(|body, addr, state| toggle(body, addr, state, Feature::Gestures));
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

/// The newest detections if they are fresh, or the reason there are none.
fn fresh(state: &AppState) -> Result<Arc<ReceivedDetections>, &'static str> {
    let latest = state.detections.borrow().clone();
    match latest {
        Some(received) if monotonic_ns().saturating_sub(received.received_ns) <= FRESH_NS => {
            Ok(received)
        }
        Some(_) => Err("no detections for 2 s; the inference node is down or has no frames"),
        None => {
            Err("no detections yet; the inference node is not running or still loading its models")
        }
    }
}

/// Answers with `reply` on fresh detections, else 503 with the reason.
fn with_fresh(
    state: &AppState,
    reply: impl FnOnce(Arc<ReceivedDetections>) -> warp::reply::Response,
) -> warp::reply::Response {
    match fresh(state) {
        Ok(received) => reply(received),
        Err(reason) => json_error(StatusCode::SERVICE_UNAVAILABLE, reason),
    }
}

/// Faces as the public may see them: names only of identities that opted in.
fn public_faces(detections: &Detections, state: &AppState) -> Vec<Value> {
    // The policy the overlay draws by: the API never reveals more than the stream shows.
    let policy = *state.policy.borrow();
    detections
        .faces()
        .iter()
        .map(|face| {
            let mut value = face_json(face);
            if face.recognised().is_some_and(|id| !policy.may_label(id)) {
                value["identity"] = Value::Null;
                value["display_name"] = Value::Null;
                value["distance"] = Value::Null;
            }
            value
        })
        .collect()
}

/// `GET /api/face/detections`: everything inference found in the newest processed frame.
fn current_detections(state: AppState) -> warp::reply::Response {
    with_fresh(&state, |received| detections_reply(&received, &state))
}

fn detections_reply(received: &ReceivedDetections, state: &AppState) -> warp::reply::Response {
    let mut body = detections_json(&received.detections);
    body["faces"] = json!(public_faces(&received.detections, state));
    body["success"] = json!(true);
    body["timestamp"] = json!(received.received_unix_ms);
    body["latency_ms"] = json!(
        received
            .detections
            .done_ns
            .saturating_sub(received.detections.capture_ns) as f64
            / 1e6
    );
    warp::reply::json(&body).into_response()
}

/// `GET /api/gesture/current`: the most confident gesture in view, `none` without hands.
fn current_gesture(state: AppState) -> warp::reply::Response {
    with_fresh(&state, |received| gesture_reply(&received))
}

fn gesture_reply(received: &ReceivedDetections) -> warp::reply::Response {
    let hands = received.detections.hands();
    let best = hands
        .iter()
        .max_by(|a, b| a.gesture_score.total_cmp(&b.gesture_score));
    let (gesture, confidence) = match best {
        Some(hand) => (Gesture::from_code(hand.gesture).name(), hand.gesture_score),
        None => ("none", 0.0),
    };
    warp::reply::json(&json!({
        "success": true,
        "gesture": gesture,
        "confidence": (confidence as f64 * 100.0).round() / 100.0,
        "hands": hands.len(),
        "timestamp": received.received_unix_ms,
    }))
    .into_response()
}

/// `POST /api/face/recognize`: the faces of the current frame and who was recognised (named
/// only for identities that opted in), optionally with the current JPEG.
fn recognize(request: RecognizeRequest, state: AppState) -> warp::reply::Response {
    with_fresh(&state, |received| {
        recognize_reply(&request, &received, &state)
    })
}

fn recognize_reply(
    request: &RecognizeRequest,
    received: &ReceivedDetections,
    state: &AppState,
) -> warp::reply::Response {
    let _ = &request.session_id;
    let detections = &received.detections;
    let faces = public_faces(detections, state);
    // Whether an enrolled person is in view is theirs to tell: only identities that turned
    // face visualisation on for themselves are counted or reported; for any other wallet the
    // answer is false whether or not it is in view, so the route cannot be used to track
    // people.
    let policy = *state.policy.borrow();
    let recognised = detections
        .faces()
        .iter()
        .filter(|f| f.recognised().is_some_and(|id| policy.may_label(id)))
        .count();
    let mut recognised_data = serde_json::Map::new();
    for face in &faces {
        if let (Some(identity), Some(distance)) =
            (face["identity"].as_str(), face["distance"].as_f64())
        {
            recognised_data.insert(
                identity.to_owned(),
                json!({ "confidence": ((1.0 - distance) * 100.0).round() / 100.0, "distance": distance }),
            );
        }
    }
    let wallet_match = request
        .wallet_address
        .as_deref()
        .filter(|wallet| policy.may_label(wallet))
        .and_then(|wallet| {
            detections
                .faces()
                .iter()
                .find(|f| f.recognised() == Some(wallet))
                .map(|f| 1.0 - f.distance as f64)
        });
    let mut body = json!({
        "success": true,
        "detected_faces": faces.len(),
        "recognized_faces": recognised,
        "recognized_data": recognised_data,
        "faces": faces,
        "sequence": detections.sequence,
        "timestamp": received.received_unix_ms,
        "include_image": request.include_image,
    });
    if request.wallet_address.is_some() {
        body["wallet_recognized"] = json!(wallet_match.is_some());
        body["wallet_confidence"] = json!(wallet_match.map(|c| (c * 100.0).round() / 100.0));
    }
    if request.include_image {
        match state.broadcast.latest() {
            Some(frame) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(frame.jpeg());
                body["image"] = json!(format!("data:image/jpeg;base64,{encoded}"));
                body["image_sequence"] = json!(frame.sequence());
            }
            None => {
                return json_error(StatusCode::SERVICE_UNAVAILABLE, "no stream frame available")
            }
        }
    }
    warp::reply::json(&body).into_response()
}

#[derive(Debug, Clone, Copy)]
enum Feature {
    Faces,
    Gestures,
}

/// `POST /api/visualization/face` and `/gesture`: per client until sessions exist.
fn toggle(
    request: ToggleRequest,
    remote: Option<SocketAddr>,
    state: AppState,
    feature: Feature,
) -> warp::reply::Response {
    let _ = &request.session_id;
    let client = match (&request.wallet_address, remote) {
        (Some(wallet), _) if !wallet.trim().is_empty() => {
            ClientKey::Identity(wallet.trim().to_owned())
        }
        (_, Some(addr)) => ClientKey::Address(addr.ip().to_string()),
        (_, None) => ClientKey::Address("unknown".to_owned()),
    };
    let enabled = request.enabled;
    let (policy, settings): (_, ClientVisualization) = match state.visualization.lock() {
        Ok(mut visualization) => {
            let policy = visualization.set(client.clone(), |c| match feature {
                Feature::Faces => c.faces = enabled,
                Feature::Gestures => c.gestures = enabled,
            });
            (policy, visualization.of(&client))
        }
        Err(_) => return json_error(StatusCode::SERVICE_UNAVAILABLE, "settings unavailable"),
    };
    // The bus thread publishes it to the overlay; a closed channel means shutdown.
    let _ = state.policy.send(policy);
    let scope = match &client {
        ClientKey::Identity(_) => "wallet_address",
        ClientKey::Address(_) => "client_address",
    };
    warp::reply::json(&json!({
        "success": true,
        "enabled": enabled,
        "faces": settings.faces,
        "gestures": settings.gestures,
        "scope": scope,
        "note": "Sessions are not implemented yet: this setting is kept per wallet_address (or per client address without one). Face boxes are always anonymous; a name is drawn only for a wallet that turned face visualisation on for itself. Once sessions exist, a session token will be required.",
    }))
    .into_response()
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
