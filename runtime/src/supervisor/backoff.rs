//! Exponential restart delays.

use std::time::Duration;

/// Restart delay that doubles after each quick crash, up to a cap, and starts over after a
/// node ran long enough to count as healthy.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    healthy_after: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `initial`, never exceeds `max`, resets after a run of `healthy_after`.
    pub fn new(initial: Duration, max: Duration, healthy_after: Duration) -> Self {
        Self {
            initial,
            max,
            healthy_after,
            next: initial,
        }
    }

    /// The delay before the restart that follows a run of length `ran_for`.
    pub fn delay_after(&mut self, ran_for: Duration) -> Duration {
        if ran_for >= self.healthy_after {
            self.next = self.initial;
        }
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;
    use std::time::Duration;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn doubles_up_to_the_cap() {
        let mut backoff = Backoff::new(100 * MS, 1000 * MS, 30_000 * MS);
        let delays: Vec<_> = (0..6).map(|_| backoff.delay_after(10 * MS)).collect();
        assert_eq!(
            delays,
            [100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS, 1000 * MS]
        );
    }

    #[test]
    fn a_healthy_run_starts_over() {
        let mut backoff = Backoff::new(100 * MS, 1000 * MS, 30_000 * MS);
        backoff.delay_after(10 * MS);
        backoff.delay_after(10 * MS);
        assert_eq!(backoff.delay_after(60_000 * MS), 100 * MS);
    }
}
