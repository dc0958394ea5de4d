//! MediaPipe hand landmarks on a rotated hand region, and the region for the next frame
//! derived from the landmarks (tracking without palm detection).

use crate::engine::{EngineError, Model};
use crate::geometry::{warp_affine, Affine, BBox};
use crate::image::{fill_nhwc, Normalize, RgbView};
use crate::palm::{upright_rotation, HandRegion};
use mm_shm_schema::{Handedness, HAND_LANDMARKS};

/// Input side of the landmark model.
const INPUT: usize = 224;

/// Landmarks MediaPipe uses to place the next region: wrist, thumb base, and the MCP and PIP
/// joints of each finger.
const TRACKING_LANDMARKS: [usize; 12] = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18];

/// One hand with its 21 landmarks in image pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct HandLandmarks {
    /// `[x, y, z]` per landmark (z in the same pixel scale, relative to the wrist).
    pub landmarks: [[f32; 3]; HAND_LANDMARKS],
    /// Hand presence, 0..1.
    pub presence: f32,
    /// Which hand, as seen by the person.
    pub handedness: Handedness,
    /// Confidence of `handedness`, 0.5..1.
    pub handedness_score: f32,
}

impl HandLandmarks {
    /// Box around the landmarks.
    pub fn bbox(&self) -> BBox {
        self.landmarks
            .iter()
            .fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            })
    }

    /// MediaPipe `hand_landmark_landmarks_to_roi`: the region for the next frame, turned from
    /// the wrist to the middle-finger MCP, around the palm joints, shifted 0.1 towards the
    /// fingers and doubled.
    pub fn next_region(&self) -> HandRegion {
        let point = |i: usize| [self.landmarks[i][0], self.landmarks[i][1]];
        let rotation = upright_rotation(point(0), point(9));
        let (cos, sin) = (rotation.cos(), rotation.sin());
        // Coordinates along the region's axes: x = (cos, sin), y = (-sin, cos).
        let (mut min, mut max) = ([f32::MAX; 2], [f32::MIN; 2]);
        for &i in &TRACKING_LANDMARKS {
            let [x, y] = point(i);
            let along = [x * cos + y * sin, -x * sin + y * cos];
            for axis in 0..2 {
                min[axis] = min[axis].min(along[axis]);
                max[axis] = max[axis].max(along[axis]);
            }
        }
        let (w, h) = (max[0] - min[0], max[1] - min[1]);
        let centre_along = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0 - 0.1 * h];
        HandRegion {
            center: [
                centre_along[0] * cos - centre_along[1] * sin,
                centre_along[0] * sin + centre_along[1] * cos,
            ],
            side: w.max(h) * 2.0,
            rotation,
        }
    }
}

/// The affine map from crop pixels (`INPUT` square) to image pixels for `region`.
fn crop_to_image(region: &HandRegion) -> Affine {
    let (cos, sin) = (region.rotation.cos(), region.rotation.sin());
    let unit = region.side / INPUT as f32;
    let half = INPUT as f32 / 2.0;
    // image = centre + R * ((u - half) * unit, (v - half) * unit)
    Affine {
        m: [
            [
                cos * unit,
                -sin * unit,
                region.center[0] - (cos - sin) * half * unit,
            ],
            [
                sin * unit,
                cos * unit,
                region.center[1] - (sin + cos) * half * unit,
            ],
        ],
    }
}

/// The landmark model with its buffers.
pub struct HandLandmarker {
    model: Model,
    crop: Vec<u8>,
    tensor: Vec<f32>,
    mirrored: bool,
}

impl HandLandmarker {
    /// Wraps a loaded `hand_landmark_{full,lite}.onnx`. `mirrored`: the image is a selfie
    /// view, as MediaPipe's handedness assumes.
    pub fn new(model: Model, mirrored: bool) -> Self {
        Self {
            model,
            crop: Vec::new(),
            tensor: Vec::new(),
            mirrored,
        }
    }

    /// The hand in `region` of `image`.
    pub fn landmarks(
        &mut self,
        image: &RgbView<'_>,
        region: &HandRegion,
    ) -> Result<HandLandmarks, EngineError> {
        let to_image = crop_to_image(region);
        warp_affine(image, &to_image, INPUT, INPUT, &mut self.crop);
        let crop = RgbView::new(&self.crop, INPUT, INPUT).map_err(|e| self.model.error(e))?;
        fill_nhwc(&crop, Normalize::UNIT, &mut self.tensor);
        let mirrored = self.mirrored;
        let depth_scale = region.side / INPUT as f32;
        self.model
            .run(&[1, INPUT, INPUT, 3], &self.tensor, |outputs| {
                let (_, points) = outputs.get("Identity")?;
                let (_, presence) = outputs.get("Identity_1")?;
                let (_, left) = outputs.get("Identity_2")?;
                if points.len() < HAND_LANDMARKS * 3 || presence.is_empty() || left.is_empty() {
                    return Err(outputs.error("Identity", "expected 63 landmark values"));
                }
                let mut landmarks = [[0.0; 3]; HAND_LANDMARKS];
                for (i, out) in landmarks.iter_mut().enumerate() {
                    let (x, y) = to_image.apply(points[3 * i], points[3 * i + 1]);
                    *out = [x, y, points[3 * i + 2] * depth_scale];
                }
                // MediaPipe's label assumes a mirrored image; a camera facing people is not.
                let left_in_selfie = left[0] > 0.5;
                let handedness = match left_in_selfie == mirrored {
                    true => Handedness::Left,
                    false => Handedness::Right,
                };
                Ok(HandLandmarks {
                    landmarks,
                    presence: presence[0],
                    handedness,
                    handedness_score: left[0].max(1.0 - left[0]),
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crop_centre_maps_to_the_region_centre() {
        let region = HandRegion {
            center: [100.0, 50.0],
            side: 224.0,
            rotation: 0.7,
        };
        let map = crop_to_image(&region);
        let (x, y) = map.apply(112.0, 112.0);
        assert!((x - 100.0).abs() < 1e-3 && (y - 50.0).abs() < 1e-3);
    }

    #[test]
    fn an_unrotated_crop_is_a_plain_window() {
        let region = HandRegion {
            center: [112.0, 112.0],
            side: 224.0,
            rotation: 0.0,
        };
        let (x, y) = crop_to_image(&region).apply(10.0, 20.0);
        assert!((x - 10.0).abs() < 1e-3 && (y - 20.0).abs() < 1e-3);
    }
}
