//! `mm-bench media`: the cost of H.264 for RTMP and a recording together (they share one
//! encode), against the reference system's way (JPEG q65 of every frame piped into the ffmpeg
//! CLI), at the same size and rate, both sending to a real RTMP ingest on loopback.

use crate::percentiles::{summarize, Summary};
use mm_bus::Bus;
use mm_codec::JpegEncoder;
use mm_e2e::media_probe::RtmpIngest;
use mm_e2e::vision::{get_json, json_where, post_json};
use mm_e2e::{free_port, Pipeline};
use mm_runtime::clock::monotonic_ns;
use mm_runtime::procfs::cpu_seconds;
use mm_shm_schema::{streams, CameraId};
use serde::Serialize;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The JPEG quality the reference streams with.
const REFERENCE_QUALITY: u8 = 65;

/// One resolution's results.
#[derive(Debug, Clone, Serialize)]
pub struct MediaRun {
    /// `WxH@fps`.
    pub mode: String,
    /// Seconds measured per side.
    pub seconds: f64,
    /// Ours: frames H.264-encoded per second while streaming and recording.
    pub fps: f64,
    /// Ours: CPU of mm-h264 + mm-media, % of one core.
    pub cpu_percent: f64,
    /// Ours: CPU per frame, ms.
    pub cpu_ms_per_frame: f64,
    /// Ours: capture → access unit published on `frames/h264`.
    pub capture_to_unit: Option<Summary>,
    /// Ours: capture → written to the RTMP connection, median of the media node's 2-s
    /// windows (ms).
    pub capture_to_rtmp_p50_ms: Option<f64>,
    /// Ours: the same, the largest window 99th percentile (ms).
    pub capture_to_rtmp_p99_ms: Option<f64>,
    /// Reference: frames piped to ffmpeg per second.
    pub reference_fps: f64,
    /// Reference: CPU of the JPEG encode plus the ffmpeg process, % of one core.
    pub reference_cpu_percent: f64,
    /// Reference: CPU per frame, ms.
    pub reference_cpu_ms_per_frame: f64,
    /// Ours per frame / the reference's per frame.
    pub ratio: f64,
}

fn pipeline(width: u32, height: u32, fps: u32, nodes: &'static str, ingest_port: u16) -> Pipeline {
    Pipeline::builder(&format!("bench-media{height}"))
        .nodes(nodes, "raw")
        .config(&format!(
            "[capture]\nsource = \"synthetic\"\nwidth = {width}\nheight = {height}\nfps = {fps}"
        ))
        .config(&format!(
            "[livepeer]\ningest_url = \"rtmp://127.0.0.1:{ingest_port}/live\""
        ))
        .env("MM_LIVEPEER_STREAM_KEY", "bench")
        .start()
}

/// Runs both sides at `width` x `height` @ `fps` for `seconds` each, after a warm-up.
pub async fn run(width: u32, height: u32, fps: u32, seconds: f64) -> anyhow::Result<MediaRun> {
    let dir = tempfile::tempdir()?;
    let ours = ours(width, height, fps, seconds, dir.path()).await?;
    let reference = reference(width, height, fps, seconds, dir.path()).await?;
    let ours_per_frame = ours.cpu_percent / 100.0 / ours.fps.max(1e-9) * 1000.0;
    let reference_per_frame = reference.cpu_percent / 100.0 / reference.fps.max(1e-9) * 1000.0;
    Ok(MediaRun {
        mode: format!("{width}x{height}@{fps}"),
        seconds,
        fps: ours.fps,
        cpu_percent: ours.cpu_percent,
        cpu_ms_per_frame: ours_per_frame,
        capture_to_unit: ours.capture_to_unit,
        capture_to_rtmp_p50_ms: ours.rtmp_p50_ms,
        capture_to_rtmp_p99_ms: ours.rtmp_p99_ms,
        reference_fps: reference.fps,
        reference_cpu_percent: reference.cpu_percent,
        reference_cpu_ms_per_frame: reference_per_frame,
        ratio: ours_per_frame / reference_per_frame.max(1e-9),
    })
}

struct Ours {
    fps: f64,
    cpu_percent: f64,
    capture_to_unit: Option<Summary>,
    rtmp_p50_ms: Option<f64>,
    rtmp_p99_ms: Option<f64>,
}

/// Our way: mm-h264 encodes once; mm-media streams it over RTMP and records it.
async fn ours(
    width: u32,
    height: u32,
    fps: u32,
    seconds: f64,
    dir: &std::path::Path,
) -> anyhow::Result<Ours> {
    let port = free_port();
    let _ingest = RtmpIngest::listen(port, &dir.join("ours.flv"));
    let pipeline = pipeline(width, height, fps, "capture,encode,h264,media,api", port);
    pipeline
        .wait_for_nodes_alive(&["h264", "media"], Duration::from_secs(30))
        .await;
    let (code, body) = post_json(&pipeline, "/api/stream/livepeer/start", "{}").await;
    anyhow::ensure!(code == 200, "stream start: {code} {body}");
    let (code, body) = post_json(&pipeline, "/api/record", "{\"action\": \"start\"}").await;
    anyhow::ensure!(code == 200, "record start: {code} {body}");
    json_where(
        &pipeline,
        "/api/stream/livepeer/status",
        Duration::from_secs(10),
        |s| s["state"] == "streaming",
    )
    .await;
    let bus = Bus::open(
        &CameraId::new(pipeline.camera())?,
        &mm_shm_schema::node_name("bench"),
    )?;
    let mut units = bus.slice_subscriber::<streams::FramesH264>()?;
    let pids = [pipeline.node_pid("h264"), pipeline.node_pid("media")];
    let cpu = || {
        pids.iter()
            .map(|&pid| cpu_seconds(pid).unwrap_or(0.0))
            .sum::<f64>()
    };
    // Warm-up: the encoder's first GOP, caches, CPU frequency.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let frames_of = |health: &serde_json::Value| health["nodes"]["h264"]["frames"].as_u64();
    let (_, health) = get_json(&pipeline, "/api/health").await;
    let frames_before = frames_of(&health).unwrap_or(0);
    let cpu_before = cpu();
    let started = Instant::now();
    let mut to_unit = Vec::new();
    let mut windows: Vec<(f64, f64)> = Vec::new();
    let mut next_status = Instant::now() + Duration::from_secs(2);
    while started.elapsed().as_secs_f64() < seconds {
        let sample = tokio::time::timeout(Duration::from_secs(2), units.next_in_order()).await??;
        let header = *sample.user_header();
        drop(sample);
        to_unit.push(header.encode_ns.saturating_sub(header.frame.capture_ns));
        if Instant::now() >= next_status {
            next_status += Duration::from_secs(2);
            let (_, status) = get_json(&pipeline, "/api/stream/livepeer/status").await;
            if let Some([p50, p99]) = status["send_latency_ms"]
                .as_array()
                .and_then(|a| Some([a.first()?.as_f64()?, a.get(1)?.as_f64()?]))
            {
                windows.push((p50, p99));
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_used = cpu() - cpu_before;
    let (_, health) = get_json(&pipeline, "/api/health").await;
    let frames = frames_of(&health)
        .unwrap_or(0)
        .saturating_sub(frames_before);
    let mut p50s: Vec<f64> = windows.iter().map(|w| w.0).collect();
    p50s.sort_by(f64::total_cmp);
    Ok(Ours {
        fps: frames as f64 / elapsed,
        cpu_percent: cpu_used / elapsed * 100.0,
        capture_to_unit: summarize(&to_unit),
        rtmp_p50_ms: p50s.get(p50s.len() / 2).copied(),
        rtmp_p99_ms: windows.iter().map(|w| w.1).reduce(f64::max),
    })
}

struct Reference {
    fps: f64,
    cpu_percent: f64,
}

/// The reference's way: every frame JPEG-encoded at q65 and piped into the ffmpeg CLI, which
/// decodes it and encodes H.264 (libx264 ultrafast) to the ingest. The JPEG encode runs in
/// this process, so its CPU is this process's; ffmpeg's is its own.
async fn reference(
    width: u32,
    height: u32,
    fps: u32,
    seconds: f64,
    dir: &std::path::Path,
) -> anyhow::Result<Reference> {
    let port = free_port();
    let _ingest = RtmpIngest::listen(port, &dir.join("reference.flv"));
    let pipeline = pipeline(width, height, fps, "capture,encode,api", port);
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    let mut ffmpeg = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "image2pipe"])
        .args(["-framerate", &fps.to_string(), "-c:v", "mjpeg", "-i", "-"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
        ])
        .args(["-pix_fmt", "yuv420p", "-f", "flv"])
        .arg(format!("rtmp://127.0.0.1:{port}/live/bench"))
        .stdin(Stdio::piped())
        .spawn()?;
    let mut stdin = ffmpeg
        .stdin
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdin"))?;
    let bus = Bus::open(
        &CameraId::new(pipeline.camera())?,
        &mm_shm_schema::node_name("bench"),
    )?;
    let mut frames = bus.slice_subscriber::<streams::FramesRaw>()?;
    let mut jpeg = JpegEncoder::new(REFERENCE_QUALITY);
    let own = std::process::id();
    let mut measured = None;
    let warm_up = Instant::now();
    let mut piped = 0u64;
    loop {
        let sample = frames.next().await?;
        let header = *sample.user_header();
        let encoded = jpeg.encode(
            sample.payload(),
            header.width as usize,
            header.height as usize,
            header.stride as usize,
        )?;
        // Blocks while ffmpeg is behind: newer frames are skipped, as the reference's were.
        stdin.write_all(encoded)?;
        drop(sample);
        match measured {
            None if warm_up.elapsed() >= Duration::from_secs(2) => {
                let cpu = cpu_seconds(own).unwrap_or(0.0) + cpu_seconds(ffmpeg.id()).unwrap_or(0.0);
                measured = Some((Instant::now(), cpu, monotonic_ns()));
                piped = 0;
            }
            Some((started, _, _)) if started.elapsed().as_secs_f64() >= seconds => break,
            _ => piped += 1,
        }
    }
    let (started, cpu_before, _) = measured.ok_or_else(|| anyhow::anyhow!("no window"))?;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = cpu_seconds(own).unwrap_or(0.0) + cpu_seconds(ffmpeg.id()).unwrap_or(0.0);
    drop(stdin);
    let _ = ffmpeg.wait();
    Ok(Reference {
        fps: piped as f64 / elapsed,
        cpu_percent: (cpu_after - cpu_before) / elapsed * 100.0,
    })
}

/// The runs as a markdown table.
pub fn markdown(runs: &[MediaRun]) -> String {
    let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
    let mut out = String::from(
        "| mode | ours fps | ours CPU % (h264 + media) | ours CPU ms/frame | capture→h264 unit p50/p99 ms | capture→RTMP write p50/p99 ms | reference fps | reference CPU % (JPEG q65 + ffmpeg) | reference CPU ms/frame | ours / reference per frame |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for run in runs {
        let unit = run.capture_to_unit.map_or("-".to_owned(), |s| {
            format!("{:.2} / {:.2}", s.p50_ms, s.p99_ms)
        });
        out.push_str(&format!(
            "| {} | {:.1} | {:.1} | {:.2} | {} | {} / {} | {:.1} | {:.1} | {:.2} | {:.2} |\n",
            run.mode,
            run.fps,
            run.cpu_percent,
            run.cpu_ms_per_frame,
            unit,
            ms(run.capture_to_rtmp_p50_ms),
            ms(run.capture_to_rtmp_p99_ms),
            run.reference_fps,
            run.reference_cpu_percent,
            run.reference_cpu_ms_per_frame,
            run.ratio,
        ));
    }
    out
}
