//! Turning what the models found into the shared-memory `Detections` message.

use crate::vision::FrameVision;
use mm_shm_schema::{
    DisplayName, FaceDetection, HandDetection, IdentityId, PersonDetection, MAX_FACES, MAX_HANDS,
    MAX_PERSONS,
};

/// Writes `frame` into `out` (in place, e.g. a loaned shared-memory message). Keeps the best
/// [`MAX_FACES`] faces, [`MAX_HANDS`] hands and [`MAX_PERSONS`] persons.
pub fn fill_detections(
    frame: &FrameVision,
    width: u32,
    height: u32,
    out: &mut mm_shm_schema::Detections,
) {
    out.width = width;
    out.height = height;
    out.timings = frame.timings;
    out.face_count = frame.faces.len().min(MAX_FACES) as u32;
    for (slot, face) in out.faces.iter_mut().zip(&frame.faces) {
        *slot = FaceDetection {
            bbox: face.bbox,
            score: face.score,
            distance: face.matched.as_ref().map_or(-1.0, |m| m.distance),
            landmarks: face.landmarks,
            identity: face
                .matched
                .as_ref()
                .map_or_else(IdentityId::empty, |m| IdentityId::new(&m.identity)),
            display_name: face
                .matched
                .as_ref()
                .map_or_else(DisplayName::empty, |m| DisplayName::new(&m.display_name)),
        };
    }
    out.hand_count = frame.hands.len().min(MAX_HANDS) as u32;
    for (slot, hand) in out.hands.iter_mut().zip(&frame.hands) {
        *slot = HandDetection {
            bbox: hand.bbox,
            presence: hand.landmarks.presence,
            gesture_score: hand.gesture.confidence,
            landmarks: hand.landmarks.landmarks,
            handedness: hand.landmarks.handedness as u8,
            gesture: hand.gesture.gesture as u8,
            reserved: [0; 6],
        };
    }
    out.person_count = frame.persons.len().min(MAX_PERSONS) as u32;
    for (slot, person) in out.persons.iter_mut().zip(&frame.persons) {
        *slot = PersonDetection {
            bbox: person.bbox,
            score: person.score,
        };
    }
}
