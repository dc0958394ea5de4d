//! MediaPipe palm detection: SSD anchors, weighted NMS, and the rotated hand region each palm
//! implies (models.md §5 C).

use crate::engine::{EngineError, Model};
use crate::frame_input::{FrameInput, Layout};
use crate::geometry::BBox;
use crate::image::{Normalize, Placement, RgbView};
use crate::nms::{weighted, Candidate};
use std::f32::consts::PI;

/// Input side of the palm model.
const INPUT: usize = 192;
/// Overlap above which palm candidates are merged.
const NMS_IOU: f32 = 0.3;
/// Keypoints per palm; 0 is the wrist, 2 the middle-finger MCP.
const KEYPOINTS: usize = 7;

/// A square, rotated region of the image holding one hand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandRegion {
    /// Centre, image pixels.
    pub center: [f32; 2],
    /// Side, image pixels.
    pub side: f32,
    /// Rotation (radians) that turns the hand upright, fingers up.
    pub rotation: f32,
}

/// A detected palm.
#[derive(Debug, Clone, PartialEq)]
pub struct Palm {
    /// Palm box, image pixels.
    pub bbox: BBox,
    /// Score, 0..1.
    pub score: f32,
    /// Region to run hand landmarks on.
    pub region: HandRegion,
}

/// The palm detector with its anchors and buffers.
pub struct PalmDetector {
    model: Model,
    anchors: Vec<[f32; 2]>,
    input: FrameInput,
    threshold: f32,
}

impl PalmDetector {
    /// Wraps a loaded `palm_detection_{full,lite}.onnx` (the `_frame` variant when
    /// `in_graph`).
    pub fn new(model: Model, threshold: f32, in_graph: bool) -> Self {
        Self {
            model,
            anchors: anchors(),
            input: FrameInput::new(in_graph, Normalize::UNIT, Layout::Nhwc),
            threshold,
        }
    }

    /// Palms in `image`, best first.
    pub fn detect(&mut self, image: &RgbView<'_>) -> Result<Vec<Palm>, EngineError> {
        let (placement, scale) = letterbox(image);
        let (pad_x, pad_y) = (placement.pad[1] as f32, placement.pad[0] as f32);
        let (anchors, threshold) = (&self.anchors, self.threshold);
        let candidates = self
            .input
            .run(&mut self.model, image, &placement, |outputs| {
                let (_, boxes) = outputs.get("Identity")?;
                let (_, logits) = outputs.get("Identity_1")?;
                if boxes.len() < anchors.len() * 18 || logits.len() < anchors.len() {
                    return Err(outputs.error("Identity", "expected [1, 2016, 18]"));
                }
                Ok(decode(boxes, logits, anchors, threshold))
            })?;
        let to_image = |x: f32, y: f32| {
            [
                (x * INPUT as f32 - pad_x) / scale,
                (y * INPUT as f32 - pad_y) / scale,
            ]
        };
        Ok(weighted(candidates, NMS_IOU)
            .into_iter()
            .map(|c| {
                let [x1, y1] = to_image(c.bbox[0], c.bbox[1]);
                let [x2, y2] = to_image(c.bbox[2], c.bbox[3]);
                let points: Vec<[f32; 2]> = c.points.iter().map(|p| to_image(p[0], p[1])).collect();
                Palm {
                    bbox: [x1, y1, x2, y2],
                    score: c.score,
                    region: palm_region([x1, y1, x2, y2], points[0], points[2]),
                }
            })
            .collect())
    }
}

/// Where `image` goes in the zero-padded square input (scaled into the middle), and the scale.
fn letterbox(image: &RgbView<'_>) -> (Placement, f32) {
    let scale = INPUT as f32 / image.width().max(image.height()) as f32;
    let w = ((image.width() as f32 * scale).round() as usize).clamp(1, INPUT);
    let h = ((image.height() as f32 * scale).round() as usize).clamp(1, INPUT);
    let (left, top) = ((INPUT - w) / 2, (INPUT - h) / 2);
    let placement = Placement {
        width: w,
        height: h,
        pad: [top, left, INPUT - h - top, INPUT - w - left],
    };
    (placement, scale)
}

/// MediaPipe's SSD anchors for the 192 palm model: a 24x24 grid with 2 anchors per cell, then
/// a 12x12 grid with 6, centres normalised to 0..1.
fn anchors() -> Vec<[f32; 2]> {
    let mut anchors = Vec::with_capacity(2016);
    for (grid, per_cell) in [(24usize, 2usize), (12, 6)] {
        for y in 0..grid {
            for x in 0..grid {
                let centre = [
                    (x as f32 + 0.5) / grid as f32,
                    (y as f32 + 0.5) / grid as f32,
                ];
                anchors.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
    }
    anchors
}

fn decode(boxes: &[f32], logits: &[f32], anchors: &[[f32; 2]], threshold: f32) -> Vec<Candidate> {
    let size = INPUT as f32;
    let mut candidates = Vec::new();
    for (i, anchor) in anchors.iter().enumerate() {
        let score = sigmoid(logits[i].clamp(-100.0, 100.0));
        if score < threshold {
            continue;
        }
        let r = &boxes[i * 18..i * 18 + 18];
        let (cx, cy) = (r[0] / size + anchor[0], r[1] / size + anchor[1]);
        let (w, h) = (r[2] / size, r[3] / size);
        let points = (0..KEYPOINTS)
            .map(|k| {
                [
                    r[4 + 2 * k] / size + anchor[0],
                    r[5 + 2 * k] / size + anchor[1],
                ]
            })
            .collect();
        candidates.push(Candidate {
            bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
            score,
            points,
        });
    }
    candidates
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Wraps an angle to [-π, π].
pub fn normalize_angle(angle: f32) -> f32 {
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

/// The rotation that turns the direction `from → to` (wrist → middle finger) straight up.
pub fn upright_rotation(from: [f32; 2], to: [f32; 2]) -> f32 {
    normalize_angle(PI / 2.0 - (-(to[1] - from[1])).atan2(to[0] - from[0]))
}

/// MediaPipe `palm_detection_detection_to_roi`: the palm box shifted half its height towards
/// the fingers and enlarged 2.6 times, turned so the fingers point up.
fn palm_region(bbox: BBox, wrist: [f32; 2], middle_mcp: [f32; 2]) -> HandRegion {
    let rotation = upright_rotation(wrist, middle_mcp);
    let (w, h) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
    let (cx, cy) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
    HandRegion {
        center: [cx + 0.5 * h * rotation.sin(), cy - 0.5 * h * rotation.cos()],
        side: w.max(h) * 2.6,
        rotation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_2016_anchors_stride_8_first() {
        let anchors = anchors();
        assert_eq!(anchors.len(), 2016);
        assert_eq!(anchors[0], [0.5 / 24.0, 0.5 / 24.0]);
        assert_eq!(anchors[1], anchors[0]);
        assert_eq!(anchors[2 * 24 * 24], [0.5 / 12.0, 0.5 / 12.0]);
    }

    #[test]
    fn an_upright_hand_needs_no_rotation_and_a_sideways_one_a_quarter_turn() {
        assert!(upright_rotation([0.0, 10.0], [0.0, 0.0]).abs() < 1e-6);
        let pointing_right = upright_rotation([0.0, 0.0], [10.0, 0.0]);
        assert!((pointing_right - PI / 2.0).abs() < 1e-6);
    }

    #[test]
    fn the_region_moves_towards_the_fingers() {
        let upright = palm_region([0.0, 0.0, 10.0, 10.0], [5.0, 10.0], [5.0, 0.0]);
        assert!((upright.center[0] - 5.0).abs() < 1e-4);
        assert!((upright.center[1] - 0.0).abs() < 1e-4);
        assert!((upright.side - 26.0).abs() < 1e-4);
    }
}
