//! Video files through FFmpeg: decoded, scaled straight into the frame, looped. A file of one
//! picture (a photo) is shown for as long as the source runs.

use crate::source::{Cause, FrameSource, Pacing, SourceError};
use ffmpeg::format::Pixel;
use ffmpeg::software::scaling::{Context as Scaler, Flags};
use ffmpeg_next as ffmpeg;
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::SourceKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Frame rate assumed for files that do not state one.
const FALLBACK_FPS: f64 = 30.0;

/// A looping video file.
pub struct FileSource {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    stream_index: usize,
    decoder: ffmpeg::decoder::Video,
    decoded: ffmpeg::frame::Video,
    /// Where the decoder writes; swapped with `decoded` on success, so that `decoded` keeps
    /// the last picture even when the decoder has nothing more (FFmpeg clears the frame it is
    /// given before it says so).
    receiving: ffmpeg::frame::Video,
    /// Frames decoded since the last rewind.
    frames_in_loop: u64,
    /// The file holds one picture, kept in `decoded`.
    still: bool,
    scaler: Option<Scaler>,
    width: u32,
    height: u32,
    period: Duration,
    paced: bool,
    loops: u64,
}

impl FileSource {
    /// Opens `path`; frames are scaled to `width` x `height`. `paced`: deliver at the file's
    /// frame rate, else as fast as decoding allows.
    pub fn open(path: &Path, width: u32, height: u32, paced: bool) -> Result<Self, SourceError> {
        let open_error = |cause: Cause| SourceError::Open {
            source_name: format!("video file {}", path.display()),
            source: cause,
        };
        ffmpeg::init().map_err(|e| open_error(e.into()))?;
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Error);
        let input = ffmpeg::format::input(path).map_err(|e| open_error(e.into()))?;
        let stream = input
            .streams()
            .best(ffmpeg::media::Type::Video)
            .ok_or_else(|| open_error("no video stream".into()))?;
        let stream_index = stream.index();
        let rate = stream.avg_frame_rate();
        let fps = if rate.numerator() > 0 && rate.denominator() > 0 {
            f64::from(rate)
        } else {
            FALLBACK_FPS
        };
        let decoder = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
            .and_then(|context| context.decoder().video())
            .map_err(|e| open_error(e.into()))?;
        Ok(Self {
            path: path.to_owned(),
            input,
            stream_index,
            decoder,
            decoded: ffmpeg::frame::Video::empty(),
            receiving: ffmpeg::frame::Video::empty(),
            frames_in_loop: 0,
            still: false,
            scaler: None,
            width,
            height,
            period: Duration::from_secs_f64(1.0 / fps.clamp(1.0, 240.0)),
            paced,
            loops: 0,
        })
    }

    /// How often the file wrapped around to its start.
    pub fn loops(&self) -> u64 {
        self.loops
    }

    /// Decodes until one frame is ready, rewinding at the end of the file.
    fn decode_next(&mut self) -> Result<(), SourceError> {
        if self.still {
            return Ok(());
        }
        let mut rewound_without_frame = false;
        loop {
            match self.decoder.receive_frame(&mut self.receiving) {
                Ok(()) => {
                    std::mem::swap(&mut self.decoded, &mut self.receiving);
                    self.frames_in_loop += 1;
                    return Ok(());
                }
                Err(ffmpeg::Error::Eof) => {
                    if self.loops == 0 && self.frames_in_loop == 1 {
                        // One picture: many containers (image2 among them) cannot seek back
                        // to it, and decoding it again would give the same pixels anyway.
                        self.still = true;
                        return Ok(());
                    }
                    if rewound_without_frame {
                        return Err(SourceError::frame(
                            "decode",
                            format!("{}: no decodable frame", self.path.display()),
                        ));
                    }
                    self.rewind()?;
                    rewound_without_frame = true;
                }
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    self.feed_packet()?;
                }
                Err(error) => return Err(SourceError::frame("decode", error)),
            }
        }
    }

    fn feed_packet(&mut self) -> Result<(), SourceError> {
        let mut packet = ffmpeg::Packet::empty();
        loop {
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.stream_index => {
                    return self
                        .decoder
                        .send_packet(&packet)
                        .map_err(|e| SourceError::frame("decode", e));
                }
                Ok(()) => continue,
                Err(ffmpeg::Error::Eof) => {
                    return self
                        .decoder
                        .send_eof()
                        .map_err(|e| SourceError::frame("decode", e));
                }
                Err(error) => return Err(SourceError::frame("read", error)),
            }
        }
    }

    fn rewind(&mut self) -> Result<(), SourceError> {
        self.input
            .seek(0, ..)
            .map_err(|e| SourceError::frame("rewind", e))?;
        self.decoder.flush();
        self.loops += 1;
        self.frames_in_loop = 0;
        Ok(())
    }

    /// Scales the decoded frame into `frame` (packed RGB24) with one `sws_scale` pass,
    /// keeping its aspect ratio: the picture is centred, the bars around it black.
    fn scale_into(&mut self, frame: &mut [u8]) -> Result<(), SourceError> {
        let (format, width, height) = (
            self.decoded.format(),
            self.decoded.width(),
            self.decoded.height(),
        );
        let fit = letterbox(width, height, self.width, self.height);
        let stale = self.scaler.as_ref().is_none_or(|scaler| {
            let input = scaler.input();
            (input.format, input.width, input.height) != (format, width, height)
        });
        if stale {
            let scaler = Scaler::get(
                format,
                width,
                height,
                Pixel::RGB24,
                fit.width,
                fit.height,
                Flags::BILINEAR,
            )
            .map_err(|e| SourceError::frame("scale", e))?;
            self.scaler = Some(scaler);
        }
        let stride = self.width as usize * 3;
        let expected = stride * self.height as usize;
        if frame.len() != expected {
            return Err(SourceError::frame(
                "scale",
                format!("frame buffer of {} bytes, need {expected}", frame.len()),
            ));
        }
        let Some(scaler) = self.scaler.as_mut() else {
            return Err(SourceError::frame("scale", "no scaler"));
        };
        fit.paint_bars(frame, stride);
        let offset = fit.top as usize * stride + fit.left as usize * 3;
        let mut planes = [
            frame[offset..].as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        ];
        let line_sizes = [stride as i32, 0, 0, 0];
        // SAFETY: the scaler was built for exactly this input geometry and format and for a
        // packed RGB24 output of `fit.width` x `fit.height`, which lies inside `frame` at
        // `offset` with rows `stride` apart (`letterbox` keeps it within the frame, whose size
        // is checked above); the decoded frame's planes are valid until the next decode.
        let rows = unsafe {
            let decoded = self.decoded.as_ptr();
            ffmpeg::ffi::sws_scale(
                scaler.as_mut_ptr(),
                (*decoded).data.as_ptr() as *const *const u8,
                (*decoded).linesize.as_ptr(),
                0,
                height as i32,
                planes.as_mut_ptr(),
                line_sizes.as_ptr(),
            )
        };
        if rows != fit.height as i32 {
            return Err(SourceError::frame(
                "scale",
                format!("the scaler wrote {rows} rows"),
            ));
        }
        Ok(())
    }
}

/// Where a picture goes inside a frame of another aspect ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Letterbox {
    /// Left edge of the picture, pixels.
    pub left: u32,
    /// Top edge of the picture, pixels.
    pub top: u32,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    frame_width: u32,
    frame_height: u32,
}

/// The largest `source` aspect-ratio rectangle (even sizes) centred in a `frame` rectangle.
pub fn letterbox(
    source_width: u32,
    source_height: u32,
    frame_width: u32,
    frame_height: u32,
) -> Letterbox {
    let (sw, sh) = (
        u64::from(source_width.max(1)),
        u64::from(source_height.max(1)),
    );
    let (fw, fh) = (u64::from(frame_width), u64::from(frame_height));
    let (width, height) = if sw * fh > sh * fw {
        (fw, (sh * fw / sw).max(2))
    } else {
        ((sw * fh / sh).max(2), fh)
    };
    let (width, height) = ((width & !1).min(fw) as u32, (height & !1).min(fh) as u32);
    Letterbox {
        left: (frame_width - width) / 2,
        top: (frame_height - height) / 2,
        width,
        height,
        frame_width,
        frame_height,
    }
}

impl Letterbox {
    /// Paints the bars around the picture black (a loaned frame holds an older frame's bytes).
    pub fn paint_bars(&self, frame: &mut [u8], stride: usize) {
        if (self.width, self.height) == (self.frame_width, self.frame_height) {
            return;
        }
        let (left, right) = (
            self.left as usize * 3,
            (self.left + self.width) as usize * 3,
        );
        for (row, line) in frame
            .chunks_mut(stride)
            .enumerate()
            .take(self.frame_height as usize)
        {
            let row = row as u32;
            if row < self.top || row >= self.top + self.height {
                line.fill(0);
            } else {
                line[..left].fill(0);
                line[right..].fill(0);
            }
        }
    }
}

impl FrameSource for FileSource {
    fn kind(&self) -> SourceKind {
        SourceKind::File
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn pacing(&self) -> Pacing {
        if self.paced {
            Pacing::Every(self.period)
        } else {
            Pacing::Unpaced
        }
    }

    fn fill(&mut self, frame: &mut [u8]) -> Result<u64, SourceError> {
        self.decode_next()?;
        let captured = monotonic_ns();
        self.scale_into(frame)?;
        Ok(captured)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_video() -> Option<PathBuf> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/media/carphone_pristine.mp4");
        path.exists().then_some(path)
    }

    #[test]
    fn decodes_scales_and_loops_a_real_video() {
        let Some(path) = sample_video() else {
            panic!("../shared/media/carphone_pristine.mp4 is missing: the tests need ../shared beside the repository");
        };
        let mut source = FileSource::open(&path, 320, 240, true).unwrap();
        assert!(matches!(source.pacing(), Pacing::Every(period) if period.as_millis() > 10));
        let mut frame = vec![0u8; 320 * 240 * 3];
        let mut frames = 0;
        while source.loops() == 0 {
            source.fill(&mut frame).unwrap();
            frames += 1;
            assert!(frames < 10_000, "the file never looped");
        }
        source.fill(&mut frame).unwrap();
        assert!(frames > 10, "only {frames} frames");
        let distinct: std::collections::HashSet<_> = frame.chunks(3).collect();
        assert!(distinct.len() > 100, "frame looks empty");
    }

    #[test]
    fn a_photo_is_shown_for_as_long_as_the_source_runs() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/media/obama.jpg");
        let mut source = FileSource::open(&path, 240, 300, true).unwrap();
        let mut first = vec![0u8; 240 * 300 * 3];
        source.fill(&mut first).unwrap();
        let mut later = vec![0u8; 240 * 300 * 3];
        for _ in 0..5 {
            later.fill(0);
            source.fill(&mut later).unwrap();
            assert!(later == first, "a later frame differs from the photo");
        }
        let distinct: std::collections::HashSet<_> = first.chunks(3).collect();
        assert!(distinct.len() > 100, "frame looks empty");
    }

    #[test]
    fn letterboxing_keeps_the_aspect_ratio_and_centres() {
        // 4:3 into 16:9: pillarbox.
        let fit = letterbox(640, 480, 1280, 720);
        assert_eq!(
            (fit.left, fit.top, fit.width, fit.height),
            (160, 0, 960, 720)
        );
        // 21:9 into 16:9: letterbox.
        let fit = letterbox(2560, 1080, 1280, 720);
        assert_eq!((fit.left, fit.width), (0, 1280));
        assert_eq!(fit.top * 2 + fit.height, 720);
        // Same aspect: full frame, no bars.
        let fit = letterbox(352, 288, 704, 576);
        assert_eq!((fit.left, fit.top, fit.width, fit.height), (0, 0, 704, 576));
        let mut frame = vec![7u8; 8 * 4 * 3];
        letterbox(1, 1, 8, 4).paint_bars(&mut frame, 8 * 3);
        let row: Vec<u8> = frame[..8 * 3].to_vec();
        assert_eq!(&row[..6], &[0; 6]);
        assert_eq!(&row[6..18], &[7; 12]);
        assert_eq!(&row[18..], &[0; 6]);
    }

    #[test]
    fn a_missing_file_is_a_clear_error() {
        let error = FileSource::open(Path::new("/nonexistent/video.mp4"), 64, 64, true)
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("/nonexistent/video.mp4"),
            "{error}"
        );
    }
}
