//! Drawing on a packed RGB24 frame in place: rectangles, lines, dots, text, pixelation.

use font8x8::legacy::BASIC_LEGACY;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Side of one font cell at scale 1.
const GLYPH: i32 = 8;

/// A mutable RGB24 frame (`width * 3` bytes per row).
pub struct Canvas<'a> {
    pixels: &'a mut [u8],
    width: i32,
    height: i32,
}

impl<'a> Canvas<'a> {
    /// Wraps `pixels`; `None` when it is smaller than `width x height` RGB24.
    pub fn new(pixels: &'a mut [u8], width: usize, height: usize) -> Option<Self> {
        (pixels.len() >= width * height * 3).then_some(Self {
            pixels,
            width: width as i32,
            height: height as i32,
        })
    }

    /// Frame width.
    pub fn width(&self) -> i32 {
        self.width
    }

    /// Frame height.
    pub fn height(&self) -> i32 {
        self.height
    }

    /// The colour at `(x, y)`; `None` outside the frame.
    pub fn pixel(&self, x: i32, y: i32) -> Option<Rgb> {
        self.index(x, y)
            .map(|i| [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]])
    }

    fn index(&self, x: i32, y: i32) -> Option<usize> {
        (x >= 0 && y >= 0 && x < self.width && y < self.height)
            .then(|| (y as usize * self.width as usize + x as usize) * 3)
    }

    /// Fills the rectangle `[x1, x2) x [y1, y2)`, clipped to the frame.
    pub fn fill_rect(&mut self, x1: i32, y1: i32, x2: i32, y2: i32, color: Rgb) {
        let (x1, x2) = (x1.max(0), x2.min(self.width));
        let (y1, y2) = (y1.max(0), y2.min(self.height));
        if x1 >= x2 {
            return;
        }
        for y in y1..y2 {
            let start = (y as usize * self.width as usize + x1 as usize) * 3;
            let end = start + (x2 - x1) as usize * 3;
            for pixel in self.pixels[start..end].chunks_exact_mut(3) {
                pixel.copy_from_slice(&color);
            }
        }
    }

    /// Outlines the box `[x1, y1, x2, y2]` with lines `thickness` pixels wide, inside the box.
    pub fn stroke_rect(&mut self, bbox: [f32; 4], thickness: i32, color: Rgb) {
        let [x1, y1, x2, y2] = bbox.map(|v| v.round() as i32);
        self.fill_rect(x1, y1, x2, y1 + thickness, color);
        self.fill_rect(x1, y2 - thickness, x2, y2, color);
        self.fill_rect(x1, y1, x1 + thickness, y2, color);
        self.fill_rect(x2 - thickness, y1, x2, y2, color);
    }

    /// A square dot of side `size` centred on `(x, y)`.
    pub fn dot(&mut self, x: f32, y: f32, size: i32, color: Rgb) {
        let (x, y) = (x.round() as i32, y.round() as i32);
        let half = size / 2;
        self.fill_rect(x - half, y - half, x - half + size, y - half + size, color);
    }

    /// A line `thickness` pixels wide from `from` to `to`.
    pub fn line(&mut self, from: [f32; 2], to: [f32; 2], thickness: i32, color: Rgb) {
        let steps = (to[0] - from[0]).abs().max((to[1] - from[1]).abs()).ceil() as i32;
        // A degenerate or absurd segment (bad landmarks) draws at most its end point.
        let steps = steps.clamp(0, 4 * (self.width + self.height));
        for step in 0..=steps {
            let t = if steps == 0 {
                0.0
            } else {
                step as f32 / steps as f32
            };
            self.dot(
                from[0] + (to[0] - from[0]) * t,
                from[1] + (to[1] - from[1]) * t,
                thickness,
                color,
            );
        }
    }

    /// Width in pixels of `text` at `scale`.
    pub fn text_width(text: &str, scale: i32) -> i32 {
        text.chars().count() as i32 * GLYPH * scale
    }

    /// Height in pixels of a text line at `scale`.
    pub fn text_height(scale: i32) -> i32 {
        GLYPH * scale
    }

    /// Writes `text` (ASCII; other characters show as `?`) with its top-left at `(x, y)`.
    pub fn text(&mut self, x: i32, y: i32, text: &str, scale: i32, color: Rgb) {
        for (i, c) in text.chars().enumerate() {
            let code = if c.is_ascii() {
                c as usize
            } else {
                '?' as usize
            };
            let glyph = BASIC_LEGACY[code];
            let left = x + i as i32 * GLYPH * scale;
            for (row, bits) in glyph.iter().enumerate() {
                for column in 0..GLYPH {
                    if bits & (1 << column) != 0 {
                        let (px, py) = (left + column * scale, y + row as i32 * scale);
                        self.fill_rect(px, py, px + scale, py + scale, color);
                    }
                }
            }
        }
    }

    /// Replaces the box with blocks of `block` pixels, each the mean of its pixels, so a face
    /// in it cannot be recognised.
    pub fn pixelate(&mut self, bbox: [f32; 4], block: i32) {
        let [x1, y1, x2, y2] = bbox.map(|v| v.round() as i32);
        let (x1, y1) = (x1.max(0), y1.max(0));
        let (x2, y2) = (x2.min(self.width), y2.min(self.height));
        let block = block.max(2);
        let mut by = y1;
        while by < y2 {
            let mut bx = x1;
            while bx < x2 {
                let (ex, ey) = ((bx + block).min(x2), (by + block).min(y2));
                let mut sum = [0u32; 3];
                for y in by..ey {
                    for x in bx..ex {
                        if let Some(p) = self.pixel(x, y) {
                            for c in 0..3 {
                                sum[c] += p[c] as u32;
                            }
                        }
                    }
                }
                let count = ((ex - bx) * (ey - by)).max(1) as u32;
                self.fill_rect(bx, by, ex, ey, sum.map(|s| (s / count) as u8));
                bx += block;
            }
            by += block;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangles_are_clipped_and_drawn_inside_the_box() {
        let mut pixels = vec![0u8; 20 * 10 * 3];
        let mut canvas = Canvas::new(&mut pixels, 20, 10).unwrap();
        canvas.stroke_rect([2.0, 2.0, 30.0, 8.0], 2, [255, 0, 0]);
        assert_eq!(canvas.pixel(2, 5), Some([255, 0, 0]));
        assert_eq!(canvas.pixel(5, 5), Some([0, 0, 0]));
        assert_eq!(canvas.pixel(19, 5), Some([0, 0, 0]));
        assert_eq!(canvas.pixel(19, 3), Some([255, 0, 0]));
        assert_eq!(canvas.pixel(10, 7), Some([255, 0, 0]));
    }

    #[test]
    fn text_sets_glyph_pixels() {
        let mut pixels = vec![0u8; 16 * 8 * 3];
        let mut canvas = Canvas::new(&mut pixels, 16, 8).unwrap();
        canvas.text(0, 0, "I", 1, [9, 9, 9]);
        let lit = (0..8)
            .flat_map(|y| (0..8).map(move |x| (x, y)))
            .filter(|&(x, y)| canvas.pixel(x, y) == Some([9, 9, 9]))
            .count();
        assert!(lit > 5);
    }

    #[test]
    fn pixelation_averages_blocks() {
        let mut pixels = vec![0u8; 4 * 3];
        pixels[0..3].copy_from_slice(&[200, 100, 0]);
        let mut canvas = Canvas::new(&mut pixels, 4, 1).unwrap();
        canvas.pixelate([0.0, 0.0, 2.0, 1.0], 2);
        assert_eq!(canvas.pixel(1, 0), Some([100, 50, 0]));
        assert_eq!(canvas.pixel(2, 0), Some([0, 0, 0]));
    }
}
