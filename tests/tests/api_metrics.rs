//! `/metrics` of the API (5002), the biometric node (5003) and the Solana node (5001), scraped
//! from the running binaries and checked by Prometheus' own `promtool check metrics`.

use mm_e2e::solana::{ChainFixture, SolanaNode};
use mm_e2e::{serial, MjpegReader, Pipeline};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The scrape of `url`, after checking its content type.
async fn scrape(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

/// `promtool check metrics` over `text`: no error and no lint problem.
fn assert_promtool_accepts(text: &str) {
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool (scripts/setup.sh installs Debian's prometheus)");
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = promtool.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The value of the sample `name` (with its labels, as written), if present.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_exposes_metrics_that_promtool_accepts() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("metrics")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 15")
        .biometric()
        .add_node("h264")
        .add_node("media")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    mm_e2e::biometric::wait_until_up(&pipeline, Duration::from_secs(20)).await;
    let mut viewer = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    for _ in 0..5 {
        viewer.next_part(Duration::from_secs(5)).await.unwrap();
    }

    // Every node has reported a rate once its status came round (once a second).
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let api = loop {
        let api = scrape(&pipeline.url("/metrics")).await;
        let rated = |node: &str| {
            sample(&api, &format!("mm_node_fps{{node=\"{node}\"}}")).is_some_and(|fps| fps > 5.0)
        };
        if rated("capture") && rated("encode") {
            break api;
        }
        assert!(std::time::Instant::now() < deadline, "no rates: {api}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_promtool_accepts(&api);
    assert_eq!(
        sample(&api, "mm_node_up{node=\"capture\"}"),
        Some(1.0),
        "{api}"
    );
    assert_eq!(
        sample(&api, "mm_node_restarts_total{node=\"encode\"}"),
        Some(0.0),
        "{api}"
    );
    assert_eq!(sample(&api, "mm_stream_viewers"), Some(1.0), "{api}");
    assert!(
        sample(&api, "mm_stream_frames_total").is_some_and(|n| n >= 5.0),
        "{api}"
    );
    assert!(
        sample(&api, "mm_capture_to_jpeg_seconds_count").is_some_and(|n| n >= 5.0),
        "{api}"
    );
    assert!(
        api.contains("mm_capture_to_jpeg_seconds_bucket{le=\"0.05\"}"),
        "{api}"
    );
    assert!(sample(&api, "mm_sessions_active").is_some(), "{api}");
    assert!(
        sample(&api, "mm_capture_to_wire_seconds_count").is_some_and(|n| n >= 5.0),
        "{api}"
    );
    assert_eq!(
        sample(&api, "mm_rtmp_state{state=\"stopped\"}"),
        Some(1.0),
        "{api}"
    );
    assert_eq!(sample(&api, "mm_rtmp_reconnects_total"), Some(0.0), "{api}");
    assert_eq!(sample(&api, "mm_recording_active"), Some(0.0), "{api}");

    let biometric = scrape(&pipeline.biometric_url("/metrics")).await;
    assert_promtool_accepts(&biometric);
    assert_eq!(
        sample(&biometric, "mm_biometric_audit_chain_ok"),
        Some(1.0),
        "{biometric}"
    );
    assert_eq!(
        sample(&biometric, "mm_biometric_wallets"),
        Some(0.0),
        "{biometric}"
    );

    let f = ChainFixture::default();
    let validator = f.validator().start().await;
    let node = SolanaNode::start(
        "metrics",
        &f.node_config(&validator, validator.ws_port(), true),
    );
    node.health_where(Duration::from_secs(20), |h| h["status"] == "ok")
        .await;
    let solana = scrape(&node.url("/metrics")).await;
    assert_promtool_accepts(&solana);
    assert_eq!(sample(&solana, "mm_solana_rpc_up"), Some(1.0), "{solana}");
    assert_eq!(
        sample(&solana, "mm_solana_sync_mode{mode=\"websocket\"}"),
        Some(1.0),
        "{solana}"
    );
    assert_eq!(sample(&solana, "mm_solana_sessions"), Some(0.0), "{solana}");
}
