//! The bridge's bus loop: reads `detections`, `chain/checkins` and `status`, turns them into
//! the fleet's events ([`crate::events`]) and hands them to the Zenoh side.

use crate::events::{CheckInJson, DetectionSummary, HealthJson, Keys, RecordingJson};
use crate::zenoh_side::ZenohSide;
use mm_bus::{MessageSubscriber, ReceiveError};
use mm_runtime::clock::{monotonic_ns, unix_ms};
use mm_runtime::node_loop::NodeWork;
use mm_runtime::status::StatusBoard;
use mm_runtime::NodeContext;
use mm_shm_schema::{streams, CheckInEvent, Detections};
use std::time::{Duration, Instant};

/// Runs the node until SIGTERM.
pub async fn run() -> anyhow::Result<()> {
    let (mut node, stop) = NodeContext::launch("fleet")?;
    let config = node.config.fleet.clone();
    let camera = node.config.camera_id.clone();
    let keys = Keys::new(&config.key_prefix, &camera);
    let zenoh = ZenohSide::start(&config, &keys)?;
    tracing::info!(keys = %keys.all(), "bridging events to zenoh");
    let bridge = Bridge {
        detections: node.bus.message_subscriber::<streams::Detections>()?,
        check_ins: node.bus.message_subscriber::<streams::CheckIns>()?,
        statuses: StatusBoard::new(node.bus.status_subscriber()?),
        zenoh,
        keys,
        camera,
        detections_interval: Duration::from_millis(config.detections_interval_ms),
        health_interval: Duration::from_millis(config.health_interval_ms),
        last_summary: None,
        last_health: None,
        last_recording: None,
        published: 0,
    };
    node.run(stop, bridge).await;
    Ok(())
}

/// What the bus brings.
enum Input {
    /// The newest detections, summarised.
    Detections(DetectionSummary),
    /// Check-ins and check-outs, in order.
    CheckIns(Vec<CheckInEvent>),
}

struct Bridge {
    detections: MessageSubscriber<Detections>,
    check_ins: MessageSubscriber<CheckInEvent>,
    statuses: StatusBoard,
    zenoh: ZenohSide,
    keys: Keys,
    camera: String,
    detections_interval: Duration,
    health_interval: Duration,
    /// The last summary sent, and when.
    last_summary: Option<(DetectionSummary, Instant)>,
    /// When health was last published.
    last_health: Option<Instant>,
    last_recording: Option<RecordingJson>,
    published: u64,
}

impl Bridge {
    fn publish(&mut self, key: String, event: &impl serde::Serialize) {
        match serde_json::to_vec(event) {
            Ok(json) => self.publish_json(key, json),
            Err(error) => tracing::warn!(%error, "event not serialisable"),
        }
    }

    fn publish_json(&mut self, key: String, json: Vec<u8>) {
        self.zenoh.publish(key, json);
        self.published += 1;
    }

    fn bridge_detections(&mut self, summary: DetectionSummary) {
        let due = self.last_summary.as_ref().is_none_or(|(last, at)| {
            at.elapsed() >= self.detections_interval || summary.differs_from(last)
        });
        // A changing scene still gets at most one summary per interval, a fifth of it apart.
        let too_soon = self
            .last_summary
            .as_ref()
            .is_some_and(|(_, at)| at.elapsed() < self.detections_interval / 5);
        if due && !too_soon {
            self.publish(self.keys.detections(), &summary);
            self.last_summary = Some((summary, Instant::now()));
        }
    }
}

impl NodeWork for Bridge {
    type Input = Input;
    type Error = ReceiveError;

    async fn next(&mut self) -> Result<Input, ReceiveError> {
        let (detections, check_ins) = (&mut self.detections, &mut self.check_ins);
        tokio::select! {
            latest = detections.next_latest() => {
                latest.map(|d| Input::Detections(DetectionSummary::new(&d, unix_ms())))
            }
            batch = check_ins.next_batch() => batch.map(Input::CheckIns),
        }
    }

    async fn handle(&mut self, node: &mut NodeContext, input: Input) {
        match input {
            Input::Detections(summary) => {
                self.bridge_detections(summary);
                node.status.record_frame(0);
            }
            Input::CheckIns(events) => {
                for event in &events {
                    if let Some(check_in) = CheckInJson::new(event) {
                        self.publish(self.keys.checkins(), &check_in);
                    }
                }
            }
        }
    }

    fn on_status_tick(&mut self, node: &mut NodeContext) {
        let now_ns = monotonic_ns();
        let statuses = self.statuses.refresh();
        let health = HealthJson::new(&self.camera, statuses, now_ns, unix_ms());
        let recording = RecordingJson::new(statuses.get("media"), now_ns);
        // Health, and the recording state with it, every interval (a peer that joins late
        // learns both); the recording state also at once when it changes.
        let due = self
            .last_health
            .is_none_or(|at| at.elapsed() >= self.health_interval);
        if let Ok(json) = serde_json::to_vec(&health) {
            if due {
                self.publish_json(self.keys.health(), json.clone());
            }
            self.zenoh.set_health(json);
        }
        if due {
            self.last_health = Some(Instant::now());
        }
        if due || self.last_recording.as_ref() != Some(&recording) {
            self.publish(self.keys.recording(), &recording);
            self.last_recording = Some(recording);
        }
        node.status.record_working();
        node.status.set_detail(&format!(
            "{} events, {} dropped",
            self.published,
            self.zenoh.dropped()
        ));
    }
}
