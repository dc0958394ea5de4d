//! SIGTERM to the supervisor stops every process and leaves nothing in shared memory.

use mm_e2e::{all_exited, serial, Pipeline};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_every_process_within_5s_and_cleans_shared_memory() {
    let _serial = serial().await;
    let mut pipeline = Pipeline::builder("shutdown")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let mut pids = vec![pipeline.supervisor_pid()];
    pids.extend(["capture", "encode", "api"].map(|node| pipeline.node_pid(node)));
    // A viewer is connected: its endless stream must not hold up the shutdown.
    let viewer = reqwest::get(pipeline.url("/stream")).await.unwrap();
    assert!(
        !pipeline.leftover_shm_files().is_empty(),
        "services should exist while running"
    );

    let took = pipeline
        .terminate(Duration::from_secs(5))
        .expect("supervisor still running after 5 s");
    assert!(all_exited(&pids), "processes left running: {pids:?}");
    let leftovers = pipeline.leftover_shm_files();
    assert!(
        leftovers.is_empty(),
        "left in shared memory after {took:?}: {leftovers:?}"
    );
    drop(viewer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_reconnecting_to_a_lost_camera_stops_at_once() {
    let _serial = serial().await;
    // A configured camera that is not there: capture keeps reopening it with growing delays.
    let mut pipeline = Pipeline::builder("shutdown-reconnect")
        .config(
            "[capture]\nsource = \"v4l2\"\ndevice = \"/dev/video-missing\"\nreconnect_delay_ms = 1000",
        )
        .start();
    let health = pipeline.wait_for_health(503, Duration::from_secs(20)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut health = health;
    while health["nodes"]["capture"]["last_error"].is_null() {
        assert!(
            std::time::Instant::now() < deadline,
            "capture never reported the missing camera: {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        health = pipeline.wait_for_health(503, Duration::from_secs(5)).await;
    }
    // The status names the camera and the OS's reason: the whole error chain.
    let error = health["nodes"]["capture"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("/dev/video-missing") && error.contains("No such file"),
        "{error}"
    );
    let capture = pipeline.node_pid("capture");

    // Well under the supervisor's 4 s stop timeout: capture left on SIGTERM, it was not
    // killed at the end of a reconnect wait.
    let took = pipeline
        .terminate(Duration::from_secs(5))
        .expect("supervisor still running after 5 s");
    assert!(took < Duration::from_secs(2), "stopping took {took:?}");
    assert!(all_exited(&[capture]));
}
