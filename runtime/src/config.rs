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
    /// V4L2: first delay before reopening a lost device, doubled up to 5 s.
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
        }
    }
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        Self {
            nodes: ["capture", "inference", "overlay", "encode", "api"]
                .map(str::to_owned)
                .to_vec(),
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
            check(
                (0.0..=1.0).contains(&value),
                key,
                value.to_string(),
                "must be 0..=1",
            )?;
        }
        check(
            inference.recognition_threshold > 0.0 && inference.recognition_threshold < 2.0,
            "inference.recognition_threshold",
            inference.recognition_threshold.to_string(),
            "must be between 0 and 2 (Euclidean distance)",
        )?;
        Ok(())
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

    #[test]
    fn unknown_keys_and_bad_values_are_rejected() {
        assert!(Config::parse("[capture]\nwidht = 3\n", None, env(&[])).is_err());
        assert!(Config::parse("[capture]\nwidth = 641\n", None, env(&[])).is_err());
        assert!(Config::parse("[encode]\nquality = 0\n", None, env(&[])).is_err());
        assert!(Config::parse("camera_id = \"Bad Id\"\n", None, env(&[])).is_err());
        assert!(Config::parse("[api]\nbind = \"nowhere\"\n", None, env(&[])).is_err());
    }
}
