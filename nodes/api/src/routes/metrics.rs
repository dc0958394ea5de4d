//! `GET /metrics` of port 5002: every node's state, rate, skips and restarts (as the status
//! board shows them), the frames and viewers of the stream, the capture → JPEG latency, the
//! sessions, and inference's per-model timings of its newest frame.

use super::with_state;
use crate::state::AppState;
use mm_http::metrics::{registry, reply};
use mm_http::Response;
use mm_runtime::clock::unix_ms;
use mm_shm_schema::{MediaState, RecordingState, StreamingState};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use std::sync::atomic::AtomicU64;
use warp::{Filter, Rejection, Reply};

pub(super) use mm_http::metrics::METRICS;

/// How long a scrape waits for the media node's state (a scrape must not hang on it).
const MEDIA_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NodeLabel {
    node: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabel {
    model: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    METRICS.filter().and(with_state(state)).then(metrics)
}

async fn metrics(state: AppState) -> Response {
    let read = super::health::report_with(&state, |stats| {
        (stats.capture_to_jpeg.clone(), stats.frames, stats.skipped)
    });
    let (report, (latency, frames, skipped)) = match read.await {
        Ok(read) => read,
        Err(error) => return error.into_response(),
    };
    let mut registry = registry();

    let up = Family::<NodeLabel, Gauge>::default();
    let fps = Family::<NodeLabel, FloatGauge>::default();
    let processed = Family::<NodeLabel, Counter>::default();
    let node_skipped = Family::<NodeLabel, Counter>::default();
    let restarts = Family::<NodeLabel, Counter>::default();
    for (name, node) in &report.nodes {
        let label = NodeLabel { node: name.clone() };
        up.get_or_create(&label).set(i64::from(node.alive));
        fps.get_or_create(&label).set(node.fps);
        processed.get_or_create(&label).inc_by(node.frames);
        node_skipped.get_or_create(&label).inc_by(node.skipped);
        restarts
            .get_or_create(&label)
            .inc_by(u64::from(node.restarts));
    }
    registry.register(
        "node_up",
        "1 while the node's process is alive and reporting",
        up,
    );
    registry.register("node_fps", "Frames per second the node processes", fps);
    registry.register(
        "node_frames",
        "Frames the node processed since it started",
        processed,
    );
    registry.register(
        "node_skipped_frames",
        "Frames the node skipped because newer ones were waiting",
        node_skipped,
    );
    registry.register(
        "node_restarts",
        "Restarts of the node by the supervisor",
        restarts,
    );

    let stream_fps = FloatGauge::default();
    stream_fps.set(report.fps);
    registry.register(
        "stream_fps",
        "JPEG frames per second the API receives",
        stream_fps,
    );
    let received = Counter::<u64>::default();
    received.inc_by(frames);
    registry.register("stream_frames", "JPEG frames the API received", received);
    let replaced = Counter::<u64>::default();
    replaced.inc_by(skipped);
    registry.register(
        "stream_skipped_frames",
        "JPEG frames replaced by newer ones before the API took them",
        replaced,
    );
    let viewers = Gauge::<i64>::default();
    viewers.set(report.viewers as i64);
    registry.register("stream_viewers", "Viewers of /stream now", viewers);
    registry.register(
        "capture_to_jpeg_seconds",
        "From capture to the API's receipt of the frame's JPEG",
        latency,
    );
    registry.register(
        "capture_to_wire_seconds",
        "From capture to each part handed to a /stream viewer's connection",
        state.broadcast.capture_to_wire(),
    );
    let sessions = Gauge::<i64>::default();
    sessions.set(state.sessions.active(unix_ms()) as i64);
    registry.register("sessions_active", "Wallet sessions alive now", sessions);

    let model_seconds = Family::<ModelLabel, FloatGauge>::default();
    if let Some(received) = state.detections.borrow().as_ref() {
        let timings = &received.detections.timings;
        for (model, us) in [
            ("preprocess", timings.preprocess_us),
            ("face_detect", timings.face_detect_us),
            ("face_embed", timings.face_embed_us),
            ("palm", timings.palm_us),
            ("hand_landmark", timings.hand_landmark_us),
            ("person", timings.person_us),
        ] {
            model_seconds
                .get_or_create(&ModelLabel { model })
                .set(f64::from(us) / 1e6);
        }
    }
    registry.register(
        "inference_model_seconds",
        "Time each model took on inference's newest frame",
        model_seconds,
    );
    // The RTMP stream and the recording, while the media node answers.
    let media = tokio::time::timeout(MEDIA_WAIT, state.media.recent_state());
    if let Ok(Ok(media)) = media.await {
        register_media(&mut registry, &media);
    }
    reply(&registry)
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

fn register_media(registry: &mut prometheus_client::registry::Registry, media: &MediaState) {
    let streaming = &media.streaming;
    let rtmp_state = Family::<StateLabel, Gauge>::default();
    for state in [
        StreamingState::Stopped,
        StreamingState::Connecting,
        StreamingState::Streaming,
        StreamingState::Retrying,
    ] {
        rtmp_state
            .get_or_create(&StateLabel {
                state: state.name(),
            })
            .set(i64::from(streaming.state == state as u32));
    }
    registry.register(
        "rtmp_state",
        "1 for where the RTMP stream stands",
        rtmp_state,
    );
    let rate = Gauge::<i64>::default();
    rate.set(i64::try_from(streaming.bitrate_bps / 8).unwrap_or(i64::MAX));
    registry.register(
        "rtmp_send_rate_bytes_per_second",
        "Rate of the stream sent to the ingest",
        rate,
    );
    let counter = |value: u64| {
        let counter = Counter::<u64>::default();
        counter.inc_by(value);
        counter
    };
    registry.register(
        "rtmp_reconnects",
        "Reconnections to the ingest",
        counter(u64::from(streaming.reconnects)),
    );
    registry.register(
        "rtmp_frames_sent",
        "Frames sent to the ingest",
        counter(streaming.frames_sent),
    );
    registry.register(
        "rtmp_sent_bytes",
        "Bytes sent to the ingest",
        counter(streaming.bytes_sent),
    );
    registry.register(
        "rtmp_dropped_frames",
        "Frames dropped because the ingest was too slow",
        counter(streaming.dropped_frames),
    );
    let recording = Gauge::<i64>::default();
    recording.set(i64::from(
        media.recording.state == RecordingState::Recording as u32,
    ));
    registry.register(
        "recording_active",
        "1 while a recording is written",
        recording,
    );
    let recorded = Gauge::<i64>::default();
    recorded.set(i64::try_from(media.recording.bytes).unwrap_or(i64::MAX));
    registry.register(
        "recording_bytes",
        "Bytes of the current (or last) recording",
        recorded,
    );
}
