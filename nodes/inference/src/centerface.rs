//! CenterFace face detection: boxes and 5 landmarks (models.md §5 A).

use crate::engine::{EngineError, Model, Outputs};
use crate::frame_input::{FrameInput, Layout};
use crate::geometry::{scale_box, BBox};
use crate::image::{Normalize, Placement, RgbView};
use crate::nms::{greedy, Candidate};

/// Overlap above which the weaker of two faces is dropped.
const NMS_IOU: f32 = 0.3;
/// The detector's output stride.
const STRIDE: usize = 4;

/// A face in image pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceBox {
    /// `[x1, y1, x2, y2]`.
    pub bbox: BBox,
    /// Heat-map score, 0..1.
    pub score: f32,
    /// Left eye, right eye, nose, left and right mouth corner (image left/right).
    pub landmarks: [[f32; 2]; 5],
}

/// The detector with its buffers.
pub struct CenterFace {
    model: Model,
    input: FrameInput,
    input_size: usize,
    threshold: f32,
}

impl CenterFace {
    /// Wraps the loaded `centerface_dyn.onnx`. The longer image side is scaled to
    /// `input_size` (rounded up to a multiple of 32). `in_graph`: the model is
    /// `centerface_dyn_frame.onnx`, which pre-processes the frame itself.
    pub fn new(model: Model, input_size: usize, threshold: f32, in_graph: bool) -> Self {
        Self {
            model,
            input: FrameInput::new(in_graph, Normalize::RAW, Layout::Nchw),
            input_size,
            threshold,
        }
    }

    /// The input size chosen for a `width x height` image: both sides multiples of 32.
    pub fn input_dims(&self, width: usize, height: usize) -> (usize, usize) {
        let scale = self.input_size as f32 / width.max(height) as f32;
        let round_up = |v: f32| ((v.round() as usize).max(32)).div_ceil(32) * 32;
        (
            round_up(width as f32 * scale),
            round_up(height as f32 * scale),
        )
    }

    /// Faces in `image`, best first.
    pub fn detect(&mut self, image: &RgbView<'_>) -> Result<Vec<FaceBox>, EngineError> {
        let (w, h) = self.input_dims(image.width(), image.height());
        let threshold = self.threshold;
        let candidates = self.input.run(
            &mut self.model,
            image,
            &Placement::stretch(w, h),
            |outputs| decode(outputs, w, h, threshold),
        )?;
        let (sx, sy) = (
            image.width() as f32 / w as f32,
            image.height() as f32 / h as f32,
        );
        Ok(greedy(candidates, NMS_IOU)
            .into_iter()
            .map(|c| {
                let mut landmarks = [[0.0; 2]; 5];
                for (out, p) in landmarks.iter_mut().zip(&c.points) {
                    *out = [p[0] * sx, p[1] * sy];
                }
                FaceBox {
                    bbox: scale_box(c.bbox, sx, sy),
                    score: c.score,
                    landmarks,
                }
            })
            .collect())
    }
}

fn decode(
    outputs: &Outputs<'_>,
    width: usize,
    height: usize,
    threshold: f32,
) -> Result<Vec<Candidate>, EngineError> {
    let (heat_shape, heat) = outputs.get("537")?;
    let (_, scale) = outputs.get("538")?;
    let (_, offset) = outputs.get("539")?;
    let (_, marks) = outputs.get("540")?;
    let (gh, gw) = match heat_shape {
        [1, 1, gh, gw] => (*gh, *gw),
        _ => return Err(outputs.error("537", "expected [1, 1, H/4, W/4]")),
    };
    let plane = gh * gw;
    if scale.len() < 2 * plane || offset.len() < 2 * plane || marks.len() < 10 * plane {
        return Err(outputs.error("538", "outputs smaller than the heat map"));
    }
    let stride = STRIDE as f32;
    let mut candidates = Vec::new();
    for y in 0..gh {
        for x in 0..gw {
            let i = y * gw + x;
            let score = heat[i];
            if score <= threshold {
                continue;
            }
            let s_h = scale[i].exp() * stride;
            let s_w = scale[plane + i].exp() * stride;
            let x1 = ((x as f32 + offset[plane + i] + 0.5) * stride - s_w / 2.0).max(0.0);
            let y1 = ((y as f32 + offset[i] + 0.5) * stride - s_h / 2.0).max(0.0);
            let bbox = [
                x1,
                y1,
                (x1 + s_w).min(width as f32),
                (y1 + s_h).min(height as f32),
            ];
            let points = (0..5)
                .map(|j| {
                    [
                        marks[(2 * j + 1) * plane + i] * s_w + x1,
                        marks[2 * j * plane + i] * s_h + y1,
                    ]
                })
                .collect();
            candidates.push(Candidate {
                bbox,
                score,
                points,
            });
        }
    }
    Ok(candidates)
}
