//! Criterion micro-benchmarks of the per-frame hot functions:
//! `cargo bench -p mm-bench --bench hot_paths`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mm_api::frame::JpegFrame;
use mm_capture::scene_pictures::demo_pictures;
use mm_capture::source::FrameSource;
use mm_capture::synthetic::SyntheticSource;
use mm_capture::v4l2::yuyv_to_rgb;
use mm_codec::JpegEncoder;
use mm_shm_schema::JpegHeader;

const SIZES: [(usize, usize); 2] = [(1280, 720), (1920, 1080)];

/// The demo scene at `width` x `height`.
fn synthetic(width: usize, height: usize) -> SyntheticSource {
    SyntheticSource::new(
        demo_pictures().expect("demo pictures"),
        width as u32,
        height as u32,
        30,
    )
    .expect("synthetic source")
}

/// A frame of the synthetic scene (real photo content, as JPEG sizes depend on it).
fn scene(width: usize, height: usize) -> Vec<u8> {
    let mut source = synthetic(width, height);
    let mut frame = vec![0; width * height * 3];
    source.fill(&mut frame).expect("render");
    frame
}

fn jpeg_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("jpeg_encode_q80");
    for (width, height) in SIZES {
        let frame = scene(width, height);
        let mut encoder = JpegEncoder::new(80);
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{width}x{height}")),
            &frame,
            |b, frame| {
                b.iter(|| {
                    black_box(
                        encoder
                            .encode(frame, width, height, width * 3)
                            .expect("encode")
                            .len(),
                    )
                })
            },
        );
    }
    group.finish();
}

fn yuyv_conversion(c: &mut Criterion) {
    let mut group = c.benchmark_group("yuyv_to_rgb");
    for (width, height) in SIZES {
        let yuyv: Vec<u8> = (0..width * height * 2).map(|i| (i % 255) as u8).collect();
        let mut rgb = vec![0; width * height * 3];
        group.throughput(Throughput::Bytes((width * height * 3) as u64));
        group.bench_function(format!("{width}x{height}"), |b| {
            b.iter(|| black_box(yuyv_to_rgb(&yuyv, width, height, width * 2, &mut rgb)))
        });
    }
    group.finish();
}

fn synthetic_render(c: &mut Criterion) {
    let mut group = c.benchmark_group("synthetic_render");
    for (width, height) in SIZES {
        let mut source = synthetic(width, height);
        let mut frame = vec![0; width * height * 3];
        group.bench_function(format!("{width}x{height}"), |b| {
            b.iter(|| black_box(source.fill(&mut frame).expect("render")))
        });
    }
    group.finish();
}

fn multipart_part(c: &mut Criterion) {
    let frame = scene(1280, 720);
    let jpeg = JpegEncoder::new(80)
        .encode(&frame, 1280, 720, 1280 * 3)
        .expect("encode")
        .to_vec();
    let mut group = c.benchmark_group("multipart_part");
    group.throughput(Throughput::Bytes(jpeg.len() as u64));
    group.bench_function("720p_q80_jpeg", |b| {
        b.iter(|| black_box(JpegFrame::new(JpegHeader::default(), &jpeg).part.len()))
    });
    group.finish();
}

criterion_group!(
    hot_paths,
    jpeg_encode,
    yuyv_conversion,
    synthetic_render,
    multipart_part
);
criterion_main!(hot_paths);
