//! What the fleet sees of a camera: small JSON events made from bus messages, and the Zenoh
//! key expressions they go to. Nothing here can carry a frame, an embedding or a name: a
//! detection summary is counts and a gesture, a check-in is what the chain already shows.

use mm_runtime::status::NODE_STALE_NS;
use mm_shm_schema::{CheckInEvent, Detections, Gesture, NodeStatus};
use serde::Serialize;
use std::collections::BTreeMap;

/// The key expressions of one camera: `<prefix>/<camera>/<event>`.
#[derive(Debug, Clone)]
pub struct Keys {
    base: String,
}

impl Keys {
    /// The keys of `camera` under `prefix`.
    pub fn new(prefix: &str, camera: &str) -> Self {
        Self {
            base: format!("{prefix}/{camera}"),
        }
    }

    /// Detection summaries.
    pub fn detections(&self) -> String {
        format!("{}/detections", self.base)
    }

    /// Check-ins and check-outs.
    pub fn checkins(&self) -> String {
        format!("{}/checkins", self.base)
    }

    /// Node health (published, and answered to queries).
    pub fn health(&self) -> String {
        format!("{}/health", self.base)
    }

    /// Recording and RTMP state.
    pub fn recording(&self) -> String {
        format!("{}/recording", self.base)
    }

    /// Everything of this camera.
    pub fn all(&self) -> String {
        format!("{}/**", self.base)
    }
}

/// What inference saw in one frame, in numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionSummary {
    /// The frame.
    pub sequence: u64,
    /// Faces in view.
    pub faces: u32,
    /// Hands in view.
    pub hands: u32,
    /// People in view.
    pub persons: u32,
    /// The most confident hand's gesture; absent without hands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gesture: Option<&'static str>,
    /// When it was made (Unix ms).
    pub timestamp_ms: u64,
}

impl DetectionSummary {
    /// The summary of `detections`, made at `unix_ms`.
    pub fn new(detections: &Detections, unix_ms: u64) -> Self {
        let gesture = detections
            .hands()
            .iter()
            .max_by(|a, b| a.gesture_score.total_cmp(&b.gesture_score))
            .map(|hand| Gesture::from_code(hand.gesture).name());
        Self {
            sequence: detections.sequence,
            faces: detections.face_count,
            hands: detections.hand_count,
            persons: detections.person_count,
            gesture,
            timestamp_ms: unix_ms,
        }
    }

    /// Whether the scene changed from `earlier` (counts or gesture), frame and time aside.
    pub fn differs_from(&self, earlier: &Self) -> bool {
        (self.faces, self.hands, self.persons, self.gesture)
            != (
                earlier.faces,
                earlier.hands,
                earlier.persons,
                earlier.gesture,
            )
    }
}

/// A wallet checking in at this camera or out of it, as the chain shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckInJson {
    /// `checked_in` or `checked_out`.
    pub change: &'static str,
    /// The wallet (base58).
    pub wallet: String,
    /// Whether it allowed face recognition.
    pub face_recognition: bool,
    /// The slot it was seen at.
    pub slot: u64,
    /// The check-in's time on chain (Unix s).
    pub check_in_time: i64,
    /// When the Solana node saw it (Unix ms).
    pub observed_unix_ms: u64,
}

impl CheckInJson {
    /// The JSON of `event`; `None` for an event of an unknown kind.
    pub fn new(event: &CheckInEvent) -> Option<Self> {
        Some(Self {
            change: event.change().ok()?.name(),
            wallet: bs58::encode(event.wallet).into_string(),
            face_recognition: event.face_recognition(),
            slot: event.slot,
            check_in_time: event.check_in_time,
            observed_unix_ms: event.observed_unix_ms,
        })
    }
}

/// One node as the fleet sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeJson {
    /// It published its status within the last 3 s.
    pub alive: bool,
    /// `starting`, `running`, `degraded`, `stopping`, `fallback`.
    pub state: &'static str,
    /// Frames per second it handles.
    pub fps: f64,
    /// Frames it skipped since it started.
    pub skipped: u64,
    /// Times the supervisor restarted it.
    pub restarts: u32,
}

/// The camera's health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthJson {
    /// The camera id.
    pub camera: String,
    /// `ok` when every node is alive, else `degraded`.
    pub status: &'static str,
    /// Per node.
    pub nodes: BTreeMap<String, NodeJson>,
    /// When it was made (Unix ms).
    pub timestamp_ms: u64,
}

impl HealthJson {
    /// The health of `camera` from the newest status of each node, at `now_ns`
    /// (CLOCK_MONOTONIC) and `unix_ms`.
    pub fn new(
        camera: &str,
        statuses: &BTreeMap<String, NodeStatus>,
        now_ns: u64,
        unix_ms: u64,
    ) -> Self {
        let nodes: BTreeMap<String, NodeJson> = statuses
            .iter()
            .map(|(name, status)| {
                let alive = now_ns.saturating_sub(status.updated_ns) <= NODE_STALE_NS;
                let node = NodeJson {
                    alive,
                    state: status.state().map_or("unknown", |state| state.name()),
                    fps: (f64::from(status.fps) * 100.0).round() / 100.0,
                    skipped: status.skipped,
                    restarts: status.restarts,
                };
                (name.clone(), node)
            })
            .collect();
        let ok = !nodes.is_empty() && nodes.values().all(|node| node.alive);
        Self {
            camera: camera.to_owned(),
            status: if ok { "ok" } else { "degraded" },
            nodes,
            timestamp_ms: unix_ms,
        }
    }
}

/// The media node's recording and RTMP state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingJson {
    /// A recording is being written.
    pub recording: bool,
    /// The RTMP stream runs.
    pub streaming: bool,
    /// The media node is alive (when not, the two above are unknown and false).
    pub media_alive: bool,
}

impl RecordingJson {
    /// The state the media node's status tells (its detail lists `recording`, `streaming`).
    pub fn new(media: Option<&NodeStatus>, now_ns: u64) -> Self {
        let alive = media.is_some_and(|s| now_ns.saturating_sub(s.updated_ns) <= NODE_STALE_NS);
        let detail = media
            .filter(|_| alive)
            .map_or("", |status| status.detail.as_str());
        let has = |word: &str| detail.split(", ").any(|part| part == word);
        Self {
            recording: has("recording"),
            streaming: has("streaming"),
            media_alive: alive,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mm_shm_schema::{session_feature, CheckInChange, FixedStr, HandDetection, NodeState};

    #[test]
    fn keys_are_prefix_camera_event() {
        let keys = Keys::new("mmoment", "cam0");
        assert_eq!(keys.health(), "mmoment/cam0/health");
        assert_eq!(keys.detections(), "mmoment/cam0/detections");
        assert_eq!(keys.all(), "mmoment/cam0/**");
    }

    #[test]
    fn a_summary_has_counts_and_the_surest_gesture_only() {
        let mut detections = Detections {
            sequence: 9,
            face_count: 2,
            hand_count: 2,
            ..Detections::default()
        };
        detections.hands[0] = HandDetection {
            gesture: Gesture::Fist as u8,
            gesture_score: 0.4,
            ..HandDetection::default()
        };
        detections.hands[1] = HandDetection {
            gesture: Gesture::Peace as u8,
            gesture_score: 0.9,
            ..HandDetection::default()
        };
        let summary = DetectionSummary::new(&detections, 5);
        assert_eq!(summary.gesture, Some("peace"));
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"sequence": 9, "faces": 2, "hands": 2, "persons": 0,
                "gesture": "peace", "timestamp_ms": 5})
        );
        let next = DetectionSummary::new(
            &Detections {
                sequence: 10,
                ..detections
            },
            6,
        );
        assert!(!next.differs_from(&summary));
        let no_hands = DetectionSummary::new(&Detections::default(), 7);
        assert!(no_hands.differs_from(&summary));
        assert!(serde_json::to_value(&no_hands).unwrap()["gesture"].is_null());
    }

    #[test]
    fn a_check_in_names_the_wallet_in_base58() {
        let event = CheckInEvent {
            change: CheckInChange::CheckedIn as u32,
            features: session_feature::FACE_RECOGNITION,
            wallet: [7; 32],
            slot: 42,
            ..CheckInEvent::default()
        };
        let json = CheckInJson::new(&event).unwrap();
        assert_eq!(json.change, "checked_in");
        assert_eq!(json.wallet, bs58::encode([7u8; 32]).into_string());
        assert!(json.face_recognition);
        let unknown = CheckInEvent { change: 9, ..event };
        assert!(CheckInJson::new(&unknown).is_none());
    }

    fn status(state: NodeState, updated_ns: u64, detail: &str) -> NodeStatus {
        NodeStatus {
            node: FixedStr::new("media"),
            detail: FixedStr::new(detail),
            state: state as u32,
            updated_ns,
            ..NodeStatus::default()
        }
    }

    #[test]
    fn health_is_degraded_while_a_node_is_silent() {
        let now = 10 * NODE_STALE_NS;
        let mut statuses = BTreeMap::new();
        statuses.insert("capture".to_owned(), status(NodeState::Running, now, ""));
        assert_eq!(HealthJson::new("cam0", &statuses, now, 1).status, "ok");
        statuses.insert("encode".to_owned(), status(NodeState::Running, 0, ""));
        let health = HealthJson::new("cam0", &statuses, now, 1);
        assert_eq!(health.status, "degraded");
        assert!(!health.nodes["encode"].alive);
        assert_eq!(health.nodes["capture"].state, "running");
    }

    #[test]
    fn recording_state_comes_from_the_media_nodes_detail() {
        let now = 10 * NODE_STALE_NS;
        let both = status(NodeState::Running, now, "recording, streaming");
        let state = RecordingJson::new(Some(&both), now);
        assert!(state.recording && state.streaming && state.media_alive);
        let idle = RecordingJson::new(Some(&status(NodeState::Running, now, "idle")), now);
        assert!(!idle.recording && !idle.streaming);
        let gone = RecordingJson::new(Some(&both), now + 2 * NODE_STALE_NS);
        assert!(!gone.recording && !gone.media_alive);
        assert!(!RecordingJson::new(None, now).media_alive);
    }
}
