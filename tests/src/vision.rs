//! Helpers for tests of the vision pipeline: polling the API and checking drawn pixels.

use crate::{bin_dir, model_dir, MjpegReader, Part, Pipeline};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// GET `path` of the pipeline's API as the camera's owner: status code and JSON body (null
/// when not JSON).
pub async fn get_json(pipeline: &Pipeline, path: &str) -> (u16, Value) {
    let token = pipeline.owner_token().await;
    get_json_as(pipeline, &token, path).await
}

/// GET `path` with the session `token`.
pub async fn get_json_as(pipeline: &Pipeline, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(pipeline.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let code = response.status().as_u16();
    (code, response.json().await.unwrap_or_default())
}

/// POST `body` to `path` as the camera's owner: status code and JSON body.
pub async fn post_json(pipeline: &Pipeline, path: &str, body: &str) -> (u16, Value) {
    let token = pipeline.owner_token().await;
    post_json_as(pipeline, &token, path, body).await
}

/// POST `body` to `path` with the session `token`.
pub async fn post_json_as(
    pipeline: &Pipeline,
    token: &str,
    path: &str,
    body: &str,
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(pipeline.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    let code = response.status().as_u16();
    (code, response.json().await.unwrap_or_default())
}

/// Polls GET `path` until it answers 200 with a body for which `wanted` holds, up to
/// `timeout`; returns that body.
pub async fn json_where(
    pipeline: &Pipeline,
    path: &str,
    timeout: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + timeout;
    let mut last = Value::Null;
    while Instant::now() < deadline {
        let (code, body) = get_json(pipeline, path).await;
        if code == 200 && wanted(&body) {
            return body;
        }
        last = serde_json::json!({ "status": code, "body": body });
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("GET {path} never matched within {timeout:?}; last: {last}");
}

/// Polls `/api/face/detections` until `wanted` holds for the body, up to `timeout`.
pub async fn detections_where(
    pipeline: &Pipeline,
    timeout: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    json_where(pipeline, "/api/face/detections", timeout, wanted).await
}

/// Polls until the detections report at least one face.
pub async fn detections_with_a_face(pipeline: &Pipeline, timeout: Duration) -> Value {
    detections_where(pipeline, timeout, |body| {
        body["faces"].as_array().is_some_and(|f| !f.is_empty())
    })
    .await
}

/// A stream frame and the detections of that very frame, the detections matching `wanted`;
/// for an overlay in `exact` mode, where each frame carries its own detections' drawing.
pub async fn frame_with_detections(
    pipeline: &Pipeline,
    reader: &mut MjpegReader,
    timeout: Duration,
    wanted: impl Fn(&Value) -> bool + Copy,
) -> (Part, Value) {
    // Keep the stream's frames by sequence while collecting matching detections.
    let mut frames: HashMap<u64, Part> = HashMap::new();
    let mut detections: HashMap<u64, Value> = HashMap::new();
    let deadline = Instant::now() + timeout;
    loop {
        assert!(
            Instant::now() < deadline,
            "no stream frame matched wanted detections within {timeout:?}"
        );
        let part = reader
            .next_part(Duration::from_secs(10))
            .await
            .expect("stream frame");
        frames.insert(part.sequence(), part);
        let body = detections_where(pipeline, timeout, wanted).await;
        let sequence = body["sequence"].as_u64().expect("sequence");
        detections.insert(sequence, body);
        if let Some(found) = detections.keys().find(|s| frames.contains_key(s)).copied() {
            let part = frames.remove(&found).expect("matched frame");
            let body = detections.remove(&found).expect("matched detections");
            return (part, body);
        }
        frames.retain(|s, _| *s + 300 > sequence);
    }
}

/// Runs `mm-inference detect --json ARGS... IMAGES...` with the extra environment `env` and
/// returns its report of each image (one JSON object per line).
pub fn detect_reports(images: &[&Path], args: &[&str], env: &[(&str, &str)]) -> Vec<Value> {
    let output = Command::new(bin_dir().join("mm-inference"))
        .args(["detect", "--json"])
        .args(args)
        .args(images)
        .env("MM_INFERENCE_MODEL_DIR", model_dir())
        .envs(env.iter().copied())
        .output()
        .expect("run mm-inference detect");
    assert!(
        output.status.success(),
        "mm-inference detect failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per image"))
        .collect()
}

/// CenterFace (the camera's own detector, at its own threshold) over `images`, run by
/// `mm-inference detect`: how many faces it finds in each.
pub fn faces_found_in(images: &[&Path]) -> Vec<usize> {
    let faces_only = [
        ("MM_INFERENCE_HANDS", "false"),
        ("MM_INFERENCE_PERSONS", "false"),
    ];
    detect_reports(images, &[], &faces_only)
        .iter()
        .map(|report| report["faces"].as_array().map_or(0, Vec::len))
        .collect()
}

/// A JSON array of numbers (a box, an embedding) as `f64`s.
pub fn numbers(array: &Value) -> Vec<f64> {
    array
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect()
}

/// A face's box as numbers.
pub fn face_box(face: &Value) -> Vec<f64> {
    numbers(&face["box"])
}

/// Whether at least 80 % of the points along the left edge of `bbox` in the JPEG are close
/// to `color` (JPEG is lossy, so each channel may be off by 70). The overlay rounds the edge
/// to a whole pixel and draws at least 3 px; the middle of that line is the first or second
/// column after `floor(x1)`, so either may carry the colour.
pub fn left_edge_has_color(part: &Part, bbox: &[f64], color: [u8; 3]) -> bool {
    let image = mm_codec::decode_rgb(&part.body).expect("decode JPEG");
    let (y1, y2) = (bbox[1] as usize, bbox[3] as usize);
    let rows: Vec<usize> = (y1 + 4..y2.saturating_sub(4)).step_by(4).collect();
    let column_matches = |x: usize| {
        let x = x.min(image.width - 1);
        let close = rows
            .iter()
            .filter(|&&y| {
                let at = (y.min(image.height - 1) * image.width + x) * 3;
                (0..3).all(|c| image.pixels[at + c].abs_diff(color[c]) <= 70)
            })
            .count();
        !rows.is_empty() && close * 10 >= rows.len() * 8
    };
    let left = bbox[0].floor() as usize;
    column_matches(left + 1) || column_matches(left + 2)
}

/// Dumps the newest raw frame to `dir/raw.jpg` with `mm-shm dump` and checks that the
/// detector finds a face in it: a picture of the scene without any then shows that faces
/// were hidden, not that there were none.
pub fn raw_frame_with_a_face(pipeline: &Pipeline, dir: &Path) -> std::path::PathBuf {
    let raw = dir.join("raw.jpg");
    let dumped = pipeline
        .command("mm-shm")
        .args(["dump", "frames/raw", "--out"])
        .arg(&raw)
        .output()
        .expect("run mm-shm dump");
    assert!(dumped.status.success(), "{dumped:?}");
    assert!(faces_found_in(&[&raw])[0] >= 1, "no face in the raw frame");
    raw
}
