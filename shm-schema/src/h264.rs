//! The header of an encoded H.264 access unit (`frames/h264`).

use crate::FrameHeader;
use iceoryx2::prelude::ZeroCopySend;

/// User header of a `frames/h264` sample; the payload is one access unit in Annex B form
/// (start codes included), `len` bytes. Every keyframe carries SPS and PPS in front, so a
/// consumer that joins late starts at the next keyframe.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[type_name("mm.v2.H264Header")]
#[repr(C)]
pub struct H264Header {
    /// The header of the frame this unit encodes; `capture_ns` is its presentation time.
    pub frame: FrameHeader,
    /// Counts the units of one encoder run from 0; a gap means units were lost and a
    /// consumer must wait for the next keyframe.
    pub unit_sequence: u64,
    /// Changes whenever the encoder is (re)opened: a consumer resynchronises at a keyframe.
    pub encoder_run: u64,
    /// When the unit was published (CLOCK_MONOTONIC ns).
    pub encode_ns: u64,
    /// Bytes of H.264 data at the start of the payload.
    pub len: u32,
    /// 1 when a decoder can start here.
    pub keyframe: u32,
    /// Encoded width.
    pub width: u32,
    /// Encoded height.
    pub height: u32,
    /// Nominal frames per second.
    pub fps: u32,
    /// Keyframe interval (ms of capture time).
    pub gop_ms: u32,
}

impl H264Header {
    /// Whether a decoder can start at this unit.
    pub fn is_keyframe(&self) -> bool {
        self.keyframe != 0
    }
}
