//! The whole system as a viewer sees it: real supervisor, capture, encode and api processes,
//! `/stream` read over HTTP for several seconds.

use mm_e2e::{serial, MjpegReader, Pipeline};
use std::time::{Duration, Instant};

const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_delivers_each_new_720p_frame_at_camera_rate() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("stream720")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 1280\nheight = 720\nfps = 30")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;

    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    assert_eq!(
        reader.content_type,
        "multipart/x-mixed-replace; boundary=frame"
    );
    // Let the first frame through, then measure a steady window.
    let first = reader.next_part(FRAME_TIMEOUT).await.unwrap();
    let started = Instant::now();
    let mut previous = first.sequence();
    let mut frames = 0u32;
    let mut missed = 0u64;
    while started.elapsed() < Duration::from_secs(5) {
        let part = reader.next_part(FRAME_TIMEOUT).await.unwrap();
        assert_eq!(part.headers["content-type"], "image/jpeg");
        assert_eq!(part.number("content-length") as usize, part.body.len());
        let sequence = part.sequence();
        assert!(sequence > previous, "sequence {sequence} after {previous}");
        missed += sequence - previous - 1;
        previous = sequence;
        assert!(part.capture_ns() > 0);
        assert!(part.number("x-encode-timestamp-ns") >= part.capture_ns());
        let image = mm_codec::decode_rgb(&part.body).expect("every part is a valid JPEG");
        assert_eq!((image.width, image.height), (1280, 720));
        frames += 1;
    }
    let fps = f64::from(frames) / started.elapsed().as_secs_f64();
    assert!(fps >= 25.0, "only {fps:.1} frames/s reached the viewer");
    // Each frame captured reaches the viewer: sequences are consecutive. One in a hundred may
    // be replaced by the next when this 2-core machine is busy elsewhere (newest wins).
    assert!(
        missed * 100 <= u64::from(frames),
        "{missed} of {} frames never reached the viewer",
        u64::from(frames) + missed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_routes_report_true_values_and_unknown_routes_are_json_404() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("routes")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 15")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    // Rates are measured over a window; give it a second of frames.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let health = pipeline.wait_for_health(200, Duration::from_secs(1)).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["source"], "synthetic");
    for node in ["capture", "encode", "api"] {
        assert_eq!(health["nodes"][node]["alive"], true, "{node}: {health}");
    }
    assert!(health["uptime_s"].as_f64().unwrap() >= 1.0);
    let fps = health["fps"].as_f64().unwrap();
    assert!((10.0..=17.0).contains(&fps), "health fps {fps}");

    let info: serde_json::Value = reqwest::get(pipeline.url("/api/stream/info"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["success"], true);
    assert_eq!(info["isActive"], true);
    assert_eq!(info["streamType"], "mjpeg");
    assert_eq!(info["resolution"], "640x360");
    assert_eq!(info["streamUrl"], "/stream");
    let fps = info["fps"].as_f64().unwrap();
    assert!((10.0..=17.0).contains(&fps), "stream info fps {fps}");

    let status: serde_json::Value = reqwest::get(pipeline.url("/api/status"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["success"], true);
    assert_eq!(status["data"]["isOnline"], true);
    assert_eq!(status["data"]["isRecording"], false);

    let missing = reqwest::get(pipeline.url("/api/does-not-exist"))
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");

    let wrong_method = reqwest::Client::new()
        .post(pipeline.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status().as_u16(), 405);
    let body: serde_json::Value = wrong_method.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");

    // Bodies are JSON, declared as such: a cross-site form POST (which a browser sends
    // without asking) is refused with 415 before it changes anything.
    let toggle = pipeline.url("/api/visualization/gesture");
    let client = reqwest::Client::new();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = client.post(&toggle).body(r#"{"enabled": true}"#);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("application/json"),
            "{body}"
        );
    }
    let token = pipeline.owner_token().await;
    let accepted = client
        .post(&toggle)
        .bearer_auth(&token)
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"enabled": false}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 200);
    // An empty body (old clients) means the defaults.
    let empty = client
        .post(&toggle)
        .bearer_auth(&token)
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_file_source_streams_its_frames() {
    let _serial = serial().await;
    let video = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/media/carphone_pristine.mp4");
    assert!(
        video.exists(),
        "{} missing: tests need ../shared",
        video.display()
    );
    let pipeline = Pipeline::builder("file")
        .config(&format!(
            "[capture]\nsource = \"file\"\nfile_path = \"{}\"\nwidth = 640\nheight = 360",
            video.display()
        ))
        .start();
    let health = pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    assert_eq!(health["source"], "file");
    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    for _ in 0..10 {
        let part = reader.next_part(FRAME_TIMEOUT).await.unwrap();
        let image = mm_codec::decode_rgb(&part.body).unwrap();
        assert_eq!((image.width, image.height), (640, 360));
        // The 11:9 video is pillarboxed into 16:9: black bars left and right, picture between.
        let pixel = |x: usize, y: usize| &image.pixels[(y * 640 + x) * 3..][..3];
        assert!(
            pixel(20, 180).iter().all(|&v| v < 24),
            "left bar: {:?}",
            pixel(20, 180)
        );
        assert!(
            pixel(620, 180).iter().all(|&v| v < 24),
            "right bar: {:?}",
            pixel(620, 180)
        );
        assert!(pixel(320, 180).iter().any(|&v| v > 24), "picture is black");
    }
}
