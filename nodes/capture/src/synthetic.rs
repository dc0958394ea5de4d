//! The demo source: a slow pan and zoom across photos with real faces, rendered straight into
//! the frame buffer.

use crate::photos::Photo;
use crate::source::{FrameSource, Pacing, SourceError};
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::SourceKind;
use std::time::Duration;

/// How long each photo is shown.
const SHOT_SECONDS: u32 = 6;
/// How far a shot zooms in (crop shrinks to 1 / (1 + ZOOM)).
const ZOOM: f64 = 0.25;
/// Where faces sit in a portrait, as a fraction of its height from the top.
const FACE_HEIGHT: f64 = 0.32;
/// Height of the progress bar at the bottom that shows time within the shot.
const BAR_ROWS: usize = 4;

/// A crop rectangle in photo pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crop {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// The part of a `photo_w` x `photo_h` photo shown at `progress` (0..1) of shot number `shot`
/// in an `out_w` x `out_h` frame: the largest rectangle of the frame's aspect ratio, zooming
/// in on even shots and out on odd ones, panning sideways; always inside the photo.
pub fn ken_burns_crop(
    photo_w: f64,
    photo_h: f64,
    out_w: f64,
    out_h: f64,
    shot: usize,
    progress: f64,
) -> Crop {
    let aspect = out_w / out_h;
    let (base_w, base_h) = if photo_w / photo_h > aspect {
        (photo_h * aspect, photo_h)
    } else {
        (photo_w, photo_w / aspect)
    };
    let eased = 0.5 - 0.5 * (std::f64::consts::PI * progress.clamp(0.0, 1.0)).cos();
    let forward = shot.is_multiple_of(2);
    let zoom = 1.0 + ZOOM * if forward { eased } else { 1.0 - eased };
    let (width, height) = (base_w / zoom, base_h / zoom);
    let pan = if forward { eased } else { 1.0 - eased };
    let left = (photo_w - width) * (0.35 + 0.3 * pan);
    // Faces sit about a third of the way down most portraits: centre the window there.
    let top = photo_h * FACE_HEIGHT - height / 2.0;
    Crop {
        left: left.clamp(0.0, photo_w - width),
        top: top.clamp(0.0, photo_h - height),
        width,
        height,
    }
}

/// The synthetic scene.
pub struct SyntheticSource {
    photos: Vec<Photo>,
    width: u32,
    height: u32,
    period: Duration,
    frames_per_shot: u64,
    frame_index: u64,
    resizer: Resizer,
}

impl SyntheticSource {
    /// A `width` x `height` scene at `fps` over `photos` (at least one).
    pub fn new(photos: Vec<Photo>, width: u32, height: u32, fps: u32) -> Result<Self, SourceError> {
        if photos.is_empty() {
            return Err(SourceError::Open {
                source_name: "synthetic".to_owned(),
                reason: "no photos to show".to_owned(),
            });
        }
        let fps = fps.max(1);
        Ok(Self {
            photos,
            width,
            height,
            period: Duration::from_secs(1) / fps,
            frames_per_shot: u64::from(fps * SHOT_SECONDS),
            frame_index: 0,
            resizer: Resizer::new(),
        })
    }
}

impl FrameSource for SyntheticSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Synthetic
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn pacing(&self) -> Pacing {
        Pacing::Every(self.period)
    }

    fn fill(&mut self, frame: &mut [u8]) -> Result<u64, SourceError> {
        let captured = monotonic_ns();
        let shot = (self.frame_index / self.frames_per_shot) as usize;
        let progress =
            (self.frame_index % self.frames_per_shot) as f64 / self.frames_per_shot as f64;
        let photo = &self.photos[shot % self.photos.len()];
        let (photo_w, photo_h) = (photo.image.width as u32, photo.image.height as u32);
        let crop = ken_burns_crop(
            f64::from(photo_w),
            f64::from(photo_h),
            f64::from(self.width),
            f64::from(self.height),
            shot,
            progress,
        );
        let frame_error = |e: &dyn std::fmt::Display| SourceError::Frame(format!("synthetic: {e}"));
        let source = ImageRef::new(photo_w, photo_h, &photo.image.pixels, PixelType::U8x3)
            .map_err(|e| frame_error(&e))?;
        let mut target = Image::from_slice_u8(self.width, self.height, frame, PixelType::U8x3)
            .map_err(|e| frame_error(&e))?;
        let options = ResizeOptions::new()
            .crop(crop.left, crop.top, crop.width, crop.height)
            .resize_alg(ResizeAlg::Interpolation(FilterType::Bilinear));
        self.resizer
            .resize(&source, &mut target, &options)
            .map_err(|e| frame_error(&e))?;
        draw_progress_bar(frame, self.width as usize, self.height as usize, progress);
        self.frame_index += 1;
        Ok(captured)
    }
}

/// A white bar along the bottom edge, `progress` of the width long: every frame differs even
/// where the photo barely moves.
fn draw_progress_bar(frame: &mut [u8], width: usize, height: usize, progress: f64) {
    let rows = BAR_ROWS.min(height);
    let filled = ((width as f64 * progress) as usize).min(width) * 3;
    let stride = width * 3;
    for row in frame[stride * (height - rows)..].chunks_mut(stride) {
        row[..filled].fill(255);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photos::demo_photos;

    #[test]
    fn crops_stay_inside_the_photo_with_the_frame_aspect() {
        for (photo_w, photo_h) in [(910.0, 1137.0), (800.0, 564.0), (4000.0, 1000.0)] {
            for shot in 0..2 {
                for step in 0..=10 {
                    let crop = ken_burns_crop(
                        photo_w,
                        photo_h,
                        1280.0,
                        720.0,
                        shot,
                        f64::from(step) / 10.0,
                    );
                    assert!(crop.left >= 0.0 && crop.top >= 0.0, "{crop:?}");
                    assert!(crop.left + crop.width <= photo_w + 1e-9, "{crop:?}");
                    assert!(crop.top + crop.height <= photo_h + 1e-9, "{crop:?}");
                    assert!((crop.width / crop.height - 1280.0 / 720.0).abs() < 1e-9);
                }
            }
        }
    }

    #[test]
    fn renders_moving_frames_of_the_configured_size() {
        let mut source = SyntheticSource::new(demo_photos().unwrap(), 320, 180, 30).unwrap();
        let mut first = vec![0u8; 320 * 180 * 3];
        let mut second = first.clone();
        source.fill(&mut first).unwrap();
        for _ in 0..10 {
            source.fill(&mut second).unwrap();
        }
        assert_ne!(first, second, "the scene must move");
        // A real photo, not a flat fill.
        let distinct: std::collections::HashSet<_> = first.chunks(3).collect();
        assert!(distinct.len() > 1000);
    }
}
