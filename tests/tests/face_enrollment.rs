//! Face enrollment end to end, through the chain: a wallet signed in to the camera and checked
//! in on chain (the local Solana runtime, the stub program at the program id) asks for its
//! `enroll_face` transaction; the biometric node seals the one enrollable face in view (a
//! photo shown by the file source, with a second, smaller face beside it); the wallet signs
//! and sends the transaction; `confirm` checks it on chain and enrolls that same sealed face.
//! The name is then drawn on that face only, only while the wallet is checked in, and no
//! plaintext embedding is ever in the data folder or in shared memory.

use mm_e2e::biometric::{embedding_bytes, files_holding};
use mm_e2e::solana::chain::{close_session, open_session, send_and_confirm, sign_prepared};
use mm_e2e::solana::ChainFixture;
use mm_e2e::vision::{detections_where, get_json_as, post_json_as};
use mm_e2e::wallet::TestWallet;
use mm_e2e::{free_port, media, serial, Pipeline};
use serde_json::Value;
use solana_sdk::signature::Signer;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Obama large (his face about 80 px: enrollable) and Biden small (about 25 px: detected, but
/// under the enrollment minimum of 40) side by side, as the camera's only picture.
fn two_faces(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("two-faces.png");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(media("obama.jpg"))
        .arg("-i")
        .arg(media("biden.jpg"))
        .args([
            "-filter_complex",
            "color=black:s=640x360[bg];[0]scale=-2:360[a];[1]scale=-2:200[b];\
             [bg][a]overlay=0:0[c];[c][b]overlay=500:100",
            "-frames:v",
            "1",
        ])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(made.success());
    out
}

fn faces(body: &Value) -> Vec<Value> {
    body["faces"].as_array().cloned().unwrap_or_default()
}

fn named(body: &Value) -> Vec<Value> {
    faces(body)
        .into_iter()
        .filter(|face| !face["identity"].is_null() || !face["display_name"].is_null())
        .collect()
}

/// The live embedding of the face in view, asked of inference with a one-time key of this
/// test (the only way to see it): what must never be found in files or shared memory.
async fn live_embedding(pipeline: &Pipeline) -> Vec<f32> {
    let (answer, embedding) = mm_e2e::biometric::best_face(pipeline).await;
    assert_eq!(answer.faces_in_frame, 2, "{answer:?}");
    embedding.expect("a best face").to_vec()
}

fn assert_nowhere(pipeline: &Pipeline, embedding: &[f32], when: &str) {
    let needle = &embedding_bytes(embedding)[..64];
    let in_data = files_holding(pipeline.data_dir(), needle);
    assert!(
        in_data.is_empty(),
        "{when}: plaintext embedding in {in_data:?}"
    );
    let in_shm = files_holding(Path::new("/dev/shm"), needle);
    assert!(
        in_shm.is_empty(),
        "{when}: plaintext embedding in {in_shm:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_face_enrolled_on_chain_is_named_only_while_its_wallet_is_checked_in() {
    let _serial = serial().await;
    let photos = tempfile::tempdir().unwrap();
    let picture = two_faces(photos.path());
    let user = TestWallet::from_seed(21);
    let wallet = user.address();
    let f = ChainFixture::default();
    let validator = f
        .validator()
        .funded(&user.keypair().pubkey(), 10)
        .start()
        .await;
    let rpc = validator.client();
    let solana_port = free_port();
    let pipeline = Pipeline::builder("enroll")
        .config(&format!(
            "[capture]\nsource = \"file\"\nfile_path = \"{}\"\nwidth = 640\nheight = 360\nfps = 10\n\
             [solana]\nbind = \"127.0.0.1:{solana_port}\"\n{}",
            picture.display(),
            f.node_config(&validator, validator.ws_port(), true),
        ))
        .vision()
        .biometric()
        .add_node("solana")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    detections_where(&pipeline, Duration::from_secs(30), |b| faces(b).len() == 2).await;
    let token = user.sign_in(&pipeline).await;
    let prepare = "/api/face/enroll/prepare-transaction";

    // Not checked in on chain: refused.
    let (code, refused) = post_json_as(&pipeline, &token, prepare, "{}").await;
    assert_eq!(code, 403, "{refused}");

    // Checked in, with face recognition in the on-chain session: the Solana node tells the
    // API, and the camera prepares the enrollment of the one face large enough.
    let session = f.session(&user.keypair().pubkey(), 1_764_000_500, true);
    let session_account = open_session(&rpc, &f.program, &f.camera, &f.wallet, &session).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let prepared = loop {
        let (code, body) = post_json_as(&pipeline, &token, prepare, "{}").await;
        if code == 200 {
            break body;
        }
        assert_eq!(code, 403, "{body}");
        assert!(
            Instant::now() < deadline,
            "the check-in never reached the API"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let face_id = prepared["face_id"].as_str().unwrap().to_owned();
    assert_eq!(prepared["faces_in_frame"], 2, "{prepared}");
    assert_eq!(prepared["package_hash"].as_str().unwrap().len(), 64);
    assert!(prepared["package_bytes"].as_u64().unwrap() <= 1024);
    let embedding = live_embedding(&pipeline).await;
    assert_nowhere(&pipeline, &embedding, "after prepare");

    // Nothing is enrolled before the chain confirms it.
    let (_, own) = get_json_as(&pipeline, &token, "/api/face/enrollment").await;
    assert_eq!(own["enrolled"], false, "{own}");
    let (code, refused) = post_json_as(
        &pipeline,
        &token,
        "/api/face/enroll/confirm",
        &format!(
            r#"{{"signature": "{}", "face_id": "{face_id}"}}"#,
            solana_sdk::signature::Signature::default()
        ),
    )
    .await;
    assert!(
        (400..500).contains(&code),
        "an unknown signature: {refused}"
    );

    // The wallet signs and sends; confirm checks it on chain and enrolls the sealed face.
    let transaction = sign_prepared(prepared["transaction"].as_str().unwrap(), user.keypair());
    let signature = send_and_confirm(&rpc, &transaction).await;
    let (code, confirmed) = post_json_as(
        &pipeline,
        &token,
        "/api/face/enroll/confirm",
        &format!(
            r#"{{"signature": "{signature}", "face_id": "{face_id}", "display_name": "Obama"}}"#
        ),
    )
    .await;
    assert_eq!(code, 200, "{confirmed}");
    assert_eq!(confirmed["face_id"], face_id.as_str());
    assert_eq!(confirmed["transaction_id"], signature.to_string());
    let (_, own) = get_json_as(&pipeline, &token, "/api/face/enrollment").await;
    assert_eq!(own["enrolled"], true, "{own}");
    assert_eq!(own["display_name"], "Obama");

    // Checked in with face recognition and enrolled: the name on the large face only.
    let body = detections_where(&pipeline, Duration::from_secs(20), |b| {
        named(b).len() == 1 && faces(b).len() == 2
    })
    .await;
    let face = &named(&body)[0];
    assert_eq!(face["identity"], wallet.as_str(), "{body}");
    assert_eq!(face["display_name"], "Obama", "{body}");
    assert!(
        face["box"][0].as_f64().unwrap() < 320.0,
        "the name is on the small face: {body}"
    );
    for _ in 0..20 {
        let (_, body) = mm_e2e::vision::get_json(&pipeline, "/api/face/detections").await;
        assert!(named(&body).len() <= 1, "the second face was named: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The owner sees the enrollment; the wallet itself may not list everyone's.
    let (code, listed) = get_json_as(
        &pipeline,
        &pipeline.owner_token().await,
        "/get_enrolled_faces",
    )
    .await;
    assert_eq!(code, 200, "{listed}");
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["faces"][0]["wallet_address"], wallet.as_str());
    assert_eq!(
        get_json_as(&pipeline, &token, "/get_enrolled_faces")
            .await
            .0,
        403
    );
    assert_nowhere(&pipeline, &embedding, "while recognised");

    // The API restarts: it reads who is checked in from the Solana node, and the name is back.
    let api = pipeline.node_pid("api");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(api as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while pipeline.node_pid("api") == api {
        assert!(Instant::now() < deadline, "the API was not restarted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    detections_where(&pipeline, Duration::from_secs(20), |b| named(b).len() == 1).await;

    // Checked out on chain: anonymous again.
    close_session(&rpc, &f.program, &f.camera, &f.wallet, &session_account).await;
    detections_where(&pipeline, Duration::from_secs(10), |b| {
        faces(b).len() == 2 && named(b).is_empty()
    })
    .await;

    // The wallet purges its face: gone from the store (and with its key, every copy).
    let response = reqwest::Client::new()
        .delete(pipeline.url("/api/face/enrollment"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let purged: Value = response.json().await.unwrap();
    assert_eq!(purged["key_destroyed"], true, "{purged}");
    let (_, own) = get_json_as(&pipeline, &token, "/api/face/enrollment").await;
    assert_eq!(own["enrolled"], false, "{own}");
    assert_nowhere(&pipeline, &embedding, "after the purge");
}
