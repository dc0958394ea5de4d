//! The demo source: a slow pan and zoom across pictures with real faces, rendered straight into
//! the frame buffer. Every face is framed whole: a picture narrower than its place is shown
//! at full height between dark bars instead of being cropped to the frame's shape, and part of
//! the loop shows two portraits side by side, so detection, blur and labels of several faces
//! can be seen at once.

use crate::scene_pictures::Picture;
use crate::source::{FrameSource, Pacing, SourceError};
use fast_image_resize::images::{CroppedImageMut, Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::SourceKind;
use std::time::Duration;

/// How long each shot is shown.
const SHOT_SECONDS: u32 = 6;
/// How far a shot zooms in (crop shrinks to 1 / (1 + ZOOM)): gentle, so faces stay whole.
const ZOOM: f64 = 0.08;
/// Where faces sit in a portrait, as a fraction of its height from the top.
const FACE_HEIGHT: f64 = 0.32;
/// Height of the progress bar at the bottom that shows time within the shot.
const BAR_ROWS: usize = 4;
/// Portraits shown side by side in a group shot.
const GROUP_SIZE: usize = 2;
/// Grey of the bars beside a picture narrower than its place.
const BACKGROUND: u8 = 24;

/// A crop rectangle in picture pixels.
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

/// Where a picture goes in the frame: columns `left..left + width`, every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// First column.
    pub left: u32,
    /// Columns.
    pub width: u32,
}

/// The part of a `photo_w` x `photo_h` picture shown at `progress` (0..1) of shot number `shot`
/// in an `out_w` x `out_h` place: the largest rectangle of the place's aspect ratio, zooming
/// in on even shots and out on odd ones, panning sideways; always inside the picture.
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

/// The shots of the loop, each the pictures it shows side by side: every picture alone, and
/// after every second one a group of [`GROUP_SIZE`] portraits (taller than wide), taken in
/// turn, when there are that many.
pub fn shots(pictures: &[Picture]) -> Vec<Vec<usize>> {
    let portraits: Vec<usize> = (0..pictures.len())
        .filter(|&i| pictures[i].image.height > pictures[i].image.width)
        .collect();
    let mut shots = Vec::new();
    let mut next_portrait = 0;
    for index in 0..pictures.len() {
        shots.push(vec![index]);
        if index % 2 == 1 && portraits.len() >= GROUP_SIZE {
            let group = (0..GROUP_SIZE)
                .map(|k| portraits[(next_portrait + k) % portraits.len()])
                .collect();
            next_portrait += GROUP_SIZE;
            shots.push(group);
        }
    }
    shots
}

/// Where a `photo_w` x `photo_h` picture goes in slot `slot` of `slots` equal slots across a
/// `width` x `height` frame: the whole slot when the picture is at least as wide as the slot,
/// else full height and centred, as wide as its aspect ratio allows (an even width).
pub fn place(photo_w: u32, photo_h: u32, width: u32, height: u32, slot: u32, slots: u32) -> Place {
    let slots = slots.max(1);
    let slot_left = width * slot / slots;
    let slot_width = width * (slot + 1) / slots - slot_left;
    let fitted = (u64::from(height) * u64::from(photo_w) / u64::from(photo_h.max(1))) as u32;
    let fitted = (fitted & !1).clamp(2.min(slot_width), slot_width);
    Place {
        left: slot_left + (slot_width - fitted) / 2,
        width: fitted,
    }
}

/// The synthetic scene.
pub struct SyntheticSource {
    pictures: Vec<Picture>,
    shots: Vec<Vec<usize>>,
    width: u32,
    height: u32,
    period: Duration,
    frames_per_shot: u64,
    frame_index: u64,
    resizer: Resizer,
}

impl SyntheticSource {
    /// A `width` x `height` scene at `fps` over `pictures` (at least one).
    pub fn new(
        pictures: Vec<Picture>,
        width: u32,
        height: u32,
        fps: u32,
    ) -> Result<Self, SourceError> {
        if pictures.is_empty() {
            return Err(SourceError::Open {
                source_name: "synthetic".to_owned(),
                source: "no pictures to show".into(),
            });
        }
        let fps = fps.max(1);
        Ok(Self {
            shots: shots(&pictures),
            pictures,
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
        let shot_index = (self.frame_index / self.frames_per_shot) as usize;
        let progress =
            (self.frame_index % self.frames_per_shot) as f64 / self.frames_per_shot as f64;
        let shot = &self.shots[shot_index % self.shots.len()];
        let (width, height) = (self.width, self.height);
        let places: Vec<Place> = shot
            .iter()
            .enumerate()
            .map(|(slot, &index)| {
                let image = &self.pictures[index].image;
                place(
                    image.width as u32,
                    image.height as u32,
                    width,
                    height,
                    slot as u32,
                    shot.len() as u32,
                )
            })
            .collect();
        fill_outside(frame, width as usize, &places);
        let mut target = Image::from_slice_u8(width, height, frame, PixelType::U8x3)
            .map_err(|e| SourceError::frame("frame buffer", e))?;
        for (slot, (&index, place)) in shot.iter().zip(&places).enumerate() {
            let image = &self.pictures[index].image;
            let (photo_w, photo_h) = (image.width as u32, image.height as u32);
            let crop = ken_burns_crop(
                f64::from(photo_w),
                f64::from(photo_h),
                f64::from(place.width),
                f64::from(height),
                shot_index + slot,
                progress,
            );
            let source = ImageRef::new(photo_w, photo_h, &image.pixels, PixelType::U8x3)
                .map_err(|e| SourceError::frame("picture", e))?;
            // Rendered straight into its columns of the frame: no intermediate picture.
            let mut columns = CroppedImageMut::new(&mut target, place.left, 0, place.width, height)
                .map_err(|e| SourceError::frame("placement", e))?;
            let options = ResizeOptions::new()
                .crop(crop.left, crop.top, crop.width, crop.height)
                .resize_alg(ResizeAlg::Interpolation(FilterType::Bilinear));
            self.resizer
                .resize(&source, &mut columns, &options)
                .map_err(|e| SourceError::frame("resize", e))?;
        }
        draw_progress_bar(frame, width as usize, height as usize, progress);
        self.frame_index += 1;
        Ok(captured)
    }
}

/// Paints every column of `frame` that no picture covers with the background grey. `places`
/// run left to right without overlapping, as [`place`] lays them out.
fn fill_outside(frame: &mut [u8], width: usize, places: &[Place]) {
    let mut gaps = Vec::with_capacity(places.len() + 1);
    let mut covered_to = 0;
    for place in places {
        let left = place.left as usize;
        if left > covered_to {
            gaps.push((covered_to * 3, left * 3));
        }
        covered_to = left + place.width as usize;
    }
    if covered_to < width {
        gaps.push((covered_to * 3, width * 3));
    }
    if gaps.is_empty() {
        return;
    }
    for row in frame.chunks_exact_mut(width * 3) {
        for &(start, end) in &gaps {
            row[start..end].fill(BACKGROUND);
        }
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
    use crate::scene_pictures::demo_pictures;

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
        let mut source = SyntheticSource::new(demo_pictures().unwrap(), 320, 180, 30).unwrap();
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

    #[test]
    fn portraits_are_shown_whole_and_in_pairs_for_part_of_the_loop() {
        let pictures = demo_pictures().unwrap();
        let shots = shots(&pictures);
        assert!(shots.iter().any(|shot| shot.len() == GROUP_SIZE));
        assert!(shots.iter().filter(|shot| shot.len() == 1).count() == pictures.len());
        // A portrait alone in a 16:9 frame is shown at full height, pillarboxed.
        let alone = place(910, 1137, 1280, 720, 0, 1);
        assert_eq!(alone.width, 576);
        assert_eq!(alone.left, (1280 - 576) / 2);
        // Two side by side each get half the frame, centred in it.
        let right = place(910, 1137, 1280, 720, 1, 2);
        assert!(right.left >= 640 && right.left + right.width <= 1280);
        // The crop keeps the whole picture but a gentle zoom: the face is never cut.
        let crop = ken_burns_crop(910.0, 1137.0, 576.0, 720.0, 0, 1.0);
        assert!(crop.height >= 1137.0 / (1.0 + ZOOM) - 1e-6);
        assert!(crop.top <= 1137.0 * 0.1, "{crop:?}");
    }

    #[test]
    fn bars_beside_a_narrow_picture_are_dark() {
        let mut source = SyntheticSource::new(demo_pictures().unwrap(), 320, 180, 30).unwrap();
        let mut frame = vec![0u8; 320 * 180 * 3];
        // The first shot is a portrait alone.
        source.fill(&mut frame).unwrap();
        assert_eq!(&frame[..3], &[BACKGROUND; 3]);
        let middle = (90 * 320 + 160) * 3;
        assert_ne!(&frame[middle..middle + 3], &[BACKGROUND; 3]);
    }
}
