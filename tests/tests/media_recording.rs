//! Recordings and photos through the API, on the real nodes: a timed recording plays as long
//! as it was asked to (from capture timestamps, also with a source slower than it claims),
//! ends by itself without a stuck flag, one at a time; a `kill -9` of the writer leaves a
//! playable file; retention deletes the oldest; files come back with exact byte ranges and
//! ETags; names that try to leave the folder get 4xx JSON and touch nothing.

use mm_e2e::media_probe::{decoded_frames, duration_s, video_packets};
use mm_e2e::vision::{get_json, json_where, post_json};
use mm_e2e::{serial, Pipeline};
use reqwest::StatusCode;
use std::time::Duration;

const SYNTHETIC: &str = "[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 30";

/// Started, with the media nodes up (the API answers before they may be).
async fn pipeline(name: &str, capture: &str, extra: &str) -> Pipeline {
    let pipeline = Pipeline::builder(name)
        .nodes("capture,encode,h264,media,api", "raw")
        .config(capture)
        .config(extra)
        .start();
    pipeline
        .wait_for_nodes_alive(&["h264", "media"], Duration::from_secs(20))
        .await;
    pipeline
}

/// Waits until the recording is no longer running; returns the videos listing.
async fn wait_until_ended(pipeline: &Pipeline, timeout: Duration) -> serde_json::Value {
    json_where(pipeline, "/api/status", timeout, |status| {
        status["data"]["isRecording"] == false
    })
    .await;
    get_json(pipeline, "/api/videos").await.1
}

async fn record(pipeline: &Pipeline, seconds: f64) -> String {
    let body = format!("{{\"action\": \"start\", \"duration\": {seconds}}}");
    let (code, started) = post_json(pipeline, "/api/record", &body).await;
    assert_eq!(code, 200, "{started}");
    assert_eq!(started["recording"]["state"], "recording", "{started}");
    started["recording"]["name"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_recording_lasts_its_duration_and_serves_exact_ranges() {
    let _serial = serial().await;
    let pipeline = pipeline("media-rec", SYNTHETIC, "[recording]\nkeep_count = 2").await;

    let name = record(&pipeline, 4.0).await;
    let (code, second) = post_json(&pipeline, "/api/record", "{\"action\": \"start\"}").await;
    assert_eq!(code, 409, "{second}");
    assert!(second["error"].is_string());
    let (_, status) = get_json(&pipeline, "/api/status").await;
    assert_eq!(status["data"]["isRecording"], true, "{status}");
    assert_eq!(
        status["data"]["recordingInfo"]["currentFilename"],
        name.as_str()
    );

    let listing = wait_until_ended(&pipeline, Duration::from_secs(15)).await;
    let item = &listing["items"][0];
    assert_eq!(item["name"], name.as_str(), "{listing}");
    let path = pipeline.videos_dir().join(&name);
    let played = duration_s(&path);
    assert!(
        (played - 4.0).abs() <= 4.0 * 0.03,
        "plays {played} s, asked 4 s"
    );
    let packets = video_packets(&path);
    assert!(
        (packets.len() as i64 - 120).abs() <= 6,
        "{} frames",
        packets.len()
    );
    assert!(
        (item["duration_s"].as_f64().unwrap() - 4.0).abs() <= 0.12,
        "{item}"
    );
    let (_, ended) = post_json(&pipeline, "/api/record", "{\"action\": \"stop\"}").await;
    assert_eq!(ended["recording"]["state"], "finished", "{ended}");

    // Byte ranges, HEAD and ETags of the file itself.
    let bytes = std::fs::read(&path).unwrap();
    let client = pipeline.owner_client().await;
    let url = pipeline.url(&format!("/api/videos/{name}"));
    let whole = client.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    let etag = whole.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(whole.bytes().await.unwrap().as_ref(), &bytes[..]);
    for (range, expected) in [
        ("bytes=0-99", &bytes[..100]),
        ("bytes=1000-1999", &bytes[1000..2000]),
        ("bytes=-50", &bytes[bytes.len() - 50..]),
        (
            &format!("bytes={}-", bytes.len() - 10) as &str,
            &bytes[bytes.len() - 10..],
        ),
    ] {
        let part = client
            .get(&url)
            .header("range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert!(part.headers()["content-range"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/{}", bytes.len())));
        assert_eq!(part.bytes().await.unwrap().as_ref(), expected, "{range}");
    }
    let beyond = client
        .get(&url)
        .header("range", format!("bytes={}-", bytes.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert!(beyond.json::<serde_json::Value>().await.unwrap()["error"].is_string());
    let head = client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    let cached = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // Names that try to leave the folder, or are not ours: 4xx JSON, nothing touched.
    let outside = pipeline.videos_dir().join("../outside.mp4");
    std::fs::write(&outside, b"not a recording").unwrap();
    for path in [
        "/api/videos/..%2foutside.mp4",
        "/api/videos/%2e%2e%2foutside.mp4",
        "/api/videos/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/videos//etc/passwd",
        "/api/videos/outside.mp4",
        "/api/photos/..%2f..%2fvideos%2f..%2foutside.mp4",
    ] {
        for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
            let response = client
                .request(method.clone(), pipeline.url(path))
                .send()
                .await
                .unwrap();
            let code = response.status();
            assert!(code.is_client_error(), "{method} {path}: {code}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert!(body["error"].is_string(), "{method} {path}: {body}");
        }
    }
    assert_eq!(std::fs::read(&outside).unwrap(), b"not a recording");
    assert!(path.exists());

    // Retention keeps the newest two: the first recording goes when the third ends.
    let second = record(&pipeline, 1.0).await;
    wait_until_ended(&pipeline, Duration::from_secs(10)).await;
    let third = record(&pipeline, 1.0).await;
    let listing = wait_until_ended(&pipeline, Duration::from_secs(10)).await;
    let names: Vec<&str> = listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec![third.as_str(), second.as_str()], "{listing}");
    assert!(!path.exists());

    // Deleting a recording removes it and its sidecar.
    let deleted = client
        .delete(pipeline.url(&format!("/api/videos/{second}")))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(!pipeline.videos_dir().join(&second).exists());

    // A photo: a JPEG at the camera's size carrying its metadata, listed, downloadable.
    let (code, photo) = post_json(&pipeline, "/capture_moment", "{}").await;
    assert_eq!(code, 200, "{photo}");
    let photo_name = photo["name"].as_str().unwrap();
    let jpeg = client
        .get(pipeline.url(photo["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(jpeg.headers()["content-type"], "image/jpeg");
    let jpeg = jpeg.bytes().await.unwrap();
    assert_eq!(mm_codec::jpeg_size(&jpeg).unwrap(), (320, 240));
    let text = String::from_utf8_lossy(&jpeg[..600]);
    assert!(
        text.contains(&format!("\"camera_id\":\"{}\"", pipeline.camera())),
        "{text}"
    );
    let (_, photos) = get_json(&pipeline, "/api/photos?limit=1").await;
    assert_eq!(photos["items"][0]["name"], photo_name, "{photos}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_slower_than_it_claims_still_records_in_real_time() {
    let _serial = serial().await;
    // A 20 fps video while the camera claims 30: the file's timing comes from capture times.
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("twenty.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=20",
            "-t",
            "10",
        ])
        .args([
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .arg(&video)
        .status()
        .unwrap();
    assert!(made.success());
    let pipeline = pipeline(
        "media-slow",
        &format!(
            "[capture]\nsource = \"file\"\nfile_path = \"{}\"\nwidth = 320\nheight = 240\nfps = 30",
            video.display()
        ),
        "",
    )
    .await;
    let name = record(&pipeline, 5.0).await;
    wait_until_ended(&pipeline, Duration::from_secs(15)).await;
    let path = pipeline.videos_dir().join(&name);
    let played = duration_s(&path);
    assert!(
        (played - 5.0).abs() <= 5.0 * 0.03,
        "plays {played} s, asked 5 s"
    );
    let frames = video_packets(&path).len() as i64;
    assert!(
        (frames - 100).abs() <= 5,
        "{frames} frames of a 20 fps source in 5 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_killed_mid_way_leaves_a_playable_file() {
    let _serial = serial().await;
    let pipeline = pipeline("media-kill", SYNTHETIC, "[recording]\nfragment_ms = 500").await;
    let name = record(&pipeline, 60.0).await;
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let media = pipeline.node_pid("media");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(media as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let path = pipeline.videos_dir().join(&name);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let frames = decoded_frames(&path);
    let played = duration_s(&path);
    // About 4 s were written; a fragment of at most 0.5 s (plus start-up) may be lost.
    assert!(played >= 2.5, "{played} s survived");
    assert!(frames >= 75, "{frames} frames decode");
    // The supervisor restarts the media node, which records nothing on its own.
    json_where(
        &pipeline,
        "/api/stream/livepeer/status",
        Duration::from_secs(10),
        |_| true,
    )
    .await;
    let (_, status) = get_json(&pipeline, "/api/status").await;
    assert_eq!(status["data"]["isRecording"], false, "{status}");
}
