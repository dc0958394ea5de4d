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
