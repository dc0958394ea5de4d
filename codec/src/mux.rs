//! H.264 access units into a container, never re-encoded: fragmented MP4 files for recordings,
//! FLV over RTMP for Livepeer (with the silent AAC track its ingest wants).
//!
//! Every blocking call into FFmpeg's I/O (connecting, writing to a stalled server) runs under
//! a deadline: FFmpeg polls [`IoDeadline`] through its interrupt callback and gives up when it
//! passes, so a dead ingest costs at most [`MuxSettings::io_timeout`], never a hung thread.

use crate::annexb;
use ffmpeg::codec::Id;
use ffmpeg::format::context::Output;
use ffmpeg::{Dictionary, Packet, Rational};
use ffmpeg_next as ffmpeg;
use std::ffi::{c_int, c_void, CString};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Time base of the timestamps given to [`H264Muxer::write_video`]: microseconds.
const MICROSECONDS: Rational = Rational(1, 1_000_000);
/// The silent track's sample rate (Livepeer transcodes audio at 48 kHz anyway).
const AUDIO_RATE: i32 = 48_000;
/// Silent frames encoded before one is kept as the template: the first ones carry the
/// encoder's start-up (priming) state.
const AUDIO_WARM_UP_FRAMES: usize = 8;

/// Where the units go.
#[derive(Debug, Clone, Copy)]
pub enum MuxTarget<'a> {
    /// A fragmented MP4 file: every fragment that was written plays, even after a crash.
    FragmentedMp4 {
        /// The file (created or truncated).
        path: &'a Path,
        /// Longest fragment; a fragment also ends at every keyframe.
        fragment: Duration,
    },
    /// FLV over RTMP.
    Rtmp {
        /// The full URL, stream key included.
        url: &'a str,
        /// The URL as errors may show it (without the key).
        shown_as: &'a str,
    },
}

impl MuxTarget<'_> {
    fn shown_as(&self) -> String {
        match self {
            MuxTarget::FragmentedMp4 { path, .. } => path.display().to_string(),
            MuxTarget::Rtmp { shown_as, .. } => (*shown_as).to_owned(),
        }
    }
}

/// What goes into the container.
#[derive(Debug, Clone)]
pub struct MuxSettings {
    /// Video width.
    pub width: u32,
    /// Video height.
    pub height: u32,
    /// Nominal frames per second (declared only; timestamps decide the playback speed).
    pub fps: u32,
    /// A keyframe access unit (Annex B): its SPS and PPS become the stream's header.
    pub first_keyframe: Vec<u8>,
    /// Add a silent AAC track (mono, 48 kHz).
    pub silent_audio: bool,
    /// Longest any single connect or write may block.
    pub io_timeout: Duration,
}

/// Why a container could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum MuxError {
    /// The file or the connection could not be opened.
    #[error("cannot open {target}")]
    Open {
        /// What was opened (an RTMP URL without its key).
        target: String,
        /// FFmpeg's error.
        #[source]
        source: ffmpeg::Error,
    },
    /// The keyframe has no SPS and PPS to describe the stream with.
    #[error("the first keyframe carries no SPS/PPS")]
    NoParameterSets,
    /// This FFmpeg has no AAC encoder for the silent track.
    #[error("no AAC encoder in this FFmpeg")]
    NoAacEncoder,
    /// A step of muxing failed (a write to a server that went away, a full disk).
    #[error("{step}")]
    Ffmpeg {
        /// What was being done.
        step: &'static str,
        /// FFmpeg's error.
        #[source]
        source: ffmpeg::Error,
    },
}

fn ffmpeg_error(step: &'static str) -> impl FnOnce(ffmpeg::Error) -> MuxError {
    move |source| MuxError::Ffmpeg { step, source }
}

/// The deadline FFmpeg's interrupt callback checks: milliseconds after `epoch`, 0 for none.
struct IoDeadline {
    epoch: Instant,
    deadline_ms: AtomicU64,
}

impl IoDeadline {
    fn arm(&self, timeout: Duration) {
        let deadline = self.epoch.elapsed() + timeout;
        self.deadline_ms
            .store(deadline.as_millis().max(1) as u64, Ordering::Relaxed);
    }

    fn disarm(&self) {
        self.deadline_ms.store(0, Ordering::Relaxed);
    }

    fn passed(&self) -> bool {
        let deadline = self.deadline_ms.load(Ordering::Relaxed);
        deadline != 0 && self.epoch.elapsed().as_millis() as u64 >= deadline
    }
}

extern "C" fn io_interrupted(opaque: *mut c_void) -> c_int {
    // SAFETY: `opaque` is the boxed IoDeadline of the H264Muxer that owns the output context;
    // the muxer drops the context (the only caller) before the box.
    let deadline = unsafe { &*(opaque as *const IoDeadline) };
    c_int::from(deadline.passed())
}

/// The silent track: one steady-state AAC frame of silence, sent again at every 1024 samples.
struct SilentAudio {
    stream: usize,
    frame: Vec<u8>,
    frame_samples: i64,
    next_sample: i64,
}

impl SilentAudio {
    fn next_time_us(&self) -> i64 {
        self.next_sample * 1_000_000 / i64::from(AUDIO_RATE)
    }
}

/// An open container that H.264 access units are written into.
pub struct H264Muxer {
    // Declared before `deadline`: the context (which calls back into it) is dropped first.
    output: Output,
    video_stream: usize,
    audio: Option<SilentAudio>,
    origin_us: Option<i64>,
    last_pts_us: i64,
    bytes: u64,
    fps: u32,
    io_timeout: Duration,
    deadline: Box<IoDeadline>,
}

impl H264Muxer {
    /// Opens `target` (connecting, for RTMP) and writes the container's header.
    pub fn create(target: MuxTarget<'_>, settings: &MuxSettings) -> Result<Self, MuxError> {
        ffmpeg::init().map_err(ffmpeg_error("init"))?;
        let parameter_sets = annexb::parameter_sets(&settings.first_keyframe);
        if parameter_sets.is_empty() {
            return Err(MuxError::NoParameterSets);
        }
        let deadline = Box::new(IoDeadline {
            epoch: Instant::now(),
            deadline_ms: AtomicU64::new(0),
        });
        let open_error = |source| MuxError::Open {
            target: target.shown_as(),
            source,
        };
        let (url, format, mut header_options) = match target {
            MuxTarget::FragmentedMp4 { path, fragment } => {
                let mut options = Dictionary::new();
                options.set("movflags", "+frag_keyframe+empty_moov+default_base_moof");
                options.set("frag_duration", &fragment.as_micros().to_string());
                (path.display().to_string(), "mp4", options)
            }
            MuxTarget::Rtmp { url, .. } => {
                let mut options = Dictionary::new();
                options.set("flvflags", "no_duration_filesize");
                (url.to_owned(), "flv", options)
            }
        };
        deadline.arm(settings.io_timeout);
        let opened = open_output(&url, format, &deadline);
        deadline.disarm();
        let mut output = opened.map_err(open_error)?;
        let global_header = output
            .format()
            .flags()
            .contains(ffmpeg::format::Flags::GLOBAL_HEADER);
        let video_stream = add_video_stream(&mut output, settings, &parameter_sets)?;
        let audio = if settings.silent_audio {
            Some(add_silent_audio(&mut output, global_header)?)
        } else {
            None
        };
        header_options.set("flush_packets", "1");
        deadline.arm(settings.io_timeout);
        let header = output.write_header_with(header_options).map(drop);
        deadline.disarm();
        header.map_err(ffmpeg_error("writing the container header"))?;
        Ok(Self {
            output,
            video_stream,
            audio,
            origin_us: None,
            last_pts_us: i64::MIN,
            bytes: 0,
            fps: settings.fps.max(1),
            io_timeout: settings.io_timeout,
            deadline,
        })
    }

    /// Writes one access unit (Annex B) captured at `pts_us` (any origin: the first unit
    /// written becomes time 0), with the silent audio up to it. A unit that is not later
    /// than the previous one is skipped: a container's timestamps must increase.
    pub fn write_video(
        &mut self,
        data: &[u8],
        pts_us: i64,
        keyframe: bool,
    ) -> Result<(), MuxError> {
        let origin = *self.origin_us.get_or_insert(pts_us);
        let pts_us = pts_us - origin;
        if pts_us <= self.last_pts_us {
            return Ok(());
        }
        self.last_pts_us = pts_us;
        self.deadline.arm(self.io_timeout);
        let written = self.write_audio_until(pts_us).and_then(|()| {
            let mut packet = Packet::copy(data);
            packet.set_stream(self.video_stream);
            packet.set_pts(Some(pts_us));
            packet.set_dts(Some(pts_us));
            // Only the last frame's duration comes from here; the others' are the gaps to
            // their successors.
            packet.set_duration(1_000_000 / i64::from(self.fps));
            if keyframe {
                packet.set_flags(ffmpeg::packet::Flags::KEY);
            }
            self.write(packet)
        });
        self.deadline.disarm();
        written?;
        self.bytes += data.len() as u64;
        Ok(())
    }

    /// Media time written: the newest unit's timestamp after the first (µs).
    pub fn duration_us(&self) -> i64 {
        self.last_pts_us.max(0)
    }

    /// Video bytes written.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Writes the container's trailer and closes it.
    pub fn finish(mut self) -> Result<(), MuxError> {
        self.deadline.arm(self.io_timeout);
        let trailer = self.output.write_trailer();
        self.deadline.disarm();
        trailer.map_err(ffmpeg_error("writing the container trailer"))
    }

    fn write_audio_until(&mut self, pts_us: i64) -> Result<(), MuxError> {
        while let Some(audio) = &mut self.audio {
            if audio.next_time_us() > pts_us {
                break;
            }
            let mut packet = Packet::copy(&audio.frame);
            packet.set_stream(audio.stream);
            packet.set_pts(Some(audio.next_time_us()));
            packet.set_dts(Some(audio.next_time_us()));
            packet.set_duration(audio.frame_samples * 1_000_000 / i64::from(AUDIO_RATE));
            packet.set_flags(ffmpeg::packet::Flags::KEY);
            audio.next_sample += audio.frame_samples;
            self.write(packet)?;
        }
        Ok(())
    }

    fn write(&mut self, mut packet: Packet) -> Result<(), MuxError> {
        let time_base = self
            .output
            .stream(packet.stream())
            .map_or(MICROSECONDS, |stream| stream.time_base());
        packet.rescale_ts(MICROSECONDS, time_base);
        packet
            .write_interleaved(&mut self.output)
            .map_err(ffmpeg_error("writing a packet"))
    }
}

/// `avformat_alloc_output_context2` + `avio_open2` with the interrupt callback installed, so
/// the connect itself is bounded by `deadline` (ffmpeg-next opens without one).
fn open_output(url: &str, format: &str, deadline: &IoDeadline) -> Result<Output, ffmpeg::Error> {
    let invalid = || ffmpeg::Error::InvalidData;
    let url = CString::new(url).map_err(|_| invalid())?;
    let format = CString::new(format).map_err(|_| invalid())?;
    // SAFETY: plain FFmpeg calls on a context this function allocates; on failure it is freed
    // here, on success ownership passes to `Output` (which closes the I/O and frees it). The
    // callback's opaque pointer outlives the context (see `H264Muxer`).
    unsafe {
        use ffmpeg::ffi::*;
        let mut context = std::ptr::null_mut();
        let allocated = avformat_alloc_output_context2(
            &mut context,
            std::ptr::null_mut(),
            format.as_ptr(),
            url.as_ptr(),
        );
        if allocated < 0 || context.is_null() {
            return Err(ffmpeg::Error::from(allocated.min(-1)));
        }
        (*context).interrupt_callback = AVIOInterruptCB {
            callback: Some(io_interrupted),
            opaque: deadline as *const IoDeadline as *mut c_void,
        };
        let opened = avio_open2(
            &mut (*context).pb,
            url.as_ptr(),
            AVIO_FLAG_WRITE,
            &(*context).interrupt_callback,
            std::ptr::null_mut(),
        );
        if opened < 0 {
            avformat_free_context(context);
            return Err(ffmpeg::Error::from(opened));
        }
        Ok(Output::wrap(context))
    }
}

fn add_video_stream(
    output: &mut Output,
    settings: &MuxSettings,
    parameter_sets: &[u8],
) -> Result<usize, MuxError> {
    let mut stream = output
        .add_stream(Id::H264)
        .map_err(ffmpeg_error("adding the video stream"))?;
    stream.set_time_base(MICROSECONDS);
    let rate = Rational(settings.fps.max(1) as i32, 1);
    stream.set_rate(rate);
    stream.set_avg_frame_rate(rate);
    // SAFETY: the stream's codec parameters are allocated with the stream and exclusively ours
    // until the header is written; extradata is allocated with FFmpeg's allocator (padded, as
    // FFmpeg requires) and freed by it with the parameters.
    unsafe {
        use ffmpeg::ffi::*;
        let parameters = (*stream.as_mut_ptr()).codecpar;
        (*parameters).codec_type = AVMediaType::AVMEDIA_TYPE_VIDEO;
        (*parameters).codec_id = AVCodecID::AV_CODEC_ID_H264;
        (*parameters).width = settings.width as c_int;
        (*parameters).height = settings.height as c_int;
        (*parameters).format = AVPixelFormat::AV_PIX_FMT_YUV420P as c_int;
        let padded = parameter_sets.len() + AV_INPUT_BUFFER_PADDING_SIZE as usize;
        let extradata = av_mallocz(padded) as *mut u8;
        if extradata.is_null() {
            return Err(MuxError::Ffmpeg {
                step: "allocating the stream header",
                source: ffmpeg::Error::Other {
                    errno: ffmpeg::util::error::ENOMEM,
                },
            });
        }
        std::ptr::copy_nonoverlapping(parameter_sets.as_ptr(), extradata, parameter_sets.len());
        (*parameters).extradata = extradata;
        (*parameters).extradata_size = parameter_sets.len() as c_int;
    }
    Ok(stream.index())
}

/// Adds the AAC track and encodes the one frame of silence it repeats.
fn add_silent_audio(output: &mut Output, global_header: bool) -> Result<SilentAudio, MuxError> {
    use ffmpeg::format::sample::Type as SampleType;
    use ffmpeg::format::Sample;
    use ffmpeg::ChannelLayout;
    let codec = ffmpeg::encoder::find(Id::AAC).ok_or(MuxError::NoAacEncoder)?;
    let mut context = ffmpeg::codec::context::Context::new_with_codec(codec)
        .encoder()
        .audio()
        .map_err(ffmpeg_error("AAC context"))?;
    context.set_rate(AUDIO_RATE);
    context.set_channel_layout(ChannelLayout::MONO);
    context.set_format(Sample::F32(SampleType::Planar));
    context.set_bit_rate(32_000);
    context.set_time_base(Rational(1, AUDIO_RATE));
    if global_header {
        context.set_flags(ffmpeg::codec::Flags::GLOBAL_HEADER);
    }
    let mut encoder = context.open().map_err(ffmpeg_error("opening AAC"))?;
    let frame_samples = match encoder.frame_size() {
        0 => 1024,
        samples => samples as usize,
    };
    let mut stream = output
        .add_stream(codec)
        .map_err(ffmpeg_error("adding the audio stream"))?;
    stream.set_time_base(Rational(1, AUDIO_RATE));
    stream.set_parameters(&encoder);
    let stream_index = stream.index();
    let mut silence = ffmpeg::frame::Audio::new(
        Sample::F32(SampleType::Planar),
        frame_samples,
        ChannelLayout::MONO,
    );
    silence.set_rate(AUDIO_RATE as u32);
    silence.plane_mut::<f32>(0).fill(0.0);
    let mut template = Vec::new();
    let mut packet = Packet::empty();
    for index in 0..AUDIO_WARM_UP_FRAMES {
        silence.set_pts(Some((index * frame_samples) as i64));
        encoder
            .send_frame(&silence)
            .map_err(ffmpeg_error("encoding silence"))?;
        while encoder.receive_packet(&mut packet).is_ok() {
            template = packet.data().unwrap_or_default().to_vec();
        }
    }
    if template.is_empty() {
        return Err(MuxError::Ffmpeg {
            step: "encoding silence",
            source: ffmpeg::Error::InvalidData,
        });
    }
    Ok(SilentAudio {
        stream: stream_index,
        frame: template,
        frame_samples: frame_samples as i64,
        next_sample: 0,
    })
}
