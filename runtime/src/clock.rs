//! The one clock every timestamp on the bus uses.

use nix::time::{clock_gettime, ClockId};

/// CLOCK_MONOTONIC in nanoseconds: comparable across processes on one machine, never jumps.
pub fn monotonic_ns() -> u64 {
    // CLOCK_MONOTONIC cannot fail on Linux for a valid clock id; 0 marks "unknown" if it did.
    match clock_gettime(ClockId::CLOCK_MONOTONIC) {
        Ok(ts) => ts.tv_sec() as u64 * 1_000_000_000 + ts.tv_nsec() as u64,
        Err(_) => 0,
    }
}

/// Wall-clock time in milliseconds since the Unix epoch (0 if the clock is before it), for
/// replies to clients; never for comparing bus timestamps.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
