//! What the overlay draws reaches viewers: in a stream frame, the person box, the hand
//! skeleton and the face box sit where inference found them, and the unknown face under its
//! box is pixelated past recognition by the camera's own face detector.

use mm_e2e::vision::{
    detections_where, face_box, faces_found_in, frame_with_detections, get_json,
    left_edge_has_color, post_json,
};
use mm_e2e::{media, serial, MjpegReader, Pipeline};
use serde_json::Value;
use std::time::{Duration, Instant};

/// A portrait with a face, a raised hand and a person, looped as a video; the overlay waits
/// for each frame's own detections, draws persons, and blurs unknown faces.
fn config() -> String {
    format!(
        "[capture]\nsource = \"file\"\nfile_path = \"{}\"\nwidth = 480\nheight = 600\n\
         [overlay]\nmode = \"exact\"\nexact_wait_ms = 3000\ndraw_persons = true\n\
         [privacy]\nblur_unknown_faces = true",
        media("obama.jpg").display()
    )
}

fn found(body: &Value, kind: &str) -> bool {
    body[kind].as_array().is_some_and(|found| !found.is_empty())
}

/// Whether the pixel at `(x, y)` is close to white (the skeleton's landmark dots).
fn whitish(image: &mm_codec::DecodedImage, x: f64, y: f64) -> bool {
    let (x, y) = (x.round() as usize, y.round() as usize);
    if x >= image.width || y >= image.height {
        return false;
    }
    let at = (y * image.width + x) * 3;
    image.pixels[at..at + 3].iter().all(|&c| c >= 170)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persons_hands_and_blurred_faces_are_drawn_where_they_were_found() {
    let _serial = serial().await;
    let dir = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::builder("overlay-drawing")
        .config(&config())
        .vision()
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    let (code, _) = post_json(
        &pipeline,
        "/api/visualization/gesture",
        r#"{"enabled": true}"#,
    )
    .await;
    assert_eq!(code, 200);
    let everything =
        |body: &Value| found(body, "faces") && found(body, "hands") && found(body, "persons");
    // Until the overlay has fresh detections it conceals frames without waiting for their
    // own; start reading once it draws.
    detections_where(&pipeline, Duration::from_secs(60), everything).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, health) = get_json(&pipeline, "/api/health").await;
        let detail = health["nodes"]["overlay"]["detail"]
            .as_str()
            .unwrap_or_default();
        if !detail.is_empty() && !detail.contains("concealing") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the overlay keeps concealing: {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    let (frame, body) =
        frame_with_detections(&pipeline, &mut reader, Duration::from_secs(60), everything).await;

    let person = face_box(&body["persons"][0]);
    assert!(
        left_edge_has_color(&frame, &person, [0, 140, 255]),
        "frame {} does not show the blue person box at {person:?}",
        frame.sequence()
    );
    let face = face_box(&body["faces"][0]);
    assert!(
        left_edge_has_color(&frame, &face, [230, 0, 0]),
        "frame {} does not show the red face box at {face:?}",
        frame.sequence()
    );

    let image = mm_codec::decode_rgb(&frame.body).unwrap();
    let landmarks = body["hands"][0]["landmarks"].as_array().unwrap();
    let dots = landmarks
        .iter()
        .filter(|point| {
            whitish(
                &image,
                point[0].as_f64().unwrap(),
                point[1].as_f64().unwrap(),
            )
        })
        .count();
    assert!(
        dots * 10 >= landmarks.len() * 8,
        "only {dots} of {} hand landmarks show a dot in frame {}",
        landmarks.len(),
        frame.sequence()
    );

    let path = dir.path().join("drawn.jpg");
    std::fs::write(&path, &frame.body).unwrap();
    assert_eq!(
        faces_found_in(&[&path])[0],
        0,
        "the unknown face in frame {} is not blurred",
        frame.sequence()
    );
    let unblurred = media("obama.jpg");
    assert!(
        faces_found_in(&[&unblurred])[0] >= 1,
        "the detector finds the face unblurred"
    );
}
