//! `mm-bench soak`: the loaded system (vision, RTMP, a recording kept running, viewers and a
//! request mix) for many minutes, with each node's resident memory and open file descriptors
//! sampled every minute: memory growth after the warm-up and descriptor growth.

use crate::plot::{time_lines, TimeSeries};
use crate::traffic::{growth, per_node, request_mix, requests_seen, watch, LoadedSystem, NODES};
use mm_runtime::procfs::{open_fds, rss_bytes};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Minutes before the baseline: models loaded, allocators and caches at their working size.
const WARM_UP_MINUTES: usize = 2;

/// One node's samples.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeSamples {
    /// Resident memory each minute, MiB.
    pub rss_mib: Vec<f64>,
    /// Open file descriptors each minute.
    pub open_fds: Vec<usize>,
}

impl NodeSamples {
    /// RSS growth from the end of the warm-up to the last sample, %.
    pub fn rss_growth_percent(&self) -> Option<f64> {
        let baseline = *self
            .rss_mib
            .get(WARM_UP_MINUTES.min(self.rss_mib.len() - 1))?;
        let last = *self.rss_mib.last()?;
        (baseline > 0.0).then(|| (last - baseline) / baseline * 100.0)
    }

    /// Descriptors at the end minus after the warm-up.
    pub fn fd_growth(&self) -> Option<i64> {
        let baseline = *self
            .open_fds
            .get(WARM_UP_MINUTES.min(self.open_fds.len() - 1))?;
        Some(*self.open_fds.last()? as i64 - baseline as i64)
    }
}

/// What a soak run measured.
#[derive(Debug, Clone, Serialize)]
pub struct SoakRun {
    /// `WxH@fps`.
    pub mode: String,
    /// Minutes run.
    pub minutes: usize,
    /// Viewers throughout.
    pub viewers: usize,
    /// Requests per second throughout.
    pub rate: f64,
    /// Per node.
    pub nodes: BTreeMap<String, NodeSamples>,
    /// API requests that failed over the whole run, by path and status (`none`: no answer).
    pub api_errors: BTreeMap<String, usize>,
    /// Requests sent.
    pub api_requests: usize,
    /// Viewers' streams that failed.
    pub viewer_failures: usize,
    /// Node restarts during the run.
    pub restarts: BTreeMap<String, u64>,
}

fn sample(system: &LoadedSystem, nodes: &mut BTreeMap<String, NodeSamples>) {
    for (node, pid) in system.pids() {
        let samples = nodes.entry(node).or_default();
        let mib = rss_bytes(pid).unwrap_or(0) as f64 / (1024.0 * 1024.0);
        samples.rss_mib.push((mib * 10.0).round() / 10.0);
        samples.open_fds.push(open_fds(pid).unwrap_or(0));
    }
}

/// Runs for `minutes` at `width`x`height`@`fps` with `viewers` viewers and `rate` requests/s.
pub async fn run(
    (width, height, fps): (u32, u32, u32),
    minutes: usize,
    viewers: usize,
    rate: f64,
) -> anyhow::Result<SoakRun> {
    let dir = tempfile::tempdir()?;
    let system = LoadedSystem::start(width, height, fps, dir.path()).await?;
    let restarts_before = per_node(&system.health().await, "restarts");
    let mut nodes = BTreeMap::new();
    let mut api_errors: BTreeMap<String, usize> = BTreeMap::new();
    let (mut api_requests, mut viewer_failures) = (0, 0);
    sample(&system, &mut nodes);
    for minute in 1..=minutes {
        let duration = Duration::from_secs(60);
        let (seen, answers) = tokio::join!(
            watch(&system.pipeline, viewers, duration),
            request_mix(&system.pipeline, rate, duration)
        );
        let requests = requests_seen(&answers?, rate);
        for (what, count) in requests.errors {
            *api_errors.entry(what).or_insert(0) += count;
        }
        api_requests += requests.sent;
        viewer_failures += seen.failed;
        // A recording ends at recording.max_duration_s: keep one running, as an operator would.
        system.keep_recording().await?;
        sample(&system, &mut nodes);
        eprintln!(
            "soak: minute {minute}/{minutes}: RSS MiB {}",
            NODES
                .iter()
                .filter_map(|node| Some(format!("{node} {}", nodes.get(*node)?.rss_mib.last()?)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let restarts_after = per_node(&system.health().await, "restarts");
    Ok(SoakRun {
        mode: format!("{width}x{height}@{fps}"),
        minutes,
        viewers,
        rate,
        nodes,
        api_errors,
        api_requests,
        viewer_failures,
        restarts: growth(&restarts_before, restarts_after),
    })
}

/// The run as a Markdown table: one row per node.
pub fn markdown(run: &SoakRun) -> String {
    let mut table = format!(
        "{} for {} min, {} viewers + {} req/s, RTMP + recording; API errors {} of {}, viewer \
         failures {}; growth measured from minute {WARM_UP_MINUTES}\n\n\
         | node | RSS MiB after warm-up → end | RSS growth | fds after warm-up → end | fd growth | restarts |\n\
         |---|---|---|---|---|---|\n",
        run.mode,
        run.minutes,
        run.viewers,
        run.rate,
        run.api_errors.values().sum::<usize>(),
        run.api_requests,
        run.viewer_failures
    );
    for &node in NODES {
        let Some(samples) = run.nodes.get(node) else {
            continue;
        };
        let at = |values: &[f64]| {
            let baseline = values.get(WARM_UP_MINUTES.min(values.len().saturating_sub(1)));
            format!(
                "{} → {}",
                baseline.copied().unwrap_or(0.0),
                values.last().copied().unwrap_or(0.0)
            )
        };
        let fds: Vec<f64> = samples.open_fds.iter().map(|&n| n as f64).collect();
        table.push_str(&format!(
            "| {node} | {} | {} | {} | {} | {} |\n",
            at(&samples.rss_mib),
            samples
                .rss_growth_percent()
                .map_or("–".to_owned(), |g| format!("{g:+.1} %")),
            at(&fds),
            samples
                .fd_growth()
                .map_or("–".to_owned(), |g| format!("{g:+}")),
            run.restarts.get(node).copied().unwrap_or(0)
        ));
    }
    for (what, count) in &run.api_errors {
        table.push_str(&format!("\nerror: {what}: {count}"));
    }
    table
}

/// RSS per node per minute, and open descriptors per node per minute, as two PNGs
/// (`path` and `path` with `-fds` before the extension).
pub fn plot(run: &SoakRun, path: &Path) -> anyhow::Result<()> {
    let lines = |pick: &dyn Fn(&NodeSamples) -> Vec<f64>| -> Vec<TimeSeries> {
        NODES
            .iter()
            .enumerate()
            .filter_map(|(color, &node)| {
                let samples = run.nodes.get(node)?;
                Some(TimeSeries {
                    label: node.to_owned(),
                    points: pick(samples)
                        .into_iter()
                        .enumerate()
                        .map(|(minute, y)| (minute as f64, y))
                        .collect(),
                    thin: false,
                    color,
                })
            })
            .collect()
    };
    let title = format!(
        "soak {}: {} viewers + {} req/s, RTMP + recording",
        run.mode, run.viewers, run.rate
    );
    time_lines(
        path,
        &format!("RSS per node, {title}"),
        "minutes",
        "RSS, MiB",
        &lines(&|s| s.rss_mib.clone()),
    )?;
    let fds_path = path.with_file_name(format!(
        "{}-fds.png",
        path.file_stem().and_then(|s| s.to_str()).unwrap_or("soak")
    ));
    time_lines(
        &fds_path,
        &format!("Open file descriptors per node, {title}"),
        "minutes",
        "open descriptors",
        &lines(&|s| s.open_fds.iter().map(|&n| n as f64).collect()),
    )
}
