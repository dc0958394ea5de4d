//! The one TOML config file every process reads, with `MM_*` environment overrides.
//!
//! Every key has a documented default (see `config/mmoment.toml` at the repository root), so an
//! empty file — or none — is a working configuration: the synthetic demo camera at 1280x720,
//! 30 fps, served on port 5002.

//!
//! One module per section, each with its defaults, its documentation and its own
//! `validate()`; this module holds the whole, loading, and the rules that span sections.

mod access;
mod api;
mod biometric;
mod bus;
mod capture;
mod encode;
mod enrollment;
mod fleet;
mod h264;
mod inference;
mod livepeer;
mod log;
mod overlay;
mod photos;
mod privacy;
mod recording;
mod solana;
mod supervisor;
mod unset;

pub use access::{host_name, AccessConfig};
pub use api::ApiConfig;
pub use biometric::{BiometricConfig, DEVICE_KEY_ENV};
pub use bus::BusConfig;
pub use capture::{CaptureConfig, SourceChoice, V4l2FormatChoice};
pub use encode::{EncodeConfig, EncodeInput};
pub use enrollment::EnrollmentConfig;
pub use fleet::FleetConfig;
pub use h264::H264Config;
pub use inference::{ExecutionProvider, HandModel, InferenceConfig, Preprocess};
pub use livepeer::{LivepeerConfig, STREAM_KEY_ENV};
pub use log::LogConfig;
pub use overlay::{OverlayConfig, OverlayMode};
pub use photos::{PhotoSource, PhotosConfig};
pub use privacy::PrivacyConfig;
pub use recording::RecordingConfig;
pub use solana::SolanaConfig;
pub use supervisor::SupervisorConfig;

use crate::env_override::{apply_env_overrides, EnvOverrideError};
use mm_shm_schema::{CameraId, InvalidCameraId};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_PATH_ENV: &str = "MM_CONFIG";

/// Largest frame edge accepted (4K UHD width).
pub(crate) const MAX_EDGE: u32 = 3840;

/// Longest duration any `*_ms` key accepts (one day): every such value times 1 000 000 fits a
/// `u64` of nanoseconds with room to add timestamps.
pub const MAX_DURATION_MS: u64 = 86_400_000;

/// The nodes `supervisor.nodes` runs by default.
pub const DEFAULT_NODES: [&str; 9] = [
    "capture",
    "inference",
    "overlay",
    "encode",
    "h264",
    "media",
    "api",
    "solana",
    "biometric",
];

/// Nodes `supervisor.nodes` may name beside [`DEFAULT_NODES`]: `fleet` (the Zenoh bridge) runs
/// only where it is named, in a build with its `zenoh` feature.
pub const OPTIONAL_NODES: [&str; 1] = ["fleet"];

/// Whether `supervisor.nodes` may name `node` (each is the binary `mm-<node>`).
pub fn is_known_node(node: &str) -> bool {
    DEFAULT_NODES.contains(&node) || OPTIONAL_NODES.contains(&node)
}

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
    /// The H.264 node.
    pub h264: H264Config,
    /// The RTMP stream (media node).
    pub livepeer: LivepeerConfig,
    /// Recordings (media node).
    pub recording: RecordingConfig,
    /// Photos (media node).
    pub photos: PhotosConfig,
    /// The API node.
    pub api: ApiConfig,
    /// Who may call what on the API: sessions, the owner, CORS, hosts.
    pub access: AccessConfig,
    /// The Solana node.
    pub solana: SolanaConfig,
    /// The biometric node.
    pub biometric: BiometricConfig,
    /// How faces are enrolled.
    pub enrollment: EnrollmentConfig,
    /// The fleet bridge (events on Zenoh).
    pub fleet: FleetConfig,
    /// The supervisor.
    pub supervisor: SupervisorConfig,
    /// The shared-memory bus.
    pub bus: BusConfig,
    /// Logging.
    pub log: LogConfig,
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
            h264: H264Config::default(),
            livepeer: LivepeerConfig::default(),
            recording: RecordingConfig::default(),
            photos: PhotosConfig::default(),
            api: ApiConfig::default(),
            access: AccessConfig::default(),
            solana: SolanaConfig::default(),
            biometric: BiometricConfig::default(),
            enrollment: EnrollmentConfig::default(),
            fleet: FleetConfig::default(),
            supervisor: SupervisorConfig::default(),
            bus: BusConfig::default(),
            log: LogConfig::default(),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file (or the file with overrides applied) is not a valid configuration.
    #[error("invalid configuration{}", .path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Parse {
        /// The file, when one was read.
        path: Option<PathBuf>,
        /// What is wrong, as TOML/serde reports it (naming the key).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
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
        let parse_error = |source: Box<dyn std::error::Error + Send + Sync>| ConfigError::Parse {
            path: path.map(Path::to_owned),
            source,
        };
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| parse_error(e.into()))?;
        let defaults =
            toml::Table::try_from(Config::default()).map_err(|e| parse_error(e.into()))?;
        apply_env_overrides(&mut table, &defaults, env)?;
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| parse_error(e.into()))?;
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

    /// Every section's own rules, then those that span sections.
    fn validate(&self) -> Result<(), ConfigError> {
        self.camera()?;
        self.capture.validate()?;
        self.encode.validate()?;
        self.inference.validate()?;
        self.overlay.validate()?;
        self.h264.validate()?;
        self.livepeer.validate()?;
        self.recording.validate()?;
        self.photos.validate()?;
        self.api.validate()?;
        self.access.validate()?;
        self.solana.validate()?;
        self.biometric.validate()?;
        self.fleet.validate()?;
        self.supervisor.validate()?;
        self.validate_privacy()?;
        self.validate_shared_memory()
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
pub(crate) fn out_of_range(
    key: &'static str,
    value: impl ToString,
    reason: &'static str,
) -> ConfigError {
    ConfigError::OutOfRange {
        key,
        value: value.to_string(),
        reason,
    }
}

/// `Ok` when `ok`, else [`ConfigError::OutOfRange`] for `key`.
pub(crate) fn check(
    ok: bool,
    key: &'static str,
    value: impl ToString,
    reason: &'static str,
) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(out_of_range(key, value, reason))
    }
}

/// A `*_ms` key: at most [`MAX_DURATION_MS`], so converting it to nanoseconds cannot overflow;
/// when `positive`, also above zero (zero turns a retry into a busy loop, or a timeout into a
/// permanent failure).
pub(crate) fn check_duration(
    key: &'static str,
    value: u64,
    positive: bool,
) -> Result<(), ConfigError> {
    check(!positive || value > 0, key, value, "must be above 0")?;
    check(
        value <= MAX_DURATION_MS,
        key,
        value,
        "must be at most 86400000 (one day)",
    )
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
        assert_eq!(config.api.bind.to_string(), "0.0.0.0:5002");
        assert_eq!(config.capture.photos_dir, None);
        assert_eq!(config.capture.file_path, None);
        assert_eq!(config.supervisor.bin_dir, None);
        assert_eq!(config.api.health_timeout_ms, 2000);
        assert_eq!(
            config.supervisor.nodes,
            [
                "capture",
                "inference",
                "overlay",
                "encode",
                "h264",
                "media",
                "api",
                "solana",
                "biometric"
            ]
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
                ("MM_CAPTURE_FILE_PATH", "/srv/clip.mp4"),
                ("MM_API_BIND", "127.0.0.1:6002"),
            ]),
        )
        .unwrap();
        assert_eq!(
            config.capture.file_path.as_deref(),
            Some(Path::new("/srv/clip.mp4"))
        );
        assert_eq!(config.api.bind.port(), 6002);
        assert_eq!(config.capture.width, 640);
        assert_eq!(config.capture.source, SourceChoice::File);
        assert_eq!(config.camera_id, "garage");
        assert_eq!(config.encode.quality, 65);
        assert!(!config.capture.file_paced);
        assert_eq!(config.supervisor.nodes, ["capture", "api"]);
    }

    #[test]
    fn an_empty_path_is_unset() {
        let config = Config::parse("[capture]\nphotos_dir = \"\"\n", None, env(&[])).unwrap();
        assert_eq!(config.capture.photos_dir, None);
        let config =
            Config::parse("[capture]\nphotos_dir = \"/srv/photos\"\n", None, env(&[])).unwrap();
        assert_eq!(
            config.capture.photos_dir,
            Some(PathBuf::from("/srv/photos"))
        );
    }

    #[test]
    fn a_malformed_override_is_a_clear_error() {
        let error = Config::parse("", None, env(&[("MM_CAPTURE_FPS", "fast")])).unwrap_err();
        assert!(error.to_string().contains("MM_CAPTURE_FPS"), "{error}");
    }

    /// The error of a config that must be refused, as text.
    fn refused(text: &str) -> String {
        let error = Config::parse(text, None, env(&[])).expect_err("config accepted");
        crate::report::ErrorChain(&error).to_string()
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
            ("[api]\nbind = \"port 5002\"\n", "bind"),
            ("[capture]\nsource = \"file\"\n", "capture.file_path"),
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
