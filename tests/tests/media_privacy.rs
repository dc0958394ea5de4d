//! Photos while `privacy.blur_unknown_faces` is on, from the raw frames (no overlays): the
//! scene's faces, which the detector finds in the raw frame, are not found in the photo; and
//! while inference is stopped the whole photo is concealed. Real models, real nodes.

use mm_e2e::vision::{detections_with_a_face, faces_found_in, post_json, raw_frame_with_a_face};
use mm_e2e::{serial, Pipeline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_photo_hides_every_unknown_face_and_fails_closed() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("media-privacy")
        .nodes("capture,inference,overlay,encode,media,api", "composited")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 10")
        .config("[privacy]\nblur_unknown_faces = true")
        .config("[photos]\nsource = \"raw\"")
        .start();
    pipeline
        .wait_for_nodes_alive(&["media"], Duration::from_secs(30))
        .await;
    detections_with_a_face(&pipeline, Duration::from_secs(30)).await;

    let dir = tempfile::tempdir().unwrap();
    raw_frame_with_a_face(&pipeline, dir.path());

    let photo = |name: &str| pipeline.photos_dir().join(name);
    let (code, blurred) = post_json(&pipeline, "/api/capture", "{}").await;
    assert_eq!(code, 200, "{blurred}");
    let blurred = photo(blurred["name"].as_str().unwrap());
    let text = String::from_utf8_lossy(&std::fs::read(&blurred).unwrap()[..800]).into_owned();
    assert!(text.contains("\"faces\":\"faces_blurred\""), "{text}");

    let inference = Pid::from_raw(pipeline.node_pid("inference") as i32);
    kill(inference, Signal::SIGSTOP).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (code, concealed) = post_json(&pipeline, "/api/capture", "{}").await;
    kill(inference, Signal::SIGCONT).unwrap();
    assert_eq!(code, 200, "{concealed}");
    let concealed = photo(concealed["name"].as_str().unwrap());
    let text = String::from_utf8_lossy(&std::fs::read(&concealed).unwrap()[..800]).into_owned();
    assert!(text.contains("\"faces\":\"concealed\""), "{text}");

    assert_eq!(faces_found_in(&[&blurred, &concealed]), vec![0, 0]);
}
