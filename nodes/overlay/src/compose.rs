//! What the stream shows of one frame's detections, under the privacy policy.

use crate::canvas::{Canvas, Rgb};
use mm_shm_schema::{Detections, FaceDetection, Gesture, OverlayPolicy};

/// A recognised face whose owner allows labels.
pub const RECOGNISED: Rgb = [0, 200, 0];
/// Any other face.
pub const UNKNOWN: Rgb = [230, 0, 0];
/// Person boxes.
pub const PERSON: Rgb = [0, 140, 255];
/// Hand skeletons.
pub const SKELETON: Rgb = [255, 210, 0];
const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];

/// Added on every side of a face box (as a share of its width and height) before the face is
/// pixelated: the face has moved between the frame inference saw and the frame drawn on, and
/// detector boxes hug the face.
const BLUR_MARGIN: f32 = 0.25;
/// Blocks across the shorter side of a concealed frame: coarse enough that no face detector
/// finds a face in it (checked with CenterFace in `tests/tests/privacy_fail_closed.rs`).
const CONCEAL_BLOCKS: i32 = 12;
/// What a concealed frame says, so an operator knows why the picture is blurred.
const CONCEAL_NOTICE: &str = "PRIVACY BLUR: FACES NOT LOCATED";

/// Bones of the MediaPipe hand: thumb, each finger, and the palm.
const BONES: [(usize, usize); 21] = [
    (0, 1),
    (1, 2),
    (2, 3),
    (3, 4),
    (0, 5),
    (5, 6),
    (6, 7),
    (7, 8),
    (9, 10),
    (10, 11),
    (11, 12),
    (13, 14),
    (14, 15),
    (15, 16),
    (0, 17),
    (17, 18),
    (18, 19),
    (19, 20),
    (5, 9),
    (9, 13),
    (13, 17),
];

/// How the overlay draws, from config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawOptions {
    /// Draw person boxes.
    pub persons: bool,
    /// Pixelate faces without a permitted label.
    pub blur_unknown_faces: bool,
}

/// Scale of label text and line width for a frame: readable at 720p and 4K alike.
fn scale_for(canvas: &Canvas<'_>) -> i32 {
    (canvas.height() / 360).clamp(1, 4)
}

/// The label a face may show: its display name and confidence when recognised and its owner
/// allows labels; nothing otherwise (an unknown face gets no text at all).
fn face_label(face: &FaceDetection, policy: &OverlayPolicy) -> Option<String> {
    let identity = face.recognised()?;
    if !policy.may_label(identity) {
        return None;
    }
    let name = if face.display_name.is_empty() {
        identity.chars().take(8).collect()
    } else {
        face.display_name.as_str().to_owned()
    };
    let confidence = ((1.0 - face.distance.max(0.0)) * 100.0).round();
    Some(format!("{name} {confidence:.0}%"))
}

/// Draws `detections` on `canvas` as `policy` and `options` allow. The detections' coordinates
/// are rescaled when they refer to a different frame size.
pub fn draw(
    canvas: &mut Canvas<'_>,
    detections: &Detections,
    policy: &OverlayPolicy,
    options: DrawOptions,
) {
    let scale = scale_for(canvas);
    let (sx, sy) = if detections.width > 0 && detections.height > 0 {
        (
            canvas.width() as f32 / detections.width as f32,
            canvas.height() as f32 / detections.height as f32,
        )
    } else {
        (1.0, 1.0)
    };
    let map_box = |b: [f32; 4]| [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];
    // Box lines at least 3 px: JPEG keeps colour at half resolution, so a 2-px line loses it.
    let box_line = (2 * scale).max(3);
    if options.persons {
        for person in detections.persons() {
            canvas.stroke_rect(map_box(person.bbox), box_line, PERSON);
        }
    }
    // Pixelation follows the privacy setting alone, never the visualisation policy: a face
    // is hidden even before the API published any policy, or with face boxes turned off.
    if options.blur_unknown_faces {
        for face in detections.faces() {
            if face_label(face, policy).is_none() {
                let bbox = with_margin(map_box(face.bbox), BLUR_MARGIN);
                canvas.pixelate(bbox, (((bbox[2] - bbox[0]) / 8.0) as i32).max(4));
            }
        }
    }
    if policy.faces != 0 {
        for face in detections.faces() {
            let bbox = map_box(face.bbox);
            let label = face_label(face, policy);
            let color = if label.is_some() { RECOGNISED } else { UNKNOWN };
            canvas.stroke_rect(bbox, box_line, color);
            if let Some(label) = label {
                label_above(canvas, bbox, &label, scale, color);
            }
        }
    }
    if policy.gestures != 0 {
        for hand in detections.hands() {
            let point = |i: usize| [hand.landmarks[i][0] * sx, hand.landmarks[i][1] * sy];
            for (a, b) in BONES {
                canvas.line(point(a), point(b), scale.max(2), SKELETON);
            }
            for i in 0..hand.landmarks.len() {
                let [x, y] = point(i);
                canvas.dot(x, y, 3 * scale, WHITE);
            }
            let gesture = Gesture::from_code(hand.gesture);
            if gesture != Gesture::Unknown {
                let text = format!(
                    "{} {:.2}",
                    gesture.name().to_uppercase(),
                    hand.gesture_score
                );
                label_above(canvas, map_box(hand.bbox), &text, scale, SKELETON);
            }
        }
    }
}

/// Pixelates the whole frame into coarse blocks and says why: what a blurring camera sends
/// when it does not know fresh where the faces are (inference stalled, crashed or still
/// loading). No face can be recognised, or even found, in it.
pub fn conceal(canvas: &mut Canvas<'_>) {
    let (width, height) = (canvas.width(), canvas.height());
    let block = (width.min(height) / CONCEAL_BLOCKS).max(8);
    canvas.pixelate([0.0, 0.0, width as f32, height as f32], block);
    let scale = scale_for(canvas);
    let pad = 2 * scale;
    let text_width = Canvas::text_width(CONCEAL_NOTICE, scale);
    let left = ((width - text_width) / 2).max(0);
    let top = height - Canvas::text_height(scale) - 4 * pad;
    canvas.fill_rect(
        left - pad,
        top - pad,
        left + text_width + pad,
        top + Canvas::text_height(scale) + pad,
        BLACK,
    );
    canvas.text(left, top, CONCEAL_NOTICE, scale, WHITE);
}

/// `bbox` grown by `share` of its width and height on every side.
fn with_margin(bbox: [f32; 4], share: f32) -> [f32; 4] {
    let dx = (bbox[2] - bbox[0]) * share;
    let dy = (bbox[3] - bbox[1]) * share;
    [bbox[0] - dx, bbox[1] - dy, bbox[2] + dx, bbox[3] + dy]
}

/// A filled label of `color` with `text` on it, just above the box (inside it at the top
/// edge of the frame).
fn label_above(canvas: &mut Canvas<'_>, bbox: [f32; 4], text: &str, scale: i32, color: Rgb) {
    let pad = 2 * scale;
    let height = Canvas::text_height(scale) + 2 * pad;
    let width = Canvas::text_width(text, scale) + 2 * pad;
    let left = bbox[0].round() as i32;
    let top = (bbox[1].round() as i32 - height).max(0);
    canvas.fill_rect(left, top, left + width, top + height, color);
    let ink = if color == SKELETON { BLACK } else { WHITE };
    canvas.text(left + pad, top + pad, text, scale, ink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use mm_shm_schema::{DisplayName, IdentityId};

    fn one_face(identity: &str) -> Detections {
        let mut detections = Detections {
            width: 100,
            height: 100,
            face_count: 1,
            ..Detections::default()
        };
        detections.faces[0] = FaceDetection {
            bbox: [20.0, 40.0, 60.0, 90.0],
            score: 0.9,
            distance: 0.3,
            identity: IdentityId::new(identity),
            display_name: DisplayName::new("Alice"),
            ..FaceDetection::default()
        };
        detections
    }

    fn allowing(identity: &str) -> OverlayPolicy {
        let mut policy = OverlayPolicy::default();
        policy.labelled[0] = IdentityId::new(identity);
        policy.labelled_count = 1;
        policy
    }

    const OPTIONS: DrawOptions = DrawOptions {
        persons: false,
        blur_unknown_faces: false,
    };

    #[test]
    fn a_recognised_face_is_green_and_named_only_with_its_owners_consent() {
        let face = one_face("wallet-a");
        assert_eq!(
            face_label(&face.faces[0], &allowing("wallet-a")).as_deref(),
            Some("Alice 70%")
        );
        assert_eq!(face_label(&face.faces[0], &OverlayPolicy::default()), None);
        let mut pixels = vec![0u8; 100 * 100 * 3];
        let mut canvas = Canvas::new(&mut pixels, 100, 100).unwrap();
        draw(&mut canvas, &face, &allowing("wallet-a"), OPTIONS);
        assert_eq!(canvas.pixel(20, 60), Some(RECOGNISED));
        let mut canvas = Canvas::new(&mut pixels, 100, 100).unwrap();
        draw(&mut canvas, &face, &OverlayPolicy::default(), OPTIONS);
        assert_eq!(canvas.pixel(20, 60), Some(UNKNOWN));
    }

    #[test]
    fn face_boxes_can_be_turned_off() {
        let policy = OverlayPolicy {
            faces: 0,
            ..OverlayPolicy::default()
        };
        let mut pixels = vec![0u8; 100 * 100 * 3];
        let mut canvas = Canvas::new(&mut pixels, 100, 100).unwrap();
        draw(&mut canvas, &one_face(""), &policy, OPTIONS);
        assert!(pixels.iter().all(|&b| b == 0));
    }

    const BLURRING: DrawOptions = DrawOptions {
        persons: false,
        blur_unknown_faces: true,
    };

    /// A frame whose every pixel differs from its neighbours.
    fn noise(width: usize, height: usize) -> Vec<u8> {
        (0..width * height * 3)
            .map(|i| (i * 7919 % 251) as u8)
            .collect()
    }

    #[test]
    fn unknown_faces_are_pixelated_with_a_margin_even_with_boxes_off() {
        let policy = OverlayPolicy {
            faces: 0,
            ..OverlayPolicy::default()
        };
        let options = BLURRING;
        let mut pixels = noise(100, 100);
        let original = pixels.clone();
        let mut canvas = Canvas::new(&mut pixels, 100, 100).unwrap();
        draw(&mut canvas, &one_face(""), &policy, options);
        // Box [20, 40, 60, 90] plus a quarter on each side: x 10..70, y 27..100.
        let changed = |x: usize, y: usize| {
            let at = (y * 100 + x) * 3;
            pixels[at..at + 3] != original[at..at + 3]
        };
        let inside = (12..68).flat_map(|x| (30..98).map(move |y| (x, y)));
        let unchanged = inside.filter(|&(x, y)| !changed(x, y)).count();
        assert!(
            unchanged < 200,
            "{unchanged} pixels of the face left as they were"
        );
        assert!(
            !changed(5, 5) && !changed(90, 10),
            "pixels outside the face changed"
        );
    }

    #[test]
    fn a_recognised_face_that_may_be_labelled_is_not_pixelated() {
        let options = BLURRING;
        let mut pixels = noise(100, 100);
        let original = pixels.clone();
        let mut canvas = Canvas::new(&mut pixels, 100, 100).unwrap();
        draw(
            &mut canvas,
            &one_face("wallet-a"),
            &allowing("wallet-a"),
            options,
        );
        let at = (65 * 100 + 40) * 3;
        assert_eq!(pixels[at..at + 3], original[at..at + 3]);
    }

    #[test]
    fn a_concealed_frame_keeps_no_detail() {
        let mut pixels = noise(320, 180);
        let mut canvas = Canvas::new(&mut pixels, 320, 180).unwrap();
        conceal(&mut canvas);
        // Blocks of 15 px: two neighbours in one block have the same colour.
        assert_eq!(canvas.pixel(1, 1), canvas.pixel(13, 13));
        assert_eq!(canvas.pixel(16, 31), canvas.pixel(28, 43));
    }

    #[test]
    fn coordinates_follow_the_frame_size() {
        let mut pixels = vec![0u8; 200 * 200 * 3];
        let mut canvas = Canvas::new(&mut pixels, 200, 200).unwrap();
        draw(
            &mut canvas,
            &one_face(""),
            &OverlayPolicy::default(),
            OPTIONS,
        );
        assert_eq!(canvas.pixel(40, 120), Some(UNKNOWN));
    }
}
