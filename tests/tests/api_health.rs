//! `/api/health` tells the truth: 503 with a reason while capture is down.

use mm_e2e::{serial, Pipeline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_turns_503_while_capture_is_down_and_recovers() {
    let _serial = serial().await;
    // A long restart delay keeps capture down long enough to observe.
    let pipeline = Pipeline::builder("health")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\n[supervisor]\nrestart_backoff_initial_ms = 6000")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    kill(
        Pid::from_raw(pipeline.node_pid("capture") as i32),
        Signal::SIGKILL,
    )
    .unwrap();

    let down = pipeline.wait_for_health(503, Duration::from_secs(5)).await;
    assert_eq!(down["status"], "error");
    let reason = down["reason"].as_str().unwrap();
    assert!(reason.contains("no frame for"), "{reason}");
    assert!(reason.contains("capture node is down"), "{reason}");

    let up = pipeline.wait_for_health(200, Duration::from_secs(15)).await;
    assert_eq!(up["status"], "ok");
    assert_eq!(up["nodes"]["capture"]["restarts"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_camera_shown_as_the_demo_scene_is_degraded_not_ok() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("health-auto")
        .config("[capture]\nsource = \"auto\"\ndevice = \"/dev/video-missing\"\nwidth = 640\nheight = 360")
        .start();
    // Frames flow (200), but from the synthetic scene standing in for the camera.
    let health = pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let health = if health["status"] == "degraded" {
        health
    } else {
        // The first answer may predate capture's first status.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        pipeline.wait_for_health(200, Duration::from_secs(5)).await
    };
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["source"], "synthetic");
    let reason = health["reason"].as_str().unwrap();
    assert!(
        reason.contains("capture") && reason.contains("/dev/video-missing"),
        "{reason}"
    );
    assert_eq!(health["nodes"]["capture"]["state"], "fallback");
}
