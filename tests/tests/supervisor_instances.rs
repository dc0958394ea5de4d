//! One system per camera: no node outlives a killed supervisor, a second supervisor or node of
//! a running camera refuses to start and names the pid that runs it, and a crash leaves
//! nothing that blocks the next start.

use mm_e2e::{all_exited, serial, Pipeline};
use std::time::{Duration, Instant};

const CONFIG: &str = "[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 15";

const NODES: [&str; 3] = ["capture", "encode", "api"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_node_outlives_a_killed_supervisor_and_the_camera_starts_again_at_once() {
    let _serial = serial().await;
    let mut pipeline = Pipeline::builder("orphans").config(CONFIG).start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let pids: Vec<u32> = NODES.iter().map(|node| pipeline.node_pid(node)).collect();

    pipeline.kill_supervisor();
    let killed = Instant::now();
    while !all_exited(&pids) {
        assert!(
            killed.elapsed() < Duration::from_secs(3),
            "nodes still running 3 s after the supervisor was killed: {pids:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Same camera, same port, straight away: no lock, port or shared-memory file left by the
    // killed system stands in the way.
    let again = Pipeline::builder("orphans")
        .config(CONFIG)
        .same_camera_as(&pipeline)
        .start();
    again
        .wait_for_nodes_alive(&NODES, Duration::from_secs(20))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_supervisor_or_node_of_a_running_camera_refuses_and_names_the_pid() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("instances").config(CONFIG).start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;

    let running = [
        ("mm-supervisor", pipeline.supervisor_pid()),
        ("mm-capture", pipeline.node_pid("capture")),
    ];
    for (binary, pid) in running {
        let output = pipeline.command(binary).output().expect("run a second one");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "a second {binary} started");
        assert!(
            stderr.contains("already running") && stderr.contains(&format!("pid {pid}")),
            "{binary}: {stderr}"
        );
    }

    // The running system was not disturbed.
    let health = pipeline.wait_for_health(200, Duration::from_secs(5)).await;
    assert_eq!(health["nodes"]["capture"]["restarts"], 0, "{health}");
}
