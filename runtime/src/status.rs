//! Each node's status message: published once a second, collected by the API.

use crate::clock::monotonic_ns;
use crate::rate::RateMeter;
use crate::report::ErrorChain;
use iceoryx2::port::publisher::Publisher;
use iceoryx2::port::subscriber::Subscriber;
use mm_bus::Ipc;
use mm_shm_schema::{FixedStr, NodeState, NodeStatus};
use std::collections::BTreeMap;

/// How often every node publishes its status.
pub const STATUS_PERIOD: std::time::Duration = std::time::Duration::from_secs(1);

/// A node whose newest status is older than this (three missed periods) is not alive.
pub const NODE_STALE_NS: u64 = 3_000_000_000;

/// Window over which a node's frames per second are measured.
const FPS_WINDOW_NS: u64 = 2_000_000_000;

/// Keeps a node's counters and publishes them as [`NodeStatus`].
pub struct StatusReporter {
    publisher: Publisher<Ipc, NodeStatus, ()>,
    status: NodeStatus,
    rate: RateMeter,
    /// Working on a substitute for what was configured ([`StatusReporter::set_fallback`]).
    fallback: bool,
}

impl StatusReporter {
    /// A reporter for node `node`, restarted `restarts` times by the supervisor before.
    pub fn new(publisher: Publisher<Ipc, NodeStatus, ()>, node: &str, restarts: u32) -> Self {
        let now = monotonic_ns();
        let status = NodeStatus {
            node: FixedStr::new(node),
            started_ns: now,
            updated_ns: now,
            pid: std::process::id(),
            restarts,
            ..NodeStatus::default()
        };
        Self {
            publisher,
            status,
            rate: RateMeter::new(FPS_WINDOW_NS),
            fallback: false,
        }
    }

    /// Counts one processed frame; `skipped_total` is the node's running count of skipped
    /// frames. Clears a previous error: the node works again.
    pub fn record_frame(&mut self, skipped_total: u64) {
        self.rate.record(monotonic_ns());
        self.status.frames += 1;
        self.status.skipped = skipped_total;
        self.status.state = self.working_state() as u32;
    }

    /// Reports the node as working again after a problem: for nodes whose work is not
    /// frames (a frame counts through [`StatusReporter::record_frame`]). Like that, it keeps
    /// `last_error` for the record.
    pub fn record_working(&mut self) {
        self.status.state = self.working_state() as u32;
    }

    /// Reports, for as long as the node lives, that it works on a substitute for what was
    /// configured, and why (`reason` becomes the detail); health then says `degraded`.
    pub fn set_fallback(&mut self, reason: &str) {
        self.fallback = true;
        self.status.state = NodeState::Fallback as u32;
        self.set_detail(reason);
    }

    fn working_state(&self) -> NodeState {
        if self.fallback {
            NodeState::Fallback
        } else {
            NodeState::Running
        }
    }

    /// Records an error; the node reports itself degraded until the next processed frame.
    pub fn record_error(&mut self, error: &(dyn std::error::Error + 'static)) {
        self.record_problem(&crate::report::ErrorChain(error).to_string());
    }

    /// Records a problem that is no error value (e.g. frames withheld by policy): the node is
    /// degraded, and says why.
    pub fn record_problem(&mut self, problem: &str) {
        self.status.last_error = FixedStr::new(problem);
        self.status.state = NodeState::Degraded as u32;
    }

    /// Sets the short detail text (e.g. the source kind).
    pub fn set_detail(&mut self, detail: &str) {
        self.status.detail = FixedStr::new(detail);
    }

    /// Records which stream the node reads frames from, e.g. `frames/raw`.
    pub fn set_input(&mut self, stream: &str) {
        self.status.input = FixedStr::new(stream);
    }

    /// Marks the node as stopping and publishes that at once.
    pub fn stopping(&mut self) {
        self.status.state = NodeState::Stopping as u32;
        self.publish();
    }

    /// Frames processed so far.
    pub fn frames(&self) -> u64 {
        self.status.frames
    }

    /// Publishes the current status. A failure is logged: status is best effort and must
    /// never stop the node's real work.
    pub fn publish(&mut self) {
        let now = monotonic_ns();
        self.status.updated_ns = now;
        self.status.fps = self.rate.rate(now);
        if let Err(error) = self.publisher.send_copy(self.status) {
            tracing::debug!(error = %ErrorChain(&error), "status not published");
        }
    }
}

/// The newest status of every node, as read from the status stream.
pub struct StatusBoard {
    subscriber: Subscriber<Ipc, NodeStatus, ()>,
    latest: BTreeMap<String, NodeStatus>,
}

impl StatusBoard {
    /// A board reading from `subscriber`.
    pub fn new(subscriber: Subscriber<Ipc, NodeStatus, ()>) -> Self {
        Self {
            subscriber,
            latest: BTreeMap::new(),
        }
    }

    /// Takes every waiting status message and returns the newest per node.
    pub fn refresh(&mut self) -> &BTreeMap<String, NodeStatus> {
        loop {
            match self.subscriber.receive() {
                Ok(Some(sample)) => {
                    let status = *sample.payload();
                    let node = status.node.as_str().to_owned();
                    let newer = self
                        .latest
                        .get(&node)
                        .is_none_or(|known| known.updated_ns <= status.updated_ns);
                    if newer {
                        self.latest.insert(node, status);
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::debug!(error = %ErrorChain(&error), "status stream not readable");
                    break;
                }
            }
        }
        &self.latest
    }
}
