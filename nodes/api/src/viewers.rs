//! Handing the newest frame to every `/stream` viewer.

use crate::frame::JpegFrame;
use bytes::Bytes;
use futures_util::Stream;
use mm_runtime::clock::monotonic_ns;
use prometheus_client::metrics::histogram::Histogram;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// The newest frame, broadcast to every viewer. A viewer waits for a frame newer than the last
/// one it sent; frames that arrive while it is still writing are replaced by newer ones, so a
/// slow viewer skips frames and never holds up the pipeline or another viewer.
#[derive(Debug, Clone)]
pub struct FrameBroadcast {
    sender: Arc<watch::Sender<Option<JpegFrame>>>,
    closed: Arc<watch::Sender<bool>>,
    viewers: Arc<AtomicUsize>,
    capture_to_wire: Histogram,
}

impl Default for FrameBroadcast {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameBroadcast {
    /// A broadcast with no frame yet.
    pub fn new() -> Self {
        Self {
            sender: Arc::new(watch::channel(None).0),
            closed: Arc::new(watch::channel(false).0),
            viewers: Arc::new(AtomicUsize::new(0)),
            capture_to_wire: Histogram::new(crate::stats::LATENCY_BUCKETS),
        }
    }

    /// Seconds from capture to each part handed to a viewer's connection (`/metrics`).
    pub fn capture_to_wire(&self) -> Histogram {
        self.capture_to_wire.clone()
    }

    /// Makes `frame` the newest.
    pub fn publish(&self, frame: JpegFrame) {
        self.sender.send_replace(Some(frame));
    }

    /// Ends every viewer's stream (on shutdown, so graceful shutdown is not held up by
    /// endless bodies).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// The newest frame, if any arrived.
    pub fn latest(&self) -> Option<JpegFrame> {
        self.sender.borrow().clone()
    }

    /// Viewers connected now.
    pub fn viewers(&self) -> usize {
        self.viewers.load(Ordering::Relaxed)
    }

    /// The multipart parts for one more viewer — the newest frame at once, then each newer
    /// one — while fewer than `max_viewers` watch; `None` when that many already do (checked
    /// and counted in one atomic step).
    pub fn viewer_stream(
        &self,
        max_viewers: usize,
    ) -> Option<impl Stream<Item = Result<Bytes, Infallible>> + Send + Sync + 'static> {
        ViewerCount::within(self.viewers.clone(), max_viewers).map(|count| self.stream_for(count))
    }

    fn stream_for(
        &self,
        count: ViewerCount,
    ) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + Sync + 'static {
        let mut receiver = self.sender.subscribe();
        // The current frame counts as new for a viewer that just connected.
        receiver.mark_changed();
        let state = ViewerState {
            receiver,
            closed: self.closed.subscribe(),
            last_sent: None,
            capture_to_wire: self.capture_to_wire.clone(),
            _count: count,
        };
        futures_util::stream::unfold(state, |mut state| async move {
            loop {
                tokio::select! {
                    changed = state.receiver.changed() => changed.ok()?,
                    () = closed(&mut state.closed) => return None,
                }
                let frame = state.receiver.borrow_and_update().clone();
                if let Some(frame) = frame {
                    if state.last_sent != Some(frame.sequence()) {
                        state.last_sent = Some(frame.sequence());
                        let captured = frame.header.frame.capture_ns;
                        if captured > 0 {
                            let latency_ns = monotonic_ns().saturating_sub(captured);
                            state.capture_to_wire.observe(latency_ns as f64 / 1e9);
                        }
                        return Some((Ok(frame.part), state));
                    }
                }
            }
        })
    }
}

/// Resolves when the broadcast is closed (or gone).
async fn closed(closed: &mut watch::Receiver<bool>) {
    let _ = closed.wait_for(|closed| *closed).await;
}

struct ViewerState {
    receiver: watch::Receiver<Option<JpegFrame>>,
    closed: watch::Receiver<bool>,
    last_sent: Option<u64>,
    capture_to_wire: Histogram,
    _count: ViewerCount,
}

/// Counts a viewer for as long as its stream lives.
struct ViewerCount(Arc<AtomicUsize>);

impl ViewerCount {
    /// Counts one more viewer unless `max` already watch.
    fn within(count: Arc<AtomicUsize>, max: usize) -> Option<Self> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (now < max).then_some(now + 1)
            })
            .ok()?;
        Some(Self(count))
    }
}

impl Drop for ViewerCount {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use mm_shm_schema::JpegHeader;
    use std::time::Duration;

    fn frame(sequence: u64) -> JpegFrame {
        let mut header = JpegHeader::default();
        header.frame.sequence = sequence;
        JpegFrame::new(header, &[0xFF, 0xD8, sequence as u8, 0xFF, 0xD9])
    }

    fn sequence_of(part: &Bytes) -> u64 {
        let text = String::from_utf8_lossy(part);
        let line = text
            .lines()
            .find(|l| l.starts_with("X-Frame-Sequence: "))
            .unwrap();
        line["X-Frame-Sequence: ".len()..].parse().unwrap()
    }

    #[tokio::test]
    async fn a_slow_viewer_skips_to_the_newest_frame() {
        let broadcast = FrameBroadcast::new();
        let mut fast = Box::pin(broadcast.viewer_stream(usize::MAX).unwrap());
        let mut slow = Box::pin(broadcast.viewer_stream(usize::MAX).unwrap());
        assert_eq!(broadcast.viewers(), 2);

        let mut fast_seen = Vec::new();
        for sequence in 1..=5 {
            broadcast.publish(frame(sequence));
            fast_seen.push(sequence_of(&fast.next().await.unwrap().unwrap()));
        }
        assert_eq!(fast_seen, [1, 2, 3, 4, 5]);
        // The slow viewer did not read meanwhile: it gets frame 5 only, not a backlog.
        assert_eq!(sequence_of(&slow.next().await.unwrap().unwrap()), 5);
        broadcast.publish(frame(6));
        assert_eq!(sequence_of(&slow.next().await.unwrap().unwrap()), 6);
    }

    #[tokio::test]
    async fn no_frame_is_sent_twice() {
        let broadcast = FrameBroadcast::new();
        broadcast.publish(frame(9));
        let mut viewer = Box::pin(broadcast.viewer_stream(usize::MAX).unwrap());
        assert_eq!(sequence_of(&viewer.next().await.unwrap().unwrap()), 9);
        // The same frame published again (e.g. a re-delivered sample) is not re-sent.
        broadcast.publish(frame(9));
        let again = tokio::time::timeout(Duration::from_millis(50), viewer.next()).await;
        assert!(again.is_err(), "frame 9 was sent twice");
    }

    #[tokio::test]
    async fn closing_ends_every_viewer_stream() {
        let broadcast = FrameBroadcast::new();
        let mut viewer = Box::pin(broadcast.viewer_stream(usize::MAX).unwrap());
        broadcast.close();
        assert!(viewer.next().await.is_none());
    }

    #[tokio::test]
    async fn a_new_viewer_gets_the_current_frame_at_once_and_leaving_is_counted() {
        let broadcast = FrameBroadcast::new();
        broadcast.publish(frame(3));
        let mut viewer = Box::pin(broadcast.viewer_stream(usize::MAX).unwrap());
        assert_eq!(sequence_of(&viewer.next().await.unwrap().unwrap()), 3);
        assert_eq!(broadcast.viewers(), 1);
        drop(viewer);
        assert_eq!(broadcast.viewers(), 0);
    }

    #[tokio::test]
    async fn viewers_beyond_the_cap_are_refused_until_one_leaves() {
        let broadcast = FrameBroadcast::new();
        let first = broadcast.viewer_stream(2).expect("first viewer");
        let second = broadcast.viewer_stream(2).expect("second viewer");
        assert!(broadcast.viewer_stream(2).is_none());
        assert_eq!(broadcast.viewers(), 2);
        drop(first);
        assert!(broadcast.viewer_stream(2).is_some());
        drop(second);
    }
}
