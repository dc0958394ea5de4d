//! Summaries of latency samples.

use serde::Serialize;

/// p50, p99 and max of a set of samples, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Summary {
    /// Samples summarised.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile (nearest rank).
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

/// Summarises nanosecond samples; `None` when there are none.
pub fn summarize(samples_ns: &[u64]) -> Option<Summary> {
    if samples_ns.is_empty() {
        return None;
    }
    let mut sorted = samples_ns.to_vec();
    sorted.sort_unstable();
    let rank = |p: f64| {
        let index = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index] as f64 / 1e6
    };
    Some(Summary {
        count: sorted.len(),
        p50_ms: rank(0.50),
        p99_ms: rank(0.99),
        max_ms: sorted[sorted.len() - 1] as f64 / 1e6,
    })
}

#[cfg(test)]
mod tests {
    use super::summarize;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=100).map(|ms| ms * 1_000_000).collect();
        let summary = summarize(&samples).unwrap();
        assert_eq!(
            (summary.p50_ms, summary.p99_ms, summary.max_ms),
            (50.0, 99.0, 100.0)
        );
        assert!(summarize(&[]).is_none());
    }
}
