//! The web page (`/ui`) in a real headless Chromium, against the real system with the vision
//! models and the media node: frames arrive in the live view, the page signs in through a
//! wallet-standard wallet (a test wallet injected as an extension would be), takes a photo
//! with its own button and finds it, loaded, in the wallet's photo list. The page is served
//! from the binary alone (no other origin is contacted: the Content-Security-Policy forbids
//! it and the browser would log the refusal, which fails the test).

use mm_e2e::browser::visit_web_page;
use mm_e2e::vision::{detections_with_a_face, get_json_as};
use mm_e2e::wallet::TestWallet;
use mm_e2e::{serial, Pipeline};
use std::time::Duration;

/// The test wallet's secret (any wallet but the owner's).
const SEED: [u8; 32] = [41; 32];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_sees_frames_takes_a_photo_and_finds_it_in_the_list() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("web-page")
        .nodes("capture,inference,overlay,encode,media,api", "composited")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 10")
        .own_public_url()
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    pipeline
        .wait_for_nodes_alive(&["media"], Duration::from_secs(30))
        .await;
    // The page polls detections from its first second: inference must be answering by then
    // (a 503 while the models load would be a failed request in the browser's log).
    detections_with_a_face(&pipeline, Duration::from_secs(60)).await;

    // The page, its script and style: from the binary, with a policy that allows nothing
    // from elsewhere.
    let page = reqwest::get(pipeline.url("/ui")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"));
    let html = page.text().await.unwrap();
    for attribute in ["src=\"", "href=\""] {
        for value in html.split(attribute).skip(1) {
            assert!(
                value.starts_with('/') && !value.starts_with("//") || value.starts_with("data:"),
                "a file from elsewhere: {attribute}{}",
                &value[..value.len().min(60)]
            );
        }
    }
    for (path, content_type) in [
        ("/ui/app.js", "text/javascript; charset=utf-8"),
        ("/ui/app.css", "text/css; charset=utf-8"),
    ] {
        let asset = reqwest::get(pipeline.url(path)).await.unwrap();
        assert_eq!(asset.status(), 200, "{path}");
        assert_eq!(asset.headers()["content-type"], content_type, "{path}");
    }

    let wallet = TestWallet::from_seed(SEED[0]);
    let dir = tempfile::tempdir().unwrap();
    let screenshot = std::env::var_os("MM_UI_SCREENSHOT")
        .map(Into::into)
        .unwrap_or_else(|| dir.path().join("ui.png"));
    let base_url = pipeline.url("");
    let seen = tokio::task::spawn_blocking({
        let screenshot = screenshot.clone();
        move || visit_web_page(&base_url, &wallet, SEED, &screenshot)
    })
    .await
    .unwrap()
    .unwrap_or_else(|why| panic!("{why}"));

    let wallet = TestWallet::from_seed(SEED[0]);
    assert!(seen["live_width"].as_u64().unwrap() > 0, "{seen}");
    assert_eq!(seen["frames_advanced"], true, "{seen}");
    // The default config: boxes drawn, faces not blurred, and the page says both.
    assert_eq!(seen["privacy"], "faces not blurred", "{seen}");
    assert_eq!(seen["boxes"], "face boxes on", "{seen}");
    assert_eq!(seen["photo_disabled_signed_out"], true, "{seen}");
    assert_eq!(seen["library_hidden_signed_out"], true, "{seen}");
    assert_eq!(seen["wallet"], wallet.address().as_str(), "{seen}");
    assert_eq!(
        seen["sign_ins"], 1,
        "signed in through solana:signIn: {seen}"
    );
    assert_eq!(seen["photo_width"], 640, "{seen}");
    let nodes: Vec<&str> = seen["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|node| node.as_str())
        .collect();
    for node in ["capture", "inference", "overlay", "encode", "media", "api"] {
        assert!(nodes.contains(&node), "{node} in {seen}");
    }

    // The photo the page showed is the wallet's: its listing (with a session of its own) has it.
    let photo = seen["photo"].as_str().unwrap();
    let token = wallet.sign_in(&pipeline).await;
    let (code, listing) = get_json_as(&pipeline, &token, "/api/photos").await;
    assert_eq!(code, 200, "{listing}");
    let names: Vec<&str> = listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|item| item["name"].as_str())
        .collect();
    assert_eq!(names, [photo], "{listing}");
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
}
