//! JSON views of vision messages, as the API and `mm-inference detect` print them.

use crate::{Detections, FaceDetection, Gesture, HandDetection, Handedness, PersonDetection};
use serde_json::{json, Value};

/// Rounds pixel coordinates to 0.1 px: more digits are noise.
fn px(v: f32) -> f64 {
    (v as f64 * 10.0).round() / 10.0
}

/// Rounds scores and distances to 4 decimals.
fn score(v: f32) -> f64 {
    (v as f64 * 1e4).round() / 1e4
}

/// One face: `box`, `score`, `landmarks`, and `identity`, `display_name`, `distance` when
/// recognised (`null` otherwise).
pub fn face_json(face: &FaceDetection) -> Value {
    let recognised = face.recognised();
    json!({
        "box": face.bbox.map(px),
        "score": score(face.score),
        "landmarks": face.landmarks.map(|p| p.map(px)),
        "identity": recognised,
        "display_name": recognised.map(|_| face.display_name.as_str()),
        "distance": recognised.map(|_| score(face.distance)),
    })
}

/// One hand: `box`, `landmarks` (21 × [x, y, z]), `handedness`, `gesture`, `gesture_score`,
/// `presence`.
pub fn hand_json(hand: &HandDetection) -> Value {
    let handedness = match hand.handedness {
        1 => Some(Handedness::Left.name()),
        2 => Some(Handedness::Right.name()),
        _ => None,
    };
    json!({
        "box": hand.bbox.map(px),
        "landmarks": hand.landmarks.map(|p| p.map(px)),
        "handedness": handedness,
        "gesture": Gesture::from_code(hand.gesture).name(),
        "gesture_score": score(hand.gesture_score),
        "presence": score(hand.presence),
    })
}

/// One person: `box`, `score`.
pub fn person_json(person: &PersonDetection) -> Value {
    json!({ "box": person.bbox.map(px), "score": score(person.score) })
}

/// The detections of a frame: `faces`, `hands`, `persons`, frame `sequence`, `width`,
/// `height`, and per-model `timings_ms`.
pub fn detections_json(detections: &Detections) -> Value {
    let t = &detections.timings;
    let ms = |us: u32| (us as f64 / 10.0).round() / 100.0;
    json!({
        "sequence": detections.sequence,
        "width": detections.width,
        "height": detections.height,
        "faces": detections.faces().iter().map(face_json).collect::<Vec<_>>(),
        "hands": detections.hands().iter().map(hand_json).collect::<Vec<_>>(),
        "persons": detections.persons().iter().map(person_json).collect::<Vec<_>>(),
        "timings_ms": {
            "preprocess": ms(t.preprocess_us),
            "face_detect": ms(t.face_detect_us),
            "face_embed": ms(t.face_embed_us),
            "palm": ms(t.palm_us),
            "hand_landmark": ms(t.hand_landmark_us),
            "person": ms(t.person_us),
            "total": ms(t.total_us),
        },
    })
}
