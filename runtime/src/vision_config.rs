//! `[inference]`, `[overlay]` and `[privacy]`: the vision part of the configuration.

use serde::{Deserialize, Serialize};

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
    pub model_dir: String,
    /// The ONNX Runtime library; empty means `<model_dir>/lib/libonnxruntime.so.1`.
    pub onnxruntime_lib: String,
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
            model_dir: ".cache/models".to_owned(),
            onnxruntime_lib: String::new(),
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

/// When overlay draws detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverlayMode {
    /// Never wait: the newest detections are drawn on the newest frame.
    Latest,
    /// Wait up to `exact_wait_ms` for the frame's own detections.
    Exact,
}

/// `[overlay]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverlayConfig {
    /// `latest` or `exact`.
    pub mode: OverlayMode,
    /// `exact`: longest wait for a frame's detections before it is drawn without them.
    pub exact_wait_ms: u64,
    /// Detections older than this (capture time against the frame's) are not drawn.
    pub max_detection_age_ms: u64,
    /// Draw person boxes.
    pub draw_persons: bool,
}

impl Default for OverlayConfig {
    fn default() -> Self {
        Self {
            mode: OverlayMode::Latest,
            exact_wait_ms: 150,
            max_detection_age_ms: 500,
            draw_persons: false,
        }
    }
}

/// `[privacy]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Pixelate faces nobody has been recognised as, on the stream.
    pub blur_unknown_faces: bool,
}
