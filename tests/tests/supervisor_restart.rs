//! A crashed node is restarted by the supervisor and the stream resumes.

use mm_e2e::{monotonic_ns, serial, MjpegReader, Pipeline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

/// Kills `node` with SIGKILL and returns how long until `/stream` delivered a frame that was
/// captured after the kill.
async fn recovery_after_killing(
    pipeline: &Pipeline,
    reader: &mut MjpegReader,
    node: &str,
) -> Duration {
    let pid = pipeline.node_pid(node);
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
            return started.elapsed();
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
            recovery <= Duration::from_secs(3),
            "{node}: stream resumed only after {recovery:?}"
        );
    }

    // Sequence numbers keep increasing across the capture restart.
    let a = reader
        .next_part(Duration::from_secs(5))
        .await
        .unwrap()
        .sequence();
    let b = reader
        .next_part(Duration::from_secs(5))
        .await
        .unwrap()
        .sequence();
    assert!(b > a);
    let health = pipeline.wait_for_health(200, Duration::from_secs(5)).await;
    assert_eq!(health["nodes"]["capture"]["restarts"], 1, "{health}");
    assert_eq!(health["nodes"]["encode"]["restarts"], 1, "{health}");
}
