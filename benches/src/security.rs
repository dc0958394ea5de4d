//! Sessions and sealing: how long a wallet's sign-in takes against the real API (the
//! challenge, the Ed25519 check and the SQLite write included), the same in process, and how
//! long sealing and opening one embedding takes (AES-256-SIV; in the store, with its key
//! unwrap, audit record and fsync). None of it is on the frame path.

use crate::percentiles::{summarize, Summary};
use mm_api::session::proof::{ConnectRequest, EncodedBytes, SignInProof};
use mm_api::session::Sessions;
use mm_biometric::seal::{self, Binding, Key, FORMAT_VERSION};
use mm_biometric::store::BiometricStore;
use mm_e2e::wallet::{connect, TestWallet};
use mm_e2e::Pipeline;
use mm_runtime::clock::unix_ms;
use mm_runtime::config::AccessConfig;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Everything measured.
#[derive(Debug, Serialize)]
pub struct SecurityResults {
    /// `POST /api/session/connect` over HTTP (signature check and database write included).
    pub connect_http: Summary,
    /// Challenge, signing by the wallet and connect, over HTTP: a whole sign-in.
    pub sign_in_http: Summary,
    /// `Sessions::connect` in process (parse, nonce, Ed25519, SQLite).
    pub connect_in_process: Summary,
    /// AES-256-SIV seal of one 128-d embedding.
    pub seal_crypto: Summary,
    /// AES-256-SIV open of one.
    pub open_crypto: Summary,
    /// One embedding sealed for a bus requester (one-time X25519 key, SIV).
    pub bus_seal: Summary,
    /// The requester opening it (X25519, SIV).
    pub bus_open: Summary,
    /// `BiometricStore::seal` (key unwrap, seal, package, audit record, fsync).
    pub seal_store: Summary,
    /// `BiometricStore::open_package` (parse, key unwrap, open, audit record, fsync).
    pub open_store: Summary,
}

fn elapsed_ns(started: Instant) -> u64 {
    started.elapsed().as_nanos() as u64
}

fn summary(samples: &[u64]) -> anyhow::Result<Summary> {
    summarize(samples).ok_or_else(|| anyhow::anyhow!("no samples"))
}

/// Runs the benchmark (`quick`: fewer samples).
pub async fn run(quick: bool) -> anyhow::Result<SecurityResults> {
    let samples: u8 = if quick { 10 } else { 150 };
    let pipeline = Pipeline::builder("bench-sessions")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 10")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    let (mut connect_ns, mut sign_in_ns) = (Vec::new(), Vec::new());
    for seed in 100..100 + samples {
        let wallet = TestWallet::from_seed(seed);
        let started = Instant::now();
        let challenge = wallet.challenge(&pipeline).await;
        let message = challenge["message"].as_str().unwrap_or_default().to_owned();
        let body = serde_json::json!({
            "wallet_address": wallet.address(),
            "message": message,
            "signature": wallet.sign(&message),
        });
        let connect_started = Instant::now();
        let (code, reply) = connect(&pipeline, &body).await;
        anyhow::ensure!(code == 200, "connect refused: {reply}");
        connect_ns.push(elapsed_ns(connect_started));
        sign_in_ns.push(elapsed_ns(started));
    }
    drop(pipeline);

    let dir = tempfile::tempdir()?;
    let access = AccessConfig {
        database: dir.path().join("api.sqlite"),
        ..AccessConfig::default()
    };
    let sessions = Sessions::open(&access, "bench", unix_ms())?;
    let mut in_process_ns = Vec::new();
    for seed in 100..100 + samples {
        let wallet = TestWallet::from_seed(seed);
        let issued = sessions.challenge(&wallet.address(), unix_ms())?;
        let message = issued.message.to_text();
        let request = ConnectRequest {
            wallet_address: Some(wallet.address()),
            signature: Some(EncodedBytes::Text(wallet.sign(&message))),
            message: Some(message),
            ..ConnectRequest::default()
        };
        let started = Instant::now();
        let proof = SignInProof::from_request(request)?;
        sessions.connect(&proof, unix_ms())?;
        in_process_ns.push(elapsed_ns(started));
    }

    let embedding: Vec<f32> = (0..128).map(|i| (i as f32 * 0.37).sin()).collect();
    let plaintext = seal::embedding_bytes(&embedding);
    let key = Key::generate()?;
    let wallet = TestWallet::from_seed(99).address();
    let binding = Binding {
        wallet: &wallet,
        camera_id: "bench",
        model_id: "dlib-resnet29-128",
        version: FORMAT_VERSION,
    };
    let rounds = usize::from(samples) * 10;
    let (mut seal_ns, mut open_ns) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        let sealed = key.seal(&binding, &plaintext)?;
        seal_ns.push(elapsed_ns(started));
        let started = Instant::now();
        let opened = key.open(&binding, &sealed)?;
        open_ns.push(elapsed_ns(started));
        anyhow::ensure!(opened.len() == plaintext.len());
    }
    let (mut bus_seal_ns, mut bus_open_ns) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let requester = mm_bus_seal::Requester::new()?;
        let mut sealed = [0u8; mm_shm_schema::SEALED_EMBEDDING_LEN];
        let started = Instant::now();
        let responder =
            mm_bus_seal::seal_f32s(&requester.public_key(), b"bench", &embedding, &mut sealed)?;
        bus_seal_ns.push(elapsed_ns(started));
        let mut opened = [0f32; mm_shm_schema::EMBEDDING_LEN];
        let started = Instant::now();
        requester.open_f32s(&responder, b"bench", &sealed, &mut opened)?;
        bus_open_ns.push(elapsed_ns(started));
    }
    let mut store = BiometricStore::open(
        &dir.path().join("biometric.sqlite"),
        Key::generate()?,
        "bench",
        "dlib-resnet29-128",
    )?;
    let (mut seal_store_ns, mut open_store_ns) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let started = Instant::now();
        let sealed = store.seal(&wallet, &embedding, unix_ms())?;
        seal_store_ns.push(elapsed_ns(started));
        let started = Instant::now();
        store.open_package(&wallet, &sealed.package, unix_ms())?;
        open_store_ns.push(elapsed_ns(started));
    }
    Ok(SecurityResults {
        connect_http: summary(&connect_ns)?,
        sign_in_http: summary(&sign_in_ns)?,
        connect_in_process: summary(&in_process_ns)?,
        seal_crypto: summary(&seal_ns)?,
        open_crypto: summary(&open_ns)?,
        bus_seal: summary(&bus_seal_ns)?,
        bus_open: summary(&bus_open_ns)?,
        seal_store: summary(&seal_store_ns)?,
        open_store: summary(&open_store_ns)?,
    })
}

/// The results as a Markdown table.
pub fn markdown(results: &SecurityResults) -> String {
    let rows = [
        (
            "POST /api/session/connect over HTTP (Ed25519 + SQLite)",
            results.connect_http,
        ),
        (
            "whole sign-in over HTTP (challenge, wallet signs, connect)",
            results.sign_in_http,
        ),
        ("Sessions::connect in process", results.connect_in_process),
        (
            "AES-256-SIV seal of one 128-d embedding",
            results.seal_crypto,
        ),
        ("AES-256-SIV open of one", results.open_crypto),
        (
            "bus seal of one embedding for a requester (X25519 one-time key + SIV)",
            results.bus_seal,
        ),
        ("the requester opening it (X25519 + SIV)", results.bus_open),
        (
            "BiometricStore::seal (unwrap, seal, audit, fsync)",
            results.seal_store,
        ),
        (
            "BiometricStore::open_package (unwrap, open, audit, fsync)",
            results.open_store,
        ),
    ];
    let mut text =
        String::from("| operation | samples | p50 | p99 | max |\n|---|---|---|---|---|\n");
    for (name, s) in rows {
        text.push_str(&format!(
            "| {name} | {} | {} | {} | {} |\n",
            s.count,
            duration(s.p50_ms),
            duration(s.p99_ms),
            duration(s.max_ms)
        ));
    }
    text
}

/// Milliseconds as µs below 1 ms.
fn duration(ms: f64) -> String {
    if ms < 1.0 {
        format!("{:.1} µs", ms * 1000.0)
    } else {
        format!("{ms:.2} ms")
    }
}
