//! JPEG encoding and decoding over mozjpeg (libjpeg-turbo SIMD inside).
//!
//! libjpeg reports errors by unwinding out of C; every entry point here catches that and
//! returns a [`CodecError`] instead, so a corrupt camera frame never takes a node down.

pub mod annexb;
mod decode;
mod encode;
pub mod h264;
pub mod mux;

pub use decode::{decode_rgb, decode_rgb_into, jpeg_size, DecodedImage};
pub use encode::JpegEncoder;

/// Why an encode or decode failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// libjpeg rejected the data or the parameters.
    #[error("jpeg codec: {0}")]
    Jpeg(String),
    /// The destination buffer does not match the image.
    #[error("buffer of {actual} bytes, image needs {expected}")]
    BufferSize {
        /// Bytes the image needs.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// The JPEG's size differs from the size the caller asked for.
    #[error("jpeg is {actual_width}x{actual_height}, expected {width}x{height}")]
    Dimensions {
        /// Expected width.
        width: usize,
        /// Expected height.
        height: usize,
        /// Width of the JPEG.
        actual_width: usize,
        /// Height of the JPEG.
        actual_height: usize,
    },
}

/// Runs `work`, turning libjpeg's unwinding errors (and I/O errors) into [`CodecError`].
fn guarded<T>(work: impl FnOnce() -> std::io::Result<T>) -> Result<T, CodecError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(CodecError::Jpeg(error.to_string())),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "libjpeg error".to_owned());
            Err(CodecError::Jpeg(message))
        }
    }
}
