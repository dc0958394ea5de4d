//! Recognition end to end: the best face of the live frame comes back over request-response
//! (its embedding sealed to the asker), an identity enrolled from another photo through the
//! biometric node is recognised in the stream, and only once its owner turns labels on (the
//! gallery inference reads holds only the labelled wallets).

use mm_bus::Bus;
use mm_e2e::vision::{detections_where, face_box, left_edge_has_color, post_json_as};
use mm_e2e::wallet::TestWallet;
use mm_e2e::{bin_dir, media, monotonic_ns, serial, MjpegReader, Pipeline};
use mm_shm_schema::{
    session_feature, streams, BestFaceStatus, CameraId, CheckInChange, CheckInEvent, Stream,
    EMBEDDING_LEN,
};
use serde_json::Value;
use solana_sdk::signature::Signer;
use std::process::Command;
use std::time::{Duration, Instant};

fn recognised_as<'a>(body: &'a Value, identity: &str) -> Option<&'a Value> {
    body["faces"]
        .as_array()?
        .iter()
        .find(|face| face["identity"] == identity)
}

/// `recognize` asked by the enrolled wallet's session: is that wallet in view?
const ASK_ABOUT_OBAMA: &str = "{}";

/// The wallet enrolled as Obama.
fn obama() -> TestWallet {
    TestWallet::from_seed(11)
}

/// The enrolled wallet turns face visualisation (its own name label) on or off.
async fn set_obama_labels(pipeline: &Pipeline, token: &str, enabled: bool) {
    let body = format!(r#"{{"enabled": {enabled}}}"#);
    let (code, _) = post_json_as(pipeline, token, "/api/visualization/face", &body).await;
    assert_eq!(code, 200);
}

/// For `span`, while a face is in view, `recognize` asked about the enrolled wallet neither
/// says it is there nor counts or names any recognised face.
async fn assert_presence_not_told(pipeline: &Pipeline, token: &str, span: Duration) {
    let started = Instant::now();
    let mut answers = 0;
    while started.elapsed() < span {
        let (code, body) =
            post_json_as(pipeline, token, "/api/face/recognize", ASK_ABOUT_OBAMA).await;
        assert_eq!(code, 200);
        if body["detected_faces"].as_u64().unwrap_or(0) > 0 {
            answers += 1;
            assert_eq!(body["wallet_recognized"], false, "{body}");
            assert_eq!(body["recognized_faces"], 0, "{body}");
            assert_eq!(body["recognized_data"], serde_json::json!({}), "{body}");
            assert!(body["faces"][0]["identity"].is_null(), "{body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answers > 0, "no face in view to ask about");
}

/// Enrolls `wallet` as Obama, from another photo (`obama2.jpg`) than the camera shows,
/// through the biometric node.
async fn enroll_obama(pipeline: &Pipeline, wallet: &str) {
    let embedding = mm_e2e::biometric::embedding_of(&media("obama2.jpg"));
    mm_e2e::biometric::enroll(pipeline, wallet, &embedding, "Obama").await;
}

/// The whole vision pipeline showing only the official portrait (obama.jpg), panning and
/// zooming, once a face is detected; with `extra` config lines. The folder must outlive it.
async fn obama_in_view(name: &str, extra: &str) -> (Pipeline, tempfile::TempDir) {
    let photos = tempfile::tempdir().unwrap();
    std::fs::copy(media("obama.jpg"), photos.path().join("obama.jpg")).unwrap();
    let pipeline = Pipeline::builder(name)
        .config(&format!(
            "[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 15\nphotos_dir = \"{}\"",
            photos.path().display()
        ))
        .config(extra)
        .vision()
        .biometric()
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    detections_where(&pipeline, Duration::from_secs(30), |b| {
        b["faces"].as_array().is_some_and(|f| !f.is_empty())
    })
    .await;
    (pipeline, photos)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_face_is_recognised_and_named_only_with_consent() {
    let _serial = serial().await;
    let (pipeline, _photos) = obama_in_view(
        "recognition",
        "[overlay]\nmode = \"exact\"\nexact_wait_ms = 2000",
    )
    .await;

    let obama_wallet = obama().address();
    let obama_token = obama().sign_in(&pipeline).await;
    let bus = Bus::open(&CameraId::new(pipeline.camera()).unwrap(), "mm-test").unwrap();
    // Enrollment's request: the best face of the current frame, its embedding sealed to the
    // asker's one-time key: nobody else opens it.
    let (answer, embedding) = mm_e2e::biometric::best_face(&pipeline).await;
    assert_eq!(answer.status, BestFaceStatus::Found as u32, "{answer:?}");
    assert!(answer.faces_in_frame >= 1);
    let embedding = embedding.unwrap();
    let stranger = mm_bus_seal::Requester::new().unwrap();
    assert!(stranger
        .open_f32s(
            &answer.responder_key,
            &answer.seal_context(),
            &answer.sealed_embedding,
            &mut [0f32; EMBEDDING_LEN],
        )
        .is_err());
    let norm = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((1.0..2.0).contains(&norm), "embedding norm {norm}");
    // `mm-shm list` names both sides of the request-response service.
    let list = Command::new(bin_dir().join("mm-shm"))
        .args(["--camera", pipeline.camera(), "list", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let service = bus.names().of(Stream::BestFace);
    let entry = list["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == service && s["pattern"] == "request_response")
        .unwrap_or_else(|| panic!("no {service} in {list}"));
    assert_eq!(entry["payload"][0], "mm.v2.BestFaceRequest", "{entry}");
    assert_eq!(entry["response"][0], "mm.v2.BestFaceResponse", "{entry}");

    // Enroll from another photo through the biometric node.
    enroll_obama(&pipeline, &obama_wallet).await;

    // In view and enrolled, but the owner has not allowed labels: nobody learns that the
    // face is recognised, not even by asking about that wallet.
    assert_presence_not_told(&pipeline, &obama_token, Duration::from_secs(4)).await;

    // The owner turns face visualisation on: the name appears, with its distance.
    let labels_on_ns = monotonic_ns();
    set_obama_labels(&pipeline, &obama_token, true).await;
    let body = detections_where(&pipeline, Duration::from_secs(15), |b| {
        recognised_as(b, &obama_wallet).is_some()
    })
    .await;
    let face = recognised_as(&body, &obama_wallet).unwrap();
    assert_eq!(face["display_name"], "Obama");
    let distance = face["distance"].as_f64().unwrap();
    assert!(distance < 0.6, "distance {distance}");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, body) = post_json_as(
            &pipeline,
            &obama_token,
            "/api/face/recognize",
            ASK_ABOUT_OBAMA,
        )
        .await;
        if body["wallet_recognized"] == true {
            assert_eq!(body["recognized_faces"], 1, "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "the owner is not told: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // ... and the stream draws that face green.
    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "no green box on the stream");
        let part = reader.next_part(Duration::from_secs(10)).await.unwrap();
        // Frames captured before the change may have been drawn under the old policy.
        if part.capture_ns() < labels_on_ns {
            continue;
        }
        let (_, body) = mm_e2e::vision::get_json(&pipeline, "/api/face/detections").await;
        if body["sequence"].as_u64() != Some(part.sequence()) {
            continue;
        }
        if let Some(face) = recognised_as(&body, &obama_wallet) {
            assert!(
                left_edge_has_color(&part, &face_box(face), [0, 200, 0]),
                "frame {} does not show the green box",
                part.sequence()
            );
            break;
        }
    }

    // Labels off again: recognised still, but no longer told.
    set_obama_labels(&pipeline, &obama_token, false).await;
    assert_presence_not_told(&pipeline, &obama_token, Duration::from_secs(3)).await;

    // Labels on again, then a purge of the wallet ends the recognition.
    set_obama_labels(&pipeline, &obama_token, true).await;
    detections_where(&pipeline, Duration::from_secs(15), |b| {
        recognised_as(b, &obama_wallet).is_some()
    })
    .await;
    let (code, purged) = mm_e2e::biometric::post(
        &pipeline.biometric_url("/api/biometric/purge"),
        &serde_json::json!({"wallet_address": obama_wallet}),
    )
    .await;
    assert_eq!(code, 200, "{purged}");
    detections_where(&pipeline, Duration::from_secs(15), |b| {
        b["faces"].as_array().is_some_and(|f| !f.is_empty())
            && recognised_as(b, &obama_wallet).is_none()
    })
    .await;
}

/// A check-in event as the Solana node publishes it.
fn check_in(
    wallet: &TestWallet,
    change: CheckInChange,
    features: u32,
    sequence: u64,
) -> CheckInEvent {
    CheckInEvent {
        change: change as u32,
        features,
        wallet: wallet.keypair().pubkey().to_bytes(),
        sequence,
        observed_unix_ms: mm_runtime::clock::unix_ms(),
        ..CheckInEvent::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_checked_in_with_face_recognition_is_named_until_it_checks_out() {
    let _serial = serial().await;
    let (pipeline, _photos) = obama_in_view("chain-labels", "").await;
    let wallet = obama();
    let obama_wallet = wallet.address();
    let bus = Bus::open(&CameraId::new(pipeline.camera()).unwrap(), "mm-test").unwrap();
    enroll_obama(&pipeline, &obama_wallet).await;
    // The chain, as the Solana node reports it (its events are tested in solana_checkins.rs).
    let chain = bus.message_publisher::<streams::CheckIns>().unwrap();
    let named = |b: &Value| recognised_as(b, &obama_wallet).is_some();

    // Checked in without face recognition: enrolled and in view, still anonymous.
    chain
        .publish(&check_in(&wallet, CheckInChange::CheckedIn, 0, 1))
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(4) {
        let (_, body) = mm_e2e::vision::get_json(&pipeline, "/api/face/detections").await;
        assert!(!named(&body), "named without consent: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // With face recognition in its on-chain session: named.
    chain
        .publish(&check_in(
            &wallet,
            CheckInChange::CheckedIn,
            session_feature::FACE_RECOGNITION,
            2,
        ))
        .unwrap();
    let body = detections_where(&pipeline, Duration::from_secs(15), named).await;
    assert_eq!(
        recognised_as(&body, &obama_wallet).unwrap()["display_name"],
        "Obama"
    );

    // Checked out: anonymous again, at once.
    chain
        .publish(&check_in(
            &wallet,
            CheckInChange::CheckedOut,
            session_feature::FACE_RECOGNITION,
            3,
        ))
        .unwrap();
    detections_where(&pipeline, Duration::from_secs(5), |b| {
        b["faces"].as_array().is_some_and(|f| !f.is_empty()) && !named(b)
    })
    .await;
}
