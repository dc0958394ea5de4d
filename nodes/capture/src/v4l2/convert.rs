//! YUYV 4:2:2 → RGB24.

use yuvutils_rs::{yuyv422_to_rgb, YuvPackedImage, YuvRange, YuvStandardMatrix};

/// Converts a `width` x `height` YUYV image (rows of `stride` bytes, BT.601 limited range, as
/// USB cameras deliver) into packed RGB24 `rgb`, with SIMD (AVX2 or SSE4.1 as the CPU has
/// them, NEON on ARM). Returns false when a size does not fit.
pub fn yuyv_to_rgb(
    yuyv: &[u8],
    width: usize,
    height: usize,
    stride: usize,
    rgb: &mut [u8],
) -> bool {
    let row_in = width * 2;
    let row_out = width * 3;
    if !width.is_multiple_of(2)
        || stride < row_in
        || yuyv.len() < stride * height
        || rgb.len() < row_out * height
    {
        return false;
    }
    if stride == row_in {
        convert_rows(
            &yuyv[..row_in * height],
            width,
            height,
            &mut rgb[..row_out * height],
        )
    } else {
        // yuvutils-rs wants unpadded rows (it checks the length against 2 x width x height),
        // so padded ones go one row at a time.
        yuyv.chunks(stride)
            .zip(rgb.chunks_mut(row_out))
            .take(height)
            .all(|(src, dst)| convert_rows(&src[..row_in], width, 1, dst))
    }
}

/// Converts `height` unpadded YUYV rows of `width` pixels into as many RGB24 rows.
fn convert_rows(yuyv: &[u8], width: usize, height: usize, rgb: &mut [u8]) -> bool {
    let (Ok(width), Ok(height)) = (u32::try_from(width), u32::try_from(height)) else {
        return false;
    };
    let packed = YuvPackedImage {
        yuy: yuyv,
        yuy_stride: 2 * width,
        width,
        height,
    };
    yuyv422_to_rgb(
        &packed,
        rgb,
        3 * width,
        YuvRange::Limited,
        YuvStandardMatrix::Bt601,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::yuyv_to_rgb;

    #[test]
    fn converts_reference_colours() {
        // Limited-range white, black and pure red (Y=81, U=90, V=240) as YUYV pairs.
        let yuyv = [235, 128, 235, 128, 16, 128, 16, 128, 81, 90, 81, 240];
        let mut rgb = [0u8; 18];
        assert!(yuyv_to_rgb(&yuyv, 6, 1, 12, &mut rgb));
        assert_eq!(&rgb[0..3], &[255, 255, 255]);
        assert_eq!(&rgb[6..9], &[0, 0, 0]);
        let red = &rgb[12..15];
        assert!(red[0] > 240 && red[1] < 10 && red[2] < 10, "{red:?}");
    }

    /// BT.601 limited range in floating point, per pixel.
    fn reference_rgb(y: u8, u: u8, v: u8) -> [f32; 3] {
        let (y, u, v) = (
            1.164 * (f32::from(y) - 16.0),
            f32::from(u) - 128.0,
            f32::from(v) - 128.0,
        );
        [y + 1.596 * v, y - 0.392 * u - 0.813 * v, y + 2.017 * u].map(|c| c.clamp(0.0, 255.0))
    }

    #[test]
    fn simd_rows_match_the_bt601_formula_padded_or_not() {
        // Wide enough for the vector paths: every (U, V) pair of a coarse grid, varied Y.
        let (width, height) = (256, 8);
        let yuyv: Vec<u8> = (0..width * height / 2)
            .flat_map(|pair| {
                let (u, v) = ((pair * 37 % 256) as u8, (pair * 101 % 256) as u8);
                [
                    (pair * 13 % 220 + 16) as u8,
                    u,
                    (pair * 7 % 220 + 16) as u8,
                    v,
                ]
            })
            .collect();
        let mut rgb = vec![0u8; width * height * 3];
        assert!(yuyv_to_rgb(&yuyv, width, height, width * 2, &mut rgb));
        for (pair, (src, dst)) in yuyv.chunks(4).zip(rgb.chunks(6)).enumerate() {
            for (y, out) in [src[0], src[2]].into_iter().zip(dst.chunks(3)) {
                let expected = reference_rgb(y, src[1], src[3]);
                for (got, want) in out.iter().zip(expected) {
                    assert!(
                        (f32::from(*got) - want).abs() <= 2.5,
                        "pair {pair}: {out:?} vs {expected:?}"
                    );
                }
            }
        }
        // The same image with 16 bytes of padding per row converts to the same pixels.
        let stride = width * 2 + 16;
        let padded: Vec<u8> = yuyv
            .chunks(width * 2)
            .flat_map(|row| row.iter().copied().chain([0; 16]))
            .collect();
        let mut from_padded = vec![0u8; width * height * 3];
        assert!(yuyv_to_rgb(
            &padded,
            width,
            height,
            stride,
            &mut from_padded
        ));
        assert_eq!(from_padded, rgb);
    }

    #[test]
    fn respects_padding_and_rejects_short_buffers() {
        let yuyv = [235, 128, 235, 128, 0, 0, 16, 128, 16, 128, 0, 0];
        let mut rgb = [0u8; 12];
        assert!(yuyv_to_rgb(&yuyv, 2, 2, 6, &mut rgb));
        assert_eq!(&rgb[..6], &[255; 6]);
        assert_eq!(&rgb[6..], &[0; 6]);
        assert!(!yuyv_to_rgb(&yuyv[..5], 2, 2, 6, &mut rgb));
    }
}
