//! The traffic of `mm-bench load` and `mm-bench soak`: the whole system (vision, H.264, media)
//! with an RTMP push to a local ingest and a recording running, MJPEG viewers, and a mix of
//! API requests with sessions at a fixed rate.

use crate::percentiles::{summarize, Summary};
use mm_e2e::media_probe::RtmpIngest;
use mm_e2e::vision::post_json;
use mm_e2e::wallet::TestWallet;
use mm_e2e::{free_port, monotonic_ns, MjpegReader, Pipeline};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every node of the loaded system: the default nodes but the Solana and biometric ones
/// (which see no frames, and need a chain and enrollments to do anything).
pub static NODES: &[&str] = mm_runtime::config::DEFAULT_NODES.split_at(7).0;

/// Wallets signed in for the request mix.
const SESSIONS: usize = 10;

/// One request of the mix: method, path, body (POST), whether it needs a session.
struct MixedRequest {
    post: Option<&'static str>,
    path: &'static str,
    session: bool,
}

const fn get(path: &'static str, session: bool) -> MixedRequest {
    MixedRequest {
        post: None,
        path,
        session,
    }
}

/// The routes a camera's app and its operators call while people watch, in turn.
const MIX: [MixedRequest; 11] = [
    get("/api/health", false),
    get("/api/status", false),
    get("/api/stream/info", false),
    get("/api/face/detections", false),
    get("/api/gesture/current", false),
    get("/api/stream/livepeer/status", false),
    get("/metrics", false),
    get("/api/session/status", true),
    get("/api/photos?limit=10", true),
    get("/api/videos?limit=10", true),
    MixedRequest {
        post: Some("{\"enabled\": true}"),
        path: "/api/visualization/face",
        session: true,
    },
];

/// Every this many requests, one is a photo (`POST /api/capture`) instead of the mix.
const PHOTO_EVERY: u64 = 200;

/// The system under load: the pipeline with its stream and recording running.
pub struct LoadedSystem {
    /// The pipeline.
    pub pipeline: Pipeline,
    _ingest: RtmpIngest,
}

impl LoadedSystem {
    /// Starts every node at `width`x`height`@`fps`, the RTMP push into a local ingest (its
    /// FLV written in `dir`) and a recording.
    pub async fn start(width: u32, height: u32, fps: u32, dir: &Path) -> anyhow::Result<Self> {
        let port = free_port();
        let ingest = RtmpIngest::listen(port, &dir.join("ingest.flv"));
        let pipeline = Pipeline::builder(&format!("bench-load{height}"))
            .nodes(&NODES.join(","), "composited")
            .config(&format!(
                "[capture]\nsource = \"synthetic\"\nwidth = {width}\nheight = {height}\nfps = {fps}"
            ))
            .config(&format!(
                "[livepeer]\ningest_url = \"rtmp://127.0.0.1:{port}/live\""
            ))
            .env("MM_LIVEPEER_STREAM_KEY", "bench")
            .start();
        pipeline
            .wait_for_nodes_alive(NODES, Duration::from_secs(60))
            .await;
        let (code, body) = post_json(&pipeline, "/api/stream/livepeer/start", "{}").await;
        anyhow::ensure!(code == 200, "stream start: {code} {body}");
        let system = Self {
            pipeline,
            _ingest: ingest,
        };
        system.keep_recording().await?;
        Ok(system)
    }

    /// Starts a recording unless one runs (a recording ends at `recording.max_duration_s`).
    pub async fn keep_recording(&self) -> anyhow::Result<()> {
        let (code, body) = post_json(
            &self.pipeline,
            "/api/record",
            "{\"action\": \"start\", \"duration\": 3600}",
        )
        .await;
        anyhow::ensure!(code == 200 || code == 409, "record start: {code} {body}");
        Ok(())
    }

    /// Node name → pid now (a restarted node has a new one).
    pub fn pids(&self) -> BTreeMap<String, u32> {
        NODES
            .iter()
            .map(|&node| (node.to_owned(), self.pipeline.node_pid(node)))
            .collect()
    }

    /// The health report now.
    pub async fn health(&self) -> serde_json::Value {
        let (_, health) = mm_e2e::vision::get_json(&self.pipeline, "/api/health").await;
        health
    }
}

/// What the viewers saw.
#[derive(Debug, Clone, Serialize)]
pub struct ViewersSeen {
    /// Viewers connected.
    pub viewers: usize,
    /// Viewers whose stream failed (closed, or no part for 5 s).
    pub failed: usize,
    /// Frames per second each viewer received: the lowest.
    pub fps_min: f64,
    /// The mean over viewers.
    pub fps_mean: f64,
    /// Frames a viewer missed (gaps in `X-Frame-Sequence`), over all viewers.
    pub missed_frames: u64,
    /// Capture → part read, over all viewers.
    pub capture_to_wire: Option<Summary>,
}

struct ViewerLog {
    latencies_ns: Vec<u64>,
    frames: u64,
    missed: u64,
    failed: bool,
}

async fn view(url: String, until: Instant) -> ViewerLog {
    let mut log = ViewerLog {
        latencies_ns: Vec::new(),
        frames: 0,
        missed: 0,
        failed: false,
    };
    let Ok(mut reader) = MjpegReader::open(&url).await else {
        log.failed = true;
        return log;
    };
    let mut last_sequence = None;
    while Instant::now() < until {
        let Ok(part) = reader.next_part(Duration::from_secs(5)).await else {
            log.failed = true;
            break;
        };
        log.latencies_ns
            .push(monotonic_ns().saturating_sub(part.capture_ns()));
        let sequence = part.sequence();
        if let Some(last) = last_sequence {
            log.missed += sequence.saturating_sub(last + 1);
        }
        last_sequence = Some(sequence);
        log.frames += 1;
    }
    log
}

/// `viewers` clients read `/stream` for `duration`.
pub async fn watch(pipeline: &Pipeline, viewers: usize, duration: Duration) -> ViewersSeen {
    let until = Instant::now() + duration;
    let tasks: Vec<_> = (0..viewers)
        .map(|_| tokio::spawn(view(pipeline.url("/stream"), until)))
        .collect();
    let mut logs = Vec::new();
    for task in tasks {
        if let Ok(log) = task.await {
            logs.push(log);
        }
    }
    let seconds = duration.as_secs_f64();
    let rates: Vec<f64> = logs.iter().map(|l| l.frames as f64 / seconds).collect();
    let all: Vec<u64> = logs
        .iter()
        .flat_map(|l| l.latencies_ns.iter().copied())
        .collect();
    ViewersSeen {
        viewers,
        failed: logs.iter().filter(|l| l.failed).count() + (viewers - logs.len()),
        fps_min: rates.iter().copied().reduce(f64::min).unwrap_or(0.0),
        fps_mean: rates.iter().sum::<f64>() / rates.len().max(1) as f64,
        missed_frames: logs.iter().map(|l| l.missed).sum(),
        capture_to_wire: summarize(&all),
    }
}

/// One answered (or failed) request.
#[derive(Debug, Clone)]
pub struct Answer {
    /// When it was sent, seconds from the start.
    pub sent_s: f64,
    /// The path asked.
    pub path: &'static str,
    /// Its status; `None` when no answer came.
    pub status: Option<u16>,
    /// Sent → whole body read.
    pub latency_ns: u64,
}

impl Answer {
    /// Whether it failed: no answer, or not a 2xx.
    pub fn is_error(&self) -> bool {
        !self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What the request mix got.
#[derive(Debug, Clone, Serialize)]
pub struct RequestsSeen {
    /// Requests per second asked for.
    pub rate: f64,
    /// Requests sent.
    pub sent: usize,
    /// Of those, failed (no answer or not 2xx), by path and status (`none`: no answer).
    pub errors: BTreeMap<String, usize>,
    /// Sent → body read, all requests.
    pub latency: Option<Summary>,
    /// Sent → body read, per path.
    pub per_route: BTreeMap<&'static str, Summary>,
}

/// Sends the request mix at `rate` per second for `duration` with [`SESSIONS`] wallets'
/// sessions (at most 256 in flight), and returns every answer.
pub async fn request_mix(
    pipeline: &Pipeline,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Vec<Answer>> {
    let mut tokens = Vec::new();
    for seed in 0..SESSIONS {
        tokens.push(
            TestWallet::from_seed(100 + seed as u8)
                .sign_in(pipeline)
                .await,
        );
    }
    let tokens = Arc::new(tokens);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(64)
        .build()?;
    let in_flight = Arc::new(tokio::sync::Semaphore::new(256));
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let period = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now();
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(total as usize);
    for index in 0..total {
        ticker.tick().await;
        let permit = Arc::clone(&in_flight).acquire_owned().await?;
        let (post, path, session) = if index % PHOTO_EVERY == PHOTO_EVERY - 1 {
            (Some("{}"), "/api/capture", true)
        } else {
            let request = &MIX[index as usize % MIX.len()];
            (request.post, request.path, request.session)
        };
        let mut builder = match post {
            Some(body) => client
                .post(pipeline.url(path))
                .header("content-type", "application/json")
                .body(body),
            None => client.get(pipeline.url(path)),
        };
        if session {
            builder = builder.bearer_auth(&tokens[index as usize % tokens.len()]);
        }
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let status = match builder.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    response.bytes().await.ok().map(|_| status)
                }
                Err(_) => None,
            };
            drop(permit);
            Answer {
                sent_s: sent.duration_since(started).as_secs_f64(),
                path,
                status,
                latency_ns: sent.elapsed().as_nanos() as u64,
            }
        }));
    }
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await?);
    }
    Ok(answers)
}

/// The summary of `answers` sent at `rate`.
pub fn requests_seen(answers: &[Answer], rate: f64) -> RequestsSeen {
    let mut errors = BTreeMap::new();
    for answer in answers.iter().filter(|a| a.is_error()) {
        let status = answer
            .status
            .map_or_else(|| "none".to_owned(), |s| s.to_string());
        *errors
            .entry(format!("{} {status}", answer.path))
            .or_insert(0) += 1;
    }
    let latencies: Vec<u64> = answers.iter().map(|a| a.latency_ns).collect();
    let mut by_route: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
    for answer in answers {
        by_route
            .entry(answer.path)
            .or_default()
            .push(answer.latency_ns);
    }
    RequestsSeen {
        rate,
        sent: answers.len(),
        errors,
        latency: summarize(&latencies),
        per_route: by_route
            .into_iter()
            .filter_map(|(path, samples)| Some((path, summarize(&samples)?)))
            .collect(),
    }
}

/// A counter of every node (`skipped`, `restarts`), from a health report.
pub fn per_node(health: &serde_json::Value, counter: &str) -> BTreeMap<String, u64> {
    NODES
        .iter()
        .map(|&node| {
            let value = health["nodes"][node][counter].as_u64().unwrap_or(0);
            (node.to_owned(), value)
        })
        .collect()
}

/// `after - before` per node.
pub fn growth(
    before: &BTreeMap<String, u64>,
    after: BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .into_iter()
        .map(|(node, n)| {
            let earlier = before.get(&node).copied().unwrap_or(0);
            (node, n.saturating_sub(earlier))
        })
        .collect()
}
