//! The reference system's web app against this camera: its camera client (`JetsonCamera`)
//! sends JSON bodies with `session_id` and `wallet_address`, an empty JSON body where a route
//! takes no arguments, asks for recordings as `.mov`, records with `duration: 0` and toggles
//! with `POST /api/record` without `action`, and reads `filename`, `videos`, `photos` and the
//! top-level `streaming`/`recording` of the status. Played here through the real nodes, once
//! it holds a session (sign-in stays Sign In With Solana), in the reference's shapes.

use mm_e2e::media_probe::RtmpIngest;
use mm_e2e::wallet::TestWallet;
use mm_e2e::{free_port, serial, Pipeline};
use serde_json::{json, Value};
use std::time::Duration;

/// Longest recording, as configured: `duration: 0` records until stopped, at most this.
const MAX_RECORDING_S: u64 = 600;

/// What the web app's camera client does on the wire: every request carries the session in
/// `Authorization: Bearer` (the one line the app needs added), every POST a JSON body with
/// `session_id` and `wallet_address` (or an empty one).
struct WebAppClient {
    http: reqwest::Client,
    base: String,
    wallet: String,
    session_id: String,
}

impl WebAppClient {
    async fn signed_in(pipeline: &Pipeline, wallet: &TestWallet) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: pipeline.url(""),
            wallet: wallet.address(),
            session_id: wallet.sign_in(pipeline).await,
        }
    }

    /// POSTs `fields` with the session's credentials added, as the app's JSON body.
    async fn post(&self, path: &str, fields: Value) -> (u16, Value) {
        let mut body = fields;
        body["session_id"] = json!(self.session_id);
        body["wallet_address"] = json!(self.wallet);
        self.send_post(path, body.to_string()).await
    }

    /// POSTs `Content-Type: application/json` with an empty body.
    async fn post_empty(&self, path: &str) -> (u16, Value) {
        self.send_post(path, String::new()).await
    }

    async fn send_post(&self, path: &str, body: String) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.session_id)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        let code = response.status().as_u16();
        (code, response.json().await.unwrap_or_default())
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.session_id)
            .send()
            .await
            .expect("GET")
    }

    async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path).await;
        let code = response.status().as_u16();
        (code, response.json().await.unwrap_or_default())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_web_app_works_once_it_holds_a_session() {
    let _serial = serial().await;
    let ingest_port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let _ingest = RtmpIngest::listen(ingest_port, &dir.path().join("livepeer.flv"));
    let pipeline = Pipeline::builder("reference-client")
        .nodes("capture,encode,h264,media,api", "raw")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 20")
        .config(&format!("[recording]\nmax_duration_s = {MAX_RECORDING_S}"))
        .config(&format!(
            "[livepeer]\ningest_url = \"rtmp://127.0.0.1:{ingest_port}/live\""
        ))
        .env("MM_LIVEPEER_STREAM_KEY", "test-key")
        .start();
    pipeline
        .wait_for_nodes_alive(&["h264", "media"], Duration::from_secs(20))
        .await;
    let user = WebAppClient::signed_in(&pipeline, &TestWallet::from_seed(81)).await;

    // Status: top-level streaming and recording, beside the reference's data object.
    let (code, status) = user.get_json("/api/status").await;
    assert_eq!(code, 200, "{status}");
    assert_eq!(status["streaming"], false, "{status}");
    assert_eq!(status["recording"], false, "{status}");

    // A photo: its filename fetches it.
    let (code, photo) = user.post("/api/capture", json!({})).await;
    assert_eq!(code, 200, "{photo}");
    let filename = photo["filename"].as_str().expect("filename").to_owned();
    assert_eq!(photo["name"], filename.as_str(), "{photo}");
    assert!(photo["url"].is_string(), "{photo}");
    assert!(
        photo["timestamp"].as_u64().unwrap() > 1_600_000_000_000,
        "{photo}"
    );
    let jpeg = user.get(&format!("/api/photos/{filename}")).await;
    assert_eq!(jpeg.status(), 200);
    assert_eq!(jpeg.headers()["content-type"], "image/jpeg");
    assert!(jpeg.bytes().await.unwrap().starts_with(&[0xff, 0xd8]));
    let (code, photos) = user.get_json("/api/photos?limit=10").await;
    assert_eq!(code, 200, "{photos}");
    assert_eq!(
        photos["photos"][0]["filename"],
        filename.as_str(),
        "{photos}"
    );
    assert_eq!(photos["count"], 1, "{photos}");

    // Recording until stopped (duration 0), capped by the configured maximum.
    let (code, started) = user.post("/api/record", json!({"duration": 0})).await;
    assert_eq!(code, 200, "{started}");
    assert_eq!(started["success"], true, "{started}");
    let recording = started["filename"].as_str().expect("filename").to_owned();
    assert_eq!(
        started["recording"]["name"],
        recording.as_str(),
        "{started}"
    );
    assert_eq!(
        started["recording"]["limit_s"].as_f64(),
        Some(MAX_RECORDING_S as f64),
        "{started}"
    );
    let (_, status) = user.get_json("/api/status").await;
    assert_eq!(status["recording"], true, "{status}");
    assert_eq!(status["data"]["isRecording"], true, "{status}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Without action: a toggle, which stops the running one.
    let (code, stopped) = user.post("/api/record", json!({})).await;
    assert_eq!(code, 200, "{stopped}");
    assert_eq!(stopped["success"], true, "{stopped}");
    assert_eq!(stopped["filename"], recording.as_str(), "{stopped}");
    assert_eq!(stopped["recording"]["is_recording"], false, "{stopped}");
    let (_, status) = user.get_json("/api/status").await;
    assert_eq!(status["recording"], false, "{status}");
    // Stopping again: the reference's answer, 200 with success false.
    let (code, again) = user.post("/stop_recording", json!({})).await;
    assert_eq!(code, 200, "{again}");
    assert_eq!(again["success"], false, "{again}");
    assert_eq!(again["error"], "No recording in progress", "{again}");
    // The toggle with an empty JSON body starts one; the legacy stop ends it.
    let (code, toggled) = user.post_empty("/api/record").await;
    assert_eq!(code, 200, "{toggled}");
    assert_eq!(toggled["recording"]["is_recording"], true, "{toggled}");
    let second = toggled["filename"].as_str().expect("filename").to_owned();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (code, ended) = user.post("/stop_recording", json!({})).await;
    assert_eq!(code, 200, "{ended}");
    assert_eq!(ended["filename"], second.as_str(), "{ended}");

    // The videos, newest first, and each asked for as .mov.
    let (code, videos) = user.get_json("/api/videos").await;
    assert_eq!(code, 200, "{videos}");
    let listed: Vec<&str> = videos["videos"]
        .as_array()
        .expect("videos")
        .iter()
        .map(|video| video["filename"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [second.as_str(), recording.as_str()], "{videos}");
    for video in videos["videos"].as_array().unwrap() {
        assert!(video["size"].as_u64().unwrap() > 0, "{video}");
        assert!(video["timestamp"].as_u64().is_some(), "{video}");
        assert!(video["url"].is_string(), "{video}");
    }
    let mov = recording.replace(".mp4", ".mov");
    let response = user.get(&format!("/api/videos/{mov}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "video/mp4");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4 file");
    assert_eq!(
        bytes.len() as u64,
        videos["videos"][1]["size"].as_u64().unwrap()
    );

    // The owner's Livepeer controls, posted with an empty JSON body.
    let owner = WebAppClient::signed_in(&pipeline, &TestWallet::owner()).await;
    let (code, live) = owner.post_empty("/api/stream/livepeer/start").await;
    assert_eq!(code, 200, "{live}");
    assert!(
        ["connecting", "streaming"].contains(&live["state"].as_str().unwrap_or("")),
        "{live}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (_, status) = owner.get_json("/api/status").await;
        if status["streaming"] == true {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (code, live) = owner.post_empty("/api/stream/livepeer/stop").await;
    assert_eq!(code, 200, "{live}");
    assert_eq!(live["state"], "stopped", "{live}");

    // Disconnect ends the session; the app is told so with 403 (it then asks to connect).
    let (code, bye) = user.post("/api/session/disconnect", json!({})).await;
    assert_eq!(code, 200, "{bye}");
    let (code, refused) = user.post("/api/capture", json!({})).await;
    assert_eq!(code, 403, "{refused}");
    assert!(refused["error"].is_string(), "{refused}");
    let (code, refused) = user.get_json("/api/videos").await;
    assert_eq!(code, 403, "{refused}");
}
