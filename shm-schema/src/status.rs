//! The status message each node publishes about itself once a second.

use crate::FixedStr;
use iceoryx2::prelude::ZeroCopySend;

/// What a node is doing, as reported in [`NodeStatus::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum NodeState {
    /// Started, no work done yet (e.g. waiting for the first frame).
    Starting = 1,
    /// Doing its work.
    Running = 2,
    /// Alive but failing (the last error says why).
    Degraded = 3,
    /// Shutting down in order.
    Stopping = 4,
    /// Working, but on a substitute for what was configured (e.g. the synthetic scene because
    /// the camera is missing); the detail says which.
    Fallback = 5,
}

impl NodeState {
    /// Lower-case name used in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            NodeState::Starting => "starting",
            NodeState::Running => "running",
            NodeState::Degraded => "degraded",
            NodeState::Stopping => "stopping",
            NodeState::Fallback => "fallback",
        }
    }
}

impl TryFrom<u32> for NodeState {
    type Error = crate::UnknownCode;
    fn try_from(code: u32) -> Result<Self, Self::Error> {
        match code {
            1 => Ok(NodeState::Starting),
            2 => Ok(NodeState::Running),
            3 => Ok(NodeState::Degraded),
            4 => Ok(NodeState::Stopping),
            5 => Ok(NodeState::Fallback),
            code => Err(crate::UnknownCode {
                what: "node state",
                code,
            }),
        }
    }
}

/// Payload of the `status` service: one node's health.
#[derive(Debug, Clone, Copy, PartialEq, ZeroCopySend)]
#[type_name("mm.v2.NodeStatus")]
#[repr(C)]
pub struct NodeStatus {
    /// Node name (`capture`, `encode`, `api`, ...).
    pub node: FixedStr<32>,
    /// Free-form short detail, e.g. the source kind for capture.
    pub detail: FixedStr<64>,
    /// The stream the node reads frames from (e.g. `frames/raw`), empty for sources.
    pub input: FixedStr<32>,
    /// The last error the node hit, empty when none.
    pub last_error: FixedStr<160>,
    /// When the node started (CLOCK_MONOTONIC ns).
    pub started_ns: u64,
    /// When this status was published (CLOCK_MONOTONIC ns).
    pub updated_ns: u64,
    /// Frames (or messages) processed since start.
    pub frames: u64,
    /// Frames the node skipped because newer ones were waiting, since start.
    pub skipped: u64,
    /// Processed frames per second over the last interval.
    pub fps: f32,
    /// A [`NodeState`] code.
    pub state: u32,
    /// OS process id.
    pub pid: u32,
    /// How often the supervisor restarted this node before this run.
    pub restarts: u32,
}

impl NodeStatus {
    /// Decodes [`NodeStatus::state`].
    pub fn state(&self) -> Result<NodeState, crate::UnknownCode> {
        NodeState::try_from(self.state)
    }
}

impl Default for NodeStatus {
    fn default() -> Self {
        Self {
            node: FixedStr::empty(),
            detail: FixedStr::empty(),
            input: FixedStr::empty(),
            last_error: FixedStr::empty(),
            started_ns: 0,
            updated_ns: 0,
            frames: 0,
            skipped: 0,
            fps: 0.0,
            state: NodeState::Starting as u32,
            pid: 0,
            restarts: 0,
        }
    }
}
