//! `mm-shm top`: rate, latency and skipped frames per service; pid, CPU, memory and restarts
//! per node.

use crate::measure::{observe, percentiles_ms, Watcher};
use mm_bus::Bus;
use mm_runtime::procfs::{cpu_seconds, rss_bytes};
use mm_runtime::status::StatusBoard;
use mm_shm_schema::Stream;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One measurement window.
const WINDOW: Duration = Duration::from_secs(1);

/// A service row.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    /// Full service name.
    pub name: String,
    /// Messages per second.
    pub rate_hz: f64,
    /// now − capture timestamp, p50 (frame services).
    pub latency_p50_ms: Option<f64>,
    /// now − capture timestamp, p99 (frame services).
    pub latency_p99_ms: Option<f64>,
    /// Publishers connected.
    pub publishers: usize,
    /// Subscribers connected.
    pub subscribers: usize,
    /// Frames each subscribing node skipped since it started, by node.
    pub skipped_by: BTreeMap<String, u64>,
}

/// A node row.
#[derive(Debug, Clone, Serialize)]
pub struct NodeRow {
    /// Node name (`capture`, ...).
    pub name: String,
    /// Process id.
    pub pid: u32,
    /// Whether the process lives.
    pub alive: bool,
    /// CPU over the window, % of one core.
    pub cpu_percent: f64,
    /// Resident memory, MiB.
    pub rss_mib: f64,
    /// Restarts by the supervisor.
    pub restarts: u32,
    /// Frames per second it reports.
    pub fps: f64,
    /// Frames it skipped.
    pub skipped: u64,
    /// Its last error, if any.
    pub last_error: Option<String>,
}

/// One `top` screen.
#[derive(Debug, Clone, Serialize)]
pub struct TopReport {
    /// The camera.
    pub camera: String,
    /// Services of ours that exist.
    pub services: Vec<ServiceRow>,
    /// Nodes of the camera (except mm-shm itself).
    pub nodes: Vec<NodeRow>,
}

/// Measures one window.
pub async fn sample(bus: &Bus, board: &mut StatusBoard) -> anyhow::Result<TopReport> {
    let streams: Vec<(Stream, _)> = [
        Stream::FramesRaw,
        Stream::FramesComposited,
        Stream::FramesJpeg,
    ]
    .into_iter()
    .filter_map(|stream| bus.port_counts(stream).map(|counts| (stream, counts)))
    .collect();
    let mut watchers = streams
        .iter()
        .map(|&(stream, _)| Watcher::open(bus, stream))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let nodes = bus.nodes();
    let cpu_before: Vec<Option<f64>> = nodes.iter().map(|node| cpu_seconds(node.pid)).collect();
    let started = Instant::now();
    let windows = observe_all(&mut watchers).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let statuses = board.refresh().clone();

    let services = streams
        .iter()
        .zip(&windows)
        .map(|((stream, counts), window)| {
            let latency = percentiles_ms(&window.end_to_end);
            ServiceRow {
                name: bus.names().of(*stream),
                rate_hz: round1(window.count as f64 / elapsed),
                latency_p50_ms: latency.map(|(p50, _, _)| round2(p50)),
                latency_p99_ms: latency.map(|(_, p99, _)| round2(p99)),
                // The window's own subscribers are not counted.
                publishers: counts.publishers,
                subscribers: counts.subscribers,
                skipped_by: statuses
                    .iter()
                    .filter(|(_, status)| status.input.as_str() == stream.suffix())
                    .map(|(name, status)| (name.clone(), status.skipped))
                    .collect(),
            }
        })
        .collect();
    let nodes = nodes
        .iter()
        .zip(cpu_before)
        .filter(|(node, _)| node.name != "mm-shm")
        .map(|(node, before)| {
            let name = node
                .name
                .strip_prefix("mm-")
                .unwrap_or(&node.name)
                .to_owned();
            let status = statuses.get(&name);
            let cpu = match (before, cpu_seconds(node.pid)) {
                (Some(before), Some(after)) => round1((after - before) / elapsed * 100.0),
                _ => 0.0,
            };
            NodeRow {
                pid: node.pid,
                alive: node.alive,
                cpu_percent: cpu,
                rss_mib: round1(rss_bytes(node.pid).unwrap_or(0) as f64 / (1024.0 * 1024.0)),
                restarts: status.map_or(0, |s| s.restarts),
                fps: status.map_or(0.0, |s| round1(f64::from(s.fps))),
                skipped: status.map_or(0, |s| s.skipped),
                last_error: status
                    .filter(|s| !s.last_error.is_empty())
                    .map(|s| s.last_error.as_str().to_owned()),
                name,
            }
        })
        .collect();
    Ok(TopReport {
        camera: bus.names().camera().to_string(),
        services,
        nodes,
    })
}

/// Observes every watcher for one window, concurrently.
async fn observe_all(watchers: &mut [Watcher]) -> anyhow::Result<Vec<crate::measure::Window>> {
    let windows =
        futures_util::future::join_all(watchers.iter_mut().map(|watcher| observe(watcher, WINDOW)))
            .await;
    windows.into_iter().collect()
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Prints one report as a table.
fn print_table(report: &TopReport) {
    println!("camera {}", report.camera);
    println!(
        "{:<30} {:>8} {:>9} {:>9} {:>4} {:>4}  SKIPPED BY",
        "SERVICE", "RATE Hz", "p50 ms", "p99 ms", "PUB", "SUB"
    );
    let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
    for service in &report.services {
        let skipped: Vec<String> = service
            .skipped_by
            .iter()
            .map(|(n, s)| format!("{n}={s}"))
            .collect();
        println!(
            "{:<30} {:>8.1} {:>9} {:>9} {:>4} {:>4}  {}",
            service.name,
            service.rate_hz,
            ms(service.latency_p50_ms),
            ms(service.latency_p99_ms),
            service.publishers,
            service.subscribers,
            skipped.join(" ")
        );
    }
    println!();
    println!(
        "{:<10} {:>8} {:<5} {:>6} {:>8} {:>8} {:>6} {:>8}  LAST ERROR",
        "NODE", "PID", "ALIVE", "CPU %", "RSS MiB", "RESTARTS", "FPS", "SKIPPED"
    );
    for node in &report.nodes {
        println!(
            "{:<10} {:>8} {:<5} {:>6.1} {:>8.1} {:>8} {:>6.1} {:>8}  {}",
            node.name,
            node.pid,
            if node.alive { "yes" } else { "no" },
            node.cpu_percent,
            node.rss_mib,
            node.restarts,
            node.fps,
            node.skipped,
            node.last_error.as_deref().unwrap_or("-")
        );
    }
}

/// `mm-shm top`.
pub async fn run(bus: &Bus, once: bool, json: bool) -> anyhow::Result<()> {
    let mut board = StatusBoard::new(bus.status_subscriber()?);
    loop {
        let report = tokio::select! {
            report = sample(bus, &mut board) => report?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        if json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            if !once {
                // Clear the screen and go home, like top.
                print!("\x1b[2J\x1b[H");
            }
            print_table(&report);
        }
        if once {
            return Ok(());
        }
    }
}
