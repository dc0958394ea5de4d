//! Boxes, similarity transforms and affine warps.

use crate::image::RgbView;

/// An axis-aligned box `[x1, y1, x2, y2]`.
pub type BBox = [f32; 4];

/// Intersection over union of two boxes.
pub fn iou(a: &BBox, b: &BBox) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// The box with x scaled by `sx` and y by `sy` (e.g. from model input to image pixels).
pub fn scale_box(b: BBox, sx: f32, sy: f32) -> BBox {
    [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy]
}

/// Area of a box (0 for an inverted one).
pub fn area(b: &BBox) -> f32 {
    (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0)
}

/// A 2-D affine map `(x, y) -> (a x + b y + c, d x + e y + f)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// Row-major `[[a, b, c], [d, e, f]]`.
    pub m: [[f32; 3]; 2],
}

impl Affine {
    /// Maps a point.
    #[inline]
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let m = &self.m;
        (
            m[0][0] * x + m[0][1] * y + m[0][2],
            m[1][0] * x + m[1][1] * y + m[1][2],
        )
    }

    /// The inverse map; `None` when the map is singular.
    pub fn inverse(&self) -> Option<Affine> {
        let [[a, b, c], [d, e, f]] = self.m;
        let det = a * e - b * d;
        if det.abs() < 1e-12 {
            return None;
        }
        let (ia, ib, id, ie) = (e / det, -b / det, -d / det, a / det);
        Some(Affine {
            m: [[ia, ib, -(ia * c + ib * f)], [id, ie, -(id * c + ie * f)]],
        })
    }

    /// The similarity (rotation, uniform scale, translation) that best maps `from` onto `to`
    /// in the least-squares sense (Umeyama, 1991).
    pub fn similarity(from: &[[f32; 2]], to: &[[f32; 2]]) -> Option<Affine> {
        let n = from.len().min(to.len());
        if n < 2 {
            return None;
        }
        let mean = |points: &[[f32; 2]]| {
            let (sx, sy) = points[..n].iter().fold((0.0f64, 0.0f64), |(x, y), p| {
                (x + p[0] as f64, y + p[1] as f64)
            });
            (sx / n as f64, sy / n as f64)
        };
        let (fx, fy) = mean(from);
        let (tx, ty) = mean(to);
        // For 2-D similarities the Umeyama solution reduces to the complex-number form:
        // scale*rotation = sum(conj(f) * t) / sum(|f|^2) on centred points.
        let (mut re, mut im, mut norm) = (0.0f64, 0.0f64, 0.0f64);
        for (p, q) in from[..n].iter().zip(&to[..n]) {
            let (ax, ay) = (p[0] as f64 - fx, p[1] as f64 - fy);
            let (bx, by) = (q[0] as f64 - tx, q[1] as f64 - ty);
            re += ax * bx + ay * by;
            im += ax * by - ay * bx;
            norm += ax * ax + ay * ay;
        }
        if norm <= f64::EPSILON {
            return None;
        }
        let (a, b) = (re / norm, im / norm);
        let c = tx - (a * fx - b * fy);
        let f = ty - (b * fx + a * fy);
        Some(Affine {
            m: [
                [a as f32, -b as f32, c as f32],
                [b as f32, a as f32, f as f32],
            ],
        })
    }
}

/// Writes the `width x height` RGB24 image whose pixel `(u, v)` is `source` at
/// `crop_to_source(u, v)` (bilinear, black outside), into `out`.
pub fn warp_affine(
    source: &RgbView<'_>,
    crop_to_source: &Affine,
    width: usize,
    height: usize,
    out: &mut Vec<u8>,
) {
    out.resize(width * height * 3, 0);
    for v in 0..height {
        for u in 0..width {
            let (x, y) = crop_to_source.apply(u as f32, v as f32);
            let rgb = source.sample(x, y);
            let at = (v * width + u) * 3;
            for channel in 0..3 {
                out[at + channel] = rgb[channel].round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_identical_disjoint_and_half_boxes() {
        let a = [0.0, 0.0, 10.0, 10.0];
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &[20.0, 20.0, 30.0, 30.0]), 0.0);
        let half = iou(&a, &[5.0, 0.0, 15.0, 10.0]);
        assert!((half - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn similarity_recovers_a_known_transform() {
        let truth = Affine {
            m: [[0.8, -0.6, 5.0], [0.6, 0.8, -3.0]],
        };
        let from = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [7.0, 3.0], [2.0, 9.0]];
        let to: Vec<[f32; 2]> = from
            .iter()
            .map(|p| {
                let (x, y) = truth.apply(p[0], p[1]);
                [x, y]
            })
            .collect();
        let found = Affine::similarity(&from, &to).unwrap();
        for (row, want) in found.m.iter().zip(truth.m.iter()) {
            for (got, want) in row.iter().zip(want) {
                assert!((got - want).abs() < 1e-4, "{found:?}");
            }
        }
        let back = found.inverse().unwrap();
        let (x, y) = back.apply(to[3][0], to[3][1]);
        assert!((x - 7.0).abs() < 1e-3 && (y - 3.0).abs() < 1e-3);
    }
}
