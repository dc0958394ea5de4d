//! The RTMP stream against a real ingest on loopback (Debian's `ffmpeg -listen 1`): what it
//! receives is H.264 at the configured size with an AAC track, at the camera's rate, with
//! keyframes as configured; and when the ingest dies and comes back, streaming resumes by
//! itself, the reconnect counted, no node restarted. With `livepeer.autostart`, video reaches
//! the ingest within seconds of a cold start.

use mm_e2e::media_probe::{codecs, video_packets, video_size, RtmpIngest};
use mm_e2e::vision::{get_json, json_where, post_json};
use mm_e2e::{free_port, serial, Pipeline, PipelineBuilder};
use std::time::{Duration, Instant};

const FPS: f64 = 20.0;

/// The media pipeline streaming to the ingest on `port`; `livepeer` adds keys to its
/// `[livepeer]` section.
fn builder(port: u16, livepeer: &str) -> PipelineBuilder {
    Pipeline::builder("media-rtmp")
        .nodes("capture,encode,h264,media,api", "raw")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 20")
        .config("[h264]\ngop_ms = 1000")
        .config(&format!(
            "[livepeer]\ningest_url = \"rtmp://127.0.0.1:{port}/live\"\nreconnect_initial_ms = 200\nreconnect_max_ms = 1000\n{livepeer}"
        ))
        .env("MM_LIVEPEER_STREAM_KEY", "test-key")
        .keep_logs()
}

/// Started, with the media nodes up (the API answers before they may be).
async fn pipeline(port: u16) -> Pipeline {
    let pipeline = builder(port, "").start();
    pipeline
        .wait_for_nodes_alive(&["h264", "media"], Duration::from_secs(20))
        .await;
    pipeline
}

async fn wait_for_state(pipeline: &Pipeline, state: &str, timeout: Duration) -> serde_json::Value {
    json_where(pipeline, "/api/stream/livepeer/status", timeout, |status| {
        status["state"] == state
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ingest_receives_h264_with_audio_at_the_camera_rate() {
    let _serial = serial().await;
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut ingest = RtmpIngest::listen(port, &dir.path().join("received.flv"));
    let pipeline = pipeline(port).await;

    let (code, started) = post_json(&pipeline, "/api/stream/livepeer/start", "{}").await;
    assert_eq!(code, 200, "{started}");
    assert!(
        ["connecting", "streaming"].contains(&started["state"].as_str().unwrap()),
        "{started}"
    );
    let streaming = wait_for_state(&pipeline, "streaming", Duration::from_secs(10)).await;
    // The key is a secret: no reply shows it.
    assert!(!streaming.to_string().contains("test-key"), "{streaming}");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (_, status) = get_json(&pipeline, "/api/status").await;
    assert_eq!(status["data"]["isStreaming"], true, "{status}");
    // `encoder = "auto"` on a machine without a hardware encoder: health says libx264.
    let (_, health) = get_json(&pipeline, "/api/health").await;
    let detail = health["nodes"]["h264"]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.starts_with("libx264 640x360"), "{health}");
    let (code, _) = post_json(&pipeline, "/api/stream/livepeer/stop", "{}").await;
    assert_eq!(code, 200);
    assert!(
        ingest.wait_exit(Duration::from_secs(10)),
        "the ingest did not see the end"
    );
    let (_, stopped) = get_json(&pipeline, "/api/stream/livepeer/status").await;
    assert_eq!(stopped["state"], "stopped");
    assert!(stopped["frames_sent"].as_u64().unwrap() >= 100, "{stopped}");
    assert!(
        !pipeline.logs().contains("test-key"),
        "a log line shows the stream key"
    );

    let received = &ingest.output;
    let streams = codecs(received);
    assert!(
        streams.contains(&("h264".into(), "video".into())),
        "{streams:?}"
    );
    assert!(
        streams.contains(&("aac".into(), "audio".into())),
        "{streams:?}"
    );
    assert_eq!(video_size(received), (640, 360));
    let packets = video_packets(received);
    let span = packets.last().unwrap().0 - packets[0].0;
    let expected = span * FPS + 1.0;
    let frames = packets.len() as f64;
    assert!(
        (frames - expected).abs() <= expected * 0.05,
        "{frames} frames over {span:.2} s at {FPS} fps"
    );
    let keys: Vec<f64> = packets.iter().filter(|p| p.1).map(|p| p.0).collect();
    assert!(keys.len() >= 4, "{keys:?}");
    for pair in keys.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            (0.95..=1.1).contains(&gap),
            "keyframes {gap:.3} s apart: {keys:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_resumes_by_itself_when_the_ingest_comes_back() {
    let _serial = serial().await;
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut first = RtmpIngest::listen(port, &dir.path().join("first.flv"));
    let pipeline = pipeline(port).await;
    let media_pid = pipeline.node_pid("media");
    let (code, _) = post_json(&pipeline, "/api/stream/livepeer/start", "{}").await;
    assert_eq!(code, 200);
    wait_for_state(&pipeline, "streaming", Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    first.kill();
    let retrying = wait_for_state(&pipeline, "retrying", Duration::from_secs(10)).await;
    assert!(retrying["reconnects"].as_u64().unwrap() >= 1, "{retrying}");
    assert!(retrying["last_error"].is_string(), "{retrying}");

    let mut second = RtmpIngest::listen(port, &dir.path().join("second.flv"));
    let back = Instant::now();
    wait_for_state(&pipeline, "streaming", Duration::from_secs(5)).await;
    let resumed_after = back.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, status) = get_json(&pipeline, "/api/stream/livepeer/status").await;
    post_json(&pipeline, "/api/stream/livepeer/stop", "{}").await;
    assert!(second.wait_exit(Duration::from_secs(10)));
    assert_eq!(
        pipeline.node_pid("media"),
        media_pid,
        "the media node was restarted"
    );
    let packets = video_packets(&second.output);
    assert!(
        packets.len() >= 40,
        "{} frames after resuming in {resumed_after:?}: {status}",
        packets.len()
    );
    assert!(packets[0].1, "the resumed stream starts at a keyframe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autostarted_stream_sends_video_within_seconds_of_a_cold_start() {
    let _serial = serial().await;
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut ingest = RtmpIngest::listen(port, &dir.path().join("autostart.flv"));
    let pipeline = builder(port, "autostart = true").start();
    // Only the health route is asked: nothing but the autostart may start the stream.
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    let answered = Instant::now();
    let mut packets = Vec::new();
    while answered.elapsed() < Duration::from_secs(15) && packets.len() < 5 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let received = std::fs::metadata(&ingest.output).map_or(0, |m| m.len());
        if received > 4096 {
            packets = video_packets(&ingest.output);
        }
    }
    let arrived_after = answered.elapsed();
    assert!(
        packets.len() >= 5,
        "{} video packets at the ingest {arrived_after:?} after /api/health answered 200\n{}",
        packets.len(),
        pipeline.logs()
    );
    assert!(packets[0].1, "the stream starts at a keyframe");
    let (_, status) = get_json(&pipeline, "/api/stream/livepeer/status").await;
    assert_eq!(status["state"], "streaming", "{status}");
    ingest.kill();
}
