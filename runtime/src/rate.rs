//! Rolling event-rate measurement.

use std::collections::VecDeque;

/// Events per second over a sliding window of recent event timestamps.
#[derive(Debug, Clone)]
pub struct RateMeter {
    window_ns: u64,
    events: VecDeque<u64>,
}

impl RateMeter {
    /// A meter averaging over `window_ns` nanoseconds.
    pub fn new(window_ns: u64) -> Self {
        Self {
            window_ns,
            events: VecDeque::new(),
        }
    }

    /// Records one event at `now_ns`.
    pub fn record(&mut self, now_ns: u64) {
        self.events.push_back(now_ns);
        self.expire(now_ns);
    }

    /// Events per second in the window ending at `now_ns`.
    pub fn rate(&mut self, now_ns: u64) -> f32 {
        self.expire(now_ns);
        if self.events.len() < 2 {
            return 0.0;
        }
        let first = self.events.front().copied().unwrap_or(now_ns);
        let last = self.events.back().copied().unwrap_or(now_ns);
        let span = last.saturating_sub(first);
        if span == 0 {
            return 0.0;
        }
        (self.events.len() - 1) as f32 * 1e9 / span as f32
    }

    fn expire(&mut self, now_ns: u64) {
        while let Some(&oldest) = self.events.front() {
            if now_ns.saturating_sub(oldest) <= self.window_ns {
                break;
            }
            self.events.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateMeter;

    #[test]
    fn measures_a_steady_rate() {
        let mut meter = RateMeter::new(2_000_000_000);
        for i in 0..61 {
            meter.record(i * 33_333_333);
        }
        let rate = meter.rate(60 * 33_333_333);
        assert!((rate - 30.0).abs() < 0.1, "{rate}");
    }

    #[test]
    fn forgets_old_events() {
        let mut meter = RateMeter::new(1_000_000_000);
        meter.record(0);
        meter.record(10_000_000);
        assert_eq!(meter.rate(5_000_000_000), 0.0);
    }
}
