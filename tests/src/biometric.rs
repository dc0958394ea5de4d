//! The biometric node in tests: JSON over HTTP to it, waiting for it, enrolling a face
//! through it, and finding an embedding's bytes in files.

use crate::vision::detect_reports;
use crate::Pipeline;
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

/// `POST url` with `body`: the status and the JSON answer (`null` when there is none).
pub async fn post(url: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("POST");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or_default(),
    )
}

/// `GET url`: the status and the JSON answer.
pub async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.expect("GET");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or_default(),
    )
}

/// Waits until the pipeline's biometric node answers its health route.
pub async fn wait_until_up(pipeline: &Pipeline, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while reqwest::get(pipeline.biometric_url("/api/health"))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "no biometric node within {timeout:?}: {}",
            pipeline.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Seals `embedding` for `wallet` and makes it the wallet's enrolled face, named
/// `display_name`; its face id.
pub async fn enroll(
    pipeline: &Pipeline,
    wallet: &str,
    embedding: &[f32],
    display_name: &str,
) -> String {
    wait_until_up(pipeline, Duration::from_secs(30)).await;
    let (code, sealed) = post(
        &pipeline.biometric_url("/api/biometric/seal"),
        &json!({"wallet_address": wallet, "embedding": embedding}),
    )
    .await;
    assert_eq!(code, 200, "{sealed}");
    let face_id = sealed["face_id"].as_str().unwrap().to_owned();
    let (code, enrolled) = post(
        &pipeline.biometric_url("/api/biometric/enroll"),
        &json!({"wallet_address": wallet, "face_id": face_id, "display_name": display_name}),
    )
    .await;
    assert_eq!(code, 200, "{enrolled}");
    face_id
}

/// The embedding of the first face of `photo`, by the real model.
pub fn embedding_of(photo: &Path) -> Vec<f32> {
    let reports = detect_reports(&[photo], &["--embeddings"], &[]);
    reports[0]["faces"][0]["embedding"]
        .as_array()
        .expect("an embedding")
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

/// The little-endian bytes of `embedding`, as they would sit in memory or a file.
pub fn embedding_bytes(embedding: &[f32]) -> Vec<u8> {
    embedding.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Every file under `dir` (recursively) that holds `needle`.
pub fn files_holding(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// The best face of `pipeline`'s current frame as enrollment asks for it, with a one-time key
/// of this test: the answer and, when a face was found, its embedding opened.
pub async fn best_face(
    pipeline: &Pipeline,
) -> (
    mm_shm_schema::BestFaceResponse,
    Option<[f32; mm_shm_schema::EMBEDDING_LEN]>,
) {
    use mm_shm_schema::{streams, BestFaceRequest, BestFaceStatus, CameraId};
    let bus = mm_bus::Bus::open(&CameraId::new(pipeline.camera()).unwrap(), "mm-test").unwrap();
    let client = bus.request_client::<streams::BestFace>().unwrap();
    let requester = mm_bus_seal::Requester::new().unwrap();
    let request = BestFaceRequest {
        requester_key: requester.public_key(),
        ..BestFaceRequest::default()
    };
    let answer = client
        .request(request, Duration::from_secs(5))
        .await
        .expect("best-face answer");
    if answer.status != BestFaceStatus::Found as u32 {
        return (answer, None);
    }
    let mut embedding = [0f32; mm_shm_schema::EMBEDDING_LEN];
    requester
        .open_f32s(
            &answer.responder_key,
            &answer.seal_context(),
            &answer.sealed_embedding,
            &mut embedding,
        )
        .expect("the best face opens for its asker");
    (answer, Some(embedding))
}
