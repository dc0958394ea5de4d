//! `mm-bench pipeline`: the real pipeline as viewers see it — capture → JPEG on the wire,
//! measured by HTTP clients reading `/stream`, with 1, 10 and 50 viewers.

use crate::cpu::{per_node_cell, CpuWindow, NODES};
use crate::percentiles::{summarize, Summary};
use mm_e2e::{monotonic_ns, MjpegReader, Pipeline};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Viewer counts measured.
pub const VIEWERS: [usize; 3] = [1, 10, 50];

/// One mode with one number of viewers.
#[derive(Debug, Clone, Serialize)]
pub struct ViewerRun {
    /// `WxH@fps`.
    pub mode: String,
    /// Viewers connected.
    pub viewers: usize,
    /// Seconds measured.
    pub seconds: f64,
    /// Capture timestamp → part fully read by a viewer, over all viewers.
    pub capture_to_wire: Option<Summary>,
    /// Frames per second each viewer received: lowest and mean.
    pub fps_per_viewer_min: f64,
    /// Mean over viewers.
    pub fps_per_viewer_mean: f64,
    /// CPU per node, % of one core.
    pub cpu_percent: BTreeMap<String, f64>,
    /// Resident memory per node, MiB.
    pub rss_mib: BTreeMap<String, f64>,
    /// Frames each node skipped during the window.
    pub skipped: BTreeMap<String, u64>,
}

/// What one viewer saw.
pub(crate) struct ViewerLog {
    /// Capture → part read, ns.
    pub latencies: Vec<u64>,
    frames: usize,
}

/// Reads `/stream` at `url` until `until`, logging from `measure_from`.
pub(crate) async fn view(
    url: String,
    until: Instant,
    measure_from: Instant,
) -> anyhow::Result<ViewerLog> {
    let mut reader = MjpegReader::open(&url).await?;
    let mut log = ViewerLog {
        latencies: Vec::new(),
        frames: 0,
    };
    while Instant::now() < until {
        let part = reader.next_part(Duration::from_secs(5)).await?;
        let now = monotonic_ns();
        if Instant::now() >= measure_from {
            log.latencies.push(now.saturating_sub(part.capture_ns()));
            log.frames += 1;
        }
    }
    Ok(log)
}

fn skipped_now(health: &serde_json::Value) -> BTreeMap<String, u64> {
    NODES
        .iter()
        .map(|&node| {
            (
                node.to_owned(),
                health["nodes"][node]["skipped"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// Runs one mode with every viewer count in [`VIEWERS`].
pub async fn run_mode(
    width: u32,
    height: u32,
    fps: u32,
    seconds: f64,
) -> anyhow::Result<Vec<ViewerRun>> {
    let pipeline = Pipeline::builder(&format!("viewers{height}"))
        .config(&format!(
            "[capture]\nsource = \"synthetic\"\nwidth = {width}\nheight = {height}\nfps = {fps}"
        ))
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    let pids: BTreeMap<String, u32> = NODES
        .iter()
        .map(|&node| (node.to_owned(), pipeline.node_pid(node)))
        .collect();
    let mut runs = Vec::new();
    for viewers in VIEWERS {
        eprintln!("pipeline {width}x{height}@{fps}: {viewers} viewers for {seconds} s");
        let warm_up = Duration::from_secs(1);
        let measure_from = Instant::now() + warm_up;
        let until = measure_from + Duration::from_secs_f64(seconds);
        let tasks: Vec<_> = (0..viewers)
            .map(|_| tokio::spawn(view(pipeline.url("/stream"), until, measure_from)))
            .collect();
        tokio::time::sleep_until(measure_from.into()).await;
        let skipped_before =
            skipped_now(&pipeline.wait_for_health(200, Duration::from_secs(5)).await);
        let cpu = CpuWindow::start(&pids);
        let mut logs = Vec::new();
        for task in tasks {
            logs.push(task.await??);
        }
        let elapsed = seconds;
        let cpu_percent = cpu.cpu_percent();
        let rss_mib = cpu.rss_mib();
        let skipped_after =
            skipped_now(&pipeline.wait_for_health(200, Duration::from_secs(5)).await);
        let all: Vec<u64> = logs
            .iter()
            .flat_map(|log| log.latencies.iter().copied())
            .collect();
        let rates: Vec<f64> = logs.iter().map(|log| log.frames as f64 / elapsed).collect();
        runs.push(ViewerRun {
            mode: format!("{width}x{height}@{fps}"),
            viewers,
            seconds: elapsed,
            capture_to_wire: summarize(&all),
            fps_per_viewer_min: rates.iter().copied().fold(f64::INFINITY, f64::min),
            fps_per_viewer_mean: rates.iter().sum::<f64>() / rates.len().max(1) as f64,
            cpu_percent,
            rss_mib,
            skipped: skipped_after
                .iter()
                .map(|(node, after)| {
                    (
                        node.clone(),
                        after.saturating_sub(skipped_before.get(node).copied().unwrap_or(0)),
                    )
                })
                .collect(),
        });
    }
    Ok(runs)
}

/// The runs as a markdown table.
pub fn markdown(runs: &[ViewerRun]) -> String {
    let mut out = String::from(
        "| mode | viewers | capture→wire p50 / p99 ms | fps per viewer min / mean | CPU % capture / encode / api | RSS MiB api | skipped capture / encode / api |\n|---|---|---|---|---|---|---|\n",
    );
    for run in runs {
        let latency = run.capture_to_wire.map_or("-".to_owned(), |s| {
            format!("{:.2} / {:.2}", s.p50_ms, s.p99_ms)
        });
        let cpu = per_node_cell(&run.cpu_percent, |v| format!("{v:.1}"));
        let skipped = per_node_cell(&run.skipped, |n| n.to_string());
        out.push_str(&format!(
            "| {} | {} | {} | {:.1} / {:.1} | {} | {:.1} | {} |\n",
            run.mode,
            run.viewers,
            latency,
            run.fps_per_viewer_min,
            run.fps_per_viewer_mean,
            cpu,
            run.rss_mib.get("api").copied().unwrap_or(0.0),
            skipped,
        ));
    }
    out
}

/// Plots capture → wire latency p50 (thick) and p99 (thin) over the viewer counts, per mode.
pub fn plot(runs: &[ViewerRun], path: &std::path::Path) -> anyhow::Result<()> {
    let viewers: Vec<String> = VIEWERS.iter().map(|v| format!("{v} viewers")).collect();
    let mut modes: Vec<(String, String)> = runs
        .iter()
        .map(|r| (r.mode.clone(), r.mode.clone()))
        .collect();
    modes.dedup();
    let series = crate::plot::p50_p99_series(&modes, VIEWERS.len(), |mode, x| {
        runs.iter()
            .find(|r| &r.mode == mode && r.viewers == VIEWERS[x])
            .and_then(|r| r.capture_to_wire)
            .map(|s| (s.p50_ms, s.p99_ms))
    });
    crate::plot::log_lines(
        path,
        "Capture → JPEG on the wire (/stream viewers)",
        "latency ms (log)",
        &viewers,
        &series,
    )
}
