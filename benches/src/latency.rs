//! `mm-bench latency`: capture → `frames/jpeg` latency and CPU per node of the real pipeline.

use crate::cpu::{per_node_cell, CpuWindow, NODES};
use crate::percentiles::{summarize, Summary};
use mm_bus::Bus;
use mm_e2e::Pipeline;
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::{streams, CameraId, Stage};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Results for one resolution.
#[derive(Debug, Clone, Serialize)]
pub struct LatencyRun {
    /// `WxH@fps`.
    pub mode: String,
    /// Seconds measured.
    pub seconds: f64,
    /// JPEG frames received by the benchmark's own subscriber.
    pub frames: usize,
    /// JPEG frames per second received.
    pub fps: f64,
    /// Capture timestamp → capture published the frame.
    pub capture_to_raw: Option<Summary>,
    /// Capture timestamp → encode published the JPEG.
    pub capture_to_jpeg: Option<Summary>,
    /// Capture timestamp → a subscriber (like the API) holds the JPEG.
    pub capture_to_subscriber: Option<Summary>,
    /// Mean JPEG size in KiB.
    pub jpeg_kib: f64,
    /// CPU per node, % of one core, over the measured window.
    pub cpu_percent: BTreeMap<String, f64>,
    /// Resident memory per node at the end, MiB.
    pub rss_mib: BTreeMap<String, f64>,
    /// Frames each node skipped (from its status) at the end.
    pub skipped: BTreeMap<String, u64>,
}

/// Runs the pipeline at `width` x `height` @ `fps` for `seconds` after a warm-up.
pub async fn run(width: u32, height: u32, fps: u32, seconds: f64) -> anyhow::Result<LatencyRun> {
    let pipeline = Pipeline::builder(&format!("bench{height}"))
        .config(&format!(
            "[capture]\nsource = \"synthetic\"\nwidth = {width}\nheight = {height}\nfps = {fps}"
        ))
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    let bus = Bus::open(
        &CameraId::new(pipeline.camera())?,
        &mm_shm_schema::node_name("bench"),
    )?;
    let mut jpegs = bus.slice_subscriber::<streams::FramesJpeg>()?;
    let pids: BTreeMap<String, u32> = NODES
        .iter()
        .map(|&node| (node.to_owned(), pipeline.node_pid(node)))
        .collect();

    // Warm-up: caches, allocator, CPU frequency.
    let warm_up = Instant::now();
    while warm_up.elapsed() < Duration::from_secs(2) {
        drop(jpegs.next().await?);
    }

    let cpu = CpuWindow::start(&pids);
    let started = Instant::now();
    let (mut to_raw, mut to_jpeg, mut to_subscriber) = (Vec::new(), Vec::new(), Vec::new());
    let mut jpeg_bytes = 0u64;
    while started.elapsed().as_secs_f64() < seconds {
        let sample = jpegs.next().await?;
        let now = monotonic_ns();
        let header = *sample.user_header();
        let captured = header.frame.capture_ns;
        if let Some(published) = header.frame.stage(Stage::Capture) {
            to_raw.push(published.saturating_sub(captured));
        }
        to_jpeg.push(header.encode_ns.saturating_sub(captured));
        to_subscriber.push(now.saturating_sub(captured));
        jpeg_bytes += u64::from(header.jpeg_len);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_percent = cpu.cpu_percent();
    let rss_mib = cpu.rss_mib();
    let health = pipeline.wait_for_health(200, Duration::from_secs(5)).await;
    let skipped = NODES
        .iter()
        .map(|&node| {
            (
                node.to_owned(),
                health["nodes"][node]["skipped"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let frames = to_jpeg.len();
    Ok(LatencyRun {
        mode: format!("{width}x{height}@{fps}"),
        seconds: elapsed,
        frames,
        fps: frames as f64 / elapsed,
        capture_to_raw: summarize(&to_raw),
        capture_to_jpeg: summarize(&to_jpeg),
        capture_to_subscriber: summarize(&to_subscriber),
        jpeg_kib: jpeg_bytes as f64 / frames.max(1) as f64 / 1024.0,
        cpu_percent,
        rss_mib,
        skipped,
    })
}

/// The runs as a markdown table.
pub fn markdown(runs: &[LatencyRun]) -> String {
    let ms = |s: &Option<Summary>| {
        s.map_or("-".to_owned(), |s| {
            format!("{:.2} / {:.2}", s.p50_ms, s.p99_ms)
        })
    };
    let mut out = String::from(
        "| mode | fps | capture→raw p50/p99 ms | capture→jpeg p50/p99 ms | capture→subscriber p50/p99 ms | JPEG KiB | CPU % capture / encode / api | RSS MiB capture / encode / api | skipped capture / encode / api |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for run in runs {
        let skipped = per_node_cell(&run.skipped, |n| n.to_string());
        out.push_str(&format!(
            "| {} | {:.1} | {} | {} | {} | {:.0} | {} | {} | {} |\n",
            run.mode,
            run.fps,
            ms(&run.capture_to_raw),
            ms(&run.capture_to_jpeg),
            ms(&run.capture_to_subscriber),
            run.jpeg_kib,
            per_node_cell(&run.cpu_percent, |v| format!("{v:.1}")),
            per_node_cell(&run.rss_mib, |v| format!("{v:.1}")),
            skipped,
        ));
    }
    out
}
