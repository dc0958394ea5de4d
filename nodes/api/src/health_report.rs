//! `/api/health`: 200 only while frames flow, with the reason when they do not.

use crate::bus_thread::NodeStatuses;
use crate::stats::FrameStats;
use mm_shm_schema::{NodeState, NodeStatus};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use mm_runtime::status::NODE_STALE_NS;

/// One node as health reports it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct NodeHealth {
    /// Whether its process is alive and it published its status within the last 3 s.
    pub alive: bool,
    /// `starting`, `running`, `degraded`, `stopping` (or `unknown`).
    pub state: String,
    /// Frames per second it processes.
    pub fps: f64,
    /// Frames processed since it started.
    pub frames: u64,
    /// Frames it skipped because newer ones were waiting.
    pub skipped: u64,
    /// How often the supervisor restarted it.
    pub restarts: u32,
    /// Its process id.
    pub pid: u32,
    /// Seconds since it started.
    pub uptime_s: f64,
    /// Short detail, e.g. the chosen source.
    pub detail: String,
    /// The stream it reads now (encode: `frames/composited`, `frames/raw`, or `none` while
    /// it withholds frames); null for a node without a choice.
    pub input: Option<String>,
    /// The last error it reported, if any.
    pub last_error: Option<String>,
    /// Milliseconds since its newest status.
    pub status_age_ms: u64,
}

/// The `/api/health` body.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct HealthReport {
    /// `ok` when frames flow; `degraded` when they flow from a substitute for what was
    /// configured (the synthetic scene for a missing camera); else `error`.
    pub status: &'static str,
    /// Why the status is not `ok`; null when ok.
    pub reason: Option<String>,
    /// `synthetic`, `file`, `v4l2`, or null before the first frame.
    pub source: Option<&'static str>,
    /// JPEG frames per second the API receives.
    pub fps: f64,
    /// Milliseconds since the newest frame; null before the first.
    pub last_frame_age_ms: Option<u64>,
    /// Sequence number of the newest frame.
    pub last_sequence: Option<u64>,
    /// Seconds since the API started.
    pub uptime_s: f64,
    /// Viewers of `/stream` now.
    pub viewers: usize,
    /// Every node that reported a status.
    pub nodes: BTreeMap<String, NodeHealth>,
    /// Unix time in milliseconds.
    pub timestamp: u64,
}

/// Inputs of a health report, gathered by the caller.
pub struct HealthInputs<'a> {
    /// CLOCK_MONOTONIC now.
    pub now_ns: u64,
    /// When the API started (CLOCK_MONOTONIC).
    pub started_ns: u64,
    /// Unix time in milliseconds.
    pub unix_ms: u64,
    /// Frames must have arrived within this long.
    pub frame_timeout_ns: u64,
    /// Viewers connected.
    pub viewers: usize,
    /// Frame counters.
    pub stats: &'a mut FrameStats,
    /// The newest status of each node, and which are alive.
    pub nodes: &'a NodeStatuses,
}

/// Builds the report; `status` is `ok` only when a frame arrived within the timeout.
pub fn health_report(inputs: HealthInputs<'_>) -> HealthReport {
    let now = inputs.now_ns;
    let nodes: BTreeMap<String, NodeHealth> = inputs
        .nodes
        .statuses
        .iter()
        .map(|(name, status)| (name.clone(), node_health(status, &inputs.nodes.alive, now)))
        .collect();
    let age = inputs.stats.age_ns(now);
    let mut reasons = Vec::new();
    match age {
        None => reasons.push("no frame received yet".to_owned()),
        Some(age) if age > inputs.frame_timeout_ns => {
            reasons.push(format!("no frame for {} ms", age / 1_000_000));
        }
        Some(_) => {}
    }
    if !reasons.is_empty() && !inputs.nodes.known {
        reasons.push("node statuses not read yet".to_owned());
    } else if !reasons.is_empty() {
        for node in ["capture", "encode"] {
            match nodes.get(node) {
                Some(health) if health.alive => {
                    if let Some(error) = &health.last_error {
                        reasons.push(format!("{node}: {error}"));
                    }
                }
                _ => reasons.push(format!("{node} node is down")),
            }
        }
    }
    let status = if !reasons.is_empty() {
        "error"
    } else {
        // Frames flow, but a node stands in for what was configured (no camera: the
        // synthetic scene): not a plain ok.
        reasons = nodes
            .iter()
            .filter(|(_, health)| health.alive && health.state == NodeState::Fallback.name())
            .map(|(name, health)| format!("{name}: {}", health.detail))
            .collect();
        if reasons.is_empty() {
            "ok"
        } else {
            "degraded"
        }
    };
    HealthReport {
        status,
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        source: inputs.stats.source_kind().map(|kind| kind.name()),
        fps: round2(f64::from(inputs.stats.fps(now))),
        last_frame_age_ms: age.map(|ns| ns / 1_000_000),
        last_sequence: inputs.stats.last_header.map(|h| h.frame.sequence),
        uptime_s: round2(now.saturating_sub(inputs.started_ns) as f64 / 1e9),
        viewers: inputs.viewers,
        nodes,
        timestamp: inputs.unix_ms,
    }
}

fn node_health(status: &NodeStatus, alive: &BTreeSet<String>, now_ns: u64) -> NodeHealth {
    let status_age = now_ns.saturating_sub(status.updated_ns);
    let state = status.state().map_or("unknown", |state| state.name());
    let process_alive = alive.contains(&mm_shm_schema::node_name(status.node.as_str()));
    NodeHealth {
        alive: process_alive && status_age <= NODE_STALE_NS && state != "stopping",
        state: state.to_owned(),
        fps: round2(f64::from(status.fps)),
        frames: status.frames,
        skipped: status.skipped,
        restarts: status.restarts,
        pid: status.pid,
        uptime_s: round2(now_ns.saturating_sub(status.started_ns) as f64 / 1e9),
        detail: status.detail.as_str().to_owned(),
        input: (!status.input.is_empty()).then(|| status.input.as_str().to_owned()),
        last_error: (!status.last_error.is_empty()).then(|| status.last_error.as_str().to_owned()),
        status_age_ms: status_age / 1_000_000,
    }
}

/// Two decimals: more are noise in a rate or a duration.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use mm_shm_schema::{FixedStr, JpegHeader, NodeState, SourceKind};

    const SECOND: u64 = 1_000_000_000;

    fn node(name: &str, updated_ns: u64) -> NodeStatus {
        NodeStatus {
            node: FixedStr::new(name),
            updated_ns,
            state: NodeState::Running as u32,
            ..NodeStatus::default()
        }
    }

    fn statuses(nodes: &[(&str, u64)], alive: &[&str]) -> NodeStatuses {
        NodeStatuses {
            statuses: nodes
                .iter()
                .map(|&(name, at)| (name.to_owned(), node(name, at)))
                .collect(),
            alive: alive
                .iter()
                .map(|name| mm_shm_schema::node_name(name))
                .collect(),
            known: true,
        }
    }

    fn report(stats: &mut FrameStats, nodes: &NodeStatuses, now_ns: u64) -> HealthReport {
        health_report(HealthInputs {
            now_ns,
            started_ns: 0,
            unix_ms: 0,
            frame_timeout_ns: 2 * SECOND,
            viewers: 0,
            stats,
            nodes,
        })
    }

    fn header() -> JpegHeader {
        let mut header = JpegHeader::default();
        header.frame.source_kind = SourceKind::Synthetic as u32;
        header
    }

    #[test]
    fn ok_while_frames_flow() {
        let mut stats = FrameStats::default();
        for i in 0..30 {
            stats.record(header(), 10 * SECOND + i * SECOND / 30, 0);
        }
        let nodes = statuses(&[("capture", 11 * SECOND)], &["capture"]);
        let report = report(&mut stats, &nodes, 11 * SECOND);
        assert_eq!(report.status, "ok");
        assert_eq!(report.reason, None);
        assert_eq!(report.source, Some("synthetic"));
        assert!(report.fps > 25.0);
        assert!(report.nodes["capture"].alive);
    }

    #[test]
    fn error_with_a_reason_when_frames_stop() {
        let mut stats = FrameStats::default();
        stats.record(header(), 10 * SECOND, 0);
        let nodes = statuses(
            &[("capture", 10 * SECOND), ("encode", 14 * SECOND)],
            &["capture", "encode"],
        );
        let report = report(&mut stats, &nodes, 15 * SECOND);
        assert_eq!(report.status, "error");
        let reason = report.reason.unwrap();
        assert!(reason.contains("no frame for 5000 ms"), "{reason}");
        assert!(reason.contains("capture node is down"), "{reason}");
        assert!(!report.nodes["capture"].alive);
        assert!(report.nodes["encode"].alive);
    }

    #[test]
    fn a_killed_node_is_down_at_once_even_with_a_fresh_status() {
        let mut stats = FrameStats::default();
        stats.record(header(), 10 * SECOND, 0);
        let nodes = statuses(
            &[("capture", 12 * SECOND), ("encode", 12 * SECOND)],
            &["encode"],
        );
        let report = report(&mut stats, &nodes, 12_500_000_000);
        assert!(!report.nodes["capture"].alive);
        assert!(report.reason.unwrap().contains("capture node is down"));
    }

    #[test]
    fn a_substitute_source_is_degraded_with_its_reason() {
        let mut stats = FrameStats::default();
        for i in 0..30 {
            stats.record(header(), 10 * SECOND + i * SECOND / 30, 0);
        }
        let mut nodes = statuses(&[("capture", 11 * SECOND)], &["capture"]);
        let capture = nodes.statuses.get_mut("capture").unwrap();
        capture.state = NodeState::Fallback as u32;
        capture.detail = FixedStr::new("auto: no camera at /dev/video0, synthetic scene");
        let report = report(&mut stats, &nodes, 11 * SECOND);
        assert_eq!(report.status, "degraded");
        assert!(report.reason.unwrap().contains("no camera at /dev/video0"));
    }

    #[test]
    fn error_before_the_first_frame() {
        let mut stats = FrameStats::default();
        let report = report(&mut stats, &NodeStatuses::default(), SECOND);
        assert_eq!(report.status, "error");
        assert!(report.reason.unwrap().contains("no frame received yet"));
    }
}
