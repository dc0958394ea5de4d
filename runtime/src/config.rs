//! The one TOML config file every process reads, with `MM_*` environment overrides.
//!
//! Every key has a documented default (see `config/mmoment.toml` at the repository root), so an
//! empty file — or none — is a working configuration: the synthetic demo camera at 1280x720,
//! 30 fps, served on port 5002.

use crate::env_override::{apply_env_overrides, EnvOverrideError};
pub use crate::vision_config::{
    ExecutionProvider, HandModel, InferenceConfig, OverlayConfig, OverlayMode, Preprocess,
    PrivacyConfig,
};
use mm_shm_schema::{CameraId, InvalidCameraId};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_PATH_ENV: &str = "MM_CONFIG";

/// Largest frame edge accepted (4K UHD width).
const MAX_EDGE: u32 = 3840;

/// Longest duration any `*_ms` key accepts (one day): every such value times 1 000 000 fits a
/// `u64` of nanoseconds with room to add timestamps.
pub const MAX_DURATION_MS: u64 = 86_400_000;

/// The nodes `supervisor.nodes` may name: each is the binary `mm-<name>`.
pub const KNOWN_NODES: [&str; 5] = ["capture", "inference", "overlay", "encode", "api"];

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Names this camera's shared-memory services, `mm/<camera_id>/...`.
    pub camera_id: String,
    /// The capture node.
    pub capture: CaptureConfig,
    /// The encode node.
    pub encode: EncodeConfig,
    /// The inference node.
    pub inference: InferenceConfig,
    /// The overlay node.
    pub overlay: OverlayConfig,
    /// What the stream may show about people.
    pub privacy: PrivacyConfig,
    /// The API node.
    pub api: ApiConfig,
    /// The supervisor.
    pub supervisor: SupervisorConfig,
    /// The shared-memory bus.
    pub bus: BusConfig,
    /// Logging.
    pub log: LogConfig,
}

/// Which frame source capture opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceChoice {
    /// V4L2 when a device exists, else synthetic.
    Auto,
    /// The built-in moving scene over photos.
    Synthetic,
    /// A video file, looped.
    File,
    /// A V4L2 camera.
    V4l2,
}

/// Which pixel format to ask a V4L2 camera for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum V4l2FormatChoice {
    /// YUYV when the camera offers the size and rate, else MJPEG.
    Auto,
    /// Uncompressed YUYV 4:2:2.
    Yuyv,
    /// Motion JPEG, decoded once into the shared-memory frame.
    Mjpeg,
}

/// `[capture]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptureConfig {
    /// `auto`, `synthetic`, `file` or `v4l2`.
    pub source: SourceChoice,
    /// Frame width in pixels (even).
    pub width: u32,
    /// Frame height in pixels (even).
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Synthetic: folder of JPEG photos to pan across; empty means the built-in demo photos.
    pub photos_dir: String,
    /// File: the video to loop.
    pub file_path: String,
    /// File: pace at the file's own frame rate (false: as fast as it decodes, for benchmarks).
    pub file_paced: bool,
    /// V4L2: device path.
    pub device: String,
    /// V4L2: pixel format to negotiate.
    pub v4l2_format: V4l2FormatChoice,
    /// V4L2: first delay before reopening a lost device, doubled after each failed attempt
    /// up to 2 s (`mm_capture::v4l2::MAX_RECONNECT_DELAY`).
    pub reconnect_delay_ms: u64,
}

/// Which frames encode turns into JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodeInput {
    /// `frames/raw`, straight from capture.
    Raw,
    /// `frames/composited`, from the overlay node.
    Composited,
}

/// `[encode]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncodeConfig {
    /// `raw` or `composited`.
    pub input: EncodeInput,
    /// JPEG quality, 1..=100.
    pub quality: u32,
    /// `composited`: when no composited frame arrived for this long (overlay down), raw
    /// frames are encoded until composited ones come back.
    pub fallback_after_ms: u64,
}

/// `[api]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Address the HTTP server listens on.
    pub bind: String,
    /// `/api/health` turns 503 when no frame arrived for this long.
    pub health_timeout_ms: u64,
    /// Most `/stream` viewers at once; one more gets 503.
    pub max_viewers: u32,
}

/// `[bus]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusConfig {
    /// Shared memory (`/dev/shm`) the camera's frame segments may take, in MiB. The default
    /// matches the `shm_size` of `docker/compose.yml`; a frame size needing more is refused at
    /// start instead of failing later in iceoryx2.
    pub max_shm_mb: u64,
}

impl Default for BusConfig {
    fn default() -> Self {
        Self { max_shm_mb: 1024 }
    }
}

/// `[supervisor]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupervisorConfig {
    /// Nodes to run, each as the binary `mm-<name>`.
    pub nodes: Vec<String>,
    /// Folder of the node binaries; empty means the supervisor's own folder.
    pub bin_dir: String,
    /// First delay before restarting a crashed node.
    pub restart_backoff_initial_ms: u64,
    /// Longest delay between restarts.
    pub restart_backoff_max_ms: u64,
    /// A node that ran this long before crashing restarts after the initial delay again.
    pub restart_reset_after_ms: u64,
    /// After SIGTERM, how long a node may take before it is killed.
    pub stop_timeout_ms: u64,
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `tracing` filter, e.g. `info` or `info,mm_capture=debug`.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            camera_id: "cam0".to_owned(),
            capture: CaptureConfig::default(),
            encode: EncodeConfig::default(),
            inference: InferenceConfig::default(),
            overlay: OverlayConfig::default(),
            privacy: PrivacyConfig::default(),
            api: ApiConfig::default(),
            supervisor: SupervisorConfig::default(),
            bus: BusConfig::default(),
            log: LogConfig::default(),
        }
    }
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            source: SourceChoice::Auto,
            width: 1280,
            height: 720,
            fps: 30,
            photos_dir: String::new(),
            file_path: String::new(),
            file_paced: true,
            device: "/dev/video0".to_owned(),
            v4l2_format: V4l2FormatChoice::Auto,
            reconnect_delay_ms: 500,
        }
    }
}

impl Default for EncodeConfig {
    fn default() -> Self {
        Self {
            input: EncodeInput::Composited,
            quality: 80,
            fallback_after_ms: 200,
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            bind: "0.0.0.0:5002".to_owned(),
            health_timeout_ms: 2000,
            max_viewers: 64,
        }
    }
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        Self {
            nodes: KNOWN_NODES.map(str::to_owned).to_vec(),
            bin_dir: String::new(),
            restart_backoff_initial_ms: 250,
            restart_backoff_max_ms: 10_000,
            restart_reset_after_ms: 30_000,
            stop_timeout_ms: 4_000,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file (or the file with overrides applied) is not a valid configuration.
    #[error("invalid configuration{}: {message}", .path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Parse {
        /// The file, when one was read.
        path: Option<PathBuf>,
        /// What is wrong, as TOML/serde reports it.
        message: String,
    },
    /// An `MM_*` variable could not be applied.
    #[error(transparent)]
    EnvOverride(#[from] EnvOverrideError),
    /// The camera id is not usable as part of a service name.
    #[error(transparent)]
    CameraId(#[from] InvalidCameraId),
    /// A value is out of its allowed range.
    #[error("{key} = {value}: {reason}")]
    OutOfRange {
        /// Dotted key, e.g. `capture.width`.
        key: &'static str,
        /// The value found.
        value: String,
        /// The allowed range.
        reason: &'static str,
    },
    /// The frame size needs more shared memory than `bus.max_shm_mb` allows.
    #[error("capture.width x capture.height = {width}x{height} needs {needed_mb} MiB of shared memory for its frame segments; bus.max_shm_mb allows {max_mb} (raise it with the container's shm_size, or lower the frame size)")]
    SharedMemoryBudget {
        /// Frame width.
        width: u32,
        /// Frame height.
        height: u32,
        /// What the frame segments need.
        needed_mb: u64,
        /// What is allowed.
        max_mb: u64,
    },
}

impl Config {
    /// Loads `path` (or nothing, for all defaults) and applies the `MM_*` variables of the
    /// process environment.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(path, std::env::vars())
    }

    /// Like [`Config::load`] with an explicit environment, for tests.
    pub fn load_with_env(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let text = match path {
            Some(path) => std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?,
            None => String::new(),
        };
        Self::parse(&text, path, env)
    }

    /// Parses TOML text and applies the overrides in `env`.
    pub fn parse(
        text: &str,
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            path: path.map(Path::to_owned),
            message,
        };
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| parse_error(e.to_string()))?;
        let defaults =
            toml::Table::try_from(Config::default()).map_err(|e| parse_error(e.to_string()))?;
        apply_env_overrides(&mut table, &defaults, env)?;
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| parse_error(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// How long encode waits without composited frames before it falls back (or withholds):
    /// `encode.fallback_after_ms`, plus in `exact` overlay mode the overlay's `exact_wait_ms`,
    /// since the overlay holds each frame that long for its detections. Resolved here so that
    /// encode reads no other node's section.
    pub fn encode_fallback_after(&self) -> std::time::Duration {
        let overlay_wait_ms = match self.overlay.mode {
            OverlayMode::Exact => self.overlay.exact_wait_ms,
            OverlayMode::Latest => 0,
        };
        std::time::Duration::from_millis(self.encode.fallback_after_ms + overlay_wait_ms)
    }

    /// The validated camera id.
    pub fn camera(&self) -> Result<CameraId, InvalidCameraId> {
        CameraId::new(&self.camera_id)
    }

    /// The API's listen address.
    pub fn api_bind(&self) -> Result<SocketAddr, ConfigError> {
        self.api.bind.parse().map_err(|_| ConfigError::OutOfRange {
            key: "api.bind",
            value: self.api.bind.clone(),
            reason: "must be an address like 0.0.0.0:5002",
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.camera()?;
        self.api_bind()?;
        let capture = &self.capture;
        let check = |ok: bool, key: &'static str, value: String, reason: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError::OutOfRange { key, value, reason })
            }
        };
        let edge_ok = |v: u32| (2..=MAX_EDGE).contains(&v) && v.is_multiple_of(2);
        check(
            edge_ok(capture.width),
            "capture.width",
            capture.width.to_string(),
            "must be even, 2..=3840",
        )?;
        check(
            edge_ok(capture.height),
            "capture.height",
            capture.height.to_string(),
            "must be even, 2..=3840",
        )?;
        check(
            (1..=120).contains(&capture.fps),
            "capture.fps",
            capture.fps.to_string(),
            "must be 1..=120",
        )?;
        check(
            (1..=100).contains(&self.encode.quality),
            "encode.quality",
            self.encode.quality.to_string(),
            "must be 1..=100",
        )?;
        check(
            self.supervisor.restart_backoff_initial_ms <= self.supervisor.restart_backoff_max_ms,
            "supervisor.restart_backoff_initial_ms",
            self.supervisor.restart_backoff_initial_ms.to_string(),
            "must not exceed restart_backoff_max_ms",
        )?;
        let inference = &self.inference;
        check(
            (1..=64).contains(&inference.threads),
            "inference.threads",
            inference.threads.to_string(),
            "must be 1..=64",
        )?;
        check(
            (0..=19).contains(&inference.niceness),
            "inference.niceness",
            inference.niceness.to_string(),
            "must be 0..=19",
        )?;
        check(
            (64..=MAX_EDGE).contains(&inference.face_input_size),
            "inference.face_input_size",
            inference.face_input_size.to_string(),
            "must be 64..=3840",
        )?;
        check(
            (1..=mm_shm_schema::MAX_HANDS as u32).contains(&inference.max_hands),
            "inference.max_hands",
            inference.max_hands.to_string(),
            "must be 1..=4",
        )?;
        for (key, value) in [
            ("inference.face_threshold", inference.face_threshold),
            ("inference.palm_threshold", inference.palm_threshold),
            (
                "inference.hand_presence_threshold",
                inference.hand_presence_threshold,
            ),
            ("inference.person_threshold", inference.person_threshold),
        ] {
            // 0 would report every anchor of the detector as a hit.
            check(
                value > 0.0 && value <= 1.0,
                key,
                value.to_string(),
                "must be in (0, 1]",
            )?;
        }
        check(
            inference.recognition_threshold > 0.0 && inference.recognition_threshold < 2.0,
            "inference.recognition_threshold",
            inference.recognition_threshold.to_string(),
            "must be between 0 and 2 (Euclidean distance)",
        )?;
        self.validate_durations()?;
        self.validate_nodes()?;
        self.validate_privacy()?;
        self.validate_shared_memory()
    }

    /// Every `*_ms` key: at most [`MAX_DURATION_MS`], so converting it to nanoseconds cannot
    /// overflow; back-offs, delays and timeouts also above zero (zero turns a retry into a busy
    /// loop, or a timeout into a permanent failure).
    fn validate_durations(&self) -> Result<(), ConfigError> {
        let (capture, supervisor) = (&self.capture, &self.supervisor);
        let positive = [
            ("capture.reconnect_delay_ms", capture.reconnect_delay_ms),
            ("encode.fallback_after_ms", self.encode.fallback_after_ms),
            ("api.health_timeout_ms", self.api.health_timeout_ms),
            (
                "overlay.max_detection_age_ms",
                self.overlay.max_detection_age_ms,
            ),
            (
                "supervisor.restart_backoff_initial_ms",
                supervisor.restart_backoff_initial_ms,
            ),
            (
                "supervisor.restart_backoff_max_ms",
                supervisor.restart_backoff_max_ms,
            ),
            ("supervisor.stop_timeout_ms", supervisor.stop_timeout_ms),
        ];
        let any = [
            ("overlay.exact_wait_ms", self.overlay.exact_wait_ms),
            (
                "supervisor.restart_reset_after_ms",
                supervisor.restart_reset_after_ms,
            ),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(out_of_range(key, value, "must be above 0"));
            }
        }
        for (key, value) in positive.into_iter().chain(any) {
            if value > MAX_DURATION_MS {
                return Err(out_of_range(
                    key,
                    value,
                    "must be at most 86400000 (one day)",
                ));
            }
        }
        Ok(())
    }

    /// `supervisor.nodes` names known nodes, each once.
    fn validate_nodes(&self) -> Result<(), ConfigError> {
        let nodes = &self.supervisor.nodes;
        for (index, node) in nodes.iter().enumerate() {
            if !KNOWN_NODES.contains(&node.as_str()) {
                return Err(out_of_range(
                    "supervisor.nodes",
                    node,
                    "unknown node (known: capture, inference, overlay, encode, api)",
                ));
            }
            if nodes[..index].contains(node) {
                return Err(out_of_range("supervisor.nodes", node, "named twice"));
            }
        }
        Ok(())
    }

    /// A blurring camera never encodes the raw frames: they show every face.
    fn validate_privacy(&self) -> Result<(), ConfigError> {
        if self.privacy.blur_unknown_faces && self.encode.input == EncodeInput::Raw {
            return Err(out_of_range(
                "encode.input",
                "raw",
                "must be composited while privacy.blur_unknown_faces is true (raw frames show every face unblurred)",
            ));
        }
        Ok(())
    }

    /// The frame segments fit `bus.max_shm_mb`.
    fn validate_shared_memory(&self) -> Result<(), ConfigError> {
        let (width, height) = (self.capture.width, self.capture.height);
        let frame_len = mm_shm_schema::PixelFormat::Rgb24.frame_len(width, height) as u64;
        let needed_mb = mm_shm_schema::frame_segments_bytes(frame_len).div_ceil(1 << 20);
        if needed_mb > self.bus.max_shm_mb {
            return Err(ConfigError::SharedMemoryBudget {
                width,
                height,
                needed_mb,
                max_mb: self.bus.max_shm_mb,
            });
        }
        Ok(())
    }
}

/// A [`ConfigError::OutOfRange`] for `key`.
fn out_of_range(key: &'static str, value: impl ToString, reason: &'static str) -> ConfigError {
    ConfigError::OutOfRange {
        key,
        value: value.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_empty_file_gives_the_documented_defaults() {
        let config = Config::parse("", None, env(&[])).unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.camera_id, "cam0");
        assert_eq!(config.capture.source, SourceChoice::Auto);
        assert_eq!(
            (
                config.capture.width,
                config.capture.height,
                config.capture.fps
            ),
            (1280, 720, 30)
        );
        assert_eq!(config.encode.quality, 80);
        assert_eq!(config.encode.input, EncodeInput::Composited);
        assert_eq!(config.api.bind, "0.0.0.0:5002");
        assert_eq!(config.api.health_timeout_ms, 2000);
        assert_eq!(
            config.supervisor.nodes,
            ["capture", "inference", "overlay", "encode", "api"]
        );
    }

    #[test]
    fn the_shipped_config_file_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/mmoment.toml");
        let config = Config::load_with_env(Some(&path), env(&[])).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn file_values_override_defaults() {
        let text = "camera_id = \"porch\"\n[capture]\nsource = \"synthetic\"\nwidth = 1920\nheight = 1080\n";
        let config = Config::parse(text, None, env(&[])).unwrap();
        assert_eq!(config.camera_id, "porch");
        assert_eq!(config.capture.source, SourceChoice::Synthetic);
        assert_eq!(config.capture.width, 1920);
        assert_eq!(config.capture.fps, 30);
    }

    #[test]
    fn environment_overrides_win_over_the_file() {
        let text = "[capture]\nwidth = 1920\n";
        let config = Config::parse(
            text,
            None,
            env(&[
                ("MM_CAPTURE_WIDTH", "640"),
                ("MM_CAPTURE_SOURCE", "file"),
                ("MM_CAPTURE_FILE_PATHED", "ignored: not a key"),
                ("MM_CAMERA_ID", "garage"),
                ("MM_ENCODE_QUALITY", "65"),
                ("MM_CAPTURE_FILE_PACED", "false"),
                ("MM_SUPERVISOR_NODES", "capture, api"),
            ]),
        )
        .unwrap();
        assert_eq!(config.capture.width, 640);
        assert_eq!(config.capture.source, SourceChoice::File);
        assert_eq!(config.camera_id, "garage");
        assert_eq!(config.encode.quality, 65);
        assert!(!config.capture.file_paced);
        assert_eq!(config.supervisor.nodes, ["capture", "api"]);
    }

    #[test]
    fn a_malformed_override_is_a_clear_error() {
        let error = Config::parse("", None, env(&[("MM_CAPTURE_FPS", "fast")])).unwrap_err();
        assert!(error.to_string().contains("MM_CAPTURE_FPS"), "{error}");
    }

    /// The error of a config that must be refused, as text.
    fn refused(text: &str) -> String {
        Config::parse(text, None, env(&[]))
            .expect_err("config accepted")
            .to_string()
    }

    #[test]
    fn config_that_would_misbehave_is_refused_naming_the_key() {
        for (text, key) in [
            (
                "[supervisor]\nrestart_backoff_initial_ms = 0\n",
                "supervisor.restart_backoff_initial_ms",
            ),
            (
                "[capture]\nreconnect_delay_ms = 0\n",
                "capture.reconnect_delay_ms",
            ),
            (
                "[inference]\nface_threshold = 0.0\n",
                "inference.face_threshold",
            ),
            (
                "[inference]\nperson_threshold = 1.5\n",
                "inference.person_threshold",
            ),
            (
                "[supervisor]\nnodes = [\"capture\", \"camera\"]\n",
                "supervisor.nodes",
            ),
            (
                "[supervisor]\nnodes = [\"api\", \"api\"]\n",
                "supervisor.nodes",
            ),
            (
                "[api]\nhealth_timeout_ms = 20000000000000\n",
                "api.health_timeout_ms",
            ),
            (
                "[overlay]\nexact_wait_ms = 100000000000\n",
                "overlay.exact_wait_ms",
            ),
            (
                "[privacy]\nblur_unknown_faces = true\n[encode]\ninput = \"raw\"\n",
                "encode.input",
            ),
            ("[capture]\nwidth = 3840\nheight = 2160\n", "bus.max_shm_mb"),
        ] {
            let error = refused(text);
            assert!(error.contains(key), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_larger_budget_admits_larger_frames() {
        let text = "[capture]\nwidth = 3840\nheight = 2160\n[bus]\nmax_shm_mb = 4096\n";
        assert!(Config::parse(text, None, env(&[])).is_ok());
        assert!(Config::parse("[capture]\nwidth = 1920\nheight = 1080\n", None, env(&[])).is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected() {
        assert!(Config::parse("[capture]\nwidht = 3\n", None, env(&[])).is_err());
        assert!(Config::parse("[capture]\nwidth = 641\n", None, env(&[])).is_err());
        assert!(Config::parse("[encode]\nquality = 0\n", None, env(&[])).is_err());
        assert!(Config::parse("camera_id = \"Bad Id\"\n", None, env(&[])).is_err());
        assert!(Config::parse("[api]\nbind = \"nowhere\"\n", None, env(&[])).is_err());
    }
}
