//! The biometric node end to end: a real embedding (from a photo, by the real model) is
//! sealed into a package that fits `enroll_face`; it opens only for its wallet and not once
//! tampered with; no plaintext of it is on disk or in shared memory; a purge makes every copy
//! unreadable; and `mm-biometric audit verify` finds an edited audit log.

use mm_e2e::biometric::{embedding_bytes, embedding_of, files_holding, get, post};
use mm_e2e::{bin_dir, media, serial, Pipeline};
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_faces_open_only_for_their_wallet_and_never_after_a_purge() {
    let _serial = serial().await;
    let mut pipeline = Pipeline::builder("biometric")
        .nodes("biometric", "raw")
        .keep_logs()
        .start();
    mm_e2e::biometric::wait_until_up(&pipeline, Duration::from_secs(20)).await;
    let url = |path: &str| pipeline.biometric_url(path);
    let database = pipeline.biometric_database();
    let key_file = pipeline.data_dir().join("biometric-device.key");
    let alice = mm_e2e::wallet::TestWallet::from_seed(81).address();
    let bob = mm_e2e::wallet::TestWallet::from_seed(82).address();
    let embedding = embedding_of(&media("obama2.jpg"));
    assert_eq!(embedding.len(), 128);
    let plaintext = embedding_bytes(&embedding);

    let (code, sealed) = post(
        &url("/api/biometric/seal"),
        &json!({"wallet_address": alice, "embedding": embedding}),
    )
    .await;
    assert_eq!(code, 200, "{sealed}");
    let package = sealed["package"].as_str().unwrap().to_owned();
    assert!(
        sealed["package_bytes"].as_u64().unwrap() <= 1024,
        "{sealed}"
    );
    assert_eq!(sealed["package_hash"].as_str().unwrap().len(), 64);

    let (code, opened) = post(
        &url("/api/biometric/open"),
        &json!({"wallet_address": alice, "package": package}),
    )
    .await;
    assert_eq!(code, 200, "{opened}");
    assert_eq!(opened["face_id"], sealed["face_id"]);
    assert!(opened.get("embedding").is_none(), "{opened}");
    let (code, _) = post(
        &url("/api/biometric/open"),
        &json!({"wallet_address": bob, "package": package}),
    )
    .await;
    assert_eq!(code, 403);
    use base64::Engine as _;
    let mut tampered = base64::engine::general_purpose::STANDARD
        .decode(&package)
        .unwrap();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let tampered = base64::engine::general_purpose::STANDARD.encode(tampered);
    let (code, refused) = post(
        &url("/api/biometric/open"),
        &json!({"wallet_address": alice, "package": tampered}),
    )
    .await;
    assert_eq!(code, 422, "{refused}");

    // Confirmed (here without the chain): the sealed face becomes alice's enrolled one.
    let (code, refused) = post(
        &url("/api/biometric/enroll"),
        &json!({"wallet_address": bob, "face_id": sealed["face_id"], "display_name": "Bob"}),
    )
    .await;
    assert_eq!(code, 404, "another wallet's face: {refused}");
    let (code, refused) = post(
        &url("/api/biometric/enroll"),
        &json!({"wallet_address": alice, "face_id": sealed["face_id"], "display_name": "A\nB"}),
    )
    .await;
    assert_eq!(code, 400, "{refused}");
    let (code, enrolled) = post(
        &url("/api/biometric/enroll"),
        &json!({"wallet_address": alice, "face_id": sealed["face_id"], "display_name": "Alice"}),
    )
    .await;
    assert_eq!(code, 200, "{enrolled}");
    let enrollments = || async {
        let (_, listed) = get(&url("/api/biometric/enrollments")).await;
        listed["enrollments"].as_array().unwrap().clone()
    };
    let listed = enrollments().await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["wallet_address"], alice.as_str());
    assert_eq!(listed[0]["display_name"], "Alice");
    assert!(listed[0].get("embedding").is_none());

    // No plaintext embedding in the data folder or in shared memory (any 64 bytes of it).
    let needle = &plaintext[..64];
    assert!(files_holding(pipeline.data_dir(), needle).is_empty());
    assert!(files_holding(Path::new("/dev/shm"), needle).is_empty());

    // Purge: the wallet's key goes, and with it every copy of the package.
    let (code, purged) = post(
        &url("/api/biometric/purge"),
        &json!({"wallet_address": alice}),
    )
    .await;
    assert_eq!(code, 200, "{purged}");
    assert_eq!(purged["key_destroyed"], true);
    assert_eq!(purged["purged_faces"], 1);
    let (code, _) = post(
        &url("/api/biometric/open"),
        &json!({"wallet_address": alice, "package": package}),
    )
    .await;
    assert_eq!(code, 404);
    let (code, _) = post(
        &url("/api/biometric/package"),
        &json!({"wallet_address": alice, "face_id": sealed["face_id"]}),
    )
    .await;
    assert_eq!(code, 404);
    assert!(
        enrollments().await.is_empty(),
        "the purge ends the enrollment"
    );

    // The device key: a 0600 file whose path is logged and whose value is not.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let key = std::fs::read_to_string(&key_file).unwrap();
    let logs = pipeline.logs();
    assert!(logs.contains(key_file.to_str().unwrap()), "{logs}");
    assert!(!logs.contains(key.trim()));
    pipeline.terminate(Duration::from_secs(10));

    // The audit log verifies: create_key, seal, open, enroll, purge (refusals record nothing).
    let verify = || {
        Command::new(bin_dir().join("mm-biometric"))
            .args(["audit", "verify", "--database"])
            .arg(&database)
            .output()
            .unwrap()
    };
    let verified = verify();
    let said = String::from_utf8_lossy(&verified.stdout).into_owned();
    assert!(verified.status.success(), "{said}");
    assert!(said.contains("5 records"), "{said}");
    // Edited: the purge record now names another wallet.
    let db = rusqlite::Connection::open(&database).unwrap();
    db.execute(
        "UPDATE audit SET wallet = ?1 WHERE action = 'purge'",
        [&bob],
    )
    .unwrap();
    drop(db);
    let broken = verify();
    assert!(!broken.status.success());
    let said = String::from_utf8_lossy(&broken.stderr).into_owned();
    assert!(said.contains("record 5 was edited"), "{said}");
}
