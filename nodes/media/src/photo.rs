//! Photos: the next frame of the configured stream as a JPEG at `photos.quality`, with its
//! metadata in a COM marker inside the file and in a JSON sidecar beside it.

use crate::photo_privacy::PhotoPrivacy;
use mm_bus::{Bus, BusError, ReceiveError};
use mm_codec::{CodecError, JpegEncoder};
use mm_runtime::clock::{monotonic_ns, unix_ms};
use mm_runtime::config::{EncodeInput, PhotoSource, PhotosConfig};
use mm_runtime::media_files::{self, MediaKind, Retention};
use mm_runtime::report::ErrorChain;
use mm_shm_schema::{streams, FrameHeader};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// Longest a photo waits for its frame.
const FRAME_WAIT: Duration = Duration::from_secs(2);

/// Why no photo was taken.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// No frame arrived in time (no camera, or frames withheld for privacy).
    #[error("no frame within {0:?}")]
    NoFrame(Duration),
    /// The frame stream could not be opened.
    #[error("cannot read frames")]
    Bus(#[from] BusError),
    /// Taking the frame failed.
    #[error("cannot take a frame")]
    Receive(#[from] ReceiveError),
    /// The JPEG could not be made.
    #[error("JPEG encoding")]
    Encode(#[from] CodecError),
    /// The file could not be written.
    #[error("cannot write the photo")]
    Write(#[from] std::io::Error),
}

/// What a photo's COM marker and sidecar say about it.
#[derive(Debug, Serialize)]
pub struct PhotoMetadata {
    /// The file's name.
    pub name: String,
    /// The camera that took it.
    pub camera_id: String,
    /// When the frame was captured (RFC 3339, UTC).
    pub captured_at: String,
    /// The same, Unix ms.
    pub captured_unix_ms: u64,
    /// The frame's sequence number.
    pub sequence: u64,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// `composited` or `raw`.
    pub source: &'static str,
    /// A raw photo while blurring: `faces_blurred`, or `concealed` when no fresh detections
    /// covered it; absent otherwise (a composited photo is as the stream shows it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<&'static str>,
    /// The wallet of the session that took it: the photo is theirs (and the owner's).
    pub wallet: Option<String>,
}

/// Takes a photo for `wallet` (`""`: nobody's but the owner's) into `config.dir`; returns its
/// name. A camera whose encode reads raw frames
/// has no overlay to composite them: its photos are of the raw frames (config refuses raw
/// encoding while blurring). A raw photo is pixelated by `privacy` when given: the node
/// gives it while `privacy.blur_unknown_faces` is on.
pub async fn take(
    bus: &Bus,
    config: &PhotosConfig,
    encode_input: EncodeInput,
    privacy: Option<&mut PhotoPrivacy>,
    camera_id: &str,
    wallet: &str,
) -> Result<String, PhotoError> {
    let source = match encode_input {
        EncodeInput::Raw => PhotoSource::Raw,
        EncodeInput::Composited => config.source,
    };
    let mut frames = match source {
        PhotoSource::Composited => bus.slice_subscriber::<streams::FramesComposited>()?,
        PhotoSource::Raw => bus.slice_subscriber::<streams::FramesRaw>()?,
    };
    let sample = tokio::time::timeout(FRAME_WAIT, frames.next())
        .await
        .map_err(|_| PhotoError::NoFrame(FRAME_WAIT))??;
    let header: FrameHeader = *sample.user_header();
    let mut encoder = JpegEncoder::new(config.quality.clamp(1, 100) as u8);
    let (width, height) = (header.width as usize, header.height as usize);
    let (jpeg, faces) = match privacy.filter(|_| source == PhotoSource::Raw) {
        // A copy to pixelate: the raw frame is shared with every other reader.
        Some(privacy) => {
            let mut pixels = header.packed_rows(sample.payload());
            drop(sample);
            let treatment = privacy.apply(&header, &mut pixels).await?;
            let jpeg = encoder.encode(&pixels, width, height, width * 3)?;
            (jpeg, Some(treatment.name()))
        }
        // Read in place from shared memory; the sample goes back once the JPEG is made.
        None => {
            let jpeg = encoder.encode(sample.payload(), width, height, header.stride as usize)?;
            drop(sample);
            (jpeg, None)
        }
    };
    let age_ms = monotonic_ns().saturating_sub(header.capture_ns) / 1_000_000;
    let captured_unix_ms = unix_ms().saturating_sub(age_ms);
    std::fs::create_dir_all(&config.dir)?;
    let name = MediaKind::Photo.unused_name(&config.dir, captured_unix_ms);
    let metadata = PhotoMetadata {
        name: name.clone(),
        camera_id: camera_id.to_owned(),
        captured_at: media_files::rfc3339(captured_unix_ms),
        captured_unix_ms,
        sequence: header.sequence,
        width: header.width,
        height: header.height,
        source: source.name(),
        faces,
        wallet: (!wallet.is_empty()).then(|| wallet.to_owned()),
    };
    let json = serde_json::to_vec(&metadata).map_err(std::io::Error::other)?;
    let file = with_comment(jpeg, &json);
    write_atomically(&config.dir, &name, &file)?;
    write_atomically(&config.dir, &MediaKind::Photo.sidecar_name(&name), &json)?;
    let retention = Retention {
        keep_count: config.keep_count as usize,
        keep_bytes: config.keep_mb << 20,
        keep_age: None,
    };
    if let Err(error) =
        media_files::enforce_retention(&config.dir, MediaKind::Photo, retention, Some(&name))
    {
        tracing::warn!(error = %ErrorChain(&error), "photo retention failed");
    }
    Ok(name)
}

/// The JPEG with a COM marker (`FF FE`, length, text) right after its SOI.
fn with_comment(jpeg: &[u8], comment: &[u8]) -> Vec<u8> {
    // A marker segment holds at most 65533 bytes of text.
    let comment = &comment[..comment.len().min(65_533)];
    let mut file = Vec::with_capacity(jpeg.len() + comment.len() + 4);
    file.extend_from_slice(&jpeg[..2]);
    file.extend_from_slice(&[0xFF, 0xFE]);
    file.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    file.extend_from_slice(comment);
    file.extend_from_slice(&jpeg[2..]);
    file
}

/// Writes `name` through a temporary file renamed into place: a reader never sees half a
/// photo, and the temporary name is one no listing accepts.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = dir.join(format!(".{name}.partial"));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(name))
}
