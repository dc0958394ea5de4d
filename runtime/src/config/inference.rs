//! `[inference]`: the models and where they run.

use super::{check, ConfigError, MAX_EDGE};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where ONNX Runtime runs the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionProvider {
    /// The CPU.
    Cpu,
    /// NVIDIA CUDA (falls back to the CPU when unavailable).
    Cuda,
    /// NVIDIA TensorRT, then CUDA, then the CPU.
    Tensorrt,
}

/// Where the whole-frame detectors (CenterFace, palm, NanoDet) resize and normalise the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preprocess {
    /// `graph` with a GPU execution provider, `cpu` otherwise.
    Auto,
    /// On the CPU with fast_image_resize, into a float tensor.
    Cpu,
    /// Inside the model (`<model>_frame.onnx`), which reads the frame in place: on the GPU
    /// through the frame slot registered with CUDA.
    Graph,
}

impl Preprocess {
    /// Whether the frame-input models run with `provider`.
    pub fn in_graph(self, provider: ExecutionProvider) -> bool {
        match self {
            Preprocess::Auto => provider != ExecutionProvider::Cpu,
            Preprocess::Cpu => false,
            Preprocess::Graph => true,
        }
    }
}

/// Which MediaPipe hand models run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HandModel {
    /// `palm_detection_full` + `hand_landmark_full`: more accurate.
    Full,
    /// `palm_detection_lite` + `hand_landmark_lite`: faster.
    Lite,
}

/// `[inference]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InferenceConfig {
    /// Folder of the ONNX models (scripts/fetch-models.sh fills it); relative paths are
    /// relative to the working directory.
    pub model_dir: PathBuf,
    /// The ONNX Runtime library; unset (`""`) means `<model_dir>/lib/libonnxruntime.so.1`.
    #[serde(with = "super::unset")]
    pub onnxruntime_lib: Option<PathBuf>,
    /// `cpu`, `cuda` or `tensorrt`.
    pub execution_provider: ExecutionProvider,
    /// `auto`, `cpu` or `graph`: where whole-frame detectors pre-process the frame.
    pub preprocess: Preprocess,
    /// Threads each model may use. 1 by default: on the 2-vCPU machine measured a second
    /// thread made no model faster (docs/BENCHMARKS.md); raise it on boards with more cores.
    pub threads: u32,
    /// Scheduling niceness of the inference process (0..=19). 19 (the default) gives it only
    /// the CPU time capture, overlay, encode and the API leave: on 2 cores that keeps the
    /// stream's p99 within 2 ms of a stream without inference (10 did not).
    pub niceness: i32,
    /// CenterFace: the longer side of the detector input (rounded up to a multiple of 32).
    pub face_input_size: u32,
    /// CenterFace: smallest heat-map score reported as a face.
    pub face_threshold: f32,
    /// Euclidean embedding distance below which a face matches a gallery identity.
    pub recognition_threshold: f32,
    /// Faces smaller than this (shorter box side, pixels) are not embedded or recognised.
    pub min_face_px: u32,
    /// Run palm detection, hand landmarks and gestures.
    pub hands: bool,
    /// `full` or `lite` hand models.
    pub hand_model: HandModel,
    /// Most hands tracked at once.
    pub max_hands: u32,
    /// Smallest palm score that starts a hand.
    pub palm_threshold: f32,
    /// Smallest hand-presence score that keeps a hand.
    pub hand_presence_threshold: f32,
    /// While hands are tracked, palm detection still runs every this many frames to find new
    /// ones.
    pub palm_redetect_frames: u32,
    /// The camera image is mirrored (a selfie view): handedness is reported as MediaPipe does.
    pub mirrored: bool,
    /// Run NanoDet person detection.
    pub persons: bool,
    /// Smallest NanoDet score reported as a person.
    pub person_threshold: f32,
}

impl Default for InferenceConfig {
    fn default() -> Self {
        Self {
            model_dir: PathBuf::from(".cache/models"),
            onnxruntime_lib: None,
            execution_provider: ExecutionProvider::Cpu,
            preprocess: Preprocess::Auto,
            threads: 1,
            niceness: 19,
            face_input_size: 640,
            face_threshold: 0.5,
            recognition_threshold: 0.6,
            min_face_px: 40,
            hands: true,
            hand_model: HandModel::Full,
            max_hands: 2,
            palm_threshold: 0.5,
            hand_presence_threshold: 0.5,
            palm_redetect_frames: 10,
            mirrored: false,
            persons: true,
            person_threshold: 0.35,
        }
    }
}

impl InferenceConfig {
    /// Thread and priority ranges, input sizes the detector takes, thresholds in (0, 1].
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            (1..=64).contains(&self.threads),
            "inference.threads",
            self.threads,
            "must be 1..=64",
        )?;
        check(
            (0..=19).contains(&self.niceness),
            "inference.niceness",
            self.niceness,
            "must be 0..=19",
        )?;
        check(
            (64..=MAX_EDGE).contains(&self.face_input_size),
            "inference.face_input_size",
            self.face_input_size,
            "must be 64..=3840",
        )?;
        check(
            (1..=mm_shm_schema::MAX_HANDS as u32).contains(&self.max_hands),
            "inference.max_hands",
            self.max_hands,
            "must be 1..=4",
        )?;
        for (key, value) in [
            ("inference.face_threshold", self.face_threshold),
            ("inference.palm_threshold", self.palm_threshold),
            (
                "inference.hand_presence_threshold",
                self.hand_presence_threshold,
            ),
            ("inference.person_threshold", self.person_threshold),
        ] {
            // 0 would report every anchor of the detector as a hit.
            check(value > 0.0 && value <= 1.0, key, value, "must be in (0, 1]")?;
        }
        check(
            self.recognition_threshold > 0.0 && self.recognition_threshold < 2.0,
            "inference.recognition_threshold",
            self.recognition_threshold,
            "must be between 0 and 2 (Euclidean distance)",
        )
    }
}
