//! The header of an encoded JPEG frame (`frames/jpeg`).

use crate::FrameHeader;
use iceoryx2::prelude::ZeroCopySend;

/// User header of a `frames/jpeg` sample; the payload is the JPEG file, `jpeg_len` bytes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[type_name("mm.v2.JpegHeader")]
#[repr(C)]
pub struct JpegHeader {
    /// The header of the frame this JPEG encodes, with its encode stage stamped.
    pub frame: FrameHeader,
    /// When the JPEG was published (CLOCK_MONOTONIC ns).
    pub encode_ns: u64,
    /// Bytes of JPEG data at the start of the payload.
    pub jpeg_len: u32,
    /// The JPEG quality it was encoded with (1..=100).
    pub quality: u32,
}
