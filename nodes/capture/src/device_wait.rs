//! Waiting for a device's next frame on the capture loop's async runtime: the descriptor is
//! watched by tokio's reactor instead of a blocking `poll` on the loop's only thread, so the
//! stop signal and the status tick are served while the camera takes its time.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// Longest the capture loop waits for a camera's next frame before it reads anyway (and finds
/// the camera stalled).
pub const FRAME_WAIT: Duration = Duration::from_secs(2);

/// A descriptor someone else owns, registered with the reactor only while one wait lasts.
struct Watched(RawFd);

impl AsRawFd for Watched {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// Waits up to `timeout` until `fd` has something to read (or an error to report: the read
/// that follows tells which). Returns whether it did before the timeout.
///
/// The descriptor is registered for this wait only and deregistered before the function
/// returns (or its future is dropped), while `fd`'s borrow keeps it open: a camera that
/// closes it on reconnect can never leave it registered, and a reused descriptor number is
/// never touched.
pub async fn readable(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<bool> {
    if ready_now(fd)? {
        return Ok(true);
    }
    // SAFETY: `fd` is borrowed for as long as this future lives, so the descriptor stays
    // open and refers to the same file until `watched`, owned by the future, is dropped.
    let watched =
        unsafe { AsyncFd::register_with_interest(Watched(fd.as_raw_fd()), Interest::READABLE) }?;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let Ok(guard) = tokio::time::timeout_at(deadline, watched.readable()).await else {
            return Ok(false);
        };
        let mut guard = guard?;
        // The reactor reports edges; whether a frame is there now is the level below.
        if ready_now(fd)? {
            return Ok(true);
        }
        guard.clear_ready();
    }
}

/// Whether `fd` is readable (or in error) right now, without waiting.
fn ready_now(fd: BorrowedFd<'_>) -> io::Result<bool> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    let ready = poll(&mut fds, PollTimeout::ZERO).map_err(io::Error::from)?;
    Ok(ready > 0)
}

#[cfg(test)]
mod tests {
    use super::readable;
    use std::io::Write;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;
    use std::time::{Duration, Instant};

    #[tokio::test(flavor = "current_thread")]
    async fn waits_without_blocking_until_data_arrives() {
        let (reader, mut writer) = UnixStream::pair().unwrap();
        assert!(!readable(reader.as_fd(), Duration::from_millis(50))
            .await
            .unwrap());
        // A ticker on the same thread keeps running while the wait lasts.
        let ticks = tokio::spawn(async {
            let mut ticks = 0;
            while ticks < 5 {
                tokio::time::sleep(Duration::from_millis(10)).await;
                ticks += 1;
            }
            ticks
        });
        let writing = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            writer.write_all(b"f").unwrap();
            writer
        });
        let started = Instant::now();
        assert!(readable(reader.as_fd(), Duration::from_secs(5))
            .await
            .unwrap());
        assert!(started.elapsed() < Duration::from_secs(4));
        assert!(ticks.is_finished(), "the wait blocked the runtime's thread");
        assert_eq!(ticks.await.unwrap(), 5);
        // Still readable (nothing was read): answered at once, from the level.
        assert!(readable(reader.as_fd(), Duration::ZERO).await.unwrap());
        drop(writing.join().unwrap());
    }
}
