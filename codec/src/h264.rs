//! H.264 for RTMP and recordings: packed RGB24 frames in, access units out, encoded once.
//!
//! RGB → I420 is one SIMD pass (`yuvutils-rs`) straight from the caller's buffer (a
//! shared-memory sample) into the encoder's frame. Timestamps are the frames' capture times,
//! never a counter: a camera that delivers 27 of its nominal 30 fps still plays in real time.
//! Keyframes come every `gop` of capture time, each with SPS and PPS in front, so a consumer
//! that joins late starts at the next one; there are no B-frames.

use ffmpeg::format::Pixel;
use ffmpeg::{Dictionary, Rational};
use ffmpeg_next as ffmpeg;
use std::time::Duration;
use yuvutils_rs::{
    rgb_to_yuv420, BufferStoreMut, YuvConversionMode, YuvPlanarImageMut, YuvRange,
    YuvStandardMatrix,
};

/// Time base of the access units: microseconds since the first frame.
pub const TIME_BASE_US: i32 = 1_000_000;

/// How to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H264Settings {
    /// FFmpeg encoder name (`libx264`, `h264_v4l2m2m`, ...).
    pub encoder: String,
    /// Frame width (even).
    pub width: u32,
    /// Frame height (even).
    pub height: u32,
    /// Nominal frames per second (rate control and the stream's declared rate).
    pub fps: u32,
    /// Capture time between keyframes.
    pub gop: Duration,
    /// Target bitrate, bits per second; also the VBV maximum, with a one-second buffer.
    pub bitrate: u64,
    /// H.264 profile (`baseline`, `main`, `high`); empty for the encoder's default.
    pub profile: String,
}

impl H264Settings {
    /// libx264 at the encoder's default profile.
    pub fn libx264(width: u32, height: u32, fps: u32, gop: Duration, bitrate: u64) -> Self {
        Self {
            encoder: "libx264".to_owned(),
            width,
            height,
            fps,
            gop,
            bitrate,
            profile: String::new(),
        }
    }
}

/// Hardware encoders `auto` tries, in order, before libx264: Jetson's (nvmpi), NVIDIA
/// desktop GPUs' (nvenc), and the V4L2 memory-to-memory encoders of other boards.
pub const HARDWARE_ENCODERS: [&str; 3] = ["h264_nvmpi", "h264_nvenc", "h264_v4l2m2m"];

/// Why the encoder could not start or a frame could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum H264Error {
    /// FFmpeg has no encoder of that name.
    #[error("no H.264 encoder named {0} in this FFmpeg")]
    NoEncoder(String),
    /// The encoder refused the settings, or failed.
    #[error("H.264 encoder {step}")]
    Ffmpeg {
        /// What was being done.
        step: &'static str,
        /// FFmpeg's error.
        #[source]
        source: ffmpeg::Error,
    },
    /// The frame does not match the settings.
    #[error("frame of {len} bytes with stride {stride}: {width}x{height} RGB24 needs more")]
    FrameSize {
        /// Bytes given.
        len: usize,
        /// Bytes per row given.
        stride: usize,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// The colour conversion failed.
    #[error("RGB to I420")]
    Convert(#[source] yuvutils_rs::YuvError),
}

/// One encoded access unit (Annex B byte stream).
#[derive(Debug, Clone, Copy)]
pub struct AccessUnit<'a> {
    /// The NAL units, start codes included; SPS and PPS lead every keyframe.
    pub data: &'a [u8],
    /// Presentation time, µs since the first frame ([`TIME_BASE_US`]).
    pub pts_us: i64,
    /// Decoding time, µs (equal to `pts_us`: no B-frames).
    pub dts_us: i64,
    /// Whether a decoder can start here.
    pub keyframe: bool,
}

/// An open H.264 encoder.
pub struct H264Encoder {
    encoder: ffmpeg::encoder::Video,
    frame: ffmpeg::frame::Video,
    packet: ffmpeg::Packet,
    settings: H264Settings,
    first_capture_ns: Option<u64>,
    last_pts_us: Option<i64>,
    next_keyframe_us: i64,
}

impl H264Encoder {
    /// Opens the encoder named in `settings`; for `libx264`: `ultrafast`, `zerolatency`, no
    /// scene-cut keyframes, headers repeated on every keyframe.
    pub fn open(settings: H264Settings) -> Result<Self, H264Error> {
        // libx264 prints its statistics at info level when it closes.
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Error);
        Self::open_quietly(settings)
    }

    /// [`H264Encoder::open`] without touching FFmpeg's log level.
    fn open_quietly(settings: H264Settings) -> Result<Self, H264Error> {
        let ffmpeg_error = |step| move |source| H264Error::Ffmpeg { step, source };
        ffmpeg::init().map_err(ffmpeg_error("init"))?;
        let codec = ffmpeg::encoder::find_by_name(&settings.encoder)
            .ok_or_else(|| H264Error::NoEncoder(settings.encoder.clone()))?;
        let mut video = ffmpeg::codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(ffmpeg_error("context"))?;
        video.set_width(settings.width);
        video.set_height(settings.height);
        video.set_format(Pixel::YUV420P);
        video.set_time_base(Rational::new(1, TIME_BASE_US));
        video.set_frame_rate(Some(Rational::new(settings.fps.max(1) as i32, 1)));
        let gop_frames = (settings.gop.as_secs_f64() * f64::from(settings.fps)).round() as u32;
        // Keyframes are forced by capture time; the encoder's own interval is only a backstop.
        video.set_gop(gop_frames.saturating_mul(2).max(1));
        video.set_max_b_frames(0);
        video.set_bit_rate(settings.bitrate as usize);
        video.set_max_bit_rate(settings.bitrate as usize);
        // SAFETY: the context is exclusively ours and not yet open; rc_buffer_size is a
        // plain field libavcodec reads when the encoder opens.
        unsafe {
            (*video.as_mut_ptr()).rc_buffer_size = settings.bitrate.min(i32::MAX as u64) as i32;
        }
        let mut options = Dictionary::new();
        if !settings.profile.is_empty() {
            options.set("profile", &settings.profile);
        }
        if settings.encoder == "libx264" {
            options.set("preset", "ultrafast");
            options.set("tune", "zerolatency");
            options.set("x264-params", "scenecut=0:repeat-headers=1");
        }
        let encoder = video.open_with(options).map_err(ffmpeg_error("open"))?;
        Ok(Self {
            encoder,
            frame: ffmpeg::frame::Video::new(Pixel::YUV420P, settings.width, settings.height),
            packet: ffmpeg::Packet::empty(),
            settings,
            first_capture_ns: None,
            last_pts_us: None,
            next_keyframe_us: 0,
        })
    }

    /// Opens the first of [`HARDWARE_ENCODERS`] that this FFmpeg has and that opens on this
    /// machine (a listed encoder without its device fails to open), else libx264.
    pub fn open_auto(settings: H264Settings) -> Result<Self, H264Error> {
        for name in HARDWARE_ENCODERS {
            let attempt = H264Settings {
                encoder: name.to_owned(),
                ..settings.clone()
            };
            // A missing device is the expected answer here, not an error worth a log line.
            ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Quiet);
            let opened = Self::open_quietly(attempt);
            ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Error);
            if let Ok(encoder) = opened {
                return Ok(encoder);
            }
        }
        Self::open(H264Settings {
            encoder: "libx264".to_owned(),
            ..settings
        })
    }

    /// The settings it runs with (`encoder` names the one `open_auto` chose).
    pub fn settings(&self) -> &H264Settings {
        &self.settings
    }

    /// Makes the next frame a keyframe (a consumer just joined), and restarts the GOP there.
    pub fn force_keyframe(&mut self) {
        self.next_keyframe_us = i64::MIN;
    }

    /// Encodes one frame (packed RGB24, `stride` bytes per row, read in place) captured at
    /// `capture_ns`, and hands every access unit that is ready to `emit`.
    pub fn encode(
        &mut self,
        rgb: &[u8],
        stride: usize,
        capture_ns: u64,
        emit: &mut dyn FnMut(AccessUnit<'_>),
    ) -> Result<(), H264Error> {
        let (width, height) = (self.settings.width, self.settings.height);
        let needed = stride * (height as usize).saturating_sub(1) + width as usize * 3;
        if stride < width as usize * 3 || rgb.len() < needed {
            return Err(H264Error::FrameSize {
                len: rgb.len(),
                stride,
                width,
                height,
            });
        }
        self.convert(rgb, stride)?;
        let first = *self.first_capture_ns.get_or_insert(capture_ns);
        let mut pts_us = (capture_ns.saturating_sub(first) / 1000) as i64;
        // Two frames may not share a timestamp.
        if let Some(last) = self.last_pts_us {
            pts_us = pts_us.max(last + 1);
        }
        self.last_pts_us = Some(pts_us);
        self.frame.set_pts(Some(pts_us));
        let keyframe = pts_us >= self.next_keyframe_us;
        if keyframe {
            self.next_keyframe_us = pts_us + self.settings.gop.as_micros() as i64;
        }
        self.frame.set_kind(if keyframe {
            ffmpeg::picture::Type::I
        } else {
            ffmpeg::picture::Type::None
        });
        self.encoder
            .send_frame(&self.frame)
            .map_err(|source| H264Error::Ffmpeg {
                step: "send_frame",
                source,
            })?;
        self.drain(emit)
    }

    /// Ends the stream: every access unit still inside the encoder goes to `emit`.
    pub fn finish(&mut self, emit: &mut dyn FnMut(AccessUnit<'_>)) -> Result<(), H264Error> {
        self.encoder
            .send_eof()
            .map_err(|source| H264Error::Ffmpeg {
                step: "send_eof",
                source,
            })?;
        self.drain(emit)
    }

    fn drain(&mut self, emit: &mut dyn FnMut(AccessUnit<'_>)) -> Result<(), H264Error> {
        loop {
            match self.encoder.receive_packet(&mut self.packet) {
                Ok(()) => {
                    let pts_us = self.packet.pts().unwrap_or_default();
                    emit(AccessUnit {
                        data: self.packet.data().unwrap_or_default(),
                        pts_us,
                        dts_us: self.packet.dts().unwrap_or(pts_us),
                        keyframe: self.packet.is_key(),
                    });
                }
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    return Ok(())
                }
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(source) => {
                    return Err(H264Error::Ffmpeg {
                        step: "receive_packet",
                        source,
                    })
                }
            }
        }
    }

    /// RGB24 → I420 into the encoder's frame, one pass.
    fn convert(&mut self, rgb: &[u8], stride: usize) -> Result<(), H264Error> {
        // An encoder may keep a reference to the buffer of the frame it was sent last (libx264
        // copies it at once, others need not): writing over it would change a picture it
        // still encodes. Then FFmpeg gives the frame a fresh buffer of the same layout.
        // SAFETY: the frame is ours and valid; the call only replaces its buffers.
        let made_writable = unsafe { ffmpeg::ffi::av_frame_make_writable(self.frame.as_mut_ptr()) };
        if made_writable < 0 {
            return Err(H264Error::Ffmpeg {
                step: "frame buffer",
                source: ffmpeg::Error::from(made_writable),
            });
        }
        let (width, height) = (self.settings.width, self.settings.height);
        let chroma_rows = height.div_ceil(2) as usize;
        let strides = [
            self.frame.stride(0),
            self.frame.stride(1),
            self.frame.stride(2),
        ];
        let rows = [height as usize, chroma_rows, chroma_rows];
        // SAFETY: the three planes of a YUV420P frame are separate allocations (or disjoint
        // parts of one), each `stride * rows` bytes long; the slices live only within this
        // call, while `self.frame` is borrowed mutably and not otherwise touched.
        let [y, u, v] = unsafe {
            let frame = self.frame.as_mut_ptr();
            [0, 1, 2].map(|plane| {
                std::slice::from_raw_parts_mut((*frame).data[plane], strides[plane] * rows[plane])
            })
        };
        let mut planar = YuvPlanarImageMut {
            y_plane: BufferStoreMut::Borrowed(y),
            y_stride: strides[0] as u32,
            u_plane: BufferStoreMut::Borrowed(u),
            u_stride: strides[1] as u32,
            v_plane: BufferStoreMut::Borrowed(v),
            v_stride: strides[2] as u32,
            width,
            height,
        };
        let rows_needed = stride * height as usize;
        let rgb = &rgb[..rows_needed.min(rgb.len())];
        rgb_to_yuv420(
            &mut planar,
            rgb,
            stride as u32,
            YuvRange::Limited,
            YuvStandardMatrix::Bt709,
            YuvConversionMode::Balanced,
        )
        .map_err(H264Error::Convert)
    }
}
