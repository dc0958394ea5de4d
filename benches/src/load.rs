//! `mm-bench load`: the whole system (vision, H.264 to a local RTMP ingest, a recording) with
//! 50 MJPEG viewers and 200 API requests per second with sessions, for 60 s: frames the nodes
//! dropped, viewers' frame rates and missed frames, API errors and latency.

use crate::cpu::CpuWindow;
use crate::percentiles::Summary;
use crate::plot::{time_lines, TimeSeries};
use crate::traffic::{
    growth, per_node, request_mix, requests_seen, watch, Answer, LoadedSystem, RequestsSeen,
    ViewersSeen,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// What one load run measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadRun {
    /// `WxH@fps`.
    pub mode: String,
    /// Seconds under load.
    pub seconds: f64,
    /// The viewers.
    pub viewers: ViewersSeen,
    /// The request mix.
    pub requests: RequestsSeen,
    /// Frames each node skipped under load (capture: frames it could not deliver).
    pub skipped: BTreeMap<String, u64>,
    /// Frames per second each node processed at the end.
    pub node_fps: BTreeMap<String, f64>,
    /// CPU per node, % of one core.
    pub cpu_percent: BTreeMap<String, f64>,
    /// RTMP: frames sent and dropped, reconnects under load.
    pub rtmp_frames_sent: u64,
    /// Frames the RTMP writer dropped.
    pub rtmp_dropped_frames: u64,
    /// Reconnections of the RTMP writer.
    pub rtmp_reconnects: u64,
    /// The recording's media seconds at the end.
    pub recording_s: f64,
    /// API latency per second of the run: (second, p50 ms, p99 ms).
    #[serde(skip)]
    pub per_second: Vec<(f64, Summary)>,
}

/// Runs the load at `width`x`height`@`fps` with `viewers` viewers and `rate` requests/s.
pub async fn run(
    (width, height, fps): (u32, u32, u32),
    viewers: usize,
    rate: f64,
    seconds: f64,
) -> anyhow::Result<LoadRun> {
    let dir = tempfile::tempdir()?;
    let system = LoadedSystem::start(width, height, fps, dir.path()).await?;
    // Warm-up: models loaded, the first GOP sent, the recording's first fragment.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = system.health().await;
    let (_, rtmp_before) =
        mm_e2e::vision::get_json(&system.pipeline, "/api/stream/livepeer/status").await;
    let cpu = CpuWindow::start(&system.pids());
    let duration = Duration::from_secs_f64(seconds);
    eprintln!(
        "load: {viewers} viewers + {rate} requests/s for {seconds} s at {width}x{height}@{fps}"
    );
    let (seen, answers) = tokio::join!(
        watch(&system.pipeline, viewers, duration),
        request_mix(&system.pipeline, rate, duration)
    );
    let answers = answers?;
    let cpu_percent = cpu.cpu_percent();
    let after = system.health().await;
    let (_, rtmp) = mm_e2e::vision::get_json(&system.pipeline, "/api/stream/livepeer/status").await;
    let (_, recording) =
        mm_e2e::vision::post_json(&system.pipeline, "/api/record", "{\"action\": \"stop\"}").await;
    let counter = |status: &serde_json::Value, key: &str| status[key].as_u64().unwrap_or(0);
    let skipped_before = per_node(&before, "skipped");
    let node_fps = crate::traffic::NODES
        .iter()
        .map(|&node| {
            let fps = after["nodes"][node]["fps"].as_f64().unwrap_or(0.0);
            (node.to_owned(), fps)
        })
        .collect();
    Ok(LoadRun {
        mode: format!("{width}x{height}@{fps}"),
        seconds,
        viewers: seen,
        requests: requests_seen(&answers, rate),
        skipped: growth(&skipped_before, per_node(&after, "skipped")),
        node_fps,
        cpu_percent,
        rtmp_frames_sent: counter(&rtmp, "frames_sent") - counter(&rtmp_before, "frames_sent"),
        rtmp_dropped_frames: counter(&rtmp, "dropped_frames")
            - counter(&rtmp_before, "dropped_frames"),
        rtmp_reconnects: counter(&rtmp, "reconnects") - counter(&rtmp_before, "reconnects"),
        recording_s: recording["recording"]["duration_s"].as_f64().unwrap_or(0.0),
        per_second: per_second(&answers),
    })
}

/// API latency per whole second of sending.
fn per_second(answers: &[Answer]) -> Vec<(f64, Summary)> {
    let mut by_second: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for answer in answers {
        by_second
            .entry(answer.sent_s as u64)
            .or_default()
            .push(answer.latency_ns);
    }
    by_second
        .into_iter()
        .filter_map(|(second, samples)| {
            crate::percentiles::summarize(&samples).map(|s| (second as f64, s))
        })
        .collect()
}

fn map_cell<T: std::fmt::Display>(values: &BTreeMap<String, T>) -> String {
    crate::traffic::NODES
        .iter()
        .filter_map(|node| values.get(*node).map(|v| format!("{node} {v}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The run as a Markdown table.
pub fn markdown(run: &LoadRun) -> String {
    let ms = |summary: Option<Summary>| {
        summary.map_or("–".to_owned(), |s| {
            format!("{:.1} / {:.1} / {:.1}", s.p50_ms, s.p99_ms, s.max_ms)
        })
    };
    let errors: usize = run.requests.errors.values().sum();
    let mut rows = vec![
        (
            "mode, seconds".to_owned(),
            format!("{}, {}", run.mode, run.seconds),
        ),
        (
            "viewers (failed)".to_owned(),
            format!("{} ({})", run.viewers.viewers, run.viewers.failed),
        ),
        (
            "fps per viewer, min / mean".to_owned(),
            format!("{:.1} / {:.1}", run.viewers.fps_min, run.viewers.fps_mean),
        ),
        (
            "frames missed by viewers (all)".to_owned(),
            run.viewers.missed_frames.to_string(),
        ),
        (
            "capture → wire p50 / p99 / max ms".to_owned(),
            ms(run.viewers.capture_to_wire),
        ),
        (
            "API requests sent (rate/s)".to_owned(),
            format!("{} ({})", run.requests.sent, run.requests.rate),
        ),
        ("API errors".to_owned(), errors.to_string()),
        (
            "API p50 / p99 / max ms".to_owned(),
            ms(run.requests.latency),
        ),
        ("frames skipped per node".to_owned(), map_cell(&run.skipped)),
        (
            "fps per node at the end".to_owned(),
            map_cell(&run.node_fps),
        ),
        ("CPU % of one core".to_owned(), map_cell(&run.cpu_percent)),
        (
            "RTMP frames sent / dropped / reconnects".to_owned(),
            format!(
                "{} / {} / {}",
                run.rtmp_frames_sent, run.rtmp_dropped_frames, run.rtmp_reconnects
            ),
        ),
        (
            "recording, media s".to_owned(),
            format!("{:.1}", run.recording_s),
        ),
    ];
    for (path, summary) in &run.requests.per_route {
        rows.push((format!("{path} p50 / p99 / max ms"), ms(Some(*summary))));
    }
    for (what, count) in &run.requests.errors {
        rows.push((format!("error: {what}"), count.to_string()));
    }
    let mut table = String::from("| | |\n|---|---|\n");
    for (what, value) in rows {
        table.push_str(&format!("| {what} | {value} |\n"));
    }
    table
}

/// API p50 and p99 per second of the run.
pub fn plot(run: &LoadRun, path: &Path) -> anyhow::Result<()> {
    let line = |label: &str, pick: fn(&Summary) -> f64, thin| TimeSeries {
        label: label.to_owned(),
        points: run.per_second.iter().map(|(t, s)| (*t, pick(s))).collect(),
        thin,
        color: 0,
    };
    time_lines(
        path,
        &format!(
            "API under load: {} viewers + {} req/s, {}",
            run.viewers.viewers, run.requests.rate, run.mode
        ),
        "seconds",
        "latency, ms",
        &[
            line("p50", |s| s.p50_ms, false),
            line("p99", |s| s.p99_ms, true),
        ],
    )
}
