//! Opening the source the configuration asks for.

use crate::file::FileSource;
use crate::scene_pictures::{demo_pictures, folder_pictures};
use crate::source::{FrameSource, SourceError};
use crate::synthetic::SyntheticSource;
use crate::v4l2::{V4l2Source, V4lOpener, Wanted};
use mm_runtime::config::{CaptureConfig, SourceChoice};
use std::time::Duration;

/// The opened source and how it was chosen, e.g. `auto: no /dev/video0, synthetic`.
pub struct Selected {
    /// The source.
    pub source: Box<dyn FrameSource>,
    /// Why this source, for logs and health.
    pub reason: String,
    /// Whether it stands in for the camera the configuration wanted (`auto` without one).
    pub fallback: bool,
}

/// Opens the configured source. `auto` picks V4L2 when the device node exists, else the
/// synthetic scene.
pub fn open_source(config: &CaptureConfig) -> Result<Selected, SourceError> {
    match config.source {
        SourceChoice::Synthetic => Ok(Selected {
            source: Box::new(synthetic(config)?),
            reason: "synthetic (configured)".to_owned(),
            fallback: false,
        }),
        SourceChoice::File => {
            let Some(path) = &config.file_path else {
                return Err(SourceError::Open {
                    source_name: "file".to_owned(),
                    source: "capture.file_path is not set".into(),
                });
            };
            let source = FileSource::open(path, config.width, config.height, config.file_paced)?;
            Ok(Selected {
                source: Box::new(source),
                reason: format!("file {} (configured)", path.display()),
                fallback: false,
            })
        }
        SourceChoice::V4l2 => Ok(Selected {
            source: Box::new(v4l2(config)),
            reason: format!("v4l2 {} (configured)", config.device.display()),
            fallback: false,
        }),
        SourceChoice::Auto if config.device.exists() => Ok(Selected {
            source: Box::new(v4l2(config)),
            reason: format!("auto: found {}, v4l2", config.device.display()),
            fallback: false,
        }),
        SourceChoice::Auto => Ok(Selected {
            source: Box::new(synthetic(config)?),
            reason: format!(
                "auto: no camera at {}, synthetic scene",
                config.device.display()
            ),
            fallback: true,
        }),
    }
}

fn synthetic(config: &CaptureConfig) -> Result<SyntheticSource, SourceError> {
    let pictures = match &config.photos_dir {
        Some(dir) => folder_pictures(dir)?,
        None => demo_pictures()?,
    };
    let names: Vec<&str> = pictures
        .iter()
        .map(|picture| picture.name.as_str())
        .collect();
    tracing::info!(pictures = ?names, "synthetic scene");
    SyntheticSource::new(pictures, config.width, config.height, config.fps)
}

fn v4l2(config: &CaptureConfig) -> V4l2Source<V4lOpener> {
    let wanted = Wanted {
        width: config.width,
        height: config.height,
        fps: config.fps,
        format: config.v4l2_format,
    };
    V4l2Source::new(
        V4lOpener,
        &config.device,
        wanted,
        Duration::from_millis(config.reconnect_delay_ms),
    )
}
