//! The biometric node end to end: a real embedding (from a photo, by the real model) is
//! sealed into a package that fits `enroll_face`; it opens only for its wallet and not once
//! tampered with; no plaintext of it is on disk or in shared memory; a purge makes every copy
//! unreadable; and `mm-biometric audit verify` finds an edited audit log.

use mm_e2e::vision::detect_reports;
use mm_e2e::{bin_dir, free_port, media, serial, Pipeline};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Obama's embedding from `obama2.jpg`.
fn embedding() -> Vec<f32> {
    let reports = detect_reports(&[&media("obama2.jpg")], &["--embeddings"], &[]);
    reports[0]["faces"][0]["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

/// Every file under `dir` (recursively) that holds `needle`.
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<String> {
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

async fn post(client: &reqwest::Client, base: &str, path: &str, body: Value) -> (u16, Value) {
    let response = client
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_faces_open_only_for_their_wallet_and_never_after_a_purge() {
    let _serial = serial().await;
    let data = tempfile::tempdir().unwrap();
    let database = data.path().join("biometric.sqlite");
    let key_file = data.path().join("device.key");
    let port = free_port();
    let pipeline = Pipeline::builder("biometric")
        .nodes("biometric", "raw")
        .env("MM_BIOMETRIC_BIND", &format!("127.0.0.1:{port}"))
        .env("MM_BIOMETRIC_DATABASE", database.to_str().unwrap())
        .env("MM_BIOMETRIC_DEVICE_KEY_FILE", key_file.to_str().unwrap())
        .keep_logs()
        .start();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while client
        .get(format!("{base}/api/health"))
        .send()
        .await
        .is_err()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no biometric node: {}",
            pipeline.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alice = mm_e2e::wallet::TestWallet::from_seed(81).address();
    let bob = mm_e2e::wallet::TestWallet::from_seed(82).address();
    let embedding = embedding();
    assert_eq!(embedding.len(), 128);
    let plaintext: Vec<u8> = embedding.iter().flat_map(|v| v.to_le_bytes()).collect();

    let (code, sealed) = post(
        &client,
        &base,
        "/api/biometric/seal",
        json!({"wallet_address": alice, "embedding": embedding}),
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
        &client,
        &base,
        "/api/biometric/open",
        json!({"wallet_address": alice, "package": package}),
    )
    .await;
    assert_eq!(code, 200, "{opened}");
    assert_eq!(opened["face_id"], sealed["face_id"]);
    assert!(opened.get("embedding").is_none(), "{opened}");
    let (code, _) = post(
        &client,
        &base,
        "/api/biometric/open",
        json!({"wallet_address": bob, "package": package}),
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
        &client,
        &base,
        "/api/biometric/open",
        json!({"wallet_address": alice, "package": tampered}),
    )
    .await;
    assert_eq!(code, 422, "{refused}");

    // Confirmed (here without the chain): the sealed face becomes alice's enrolled one.
    let (code, refused) = post(
        &client,
        &base,
        "/api/biometric/enroll",
        json!({"wallet_address": bob, "face_id": sealed["face_id"], "display_name": "Bob"}),
    )
    .await;
    assert_eq!(code, 404, "another wallet's face: {refused}");
    let (code, refused) = post(
        &client,
        &base,
        "/api/biometric/enroll",
        json!({"wallet_address": alice, "face_id": sealed["face_id"], "display_name": "A\nB"}),
    )
    .await;
    assert_eq!(code, 400, "{refused}");
    let (code, enrolled) = post(
        &client,
        &base,
        "/api/biometric/enroll",
        json!({"wallet_address": alice, "face_id": sealed["face_id"], "display_name": "Alice"}),
    )
    .await;
    assert_eq!(code, 200, "{enrolled}");
    let enrollments = || async {
        let listed: Value = client
            .get(format!("{base}/api/biometric/enrollments"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        listed["enrollments"].as_array().unwrap().clone()
    };
    let listed = enrollments().await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["wallet_address"], alice.as_str());
    assert_eq!(listed[0]["display_name"], "Alice");
    assert!(listed[0].get("embedding").is_none());

    // No plaintext embedding in the data folder or in shared memory (any 64 bytes of it).
    let needle = &plaintext[..64];
    assert!(files_holding(data.path(), needle).is_empty());
    assert!(files_holding(Path::new("/dev/shm"), needle).is_empty());

    // Purge: the wallet's key goes, and with it every copy of the package.
    let (code, purged) = post(
        &client,
        &base,
        "/api/biometric/purge",
        json!({"wallet_address": alice}),
    )
    .await;
    assert_eq!(code, 200, "{purged}");
    assert_eq!(purged["key_destroyed"], true);
    assert_eq!(purged["purged_faces"], 1);
    let (code, _) = post(
        &client,
        &base,
        "/api/biometric/open",
        json!({"wallet_address": alice, "package": package}),
    )
    .await;
    assert_eq!(code, 404);
    let (code, _) = post(
        &client,
        &base,
        "/api/biometric/package",
        json!({"wallet_address": alice, "face_id": sealed["face_id"]}),
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
    drop(pipeline);

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
