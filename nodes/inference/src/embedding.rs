//! Face alignment to dlib's 150x150 chip and the 128-d dlib ResNet descriptor (models.md §5 B).

use crate::engine::{EngineError, Model};
use crate::geometry::{warp_affine, Affine};
use crate::image::{fill_nchw, Normalize, RgbView};
use mm_shm_schema::EMBEDDING_LEN;

/// Side of the aligned face chip.
pub const CHIP_SIZE: usize = 150;

/// Where the 5 landmarks of a face land on the chip: dlib's mean face (padding 0.25) reduced
/// to eye centres, nose tip and mouth corners.
pub const CHIP_TEMPLATE: [[f32; 2]; 5] = [
    [47.55, 46.60],
    [100.48, 46.60],
    [74.01, 76.56],
    [50.41, 103.02],
    [97.61, 103.02],
];

/// A face embedding.
pub type Embedding = [f32; EMBEDDING_LEN];

/// Euclidean distance between two embeddings (same person below about 0.6).
pub fn distance(a: &Embedding, b: &Embedding) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

/// The dlib ResNet descriptor with its buffers.
pub struct FaceEmbedder {
    model: Model,
    chip: Vec<u8>,
    tensor: Vec<f32>,
}

impl FaceEmbedder {
    /// Wraps the loaded `dlib_face_recognition_resnet_model_v1.onnx`.
    pub fn new(model: Model) -> Self {
        Self {
            model,
            chip: Vec::new(),
            tensor: Vec::new(),
        }
    }

    /// The aligned 150x150 RGB chip of the face with `landmarks` (left eye, right eye, nose,
    /// left and right mouth corner) in `image`.
    pub fn align(&mut self, image: &RgbView<'_>, landmarks: &[[f32; 2]; 5]) -> Option<&[u8]> {
        let chip_to_image = Affine::similarity(&CHIP_TEMPLATE, landmarks)?;
        warp_affine(image, &chip_to_image, CHIP_SIZE, CHIP_SIZE, &mut self.chip);
        Some(&self.chip)
    }

    /// The embedding of the face with `landmarks` in `image`; `None` when the landmarks are
    /// degenerate.
    pub fn embed(
        &mut self,
        image: &RgbView<'_>,
        landmarks: &[[f32; 2]; 5],
    ) -> Result<Option<Embedding>, EngineError> {
        if self.align(image, landmarks).is_none() {
            return Ok(None);
        }
        let chip =
            RgbView::new(&self.chip, CHIP_SIZE, CHIP_SIZE).map_err(|e| self.model.error(e))?;
        fill_nchw(&chip, Normalize::RAW, &mut self.tensor);
        self.embed_tensor().map(Some)
    }

    /// Runs the descriptor on the chip tensor already in place.
    fn embed_tensor(&mut self) -> Result<Embedding, EngineError> {
        self.model
            .run(&[1, 3, CHIP_SIZE, CHIP_SIZE], &self.tensor, |outputs| {
                let (_, values) = outputs.get("embedding")?;
                values
                    .get(..EMBEDDING_LEN)
                    .and_then(|v| <Embedding>::try_from(v).ok())
                    .ok_or_else(|| outputs.error("embedding", "expected 128 values"))
            })
    }

    /// The embedding of a chip given directly (150x150 RGB), for checks against dlib.
    pub fn embed_chip(&mut self, chip: &RgbView<'_>) -> Result<Embedding, EngineError> {
        fill_nchw(chip, Normalize::RAW, &mut self.tensor);
        self.embed_tensor()
    }
}
