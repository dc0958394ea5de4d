//! The V4L2 frame source: opens, negotiates, converts, and reopens a camera that went away.

use super::camera::{Camera, CameraOpener, CameraPixelFormat, Mode};
use super::convert::yuyv_to_rgb;
use super::negotiate::{negotiate, Wanted};
use crate::source::{Cause, FrameSource, Pacing, SourceError};
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::SourceKind;
use std::os::fd::BorrowedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Longest wait between two attempts to reopen a lost camera (`capture.reconnect_delay_ms`
/// is the first wait; each failure doubles it up to this).
pub const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(2);

struct Streaming<C> {
    camera: C,
    mode: Mode,
    stride: usize,
}

/// A V4L2 camera as a [`FrameSource`].
pub struct V4l2Source<O: CameraOpener> {
    opener: O,
    path: PathBuf,
    wanted: Wanted,
    streaming: Option<Streaming<O::Camera>>,
    first_delay: Duration,
    /// The wait asked for before the next attempt, and when it was asked for. The capture
    /// loop waits it out asynchronously ([`FrameSource::retry_delay`]), so a stop request is
    /// never held up by a reconnect.
    backoff: Option<(Duration, Instant)>,
    opened: u32,
}

impl<O: CameraOpener> V4l2Source<O> {
    /// A source for the camera at `path`; it is opened on first use. After a failure the
    /// next attempt waits `first_delay`, doubling up to [`MAX_RECONNECT_DELAY`].
    pub fn new(opener: O, path: &Path, wanted: Wanted, first_delay: Duration) -> Self {
        Self {
            opener,
            path: path.to_owned(),
            wanted,
            streaming: None,
            first_delay,
            backoff: None,
            opened: 0,
        }
    }

    /// The wait asked for before the next attempt to open the camera, if one failed.
    pub fn backoff(&self) -> Option<Duration> {
        self.backoff.map(|(delay, _)| delay)
    }

    /// How often the camera was opened successfully.
    pub fn times_opened(&self) -> u32 {
        self.opened
    }

    /// The mode streaming now, if any.
    pub fn mode(&self) -> Option<Mode> {
        self.streaming.as_ref().map(|s| s.mode)
    }

    fn connect(&mut self) -> Result<(), SourceError> {
        match self.open_and_start() {
            Ok(streaming) => {
                tracing::info!(
                    device = %self.path.display(),
                    format = ?streaming.mode.format,
                    width = streaming.mode.width,
                    height = streaming.mode.height,
                    "camera streaming"
                );
                self.streaming = Some(streaming);
                self.backoff = None;
                self.opened += 1;
                Ok(())
            }
            Err(error) => {
                let delay = self.backoff().map_or(self.first_delay, |d| d * 2);
                self.backoff = Some((delay.min(MAX_RECONNECT_DELAY), Instant::now()));
                Err(error)
            }
        }
    }

    fn open_and_start(&self) -> Result<Streaming<O::Camera>, SourceError> {
        let open_error = |cause: Cause| SourceError::Open {
            source_name: format!("camera {}", self.path.display()),
            source: cause,
        };
        let mut camera = self
            .opener
            .open(&self.path)
            .map_err(|e| open_error(e.into()))?;
        let modes = camera.modes().map_err(|e| open_error(e.into()))?;
        let mode = negotiate(&modes, self.wanted).map_err(|e| open_error(e.into()))?;
        let stride = camera
            .start(&mode, self.wanted.fps)
            .map_err(|e| open_error(e.into()))?;
        Ok(Streaming {
            camera,
            mode,
            stride,
        })
    }

    fn lose(&mut self, cause: Cause) -> SourceError {
        tracing::warn!(device = %self.path.display(), reason = %cause, "camera lost, will reopen");
        self.streaming = None;
        self.backoff = Some((self.first_delay, Instant::now()));
        SourceError::Disconnected(cause)
    }
}

impl<O: CameraOpener> FrameSource for V4l2Source<O> {
    fn kind(&self) -> SourceKind {
        SourceKind::V4l2
    }

    fn size(&self) -> (u32, u32) {
        self.mode()
            .map_or((self.wanted.width, self.wanted.height), |m| {
                (m.width, m.height)
            })
    }

    fn pacing(&self) -> Pacing {
        Pacing::Device
    }

    fn retry_delay(&self) -> Duration {
        match (&self.streaming, self.backoff) {
            (None, Some((delay, since))) => delay.saturating_sub(since.elapsed()),
            _ => Duration::ZERO,
        }
    }

    fn frame_fd(&self) -> Option<BorrowedFd<'_>> {
        self.streaming.as_ref()?.camera.frame_fd()
    }

    fn ready(&mut self) -> Result<(), SourceError> {
        if self.streaming.is_none() {
            self.connect()?;
        }
        Ok(())
    }

    fn fill(&mut self, frame: &mut [u8]) -> Result<u64, SourceError> {
        let Some(streaming) = self.streaming.as_mut() else {
            return Err(SourceError::Disconnected("camera not open".into()));
        };
        let (width, height) = (
            streaming.mode.width as usize,
            streaming.mode.height as usize,
        );
        let (format, stride) = (streaming.mode.format, streaming.stride);
        let mut converted: Result<(), SourceError> = Ok(());
        let mut captured = 0;
        let read = streaming.camera.read_frame(&mut |bytes| {
            captured = monotonic_ns();
            converted = match format {
                CameraPixelFormat::Yuyv => {
                    if yuyv_to_rgb(bytes, width, height, stride.max(width * 2), frame) {
                        Ok(())
                    } else {
                        Err(SourceError::frame(
                            "convert",
                            format!("short YUYV frame of {} bytes", bytes.len()),
                        ))
                    }
                }
                CameraPixelFormat::Mjpeg => mm_codec::decode_rgb_into(bytes, width, height, frame)
                    .map_err(|e| SourceError::frame("MJPEG decode", e)),
            };
        });
        match read {
            Ok(()) => converted.map(|()| captured),
            Err(error) => Err(self.lose(error.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mm_runtime::config::V4l2FormatChoice;
    use std::cell::RefCell;
    use std::io;
    use std::rc::Rc;

    /// A scripted camera: a list of open results, each camera failing after some frames.
    #[derive(Clone)]
    struct ScriptedOpener {
        script: Rc<RefCell<Vec<Option<u32>>>>,
    }

    struct ScriptedCamera {
        frames_left: u32,
    }

    impl Camera for ScriptedCamera {
        fn modes(&mut self) -> io::Result<Vec<Mode>> {
            Ok(vec![Mode {
                format: CameraPixelFormat::Yuyv,
                width: 4,
                height: 2,
                max_fps: 30.0,
            }])
        }

        fn start(&mut self, mode: &Mode, _fps: u32) -> io::Result<usize> {
            Ok(mode.width as usize * 2)
        }

        fn read_frame(&mut self, consume: &mut dyn FnMut(&[u8])) -> io::Result<()> {
            if self.frames_left == 0 {
                return Err(io::Error::from_raw_os_error(19)); // ENODEV: unplugged
            }
            self.frames_left -= 1;
            consume(&[235, 128, 235, 128].repeat(4));
            Ok(())
        }
    }

    impl CameraOpener for ScriptedOpener {
        type Camera = ScriptedCamera;
        fn open(&self, _path: &Path) -> io::Result<ScriptedCamera> {
            match self.script.borrow_mut().remove(0) {
                Some(frames_left) => Ok(ScriptedCamera { frames_left }),
                None => Err(io::Error::from_raw_os_error(2)),
            }
        }
    }

    fn source(script: Vec<Option<u32>>) -> V4l2Source<ScriptedOpener> {
        let wanted = Wanted {
            width: 4,
            height: 2,
            fps: 30,
            format: V4l2FormatChoice::Auto,
        };
        let opener = ScriptedOpener {
            script: Rc::new(RefCell::new(script)),
        };
        V4l2Source::new(
            opener,
            Path::new("/dev/video9"),
            wanted,
            Duration::from_millis(100),
        )
    }

    #[test]
    fn streams_converted_frames() {
        let mut source = source(vec![Some(5)]);
        source.ready().unwrap();
        let mut frame = vec![0u8; 4 * 2 * 3];
        assert!(source.fill(&mut frame).unwrap() > 0);
        assert!(frame.iter().all(|&b| b == 255));
        assert_eq!(source.backoff(), None);
        assert_eq!(source.retry_delay(), Duration::ZERO);
    }

    #[test]
    fn reopens_a_lost_camera_with_growing_delays() {
        // First camera gives one frame and is unplugged; two opens fail; then it is back.
        let mut source = source(vec![Some(1), None, None, Some(3)]);
        let mut frame = vec![0u8; 4 * 2 * 3];
        source.ready().unwrap();
        source.fill(&mut frame).unwrap();
        assert!(matches!(
            source.fill(&mut frame),
            Err(SourceError::Disconnected(_))
        ));
        let mut delays = vec![source.backoff()];
        // The capture loop waits this long, asynchronously, before the next attempt.
        assert!(source.retry_delay() > Duration::from_millis(50));
        assert!(source.ready().is_err());
        delays.push(source.backoff());
        assert!(source.ready().is_err());
        delays.push(source.backoff());
        source.ready().unwrap();
        source.fill(&mut frame).unwrap();
        assert_eq!(source.times_opened(), 2);
        assert_eq!(source.backoff(), None);
        let ms: Vec<u128> = delays.iter().map(|d| d.unwrap().as_millis()).collect();
        assert_eq!(ms, [100, 200, 400]);
    }

    #[test]
    fn the_delay_is_capped() {
        let mut source = source(vec![None; 8]);
        for _ in 0..8 {
            assert!(source.ready().is_err());
        }
        assert_eq!(source.backoff(), Some(MAX_RECONNECT_DELAY));
        assert!(source.retry_delay() <= MAX_RECONNECT_DELAY);
    }
}
