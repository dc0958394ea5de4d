//! The H.264 encoder on frames at an uneven real rate: timestamps are the capture times,
//! keyframes come every GOP of capture time with SPS and PPS in front, and FFmpeg's decoder
//! gets back every frame at its size and brightness.

use ffmpeg_next as ffmpeg;
use mm_codec::h264::{H264Encoder, H264Settings};
use std::time::Duration;

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;

struct Unit {
    data: Vec<u8>,
    pts_us: i64,
    keyframe: bool,
}

/// A frame whose brightness follows `level` (0..=255), with a moving bar so frames differ.
fn frame(level: u8, index: usize) -> Vec<u8> {
    let mut rgb = vec![level; (WIDTH * HEIGHT * 3) as usize];
    let bar = (index * 4) % WIDTH as usize;
    for y in 0..HEIGHT as usize {
        for x in bar..(bar + 8).min(WIDTH as usize) {
            let at = (y * WIDTH as usize + x) * 3;
            rgb[at..at + 3].copy_from_slice(&[255, 0, 0]);
        }
    }
    rgb
}

/// NAL unit types in an Annex B access unit.
fn nal_types(data: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    let mut i = 0;
    while i + 3 < data.len() {
        if data[i..i + 3] == [0, 0, 1] {
            types.push(data[i + 3] & 0x1f);
            i += 3;
        } else {
            i += 1;
        }
    }
    types
}

#[test]
fn encodes_at_capture_time_with_timed_keyframes_and_decodes_back() {
    let mut encoder = H264Encoder::open(H264Settings::libx264(
        WIDTH,
        HEIGHT,
        30,
        Duration::from_secs(1),
        1_000_000,
    ))
    .unwrap();
    // A "30 fps" camera that really delivers about 27, unevenly: 36 to 38 ms apart.
    let start_ns = 5_000_000_000u64;
    let mut capture_ns = start_ns;
    let mut captured_us = Vec::new();
    let mut units = Vec::new();
    let mut keep = |unit: mm_codec::h264::AccessUnit<'_>| {
        units.push(Unit {
            data: unit.data.to_vec(),
            pts_us: unit.pts_us,
            keyframe: unit.keyframe,
        })
    };
    for index in 0..95 {
        captured_us.push(((capture_ns - start_ns) / 1000) as i64);
        encoder
            .encode(
                &frame(100, index),
                (WIDTH * 3) as usize,
                capture_ns,
                &mut keep,
            )
            .unwrap();
        capture_ns += 36_000_000 + (index as u64 % 3) * 1_000_000;
    }
    encoder.finish(&mut keep).unwrap();

    assert_eq!(units.len(), captured_us.len(), "one access unit per frame");
    let mut pts: Vec<i64> = units.iter().map(|u| u.pts_us).collect();
    pts.sort_unstable();
    assert_eq!(pts, captured_us, "timestamps are the capture times");

    let keys: Vec<i64> = units
        .iter()
        .filter(|u| u.keyframe)
        .map(|u| u.pts_us)
        .collect();
    assert_eq!(keys.first(), Some(&0), "the stream starts with a keyframe");
    // About 3.5 s of capture time: keyframes at 0, 1, 2 and 3 s (each the first frame at or
    // after the second).
    assert_eq!(keys.len(), 4, "{keys:?}");
    for pair in keys.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            (1_000_000..1_040_000).contains(&gap),
            "keyframes {gap} µs apart"
        );
    }
    for unit in units.iter().filter(|u| u.keyframe) {
        let types = nal_types(&unit.data);
        // SPS, PPS, then an IDR slice: a decoder joining here needs nothing earlier.
        assert!(
            types.contains(&7) && types.contains(&8) && types.contains(&5),
            "keyframe NAL types {types:?}"
        );
    }

    // FFmpeg's own decoder gets every frame back at its size and brightness.
    ffmpeg::init().unwrap();
    let codec = ffmpeg::decoder::find(ffmpeg::codec::Id::H264).unwrap();
    let mut decoder = ffmpeg::codec::context::Context::new_with_codec(codec)
        .decoder()
        .video()
        .unwrap();
    let mut decoded = ffmpeg::frame::Video::empty();
    let mut frames = 0;
    let mut luma_means = Vec::new();
    let mut take = |decoder: &mut ffmpeg::decoder::Video| {
        while decoder.receive_frame(&mut decoded).is_ok() {
            assert_eq!((decoded.width(), decoded.height()), (WIDTH, HEIGHT));
            let stride = decoded.stride(0);
            let y = decoded.data(0);
            // The grey, without the red bar (its luma is far below the grey's).
            let mut sum = 0u64;
            let mut count = 0u64;
            for row in 0..HEIGHT as usize {
                for &value in &y[row * stride..row * stride + WIDTH as usize] {
                    if value > 60 {
                        sum += u64::from(value);
                        count += 1;
                    }
                }
            }
            luma_means.push(sum as f64 / count as f64);
            frames += 1;
        }
    };
    for unit in &units {
        decoder
            .send_packet(&ffmpeg::Packet::copy(&unit.data))
            .unwrap();
        take(&mut decoder);
    }
    decoder.send_eof().unwrap();
    take(&mut decoder);
    assert_eq!(frames, units.len());
    // RGB 100 grey in BT.709 limited range: Y = 16 + 100 * 219 / 255 ≈ 102.
    let mean = luma_means.iter().sum::<f64>() / luma_means.len() as f64;
    assert!((mean - 102.0).abs() < 4.0, "mean luma {mean}");
}

#[test]
fn a_frame_of_the_wrong_size_is_an_error_not_a_crash() {
    let mut encoder = H264Encoder::open(H264Settings::libx264(
        WIDTH,
        HEIGHT,
        30,
        Duration::from_secs(2),
        500_000,
    ))
    .unwrap();
    let short = vec![0u8; 100];
    let error = encoder
        .encode(&short, (WIDTH * 3) as usize, 0, &mut |_| {})
        .unwrap_err();
    assert!(error.to_string().contains("RGB24"), "{error}");
    assert!(H264Encoder::open(H264Settings {
        encoder: "no-such-encoder".to_owned(),
        ..H264Settings::libx264(WIDTH, HEIGHT, 30, Duration::from_secs(2), 500_000)
    })
    .is_err());
}
