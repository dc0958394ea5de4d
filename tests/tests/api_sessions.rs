//! Sessions end to end on the real API: a wallet signs the Sign-In-With-Solana challenge and
//! gets a token; every forgery is refused with 401; limits hold without deadlock; sessions
//! survive a restart of the API node; CORS, the Host check and a private stream.

use mm_e2e::vision::{get_json_as, post_json_as};
use mm_e2e::wallet::{connect, TestWallet};
use mm_e2e::{serial, MjpegReader, Pipeline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};
use solana_sdk::signature::Signer;
use std::time::Duration;

const CAMERA: &str = "[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 10";

/// A `{wallet_address, message, signature}` body: `message` signed by `signer`.
fn answer(wallet: &TestWallet, message: &str, signer: &TestWallet) -> Value {
    json!({
        "wallet_address": wallet.address(),
        "message": message,
        "signature": signer.sign(message),
    })
}

async fn refused(pipeline: &Pipeline, body: Value, why: &str) {
    let (code, reply) = connect(pipeline, &body).await;
    assert_eq!(code, 401, "{why}: {reply}");
    assert!(reply["error"].is_string(), "{why}: {reply}");
    assert!(reply.get("session_id").is_none(), "{why}: {reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_wallet_that_signed_its_own_challenge_gets_a_session() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("sessions-proof")
        .config(CAMERA)
        .config("[access]\nchallenge_ttl_ms = 1500")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let alice = TestWallet::from_seed(21);
    let mallory = TestWallet::from_seed(22);

    // The challenge is the wallet-standard text for this camera.
    let challenge = alice.challenge(&pipeline).await;
    let message = challenge["message"].as_str().unwrap();
    assert!(message.starts_with(&format!(
        "localhost:5002 wants you to sign in with your Solana account:\n{}\n\n",
        alice.address()
    )));
    for field in [
        "URI: http://localhost:5002",
        "Version: 1",
        "Chain ID: devnet",
    ] {
        assert!(message.contains(field), "{field} in {message}");
    }
    let nonce = challenge["nonce"].as_str().unwrap();
    assert!(message.contains(&format!("\nNonce: {nonce}\n")));
    assert!(nonce.len() >= 8 && nonce.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(challenge["sign_in_input"]["nonce"], nonce);

    // A signature by another key, then the same nonce again (spent by the failed try).
    refused(&pipeline, answer(&alice, message, &mallory), "another key").await;
    refused(
        &pipeline,
        answer(&alice, message, &alice),
        "a nonce used before",
    )
    .await;
    // Mallory claims alice's challenge as his own.
    let message = alice.challenge(&pipeline).await["message"]
        .as_str()
        .unwrap()
        .to_owned();
    refused(
        &pipeline,
        answer(&mallory, &message, &mallory),
        "another wallet",
    )
    .await;
    // An edited statement, another domain, another URI: each signed by alice herself.
    for (from, to) in [
        ("Sign in to mmoment camera", "Sign in to evil camera"),
        ("localhost:5002 wants", "evil.example wants"),
        ("URI: http://localhost:5002", "URI: https://evil.example"),
    ] {
        let message = alice.challenge(&pipeline).await["message"]
            .as_str()
            .unwrap()
            .to_owned();
        let edited = message.replace(from, to);
        assert_ne!(edited, message);
        refused(&pipeline, answer(&alice, &edited, &alice), to).await;
    }
    // A nonce never issued.
    let message = alice.challenge(&pipeline).await["message"]
        .as_str()
        .unwrap()
        .to_owned();
    let nonce = message
        .lines()
        .find_map(|l| l.strip_prefix("Nonce: "))
        .unwrap()
        .to_owned();
    let invented = message.replace(&nonce, "0123456789abcdef0123456789abcdef");
    refused(
        &pipeline,
        answer(&alice, &invented, &alice),
        "an invented nonce",
    )
    .await;
    // A garbage signature.
    let mut garbage = answer(&alice, &message, &alice);
    garbage["signature"] = json!("not-a-signature");
    let (code, reply) = connect(&pipeline, &garbage).await;
    assert_eq!(code, 400, "{reply}");
    // An expired challenge.
    let message = alice.challenge(&pipeline).await["message"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1700)).await;
    refused(&pipeline, answer(&alice, &message, &alice), "expired").await;
    // The reference system's connect: any string as a wallet. Not any more.
    let (code, reply) = connect(&pipeline, &json!({"wallet_address": alice.address()})).await;
    assert_eq!(code, 400, "{reply}");

    // The real answer: a session, 256 bits.
    let message = alice.challenge(&pipeline).await["message"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, session) = connect(&pipeline, &answer(&alice, &message, &alice)).await;
    assert_eq!(code, 200, "{session}");
    let token = session["session_id"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(session["wallet_address"], alice.address());
    assert_eq!(session["is_owner"], false);
    let (code, status) = get_json_as(&pipeline, token, "/api/session/status").await;
    assert_eq!(code, 200, "{status}");
    assert_eq!(status["wallet_address"], alice.address());

    // A wallet-standard signIn output (bytes as arrays and base64) works too.
    let owner = TestWallet::owner();
    let message = owner.challenge(&pipeline).await["message"]
        .as_str()
        .unwrap()
        .to_owned();
    let sign_in_output = json!({
        "account": {"address": owner.address()},
        "signedMessage": message.as_bytes(),
        "signature": owner.keypair().sign_message(message.as_bytes()).as_ref(),
    });
    let (code, session) = connect(&pipeline, &sign_in_output).await;
    assert_eq!(code, 200, "{session}");
    assert_eq!(session["is_owner"], true);

    // Disconnecting ends it; the token opens nothing after.
    let (code, _) = post_json_as(&pipeline, token, "/api/session/disconnect", "{}").await;
    assert_eq!(code, 200);
    let (code, _) = get_json_as(&pipeline, token, "/api/session/status").await;
    assert_eq!(
        code, 403,
        "an ended session is refused as the reference did"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_and_sessions_survive_a_restart_of_the_api() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("sessions-limits")
        .config(CAMERA)
        .config("[access]\nmax_sessions = 3")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;

    // One per wallet: signing in again ends the wallet's earlier session.
    let alice = TestWallet::from_seed(31);
    let first = alice.sign_in(&pipeline).await;
    let second = alice.sign_in(&pipeline).await;
    assert_eq!(
        get_json_as(&pipeline, &first, "/api/session/status")
            .await
            .0,
        403
    );
    assert_eq!(
        get_json_as(&pipeline, &second, "/api/session/status")
            .await
            .0,
        200
    );

    // Well past the cap of 3 (the reference deadlocked on its 11th): every connect answers,
    // and the least recently used sessions make room.
    let mut tokens = Vec::new();
    for seed in 40..52 {
        tokens.push(TestWallet::from_seed(seed).sign_in(&pipeline).await);
    }
    let alive: Vec<bool> = futures_util::future::join_all(
        tokens
            .iter()
            .map(|t| async { get_json_as(&pipeline, t, "/api/session/status").await.0 == 200 }),
    )
    .await;
    assert_eq!(alive.iter().filter(|a| **a).count(), 3, "{alive:?}");
    assert!(alive[9..].iter().all(|a| *a), "{alive:?}");
    let health: Value = reqwest::get(pipeline.url("/api/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["active_sessions"], 3, "{health}");

    // The API node is killed; the supervisor restarts it; the sessions are still there.
    let api = pipeline.node_pid("api");
    kill(Pid::from_raw(api as i32), Signal::SIGKILL).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while pipeline.node_pid("api") == api {
        assert!(
            std::time::Instant::now() < deadline,
            "the API was not restarted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let (code, status) = get_json_as(&pipeline, &tokens[11], "/api/session/status").await;
    assert_eq!(code, 200, "{status}");
    assert_eq!(
        get_json_as(&pipeline, &tokens[0], "/api/session/status")
            .await
            .0,
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_get_cors_for_allowed_origins_only_and_a_private_stream_needs_a_token() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("sessions-cors")
        .config(CAMERA)
        .config("[access]\nstream_public = false\ncors_origins = [\"https://app.example\"]")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let client = reqwest::Client::new();
    let toggle = pipeline.url("/api/visualization/gesture");

    let preflight = client
        .request(reqwest::Method::OPTIONS, &toggle)
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(
        preflight.headers()["access-control-allow-credentials"],
        "true"
    );

    let token = pipeline.owner_token().await;
    let post = |origin: &'static str| {
        client
            .post(&toggle)
            .bearer_auth(&token)
            .header("origin", origin)
            .json(&json!({"enabled": true}))
            .send()
    };
    let allowed = post("https://app.example").await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let foreign = post("https://evil.example").await.unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let body: Value = foreign.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");

    // DNS rebinding: a page of evil.example whose name now points here.
    let rebound = client
        .get(pipeline.url("/api/health"))
        .header("host", "evil.example:5002")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 403);

    // The stream is private here: a token in the header or the query opens it.
    let anonymous = client.get(pipeline.url("/stream")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let mut viewer = MjpegReader::open(&pipeline.url(&format!("/stream?token={token}")))
        .await
        .unwrap();
    viewer.next_part(Duration::from_secs(10)).await.unwrap();
}
