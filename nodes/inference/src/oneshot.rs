//! `mm-inference detect IMAGE... --json [--embeddings]`: the models on still images, one JSON
//! object per image (JSON Lines).

use crate::image::RgbView;
use crate::report::fill_detections;
use crate::vision::{EmbedFaces, Vision};
use mm_shm_schema::vision_json::DetectionsJson;
use mm_shm_schema::Detections;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why an image could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read image {}", path.display())]
pub struct ImageReadError {
    /// The file.
    pub path: PathBuf,
    /// What the decoder said.
    #[source]
    pub source: image::ImageError,
}

/// What `detect --json` prints for one image.
#[derive(Debug, Serialize)]
pub struct ImageReport {
    /// The image's path, as given.
    pub image: String,
    /// What was found in it.
    #[serde(flatten)]
    pub detections: DetectionsJson,
}

/// Why an image could not be described.
#[derive(Debug, thiserror::Error)]
pub enum DescribeError {
    /// The file could not be read or decoded.
    #[error(transparent)]
    Read(#[from] ImageReadError),
    /// The decoded image is unusable (empty).
    #[error(transparent)]
    Image(#[from] crate::image::ImageError),
    /// A model failed.
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
}

/// A decoded RGB24 image.
pub struct StillImage {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Packed RGB24.
    pub pixels: Vec<u8>,
}

/// Reads a JPEG or PNG (any colour type) as RGB24.
pub fn read_image(path: &Path) -> Result<StillImage, ImageReadError> {
    let decoded = image::open(path)
        .map_err(|source| ImageReadError {
            path: path.to_owned(),
            source,
        })?
        .to_rgb8();
    let (width, height) = decoded.dimensions();
    Ok(StillImage {
        width: width as usize,
        height: height as usize,
        pixels: decoded.into_raw(),
    })
}

/// The JSON line for one image: `image`, `width`, `height`, `faces` (each with `embedding`
/// when `embeddings`), `hands`, `persons`, `timings_ms`.
pub fn describe(
    vision: &mut Vision,
    path: &Path,
    embeddings: bool,
) -> Result<ImageReport, DescribeError> {
    let still = read_image(path)?;
    let view = RgbView::new(&still.pixels, still.width, still.height)?;
    vision.reset_tracking();
    let embed = if embeddings {
        EmbedFaces::All
    } else {
        EmbedFaces::ToRecognise
    };
    let frame = vision.process(&view, embed)?;
    let mut detections = Box::<Detections>::default();
    fill_detections(
        &frame,
        still.width as u32,
        still.height as u32,
        &mut detections,
    );
    let mut detections = DetectionsJson::new(&detections);
    detections.sequence = None;
    if embeddings {
        for (face_json, face) in detections.faces.iter_mut().zip(&frame.faces) {
            face_json.embedding = face.embedding.map(|e| e.to_vec());
        }
    }
    Ok(ImageReport {
        image: path.display().to_string(),
        detections,
    })
}
