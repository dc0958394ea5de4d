//! The seam between V4L2 logic and the device: a trait, and its implementation over `v4l`.

use std::io;
use std::os::fd::BorrowedFd;
use std::path::Path;
use std::time::Duration;
use v4l::buffer::Type;
use v4l::format::FourCC;
use v4l::frameinterval::FrameIntervalEnum;
use v4l::framesize::FrameSizeEnum;
use v4l::io::mmap::Stream;
use v4l::io::traits::CaptureStream;
use v4l::video::Capture;
use v4l::{Device, Format, Fraction};

/// How long the first read after (re)opening waits for the camera (warm-up), blocking, before
/// the device counts as lost. Later frames are awaited by the capture loop
/// ([`crate::device_wait`]) for as long, without blocking.
const FIRST_READ_TIMEOUT: Duration = crate::device_wait::FRAME_WAIT;
/// A read after the loop saw the descriptor readable (or waited in vain): it finds the frame
/// at once, or the camera has stalled.
const READ_TIMEOUT: Duration = Duration::from_millis(100);
/// Kernel buffers queued for the camera.
const BUFFER_COUNT: u32 = 4;
/// Sizes tried on cameras that describe their sizes as ranges.
const STEPWISE_SIZES: [(u32, u32); 4] = [(640, 480), (1280, 720), (1920, 1080), (3840, 2160)];

/// Pixel formats we can turn into RGB24.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraPixelFormat {
    /// YUYV 4:2:2, converted per pixel.
    Yuyv,
    /// Motion JPEG, decoded once.
    Mjpeg,
}

impl CameraPixelFormat {
    fn fourcc(self) -> FourCC {
        match self {
            CameraPixelFormat::Yuyv => FourCC::new(b"YUYV"),
            CameraPixelFormat::Mjpeg => FourCC::new(b"MJPG"),
        }
    }

    fn from_fourcc(fourcc: FourCC) -> Option<Self> {
        match &fourcc.repr {
            b"YUYV" => Some(CameraPixelFormat::Yuyv),
            b"MJPG" => Some(CameraPixelFormat::Mjpeg),
            _ => None,
        }
    }
}

/// One format, size and the highest rate a camera offers for them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mode {
    /// Pixel format.
    pub format: CameraPixelFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Highest frame rate for this format and size.
    pub max_fps: f32,
}

/// An open camera.
pub trait Camera {
    /// Every mode the camera offers in a format we can convert.
    fn modes(&mut self) -> io::Result<Vec<Mode>>;

    /// Configures `mode` at `fps` and starts streaming; returns the bytes per row of frames.
    fn start(&mut self, mode: &Mode, fps: u32) -> io::Result<usize>;

    /// Waits for the next frame and hands its bytes to `consume`.
    fn read_frame(&mut self, consume: &mut dyn FnMut(&[u8])) -> io::Result<()>;

    /// Once frames flow: the descriptor that turns readable when the next one is ready, for
    /// the capture loop to wait on asynchronously (then `read_frame` does not block).
    fn frame_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
}

/// Opens cameras by path.
pub trait CameraOpener {
    /// The camera type opened.
    type Camera: Camera;

    /// Opens the device at `path`.
    fn open(&self, path: &Path) -> io::Result<Self::Camera>;
}

/// Opens real V4L2 devices.
#[derive(Debug, Clone, Copy, Default)]
pub struct V4lOpener;

impl CameraOpener for V4lOpener {
    type Camera = V4lCamera;

    fn open(&self, path: &Path) -> io::Result<V4lCamera> {
        Ok(V4lCamera {
            device: Device::with_path(path)?,
            stream: None,
            flowing: false,
        })
    }
}

/// A real V4L2 device, streaming through kernel mmap buffers.
pub struct V4lCamera {
    device: Device,
    stream: Option<Stream<'static>>,
    /// A frame came since `start`: the stream is on and `frame_fd` is worth waiting on.
    flowing: bool,
}

impl V4lCamera {
    fn max_fps(&self, fourcc: FourCC, width: u32, height: u32) -> io::Result<f32> {
        let fps_of = |interval: Fraction| {
            if interval.numerator == 0 {
                0.0
            } else {
                interval.denominator as f32 / interval.numerator as f32
            }
        };
        let intervals = self.device.enum_frameintervals(fourcc, width, height)?;
        Ok(intervals
            .into_iter()
            .map(|interval| match interval.interval {
                FrameIntervalEnum::Discrete(fraction) => fps_of(fraction),
                FrameIntervalEnum::Stepwise(stepwise) => fps_of(stepwise.min),
            })
            .fold(0.0, f32::max))
    }
}

impl Camera for V4lCamera {
    fn modes(&mut self) -> io::Result<Vec<Mode>> {
        let mut modes = Vec::new();
        for description in self.device.enum_formats()? {
            let Some(format) = CameraPixelFormat::from_fourcc(description.fourcc) else {
                continue;
            };
            for size in self.device.enum_framesizes(description.fourcc)? {
                let sizes: Vec<(u32, u32)> = match size.size {
                    FrameSizeEnum::Discrete(discrete) => vec![(discrete.width, discrete.height)],
                    FrameSizeEnum::Stepwise(range) => STEPWISE_SIZES
                        .into_iter()
                        .filter(|&(w, h)| {
                            (range.min_width..=range.max_width).contains(&w)
                                && (range.min_height..=range.max_height).contains(&h)
                        })
                        .collect(),
                };
                for (width, height) in sizes {
                    let max_fps = self.max_fps(description.fourcc, width, height)?;
                    modes.push(Mode {
                        format,
                        width,
                        height,
                        max_fps,
                    });
                }
            }
        }
        Ok(modes)
    }

    fn start(&mut self, mode: &Mode, fps: u32) -> io::Result<usize> {
        self.stream = None;
        self.flowing = false;
        let format =
            self.device
                .set_format(&Format::new(mode.width, mode.height, mode.format.fourcc()))?;
        if (format.width, format.height) != (mode.width, mode.height) {
            return Err(io::Error::other(format!(
                "camera chose {}x{} instead of {}x{}",
                format.width, format.height, mode.width, mode.height
            )));
        }
        self.device
            .set_params(&v4l::video::capture::Parameters::with_fps(fps))?;
        let mut stream = Stream::with_buffers(&self.device, Type::VideoCapture, BUFFER_COUNT)?;
        stream.set_timeout(FIRST_READ_TIMEOUT);
        self.stream = Some(stream);
        Ok(format.stride as usize)
    }

    fn read_frame(&mut self, consume: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| io::Error::other("camera not started"))?;
        let (bytes, meta) = stream.next()?;
        let used = (meta.bytesused as usize).min(bytes.len());
        consume(&bytes[..used]);
        if !self.flowing {
            self.flowing = true;
            stream.set_timeout(READ_TIMEOUT);
        }
        Ok(())
    }

    fn frame_fd(&self) -> Option<BorrowedFd<'_>> {
        if !self.flowing {
            return None;
        }
        // SAFETY: the descriptor belongs to `self.device`, which stays open for as long as
        // `self` lives; the returned borrow of `self` ends before the device can be dropped.
        Some(unsafe { BorrowedFd::borrow_raw(self.device.handle().fd()) })
    }
}
