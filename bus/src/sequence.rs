//! Counting frames a subscriber never saw.

/// Tracks the sequence numbers a subscriber received from each publisher and counts the gaps:
/// frames that were overwritten by newer ones before this subscriber took them.
///
/// `P` identifies the publisher; a new publisher (e.g. a restarted capture) starts a new run
/// and its first frame counts no gap.
#[derive(Debug, Clone, Default)]
pub struct SequenceTracker<P> {
    last: Option<(P, u64)>,
    received: u64,
    skipped: u64,
}

impl<P: PartialEq> SequenceTracker<P> {
    /// A tracker that has seen nothing.
    pub fn new() -> Self {
        Self {
            last: None,
            received: 0,
            skipped: 0,
        }
    }

    /// Records that frame `sequence` of `publisher` was taken; returns how many frames of that
    /// publisher were skipped since the previous one.
    pub fn observe(&mut self, publisher: P, sequence: u64) -> u64 {
        let gap = match &self.last {
            Some((last_publisher, last_sequence))
                if *last_publisher == publisher && sequence > *last_sequence =>
            {
                sequence - last_sequence - 1
            }
            _ => 0,
        };
        self.last = Some((publisher, sequence));
        self.received += 1;
        self.skipped += gap;
        gap
    }

    /// Frames taken so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Frames skipped so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::SequenceTracker;

    #[test]
    fn counts_gaps_within_one_publisher() {
        let mut tracker = SequenceTracker::new();
        assert_eq!(tracker.observe(1, 10), 0);
        assert_eq!(tracker.observe(1, 11), 0);
        assert_eq!(tracker.observe(1, 15), 3);
        assert_eq!(tracker.received(), 3);
        assert_eq!(tracker.skipped(), 3);
    }

    #[test]
    fn a_new_publisher_starts_a_new_run() {
        let mut tracker = SequenceTracker::new();
        tracker.observe(1, 10);
        assert_eq!(tracker.observe(2, 5_000), 0);
        assert_eq!(tracker.skipped(), 0);
    }
}
