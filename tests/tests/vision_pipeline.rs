//! The whole vision pipeline as real processes: faces found by inference reach the API and are
//! drawn on `/stream`; the stream survives the death of inference and of overlay.

use mm_e2e::vision::{
    detections_with_a_face, face_box, frame_with_detections, get_json, left_edge_has_color,
    post_json,
};
use mm_e2e::{serial, MjpegReader, Pipeline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

/// A synthetic camera (portraits panning) at a size the 2-core test machine handles with
/// every model running; `exact` overlay so each processed frame carries its own boxes.
const CONFIG: &str = "[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 15\n\
                      [overlay]\nmode = \"exact\"\nexact_wait_ms = 2000\n\
                      [supervisor]\nrestart_backoff_initial_ms = 200";

/// The default `latest` overlay: never waits for inference.
const CONFIG_LATEST: &str =
    "[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 15\n\
                             [supervisor]\nrestart_backoff_initial_ms = 200";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faces_reach_the_api_and_are_boxed_on_the_stream() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("vision").config(CONFIG).vision().start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    // Until inference delivers, encode shows raw frames; start reading once it does.
    detections_with_a_face(&pipeline, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();

    let (frame, body) =
        frame_with_detections(&pipeline, &mut reader, Duration::from_secs(40), |body| {
            body["faces"].as_array().is_some_and(|f| !f.is_empty())
        })
        .await;
    let face = &body["faces"][0];
    let bbox = face_box(face);
    assert!(face["score"].as_f64().unwrap() >= 0.5);
    assert!(face["identity"].is_null(), "nobody is enrolled");
    assert!(
        left_edge_has_color(&frame, &bbox, [230, 0, 0]),
        "frame {} does not show the red box at {bbox:?}",
        frame.sequence()
    );

    // The other vision routes answer with their shapes.
    let (code, gesture) = get_json(&pipeline, "/api/gesture/current").await;
    assert_eq!(code, 200);
    assert!(gesture["gesture"].is_string() && gesture["confidence"].is_number());
    let (code, recognised) = post_json(
        &pipeline,
        "/api/face/recognize",
        r#"{"include_image": true}"#,
    )
    .await;
    assert_eq!(code, 200);
    assert!(recognised["image"]
        .as_str()
        .unwrap()
        .starts_with("data:image/jpeg;base64,"));
    assert_eq!(recognised["recognized_faces"], 0);
    let (code, bad) = post_json(
        &pipeline,
        "/api/visualization/face",
        r#"{"enabled": "maybe"}"#,
    )
    .await;
    assert_eq!(code, 400);
    assert!(bad["error"].is_string());
}

/// Frames keep arriving on `/stream` with increasing sequences for `span`.
async fn stream_keeps_flowing(reader: &mut MjpegReader, span: Duration) -> usize {
    let started = Instant::now();
    let mut last = 0;
    let mut count = 0;
    while started.elapsed() < span {
        let part = reader
            .next_part(Duration::from_secs(2))
            .await
            .expect("the stream stalled");
        assert!(part.sequence() > last);
        last = part.sequence();
        count += 1;
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_outlives_inference_and_overlay() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("vision-kill")
        .config(CONFIG_LATEST)
        .vision()
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    detections_with_a_face(&pipeline, Duration::from_secs(30)).await;
    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();

    for node in ["inference", "overlay"] {
        let pid = pipeline.node_pid(node);
        kill(Pid::from_raw(pid as i32), Signal::SIGKILL).unwrap();
        let frames = stream_keeps_flowing(&mut reader, Duration::from_secs(2)).await;
        assert!(
            frames >= 10,
            "only {frames} frames in 2 s after killing {node}"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while pipeline.node_pid(node) == pid {
            assert!(Instant::now() < deadline, "{node} was not restarted");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Detections (and so boxes) come back with the restarted inference node.
    detections_with_a_face(&pipeline, Duration::from_secs(30)).await;
    let (_, health) = get_json(&pipeline, "/api/health").await;
    assert_eq!(health["nodes"]["inference"]["restarts"], 1, "{health}");
    assert_eq!(health["nodes"]["overlay"]["restarts"], 1, "{health}");
    stream_keeps_flowing(&mut reader, Duration::from_secs(1)).await;
}
