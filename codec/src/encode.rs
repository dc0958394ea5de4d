//! RGB24 → JPEG.

use crate::{guarded, CodecError};
use mozjpeg::{ColorSpace, Compress};

/// Encodes RGB24 frames with fast settings: baseline, 4:2:0, no trellis, no progressive scans,
/// no Huffman optimisation — the settings of a live stream, not an archive.
#[derive(Debug, Clone)]
pub struct JpegEncoder {
    quality: u8,
    output: Vec<u8>,
}

impl JpegEncoder {
    /// An encoder at `quality` (1..=100).
    pub fn new(quality: u8) -> Self {
        Self {
            quality: quality.clamp(1, 100),
            output: Vec::new(),
        }
    }

    /// The quality frames are encoded with.
    pub fn quality(&self) -> u8 {
        self.quality
    }

    /// Encodes `rgb` (`height` rows of `stride` bytes, `width * 3` of them pixels) and returns
    /// the JPEG, valid until the next call. The output buffer is reused across frames.
    pub fn encode(
        &mut self,
        rgb: &[u8],
        width: usize,
        height: usize,
        stride: usize,
    ) -> Result<&[u8], CodecError> {
        let row = width * 3;
        let expected = if height == 0 {
            0
        } else {
            stride * (height - 1) + row
        };
        if stride < row || rgb.len() < expected {
            return Err(CodecError::BufferSize {
                expected,
                actual: rgb.len(),
            });
        }
        let quality = self.quality;
        let mut output = std::mem::take(&mut self.output);
        output.clear();
        let result = guarded(|| {
            let mut compress = Compress::new(ColorSpace::JCS_RGB);
            compress.set_size(width, height);
            compress.set_fastest_defaults();
            compress.set_quality(f32::from(quality));
            let mut started = compress.start_compress(&mut output)?;
            if stride == row {
                started.write_scanlines(&rgb[..row * height])?;
            } else {
                for line in rgb.chunks(stride).take(height) {
                    started.write_scanlines(&line[..row])?;
                }
            }
            started.finish()?;
            Ok(())
        });
        self.output = output;
        result.map(|()| self.output.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::JpegEncoder;
    use crate::decode_rgb;

    fn gradient(width: usize, height: usize) -> Vec<u8> {
        (0..width * height)
            .flat_map(|i| {
                let (x, y) = (i % width, i / width);
                [(x * 255 / width) as u8, (y * 255 / height) as u8, 128]
            })
            .collect()
    }

    #[test]
    fn round_trips_an_image_closely() {
        let (width, height) = (64, 48);
        let rgb = gradient(width, height);
        let mut encoder = JpegEncoder::new(90);
        let jpeg = encoder
            .encode(&rgb, width, height, width * 3)
            .unwrap()
            .to_vec();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let decoded = decode_rgb(&jpeg).unwrap();
        assert_eq!((decoded.width, decoded.height), (width, height));
        let error: f64 = rgb
            .iter()
            .zip(&decoded.pixels)
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
            .sum::<f64>()
            / rgb.len() as f64;
        assert!(error < 4.0, "mean error {error}");
    }

    #[test]
    fn honours_the_row_stride() {
        let (width, height, stride) = (16, 8, 16 * 3 + 8);
        let mut rgb = vec![0u8; stride * height];
        for row in rgb.chunks_mut(stride) {
            row[..width * 3].fill(200);
        }
        let jpeg = JpegEncoder::new(80)
            .encode(&rgb, width, height, stride)
            .unwrap()
            .to_vec();
        let decoded = decode_rgb(&jpeg).unwrap();
        assert!(decoded.pixels.iter().all(|&v| v.abs_diff(200) < 6));
    }

    #[test]
    fn a_short_buffer_is_an_error_not_a_crash() {
        assert!(JpegEncoder::new(80).encode(&[0; 10], 16, 16, 48).is_err());
    }
}
