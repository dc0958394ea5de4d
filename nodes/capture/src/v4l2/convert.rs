//! YUYV 4:2:2 → RGB24.

/// Converts a `width` x `height` YUYV image (rows of `stride` bytes, BT.601 limited range, as
/// USB cameras deliver) into packed RGB24 `rgb`. Returns false when a buffer is too short.
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
    for (src_row, dst_row) in yuyv
        .chunks(stride)
        .zip(rgb.chunks_mut(row_out))
        .take(height)
    {
        for (src, dst) in src_row[..row_in]
            .chunks_exact(4)
            .zip(dst_row.chunks_exact_mut(6))
        {
            let (u, v) = (i32::from(src[1]) - 128, i32::from(src[3]) - 128);
            let (r_off, g_off, b_off) = (409 * v, -100 * u - 208 * v, 516 * u);
            for (y, out) in [src[0], src[2]].into_iter().zip(dst.chunks_exact_mut(3)) {
                let c = 298 * (i32::from(y) - 16) + 128;
                out[0] = ((c + r_off) >> 8).clamp(0, 255) as u8;
                out[1] = ((c + g_off) >> 8).clamp(0, 255) as u8;
                out[2] = ((c + b_off) >> 8).clamp(0, 255) as u8;
            }
        }
    }
    true
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
