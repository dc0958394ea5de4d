//! The encode node: one JPEG per new frame, published on `frames/jpeg` for every viewer; and
//! the rule of which frames a video encoder takes ([`input`]), shared with the H.264 node.

pub mod input;

use mm_bus::{PublishError, SlicePublisher};
use mm_codec::{CodecError, JpegEncoder};
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::{FrameHeader, JpegHeader, PixelFormat, Stage, UnknownCode};

/// Why one frame could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The frame's pixel format is not one the encoder takes.
    #[error("frame {sequence}: pixel format")]
    PixelFormat {
        /// The frame.
        sequence: u64,
        /// The unknown code.
        source: UnknownCode,
    },
    /// The payload is shorter than the header says.
    #[error("frame {sequence}: payload of {actual} bytes, header says {expected}")]
    ShortPayload {
        /// The frame.
        sequence: u64,
        /// Bytes the header implies.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
    /// libjpeg failed.
    #[error("frame {sequence}: JPEG encoding")]
    Codec {
        /// The frame.
        sequence: u64,
        /// The codec's error.
        source: CodecError,
    },
    /// The JPEG could not be published.
    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// Encodes `frame` (read in place from shared memory) and publishes the JPEG with the frame's
/// header, its encode stage stamped.
///
/// The JPEG is copied once, from mozjpeg's output buffer into the loaned sample: its size is
/// only known after encoding, and libjpeg cannot be given a bounded destination safely.
pub fn encode_frame(
    encoder: &mut JpegEncoder,
    header: &FrameHeader,
    pixels: &[u8],
    publisher: &SlicePublisher<JpegHeader>,
) -> Result<usize, EncodeError> {
    let sequence = header.sequence;
    let format = header
        .pixel_format()
        .map_err(|source| EncodeError::PixelFormat { sequence, source })?;
    // Every format on the bus is RGB24 today; a new one must be handled here.
    let PixelFormat::Rgb24 = format;
    let expected = header.payload_len();
    if pixels.len() < expected {
        return Err(EncodeError::ShortPayload {
            sequence,
            expected,
            actual: pixels.len(),
        });
    }
    let quality = u32::from(encoder.quality());
    let jpeg = encoder
        .encode(
            pixels,
            header.width as usize,
            header.height as usize,
            header.stride as usize,
        )
        .map_err(|source| EncodeError::Codec { sequence, source })?;
    let mut loaned = publisher.loan(jpeg.len())?;
    loaned.payload_mut().copy_from_slice(jpeg);
    let now = monotonic_ns();
    let mut frame = *header;
    frame.stamp(Stage::Encode, now);
    *loaned.header_mut() = JpegHeader {
        frame,
        encode_ns: now,
        jpeg_len: jpeg.len() as u32,
        quality,
    };
    let len = jpeg.len();
    publisher.send(loaned)?;
    Ok(len)
}
