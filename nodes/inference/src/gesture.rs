//! Gestures from the 21 hand landmarks.
//!
//! The reference classified with fixed distance ratios to the wrist, tested the thumb only
//! against its own base, and had no fist or pointing; a hand turned sideways or a loosely bent
//! finger flipped its answer. Here every finger gets a graded extension score from two
//! rotation-invariant cues (how much farther the tip is from the wrist than the middle joint,
//! and how straight the finger is), and each gesture's confidence is the weakest of the cues
//! it needs. Only thumbs up/down look at the image's vertical, which is what they mean.

use mm_shm_schema::{Gesture, HAND_LANDMARKS};

/// A gesture is reported when its confidence reaches this; otherwise `Unknown`.
pub const MIN_CONFIDENCE: f32 = 0.5;

const WRIST: usize = 0;
const THUMB: [usize; 4] = [1, 2, 3, 4];
/// MCP, PIP, DIP, tip of index, middle, ring and little finger.
const FINGERS: [[usize; 4]; 4] = [
    [5, 6, 7, 8],
    [9, 10, 11, 12],
    [13, 14, 15, 16],
    [17, 18, 19, 20],
];

/// A recognised gesture and its confidence, 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GestureReading {
    /// The gesture (`Unknown` below [`MIN_CONFIDENCE`]).
    pub gesture: Gesture,
    /// Confidence of `gesture`; for `Unknown`, how sure no gesture matched.
    pub confidence: f32,
}

fn distance(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

fn unit01(value: f32, zero_at: f32, one_at: f32) -> f32 {
    ((value - zero_at) / (one_at - zero_at)).clamp(0.0, 1.0)
}

/// Cosine of the bend between segments a→b and b→c (1 = straight).
fn straightness(a: [f32; 3], b: [f32; 3], c: [f32; 3]) -> f32 {
    let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let v = [c[0] - b[0], c[1] - b[1], c[2] - b[2]];
    let norm = (u.iter().map(|x| x * x).sum::<f32>() * v.iter().map(|x| x * x).sum::<f32>()).sqrt();
    if norm <= f32::EPSILON {
        return 0.0;
    }
    u.iter().zip(&v).map(|(x, y)| x * y).sum::<f32>() / norm
}

/// Extension score per finger, 0 (curled) to 1 (straight out).
fn finger_extension(points: &[[f32; 3]; HAND_LANDMARKS], finger: [usize; 4]) -> f32 {
    let [mcp, pip, _, tip] = finger.map(|i| points[i]);
    let wrist = points[WRIST];
    let reach = distance(tip, wrist) / distance(pip, wrist).max(f32::EPSILON);
    unit01(reach, 1.05, 1.3) * unit01(straightness(mcp, pip, tip), 0.3, 0.8)
}

/// Classifies the hand with `landmarks` (image pixels, y down).
pub fn classify(landmarks: &[[f32; 3]; HAND_LANDMARKS]) -> GestureReading {
    let palm = distance(landmarks[WRIST], landmarks[9]).max(f32::EPSILON);
    let [index, middle, ring, little] = FINGERS.map(|f| finger_extension(landmarks, f));
    let curled = |e: f32| 1.0 - e;
    let [_, thumb_mcp, thumb_ip, thumb_tip] = THUMB.map(|i| landmarks[i]);
    // The thumb is out when its tip is far from the middle knuckle and it is not bent back.
    let thumb_out = unit01(distance(thumb_tip, landmarks[9]) / palm, 0.55, 0.85)
        * unit01(straightness(thumb_mcp, thumb_ip, thumb_tip), 0.2, 0.7);
    let thumb_length = distance(thumb_tip, thumb_mcp).max(f32::EPSILON);
    let thumb_dy = (thumb_tip[1] - thumb_mcp[1]) / thumb_length;
    let up = unit01(-thumb_dy, 0.5, 0.8);
    let down = unit01(thumb_dy, 0.5, 0.8);
    let spread = unit01(
        distance(landmarks[8], landmarks[12])
            / distance(landmarks[5], landmarks[9]).max(f32::EPSILON),
        1.1,
        1.6,
    );
    let fingers_curled = curled(index)
        .min(curled(middle))
        .min(curled(ring))
        .min(curled(little));

    let candidates = [
        (Gesture::ThumbsUp, fingers_curled.min(thumb_out).min(up)),
        (Gesture::ThumbsDown, fingers_curled.min(thumb_out).min(down)),
        (
            Gesture::Fist,
            fingers_curled.min(1.0 - thumb_out.min(up.max(down))),
        ),
        (
            Gesture::Palm,
            index.min(middle).min(ring).min(little).min(thumb_out),
        ),
        (
            Gesture::Peace,
            index
                .min(middle)
                .min(curled(ring))
                .min(curled(little))
                .min(spread),
        ),
        (
            Gesture::Pointing,
            index
                .min(curled(middle))
                .min(curled(ring))
                .min(curled(little)),
        ),
    ];
    let (gesture, confidence) = candidates
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((Gesture::Unknown, 0.0));
    if confidence >= MIN_CONFIDENCE {
        GestureReading {
            gesture,
            confidence,
        }
    } else {
        GestureReading {
            gesture: Gesture::Unknown,
            confidence: 1.0 - confidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finger poses of the synthetic hand.
    #[derive(Clone, Copy)]
    enum Finger {
        Out,
        Curled,
    }
    #[derive(Clone, Copy)]
    enum Thumb {
        Out,
        Folded,
    }

    /// An upright right hand seen from the palm side: wrist at the origin, fingers up (-y).
    /// `lean` tilts each extended finger sideways (index, middle, ring, little).
    fn hand(thumb: Thumb, fingers: [Finger; 4], lean: [f32; 4]) -> [[f32; 3]; 21] {
        let mut points = [[0.0f32; 3]; 21];
        let knuckles = [[-30.0, -90.0], [-10.0, -95.0], [10.0, -90.0], [28.0, -80.0]];
        for (f, (&[x, y], pose)) in knuckles.iter().zip(fingers).enumerate() {
            let [mcp, pip, dip, tip] = FINGERS[f];
            points[mcp] = [x, y, 0.0];
            match pose {
                Finger::Out => {
                    let (dx, dy) = (lean[f], -1.0);
                    let norm = (dx * dx + dy * dy).sqrt();
                    let (dx, dy) = (dx / norm, dy / norm);
                    for (joint, length) in [(pip, 35.0), (dip, 57.0), (tip, 75.0)] {
                        points[joint] = [x + dx * length, y + dy * length, 0.0];
                    }
                }
                Finger::Curled => {
                    points[pip] = [x, y - 28.0, -10.0];
                    points[dip] = [x + 2.0, y - 12.0, -25.0];
                    points[tip] = [x + 2.0, y + 4.0, -20.0];
                }
            }
        }
        let thumb_points = match thumb {
            Thumb::Out => [
                [-20.0, -20.0],
                [-45.0, -35.0],
                [-70.0, -45.0],
                [-92.0, -52.0],
            ],
            Thumb::Folded => [
                [-20.0, -20.0],
                [-35.0, -45.0],
                [-25.0, -65.0],
                [-8.0, -70.0],
            ],
        };
        for (&i, [x, y]) in THUMB.iter().zip(thumb_points) {
            points[i] = [x, y, 0.0];
        }
        points
    }

    /// Turns the hand in the image plane: `(x, y) -> (cos x - sin y, sin x + cos y)`.
    fn rotated(points: [[f32; 3]; 21], angle_degrees: f32) -> [[f32; 3]; 21] {
        let (sin, cos) = angle_degrees.to_radians().sin_cos();
        points.map(|[x, y, z]| [cos * x - sin * y, sin * x + cos * y, z])
    }

    use Finger::{Curled, Out};
    const STRAIGHT: [f32; 4] = [0.0; 4];

    fn assert_gesture(points: [[f32; 3]; 21], want: Gesture) {
        let reading = classify(&points);
        assert_eq!(reading.gesture, want, "{reading:?}");
        assert!(reading.confidence >= MIN_CONFIDENCE, "{reading:?}");
    }

    #[test]
    fn open_hand_is_palm_at_any_angle() {
        for angle in [0.0, 30.0, -45.0, 90.0, 180.0] {
            assert_gesture(
                rotated(hand(Thumb::Out, [Out; 4], STRAIGHT), angle),
                Gesture::Palm,
            );
        }
    }

    #[test]
    fn thumb_up_and_down_follow_the_image_vertical() {
        let fist_thumb_out = hand(Thumb::Out, [Curled; 4], STRAIGHT);
        // The thumb points left (-x) in the upright hand; a quarter turn points it up or down.
        assert_gesture(rotated(fist_thumb_out, 90.0), Gesture::ThumbsUp);
        assert_gesture(rotated(fist_thumb_out, -90.0), Gesture::ThumbsDown);
    }

    #[test]
    fn a_fist_is_a_fist_upright_or_sideways() {
        assert_gesture(hand(Thumb::Folded, [Curled; 4], STRAIGHT), Gesture::Fist);
        assert_gesture(
            rotated(hand(Thumb::Folded, [Curled; 4], STRAIGHT), 90.0),
            Gesture::Fist,
        );
        // Thumb out sideways (not up or down) with curled fingers is still a fist.
        assert_gesture(hand(Thumb::Out, [Curled; 4], STRAIGHT), Gesture::Fist);
    }

    #[test]
    fn two_spread_fingers_are_peace() {
        let v = hand(
            Thumb::Folded,
            [Out, Out, Curled, Curled],
            [-0.35, 0.25, 0.0, 0.0],
        );
        assert_gesture(v, Gesture::Peace);
        assert_gesture(rotated(v, 40.0), Gesture::Peace);
    }

    #[test]
    fn two_fingers_held_together_are_not_peace() {
        let together = hand(Thumb::Folded, [Out, Out, Curled, Curled], STRAIGHT);
        assert_ne!(classify(&together).gesture, Gesture::Peace);
    }

    #[test]
    fn one_finger_is_pointing() {
        assert_gesture(
            hand(Thumb::Folded, [Out, Curled, Curled, Curled], STRAIGHT),
            Gesture::Pointing,
        );
        assert_gesture(
            rotated(
                hand(Thumb::Out, [Out, Curled, Curled, Curled], STRAIGHT),
                -70.0,
            ),
            Gesture::Pointing,
        );
    }

    #[test]
    fn in_between_poses_are_unknown() {
        // Index and ring out, middle and little curled: no gesture of ours.
        let odd = hand(Thumb::Folded, [Out, Curled, Out, Curled], STRAIGHT);
        assert_eq!(classify(&odd).gesture, Gesture::Unknown);
    }
}
