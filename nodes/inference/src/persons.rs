//! NanoDet-m 416 person detection (COCO class 0; models.md §5 D).

use crate::engine::{EngineError, Model, Outputs};
use crate::frame_input::{FrameInput, Layout};
use crate::geometry::{scale_box, BBox};
use crate::image::{Normalize, Placement, RgbView};
use crate::nms::{greedy, Candidate};

/// Input side.
const INPUT: usize = 416;
const CLASSES: usize = 80;
/// GFL bins per box side.
const BINS: usize = 11;
const PERSON: usize = 0;
const NMS_IOU: f32 = 0.6;
/// NanoDet's BGR normalisation.
const NORMALIZE: Normalize = Normalize {
    mean: [103.53, 116.28, 123.675],
    scale: [1.0 / 57.375, 1.0 / 57.12, 1.0 / 58.395],
    bgr: true,
};

/// A person in image pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonBox {
    /// `[x1, y1, x2, y2]`.
    pub bbox: BBox,
    /// Class probability, 0..1.
    pub score: f32,
}

/// The detector with its buffers.
pub struct PersonDetector {
    model: Model,
    input: FrameInput,
    threshold: f32,
}

impl PersonDetector {
    /// Wraps the loaded `nanodet_m_416.onnx` (`nanodet_m_416_frame.onnx` when `in_graph`).
    pub fn new(model: Model, threshold: f32, in_graph: bool) -> Self {
        Self {
            model,
            input: FrameInput::new(in_graph, NORMALIZE, Layout::Nchw),
            threshold,
        }
    }

    /// Persons in `image`, best first.
    pub fn detect(&mut self, image: &RgbView<'_>) -> Result<Vec<PersonBox>, EngineError> {
        let threshold = self.threshold;
        let candidates = self.input.run(
            &mut self.model,
            image,
            &Placement::stretch(INPUT, INPUT),
            |outputs| decode(outputs, threshold),
        )?;
        let (sx, sy) = (
            image.width() as f32 / INPUT as f32,
            image.height() as f32 / INPUT as f32,
        );
        Ok(greedy(candidates, NMS_IOU)
            .into_iter()
            .map(|c| PersonBox {
                bbox: scale_box(c.bbox, sx, sy),
                score: c.score,
            })
            .collect())
    }
}

/// Pairs each stride's class and box outputs by their cell count and decodes the cells whose
/// best class is a person.
fn decode(outputs: &Outputs<'_>, threshold: f32) -> Result<Vec<Candidate>, EngineError> {
    let mut candidates = Vec::new();
    for stride in [8usize, 16, 32] {
        let grid = INPUT / stride;
        let cells = grid * grid;
        let find = |width: usize| {
            outputs
                .all()
                .find(|(_, shape, _)| shape == &[1, cells, width])
                .map(|(_, _, values)| values)
                .ok_or_else(|| outputs.error(&format!("stride {stride}"), "missing output pair"))
        };
        let classes = find(CLASSES)?;
        let boxes = find(4 * BINS)?;
        for cell in 0..cells {
            let scores = &classes[cell * CLASSES..(cell + 1) * CLASSES];
            let person = scores[PERSON];
            if person < threshold || scores.iter().any(|&s| s > person) {
                continue;
            }
            let (cx, cy) = (
                ((cell % grid) as f32 + 0.5) * stride as f32,
                ((cell / grid) as f32 + 0.5) * stride as f32,
            );
            let reg = &boxes[cell * 4 * BINS..(cell + 1) * 4 * BINS];
            let side = |k: usize| expected_bin(&reg[k * BINS..(k + 1) * BINS]) * stride as f32;
            candidates.push(Candidate {
                bbox: [cx - side(0), cy - side(1), cx + side(2), cy + side(3)],
                score: person,
                points: Vec::new(),
            });
        }
    }
    Ok(candidates)
}

/// Σ i·softmax(bins)_i: the distance a GFL distribution predicts, in strides.
fn expected_bin(bins: &[f32]) -> f32 {
    let max = bins.iter().copied().fold(f32::MIN, f32::max);
    let (mut total, mut weighted) = (0.0, 0.0);
    for (i, &b) in bins.iter().enumerate() {
        let e = (b - max).exp();
        total += e;
        weighted += e * i as f32;
    }
    weighted / total
}

#[cfg(test)]
mod tests {
    use super::expected_bin;

    #[test]
    fn a_peaked_distribution_gives_its_bin() {
        let mut bins = [-50.0f32; 11];
        bins[3] = 50.0;
        assert!((expected_bin(&bins) - 3.0).abs() < 1e-4);
        assert!((expected_bin(&[0.0; 11]) - 5.0).abs() < 1e-4);
    }
}
