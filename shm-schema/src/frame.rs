//! The header every video frame on the bus carries.

use iceoryx2::prelude::ZeroCopySend;

/// Number of per-stage timestamp slots in a [`FrameHeader`]; room for stages yet to come.
pub const STAGE_COUNT: usize = 8;

/// A value read from shared memory that names no known variant of an enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} code {code}")]
pub struct UnknownCode {
    /// Which enum was being decoded.
    pub what: &'static str,
    /// The raw value found.
    pub code: u32,
}

/// Pixel layout of the frame payload.
///
/// The bus carries packed RGB24: it is what inference feeds its models, what overlay draws
/// on and what the JPEG encoder takes without a conversion pass of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum PixelFormat {
    /// 8-bit R, G, B per pixel, rows of `stride` bytes.
    Rgb24 = 1,
}

impl PixelFormat {
    /// Bytes of a packed `width x height` frame in this format.
    pub const fn frame_len(self, width: u32, height: u32) -> usize {
        width as usize * height as usize * self.bytes_per_pixel() as usize
    }

    /// Bytes per pixel.
    pub const fn bytes_per_pixel(self) -> u32 {
        match self {
            PixelFormat::Rgb24 => 3,
        }
    }

    /// Lower-case name used in logs and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            PixelFormat::Rgb24 => "rgb24",
        }
    }
}

impl TryFrom<u32> for PixelFormat {
    type Error = UnknownCode;
    fn try_from(code: u32) -> Result<Self, Self::Error> {
        match code {
            1 => Ok(PixelFormat::Rgb24),
            code => Err(UnknownCode {
                what: "pixel format",
                code,
            }),
        }
    }
}

/// Where the frames come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum SourceKind {
    /// The built-in moving scene over demo photos.
    Synthetic = 1,
    /// A video file decoded with FFmpeg.
    File = 2,
    /// A V4L2 camera.
    V4l2 = 3,
}

impl SourceKind {
    /// Lower-case name used in config, logs and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            SourceKind::Synthetic => "synthetic",
            SourceKind::File => "file",
            SourceKind::V4l2 => "v4l2",
        }
    }
}

impl TryFrom<u32> for SourceKind {
    type Error = UnknownCode;
    fn try_from(code: u32) -> Result<Self, Self::Error> {
        match code {
            1 => Ok(SourceKind::Synthetic),
            2 => Ok(SourceKind::File),
            3 => Ok(SourceKind::V4l2),
            code => Err(UnknownCode {
                what: "source kind",
                code,
            }),
        }
    }
}

/// A processing stage that stamps the frame when it is done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Stage {
    /// Capture published the frame.
    Capture = 0,
    /// Inference finished its detections for the frame.
    Inference = 1,
    /// Overlay published the composited frame.
    Overlay = 2,
    /// Encode published the JPEG of the frame.
    Encode = 3,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 4] = [
        Stage::Capture,
        Stage::Inference,
        Stage::Overlay,
        Stage::Encode,
    ];

    /// Lower-case name used in logs and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Stage::Capture => "capture",
            Stage::Inference => "inference",
            Stage::Overlay => "overlay",
            Stage::Encode => "encode",
        }
    }
}

/// User header of every frame sample (`frames/raw`, `frames/composited`).
///
/// Timestamps are CLOCK_MONOTONIC nanoseconds, comparable across processes on one machine;
/// 0 means "not stamped".
#[derive(Debug, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[type_name("mm.v2.FrameHeader")]
#[repr(C)]
pub struct FrameHeader {
    /// Strictly increasing for the lifetime of a camera, across capture restarts.
    pub sequence: u64,
    /// When the source delivered the frame.
    pub capture_ns: u64,
    /// When each [`Stage`] was done with the frame, indexed by `Stage as usize`.
    pub stage_ns: [u64; STAGE_COUNT],
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Bytes per row in the payload.
    pub stride: u32,
    /// A [`PixelFormat`] code.
    pub pixel_format: u32,
    /// A [`SourceKind`] code.
    pub source_kind: u32,
    /// Zero; keeps the size a multiple of 8 explicitly.
    pub reserved: u32,
}

impl FrameHeader {
    /// A header for a frame of the given geometry, not yet stamped.
    pub fn new(
        width: u32,
        height: u32,
        pixel_format: PixelFormat,
        source_kind: SourceKind,
    ) -> Self {
        Self {
            sequence: 0,
            capture_ns: 0,
            stage_ns: [0; STAGE_COUNT],
            width,
            height,
            stride: width * pixel_format.bytes_per_pixel(),
            pixel_format: pixel_format as u32,
            source_kind: source_kind as u32,
            reserved: 0,
        }
    }

    /// Payload bytes a frame with this header occupies.
    pub fn payload_len(&self) -> usize {
        self.stride as usize * self.height as usize
    }

    /// A copy of `payload`'s rows without their padding (packed RGB24, `width * 3` bytes a
    /// row): for writers that take no stride, or a picture to draw on without touching the
    /// shared frame.
    pub fn packed_rows(&self, payload: &[u8]) -> Vec<u8> {
        let row = self.width as usize * PixelFormat::Rgb24.bytes_per_pixel() as usize;
        payload
            .chunks(self.stride.max(1) as usize)
            .take(self.height as usize)
            .flat_map(|line| &line[..row.min(line.len())])
            .copied()
            .collect()
    }

    /// Decodes [`FrameHeader::pixel_format`].
    pub fn pixel_format(&self) -> Result<PixelFormat, UnknownCode> {
        PixelFormat::try_from(self.pixel_format)
    }

    /// Decodes [`FrameHeader::source_kind`].
    pub fn source_kind(&self) -> Result<SourceKind, UnknownCode> {
        SourceKind::try_from(self.source_kind)
    }

    /// When `stage` was done with the frame, if it stamped it.
    pub fn stage(&self, stage: Stage) -> Option<u64> {
        match self.stage_ns[stage as usize] {
            0 => None,
            ns => Some(ns),
        }
    }

    /// Records that `stage` is done with the frame at `ns`.
    pub fn stamp(&mut self, stage: Stage, ns: u64) {
        self.stage_ns[stage as usize] = ns;
    }
}

impl Default for FrameHeader {
    fn default() -> Self {
        Self::new(0, 0, PixelFormat::Rgb24, SourceKind::Synthetic)
    }
}
