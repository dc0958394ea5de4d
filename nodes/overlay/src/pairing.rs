//! Which detections belong on which frame.

use mm_shm_schema::Detections;
use std::collections::VecDeque;

/// Detections kept for `exact` mode to find a frame's own.
const KEPT: usize = 8;

/// The most recent detections messages.
#[derive(Debug)]
pub struct RecentDetections {
    recent: VecDeque<Box<Detections>>,
    max_age_ns: u64,
}

impl RecentDetections {
    /// Detections captured more than `max_age_ns` before or after a frame are not drawn on it.
    pub fn new(max_age_ns: u64) -> Self {
        Self {
            recent: VecDeque::with_capacity(KEPT),
            max_age_ns,
        }
    }

    /// Adds a message, dropping the oldest beyond [`KEPT`].
    pub fn push(&mut self, detections: Detections) {
        if self.recent.len() == KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back(Box::new(detections));
    }

    /// `latest` mode: the newest detections, if they are recent enough for a frame captured at
    /// `capture_ns`.
    pub fn latest_for(&self, capture_ns: u64) -> Option<&Detections> {
        self.recent
            .back()
            .map(|d| d.as_ref())
            .filter(|d| d.capture_ns.abs_diff(capture_ns) <= self.max_age_ns)
    }

    /// `exact` mode: the frame's own detections.
    pub fn exact(&self, sequence: u64) -> Option<&Detections> {
        self.recent
            .iter()
            .rev()
            .map(|d| d.as_ref())
            .find(|d| d.sequence == sequence)
    }

    /// True when waiting longer for frame `sequence` is pointless: its detections are here,
    /// or inference already moved past it (it skipped the frame).
    pub fn settled(&self, sequence: u64) -> bool {
        self.recent.iter().any(|d| d.sequence >= sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detections(sequence: u64, capture_ns: u64) -> Detections {
        Detections {
            sequence,
            capture_ns,
            ..Detections::default()
        }
    }

    #[test]
    fn latest_mode_ignores_stale_detections() {
        let mut recent = RecentDetections::new(500);
        assert!(recent.latest_for(1000).is_none());
        recent.push(detections(1, 1000));
        assert!(recent.latest_for(1400).is_some());
        assert!(recent.latest_for(1600).is_none());
    }

    #[test]
    fn exact_mode_finds_a_frames_own_detections_or_gives_up_when_skipped() {
        let mut recent = RecentDetections::new(500);
        recent.push(detections(4, 0));
        assert!(!recent.settled(5));
        recent.push(detections(6, 0));
        assert!(recent.settled(5));
        assert!(recent.exact(5).is_none());
        assert_eq!(recent.exact(4).map(|d| d.sequence), Some(4));
    }
}
