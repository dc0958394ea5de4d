//! JPEG → RGB24.

use crate::{guarded, CodecError};
use mozjpeg::Decompress;

/// A decoded RGB24 image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedImage {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// `width * height * 3` bytes, rows packed.
    pub pixels: Vec<u8>,
}

/// The width and height of a JPEG, from its header alone.
pub fn jpeg_size(jpeg: &[u8]) -> Result<(usize, usize), CodecError> {
    guarded(|| Ok(Decompress::new_mem(jpeg)?.size()))
}

/// Decodes a JPEG (any colour space libjpeg converts to RGB) into a new buffer.
pub fn decode_rgb(jpeg: &[u8]) -> Result<DecodedImage, CodecError> {
    guarded(|| {
        let mut started = Decompress::new_mem(jpeg)?.rgb()?;
        let (width, height) = (started.width(), started.height());
        let pixels = started.read_scanlines::<u8>()?;
        started.finish()?;
        Ok(DecodedImage {
            width,
            height,
            pixels,
        })
    })
}

/// Decodes a `width` x `height` JPEG straight into `rgb` (packed rows), e.g. a loaned
/// shared-memory frame, with no intermediate buffer.
pub fn decode_rgb_into(
    jpeg: &[u8],
    width: usize,
    height: usize,
    rgb: &mut [u8],
) -> Result<(), CodecError> {
    let expected = width * height * 3;
    if rgb.len() != expected {
        return Err(CodecError::BufferSize {
            expected,
            actual: rgb.len(),
        });
    }
    let outcome = guarded(|| {
        let started = Decompress::new_mem(jpeg)?;
        let (actual_width, actual_height) = started.size();
        if (actual_width, actual_height) != (width, height) {
            return Ok(Err(CodecError::Dimensions {
                width,
                height,
                actual_width,
                actual_height,
            }));
        }
        let mut started = started.rgb()?;
        started.read_scanlines_into::<u8>(rgb)?;
        started.finish()?;
        Ok(Ok(()))
    })?;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_crash() {
        assert!(decode_rgb(b"definitely not a jpeg").is_err());
        assert!(jpeg_size(&[0xFF, 0xD8, 0xFF]).is_err());
        let mut out = vec![0; 12];
        assert!(decode_rgb_into(b"nope", 2, 2, &mut out).is_err());
    }
}
