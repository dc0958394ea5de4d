//! A crashed node is restarted by the supervisor and the stream resumes.

use mm_e2e::{monotonic_ns, serial, MjpegReader, Pipeline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

/// What a kill showed on the stream.
struct Recovery {
    /// From the kill to the first frame captured after it reaching `/stream`.
    took: Duration,
    /// The sequence of the last frame before the kill.
    before: u64,
    /// The sequence of that first frame after it.
    after: u64,
}

/// Kills `node` with SIGKILL and measures how long until `/stream` delivered a frame that was
/// captured after the kill.
async fn recovery_after_killing(
    pipeline: &Pipeline,
    reader: &mut MjpegReader,
    node: &str,
) -> Recovery {
    let pid = pipeline.node_pid(node);
    let before = reader
        .next_part(Duration::from_secs(5))
        .await
        .unwrap()
        .sequence();
    let killed_at = monotonic_ns();
    let started = Instant::now();
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).unwrap();
    loop {
        let part = reader
            .next_part(Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("stream stalled after killing {node}: {e}"));
        if part.capture_ns() > killed_at {
            let new_pid = pipeline.node_pid(node);
            assert_ne!(new_pid, pid, "{node} was not restarted");
            return Recovery {
                took: started.elapsed(),
                before,
                after: part.sequence(),
            };
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_capture_and_encode_are_restarted_and_the_stream_resumes() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("restart")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\n[supervisor]\nrestart_backoff_initial_ms = 200")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    reader.next_part(Duration::from_secs(5)).await.unwrap();

    for node in ["capture", "encode"] {
        let recovery = recovery_after_killing(&pipeline, &mut reader, node).await;
        assert!(
            recovery.took <= Duration::from_secs(3),
            "{node}: stream resumed only after {:?}",
            recovery.took
        );
        // Sequence numbers keep increasing across the restart: the first frame of the new
        // run comes after the last frame of the killed one.
        assert!(
            recovery.after > recovery.before,
            "{node}: sequence {} after the restart, {} before it",
            recovery.after,
            recovery.before
        );
    }
    let health = pipeline.wait_for_health(200, Duration::from_secs(5)).await;
    assert_eq!(health["nodes"]["capture"]["restarts"], 1, "{health}");
    assert_eq!(health["nodes"]["encode"]["restarts"], 1, "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owners_camera_reset_restarts_capture_and_the_stream_resumes() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("reset")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\n[supervisor]\nrestart_backoff_initial_ms = 200")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let capture = pipeline.node_pid("capture");
    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    reader.next_part(Duration::from_secs(5)).await.unwrap();
    let reset_at = monotonic_ns();
    let response = pipeline
        .owner_client()
        .await
        .post(pipeline.url("/camera/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let reply: serde_json::Value = response.json().await.unwrap();
    assert_eq!(reply["now_running"], true, "{reply}");
    assert_ne!(
        pipeline.node_pid("capture"),
        capture,
        "capture was not restarted"
    );
    loop {
        let part = reader
            .next_part(Duration::from_secs(10))
            .await
            .expect("the stream resumes after the reset");
        if part.capture_ns() > reset_at {
            break;
        }
    }
}
