//! Privacy fails closed: with `privacy.blur_unknown_faces` on, no frame leaves the camera with
//! a face a detector can find, even while inference is stalled and after the overlay died.

use mm_e2e::vision::{detections_with_a_face, faces_found_in, raw_frame_with_a_face};
use mm_e2e::{serial, MjpegReader, Part, Pipeline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::Path;
use std::time::{Duration, Instant};

/// The demo scene (portraits, pairs of portraits, a crowd) with every model running and
/// unknown faces blurred.
const CONFIG: &str = "[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 15\n\
                      [privacy]\nblur_unknown_faces = true\n\
                      [supervisor]\nrestart_backoff_initial_ms = 200";

/// Every part `/stream` sends for `span`.
async fn parts_for(reader: &mut MjpegReader, span: Duration) -> Vec<Part> {
    let started = Instant::now();
    let mut parts = Vec::new();
    while started.elapsed() < span {
        match reader.next_part(Duration::from_secs(3)).await {
            Ok(part) => parts.push(part),
            Err(error) => panic!("the stream ended: {error}"),
        }
    }
    parts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_face_leaves_unblurred_while_inference_is_stalled_or_the_overlay_dead() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::builder("privacy").config(CONFIG).vision().start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    detections_with_a_face(&pipeline, Duration::from_secs(30)).await;

    // The detector does find the scene's faces in a raw frame: a stream frame without any
    // is concealed, not merely a picture without faces.
    raw_frame_with_a_face(&pipeline, dir.path());

    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    let inference = Pid::from_raw(pipeline.node_pid("inference") as i32);
    kill(inference, Signal::SIGSTOP).unwrap();
    // Stale detections: the overlay conceals whole frames.
    let mut parts = parts_for(&mut reader, Duration::from_secs(3)).await;
    let overlay = pipeline.node_pid("overlay");
    kill(Pid::from_raw(overlay as i32), Signal::SIGKILL).unwrap();
    // No composited frames: encode withholds the raw ones; the restarted overlay conceals.
    parts.extend(parts_for(&mut reader, Duration::from_secs(4)).await);
    let (_, health) = mm_e2e::vision::get_json(&pipeline, "/api/health").await;
    kill(inference, Signal::SIGCONT).unwrap();
    assert_ne!(
        pipeline.node_pid("overlay"),
        overlay,
        "overlay was not restarted"
    );
    assert_eq!(health["nodes"]["overlay"]["restarts"], 1, "{health}");
    let overlay_detail = health["nodes"]["overlay"]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(overlay_detail.contains("concealing"), "{health}");
    // Frames kept coming, concealed, before and after the overlay's restart.
    assert!(parts.len() >= 30, "only {} frames in 7 s", parts.len());

    let files: Vec<_> = parts
        .iter()
        .map(|part| {
            let path = dir.path().join(format!("{}.jpg", part.sequence()));
            std::fs::write(&path, &part.body).unwrap();
            path
        })
        .collect();
    let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let found: Vec<(u64, usize)> = parts
        .iter()
        .map(Part::sequence)
        .zip(faces_found_in(&paths))
        .filter(|(_, faces)| *faces > 0)
        .collect();
    assert!(
        found.is_empty(),
        "faces found in frames sent while faces were not located (sequence, faces): {found:?}"
    );
}
