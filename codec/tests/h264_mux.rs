//! Access units into fragmented MP4: FFmpeg's demuxer reads back the video at its size and
//! the capture timestamps' speed, the silent AAC track, and, from a file whose writer died
//! before its trailer, every fragment that was written.

// The helpers below are test code too: a failed unwrap is the test's failure message.
#![allow(clippy::unwrap_used)]

use ffmpeg_next as ffmpeg;
use mm_codec::h264::{H264Encoder, H264Settings};
use mm_codec::mux::{H264Muxer, MuxSettings, MuxTarget};
use std::path::Path;
use std::time::Duration;

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;

/// Units of `seconds` of frames 50 ms apart (a 20 fps camera), keyframes every second.
fn encoded(seconds: u32) -> Vec<(Vec<u8>, i64, bool)> {
    let mut encoder = H264Encoder::open(H264Settings::libx264(
        WIDTH,
        HEIGHT,
        30,
        Duration::from_secs(1),
        500_000,
    ))
    .unwrap();
    let mut units = Vec::new();
    let mut keep = |unit: mm_codec::h264::AccessUnit<'_>| {
        units.push((unit.data.to_vec(), unit.pts_us, unit.keyframe))
    };
    for index in 0..seconds * 20 {
        let mut rgb = vec![90u8; (WIDTH * HEIGHT * 3) as usize];
        let len = rgb.len();
        rgb[(index as usize * 30) % len] = 255;
        let capture_ns = 7_000_000_000 + u64::from(index) * 50_000_000;
        encoder
            .encode(&rgb, (WIDTH * 3) as usize, capture_ns, &mut keep)
            .unwrap();
    }
    encoder.finish(&mut keep).unwrap();
    units
}

fn settings(first_keyframe: &[u8]) -> MuxSettings {
    MuxSettings {
        width: WIDTH,
        height: HEIGHT,
        fps: 30,
        first_keyframe: first_keyframe.to_vec(),
        silent_audio: true,
        io_timeout: Duration::from_secs(5),
    }
}

/// (video frames, video duration s, audio streams) as FFmpeg's demuxer reads the file.
fn read_back(path: &Path) -> (usize, f64, usize) {
    ffmpeg::init().unwrap();
    let mut input = ffmpeg::format::input(path).unwrap();
    let video = input.streams().best(ffmpeg::media::Type::Video).unwrap();
    let (video_index, time_base) = (video.index(), video.time_base());
    let parameters = video.parameters();
    let decoder = ffmpeg::codec::context::Context::from_parameters(parameters)
        .unwrap()
        .decoder()
        .video()
        .unwrap();
    assert_eq!((decoder.width(), decoder.height()), (WIDTH, HEIGHT));
    let audio_streams = input
        .streams()
        .filter(|s| s.parameters().medium() == ffmpeg::media::Type::Audio)
        .count();
    let mut frames = 0;
    let (mut first, mut last) = (None, 0);
    for (stream, packet) in input.packets() {
        if stream.index() == video_index {
            frames += 1;
            let pts = packet.pts().unwrap();
            first.get_or_insert(pts);
            last = pts;
        }
    }
    let span = (last - first.unwrap_or(0)) as f64 * f64::from(time_base);
    (frames, span, audio_streams)
}

/// A fragmented MP4 at `path` with the first `count` of `units` written, not yet finished.
fn mp4_of(
    path: &Path,
    fragment: Duration,
    units: &[(Vec<u8>, i64, bool)],
    count: usize,
) -> H264Muxer {
    let target = MuxTarget::FragmentedMp4 { path, fragment };
    let mut muxer = H264Muxer::create(target, &settings(&units[0].0)).unwrap();
    for (data, pts_us, keyframe) in units.iter().take(count) {
        muxer.write_video(data, *pts_us, *keyframe).unwrap();
    }
    muxer
}

#[test]
fn a_recording_plays_at_capture_speed_with_a_silent_track() {
    let units = encoded(3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.mp4");
    let muxer = mp4_of(&path, Duration::from_secs(1), &units, units.len());
    assert_eq!(muxer.duration_us(), 2_950_000);
    muxer.finish().unwrap();
    let (frames, span, audio) = read_back(&path);
    assert_eq!(frames, 60);
    // 60 frames 50 ms apart: 2.95 s from the first to the last, whatever the declared rate.
    assert!((span - 2.95).abs() < 0.01, "video spans {span} s");
    assert_eq!(audio, 1);
}

#[test]
fn a_writer_that_dies_before_its_trailer_leaves_every_written_fragment() {
    let units = encoded(4);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crashed.mp4");
    // 3.5 s written, then the process "dies": no trailer, nothing flushed on the way out.
    let muxer = mp4_of(&path, Duration::from_millis(500), &units, 70);
    std::mem::forget(muxer);
    let (frames, span, _) = read_back(&path);
    // Every fragment of at most 0.5 s that was complete is there.
    assert!(frames >= 60, "{frames} frames survived");
    assert!(span >= 2.9, "{span} s survived");
}

#[test]
fn a_refused_connection_is_an_error_naming_the_url_without_its_key() {
    let units = encoded(1);
    // Nothing listens on port 9 of loopback.
    let target = MuxTarget::Rtmp {
        url: "rtmp://127.0.0.1:9/live/secret-key",
        shown_as: "rtmp://127.0.0.1:9/live/<key>",
    };
    let error = match H264Muxer::create(target, &settings(&units[0].0)) {
        Ok(_) => panic!("connected to nothing"),
        Err(error) => error,
    };
    let text = format!("{error}");
    assert!(
        text.contains("<key>") && !text.contains("secret-key"),
        "{text}"
    );
}
