//! Inference: faces (CenterFace, 5 landmarks, dlib 128-d recognition), hands (MediaPipe palm
//! detection and 21 landmarks, tracked between frames, with gestures) and persons (NanoDet),
//! on RGB frames read in place from shared memory.

mod accelerator;
pub mod centerface;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod embedding;
pub mod engine;
pub mod frame_input;
pub mod gallery;
pub mod geometry;
pub mod gesture;
pub mod hand;
pub mod image;
pub mod nms;
pub mod oneshot;
pub mod palm;
pub mod persons;
pub mod report;
pub mod vision;

pub use engine::{Engine, EngineError};
pub use vision::{EmbedFaces, Face, FrameVision, Hand, ModelFiles, Vision};
