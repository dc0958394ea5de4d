//! CPU and memory of the pipeline's node processes over a measurement window.

use mm_runtime::procfs::{cpu_seconds, rss_bytes};
use std::collections::BTreeMap;
use std::time::Instant;

/// The pipeline's nodes every benchmark measures, in pipeline order.
pub const NODES: [&str; 3] = ["capture", "encode", "api"];

/// One table cell per node of [`NODES`], `a / b / c`, missing nodes as the default value.
pub fn per_node_cell<T: Copy + Default>(
    values: &BTreeMap<String, T>,
    format: impl Fn(T) -> String,
) -> String {
    NODES
        .map(|node| format(values.get(node).copied().unwrap_or_default()))
        .join(" / ")
}

/// CPU time of some processes at the start of a window.
pub struct CpuWindow {
    started: Instant,
    before: BTreeMap<String, (u32, f64)>,
}

impl CpuWindow {
    /// Starts a window over `pids` (node name → pid).
    pub fn start(pids: &BTreeMap<String, u32>) -> Self {
        let before = pids
            .iter()
            .map(|(node, &pid)| (node.clone(), (pid, cpu_seconds(pid).unwrap_or(0.0))))
            .collect();
        Self {
            started: Instant::now(),
            before,
        }
    }

    /// CPU per node since the start, % of one core, one decimal.
    pub fn cpu_percent(&self) -> BTreeMap<String, f64> {
        let elapsed = self.started.elapsed().as_secs_f64();
        self.before
            .iter()
            .map(|(node, &(pid, before))| {
                let used = cpu_seconds(pid).unwrap_or(before) - before;
                (node.clone(), (used / elapsed * 1000.0).round() / 10.0)
            })
            .collect()
    }

    /// Resident memory per node now, MiB, one decimal.
    pub fn rss_mib(&self) -> BTreeMap<String, f64> {
        self.before
            .iter()
            .map(|(node, &(pid, _))| {
                let mib = rss_bytes(pid).unwrap_or(0) as f64 / (1024.0 * 1024.0);
                (node.clone(), (mib * 10.0).round() / 10.0)
            })
            .collect()
    }
}
