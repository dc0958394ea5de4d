//! Views of RGB24 pixels (frames read in place, decoded photos) and the resizing and tensor
//! filling every model's pre-processing is built from.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

/// Why an image could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The byte length or stride does not match the size.
    #[error("{width}x{height} RGB24 with stride {stride} needs {needed} bytes, got {got}")]
    Size {
        /// Pixels per row.
        width: usize,
        /// Rows.
        height: usize,
        /// Bytes per row.
        stride: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// Resizing failed.
    #[error("cannot resize")]
    Resize(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// Packed RGB24 pixels, borrowed (e.g. a frame in shared memory).
#[derive(Debug, Clone, Copy)]
pub struct RgbView<'a> {
    pixels: &'a [u8],
    width: usize,
    height: usize,
    device_address: Option<u64>,
}

impl<'a> RgbView<'a> {
    /// A view of `pixels`, `width * 3` bytes per row with no padding.
    pub fn new(pixels: &'a [u8], width: usize, height: usize) -> Result<Self, ImageError> {
        let needed = width * height * 3;
        if pixels.len() < needed || width == 0 || height == 0 {
            return Err(ImageError::Size {
                width,
                height,
                stride: width * 3,
                needed,
                got: pixels.len(),
            });
        }
        Ok(Self {
            pixels: &pixels[..needed],
            width,
            height,
            device_address: None,
        })
    }

    /// The same view, whose bytes the GPU reads at `address` (a frame slot registered with
    /// CUDA).
    pub fn with_device_address(self, address: u64) -> Self {
        Self {
            device_address: Some(address),
            ..self
        }
    }

    /// Where the GPU reads these bytes, when they are registered with CUDA.
    pub fn device_address(&self) -> Option<u64> {
        self.device_address
    }

    /// Pixels per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The pixel bytes.
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }

    /// Bilinear sample at `(x, y)` (pixel centres at integer + 0.5 are not assumed: `(0, 0)`
    /// is the centre of the first pixel); outside the image reads as black.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> [f32; 3] {
        let x0 = x.floor();
        let y0 = y.floor();
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as isize, y0 as isize);
        let mut out = [0.0f32; 3];
        for (dy, wy) in [(0isize, 1.0 - fy), (1, fy)] {
            for (dx, wx) in [(0isize, 1.0 - fx), (1, fx)] {
                let weight = wx * wy;
                let (px, py) = (x0 + dx, y0 + dy);
                if weight == 0.0
                    || px < 0
                    || py < 0
                    || px >= self.width as isize
                    || py >= self.height as isize
                {
                    continue;
                }
                let at = (py as usize * self.width + px as usize) * 3;
                for (channel, value) in out.iter_mut().enumerate() {
                    *value += weight * self.pixels[at + channel] as f32;
                }
            }
        }
        out
    }
}

/// Reusable resizer with its output buffer.
pub struct Resize {
    resizer: Resizer,
    output: Image<'static>,
}

impl Default for Resize {
    fn default() -> Self {
        Self::new()
    }
}

impl Resize {
    /// An empty resizer.
    pub fn new() -> Self {
        Self {
            resizer: Resizer::new(),
            output: Image::new(1, 1, PixelType::U8x3),
        }
    }

    /// Resizes the whole of `source` to `width x height` (bilinear) and returns the packed
    /// RGB24 result, valid until the next call.
    pub fn resize(
        &mut self,
        source: &RgbView<'_>,
        width: usize,
        height: usize,
    ) -> Result<RgbView<'_>, ImageError> {
        let input = ImageRef::new(
            source.width as u32,
            source.height as u32,
            source.pixels,
            PixelType::U8x3,
        )
        .map_err(|e| ImageError::Resize(e.into()))?;
        if self.output.width() != width as u32 || self.output.height() != height as u32 {
            self.output = Image::new(width as u32, height as u32, PixelType::U8x3);
        }
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
        self.resizer
            .resize(&input, &mut self.output, &options)
            .map_err(|e| ImageError::Resize(e.into()))?;
        RgbView::new(self.output.buffer(), width, height)
    }
}

/// How RGB bytes become tensor values: `(byte - mean[c]) * scale[c]` for channel `c` of the
/// tensor (after the optional RGB→BGR swap).
#[derive(Debug, Clone, Copy)]
pub struct Normalize {
    /// Subtracted per tensor channel.
    pub mean: [f32; 3],
    /// Multiplied per tensor channel after subtracting.
    pub scale: [f32; 3],
    /// Tensor channel 0 is blue.
    pub bgr: bool,
}

impl Normalize {
    /// Bytes as they are, 0..255.
    pub const RAW: Normalize = Normalize {
        mean: [0.0; 3],
        scale: [1.0; 3],
        bgr: false,
    };
    /// 0..1.
    pub const UNIT: Normalize = Normalize {
        mean: [0.0; 3],
        scale: [1.0 / 255.0; 3],
        bgr: false,
    };

    /// The source (RGB) channel of each tensor channel.
    pub fn channel_order(&self) -> [i64; 3] {
        if self.bgr {
            [2, 1, 0]
        } else {
            [0, 1, 2]
        }
    }

    #[inline]
    fn apply(&self, rgb: [f32; 3]) -> [f32; 3] {
        let ordered = if self.bgr {
            [rgb[2], rgb[1], rgb[0]]
        } else {
            rgb
        };
        [
            (ordered[0] - self.mean[0]) * self.scale[0],
            (ordered[1] - self.mean[1]) * self.scale[1],
            (ordered[2] - self.mean[2]) * self.scale[2],
        ]
    }
}

/// Where a resized frame goes in a detector's input: resized to `width x height`, then
/// zero-padded by `pad` (top, left, bottom, right).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Resized width.
    pub width: usize,
    /// Resized height.
    pub height: usize,
    /// Zero rows/columns added: top, left, bottom, right.
    pub pad: [usize; 4],
}

impl Placement {
    /// The whole frame resized to `width x height`, no padding.
    pub fn stretch(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            pad: [0; 4],
        }
    }

    /// Input width.
    pub fn input_width(&self) -> usize {
        self.pad[1] + self.width + self.pad[3]
    }

    /// Input height.
    pub fn input_height(&self) -> usize {
        self.pad[0] + self.height + self.pad[2]
    }

    /// ONNX `Resize` sizes, `[1, 3, h, w]`.
    pub fn sizes(&self) -> [i64; 4] {
        [1, 3, self.height as i64, self.width as i64]
    }

    /// ONNX `Pad` pads for NCHW, `[0, 0, top, left, 0, 0, bottom, right]`.
    pub fn pads(&self) -> [i64; 8] {
        let [top, left, bottom, right] = self.pad.map(|p| p as i64);
        [0, 0, top, left, 0, 0, bottom, right]
    }
}

/// Fills `tensor` (`[1, 3, H, W]`) from `image` (`W x H`).
pub fn fill_nchw(image: &RgbView<'_>, normalize: Normalize, tensor: &mut Vec<f32>) {
    let plane = image.width * image.height;
    tensor.resize(plane * 3, 0.0);
    let (first, rest) = tensor.split_at_mut(plane);
    let (second, third) = rest.split_at_mut(plane);
    for (i, pixel) in image.pixels.chunks_exact(3).enumerate() {
        let value = normalize.apply([pixel[0] as f32, pixel[1] as f32, pixel[2] as f32]);
        first[i] = value[0];
        second[i] = value[1];
        third[i] = value[2];
    }
}

/// Fills `tensor` (`[1, H, W, 3]`) from `image` (`W x H`).
pub fn fill_nhwc(image: &RgbView<'_>, normalize: Normalize, tensor: &mut Vec<f32>) {
    tensor.clear();
    tensor.reserve(image.pixels.len());
    for pixel in image.pixels.chunks_exact(3) {
        tensor.extend(normalize.apply([pixel[0] as f32, pixel[1] as f32, pixel[2] as f32]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_reject_short_buffers() {
        assert!(RgbView::new(&[0; 11], 2, 2).is_err());
        assert!(RgbView::new(&[0; 12], 2, 2).is_ok());
    }

    #[test]
    fn bilinear_sample_interpolates_and_reads_black_outside() {
        let pixels = [0, 0, 0, 100, 100, 100];
        let view = RgbView::new(&pixels, 2, 1).unwrap();
        assert_eq!(view.sample(0.5, 0.0), [50.0; 3]);
        assert_eq!(view.sample(-5.0, 0.0), [0.0; 3]);
    }

    #[test]
    fn tensors_are_planar_or_interleaved_with_channel_order() {
        let pixels = [10, 20, 30, 40, 50, 60];
        let view = RgbView::new(&pixels, 2, 1).unwrap();
        let mut tensor = Vec::new();
        let bgr = Normalize {
            bgr: true,
            ..Normalize::RAW
        };
        fill_nchw(&view, bgr, &mut tensor);
        assert_eq!(tensor, [30.0, 60.0, 20.0, 50.0, 10.0, 40.0]);
        fill_nhwc(&view, Normalize::RAW, &mut tensor);
        assert_eq!(tensor, [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
    }
}
