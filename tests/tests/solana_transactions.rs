//! The Solana node's transactions on a real validator: built by the node, signed by a test
//! wallet, landed through the real runtime (signatures, sanitization, account loading, fees)
//! into the stub program at the program id, then confirmed — or refused — by the node from
//! what `getTransaction` says. Bad input gets 400 JSON before anything reaches the chain.

use base64::Engine;
use mm_e2e::solana::chain::{send_and_confirm, sign_prepared, transfer, wait_for_confirmation};
use mm_e2e::solana::{ChainFixture, SolanaNode};
use mm_solana::program::{face_data_address, session_address};
use serde_json::{json, Value};
use solana_sdk::message::Message;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;
use std::str::FromStr;
use std::time::Duration;

async fn post(node: &SolanaNode, path: &str, body: Value) -> (u16, Value) {
    let reply = reqwest::Client::new()
        .post(node.url(path))
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = reply.status().as_u16();
    (status, reply.json().await.expect("JSON body"))
}

/// Builds `route`'s transaction, signs it as the wallet, lands it; its signature.
async fn land(
    node: &SolanaNode,
    rpc: &mm_solana::rpc::RpcClient,
    f: &ChainFixture,
    route: &str,
    body: Value,
) -> (Signature, Value) {
    let (status, reply) = post(node, &format!("/api/blockchain/transactions/{route}"), body).await;
    assert_eq!(status, 200, "{route}: {reply}");
    let size = reply["size"].as_u64().unwrap();
    assert!(size <= 1232, "{reply}");
    let transaction = sign_prepared(reply["transaction"].as_str().unwrap(), &f.wallet);
    assert_eq!(
        transaction.message.account_keys[0],
        f.wallet.pubkey(),
        "the user pays"
    );
    assert_eq!(
        transaction.message.recent_blockhash.to_string(),
        reply["blockhash"].as_str().unwrap()
    );
    (send_and_confirm(rpc, &transaction).await, reply)
}

async fn confirm(node: &SolanaNode, body: Value) -> (u16, Value) {
    post(node, "/api/blockchain/confirm", body).await
}

#[tokio::test]
async fn transactions_land_and_only_what_landed_is_confirmed() {
    let _serial = mm_e2e::serial().await;
    let f = ChainFixture::default();
    let validator = f.validator().start().await;
    let node = SolanaNode::start(
        "soltx",
        &f.node_config(&validator, validator.ws_port(), true),
    );
    node.health_where(Duration::from_secs(30), |h| h["status"] == "ok")
        .await;
    let wallet = f.wallet.pubkey().to_string();
    let rpc = validator.client();

    // The camera account, decoded from the chain.
    let camera: Value = reqwest::get(node.url("/api/blockchain/camera"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(camera["address"], f.camera.to_string());
    assert_eq!(camera["account"]["metadata"]["name"], "test-camera");
    assert_eq!(camera["account"]["is_active"], true);
    assert_eq!(camera["account"]["features"]["face_recognition"], true);

    // check_in: lands, is confirmed for this wallet, and for nothing else.
    let body = json!({"wallet_address": wallet, "use_face_recognition": true});
    let (signature, reply) = land(&node, &rpc, &f, "check-in", body).await;
    let session = session_address(&f.program, &f.wallet.pubkey(), &f.camera).0;
    assert_eq!(reply["accounts"]["session"], session.to_string());
    assert_eq!(reply["accounts"]["camera"], f.camera.to_string());
    assert_eq!(reply["instruction"], "check_in");
    let claim = json!({"signature": signature.to_string(), "wallet_address": wallet, "instruction": "check_in"});
    let (status, confirmed) = confirm(&node, claim.clone()).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["confirmed"], true);
    assert_eq!(confirmed["account"], session.to_string());
    assert!(confirmed["slot"].as_u64().unwrap() > 0);

    let mut as_check_out = claim.clone();
    as_check_out["instruction"] = json!("check_out");
    let (status, refused) = confirm(&node, as_check_out).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("no check_out instruction"),
        "{refused}"
    );
    let mut other_wallet = claim.clone();
    other_wallet["wallet_address"] = json!(Pubkey::new_unique().to_string());
    let (status, refused) = confirm(&node, other_wallet).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("not signed by"),
        "{refused}"
    );
    let mut unknown = claim.clone();
    unknown["signature"] = json!(Signature::from([7u8; 64]).to_string());
    let (status, refused) = confirm(&node, unknown).await;
    assert_eq!(status, 404, "{refused}");
    let mut garbage = claim.clone();
    garbage["signature"] = json!("not-a-signature");
    assert_eq!(confirm(&node, garbage).await.0, 400);

    // enroll_face: confirmed for the embedding's keccak-256 only.
    let embedding: Vec<u8> = (0..528u32).map(|i| (i * 7 % 251) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&embedding);
    let body = json!({"wallet_address": wallet, "encrypted_embedding": encoded});
    let (signature, reply) = land(&node, &rpc, &f, "enroll-face", body).await;
    let face = face_data_address(&f.program, &f.wallet.pubkey()).0;
    assert_eq!(reply["accounts"]["face_data"], face.to_string());
    let hash = hex::encode(solana_sdk::keccak::hash(&embedding).to_bytes());
    let claim = json!({"signature": signature.to_string(), "wallet_address": wallet,
        "instruction": "enroll_face", "data_hash": hash});
    let (status, confirmed) = confirm(&node, claim.clone()).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["account"], face.to_string());
    let mut wrong_hash = claim.clone();
    wrong_hash["data_hash"] = json!("00".repeat(32));
    assert_eq!(confirm(&node, wrong_hash).await.0, 422);
    let mut no_hash = claim.clone();
    no_hash.as_object_mut().unwrap().remove("data_hash");
    assert_eq!(confirm(&node, no_hash).await.0, 400);

    // record_activity and check_out land and confirm too.
    let body = json!({"wallet_address": wallet, "action_type": "photo_capture", "metadata": "p-1"});
    let (signature, _) = land(&node, &rpc, &f, "record-activity", body).await;
    let claim = json!({"signature": signature.to_string(), "wallet_address": wallet, "instruction": "record_activity"});
    assert_eq!(confirm(&node, claim).await.0, 200);
    let (signature, _) = land(
        &node,
        &rpc,
        &f,
        "check-out",
        json!({"wallet_address": wallet}),
    )
    .await;
    let claim = json!({"signature": signature.to_string(), "wallet_address": wallet, "instruction": "check_out"});
    assert_eq!(confirm(&node, claim).await.0, 200);

    // A check_in that landed and failed (its transaction also moves more than the wallet has)
    // is refused with the runtime's error.
    let network = mm_solana::program::CameraNetwork { program: f.program };
    let instruction = network.check_in(&f.wallet.pubkey(), &f.camera, false);
    let too_much = transfer(
        &f.wallet.pubkey(),
        &Pubkey::new_unique(),
        1_000_000 * 1_000_000_000,
    );
    let message = Message::new(&[instruction, too_much], Some(&f.wallet.pubkey()));
    let blockhash = mm_e2e::solana::chain::blockhash(&rpc).await;
    let failing = Transaction::new(&[&f.wallet], message, blockhash);
    let wire =
        base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&failing).unwrap());
    let sent = rpc
        .call(
            "sendTransaction",
            json!([wire, {"encoding": "base64", "skipPreflight": true}]),
        )
        .await
        .expect("sendTransaction");
    let signature = Signature::from_str(sent.as_str().unwrap()).unwrap();
    wait_for_confirmation(&rpc, &signature).await;
    let claim = json!({"signature": signature.to_string(), "wallet_address": wallet, "instruction": "check_in"});
    let (status, refused) = confirm(&node, claim).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("failed on chain"),
        "{refused}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_the_chain() {
    let _serial = mm_e2e::serial().await;
    let f = ChainFixture::default();
    let validator = f.validator().start().await;
    let node = SolanaNode::start(
        "solbad",
        &f.node_config(&validator, validator.ws_port(), false),
    );
    node.health_where(Duration::from_secs(30), |h| h["status"] == "ok")
        .await;
    let wallet = f.wallet.pubkey().to_string();
    let b64 = |len: usize| base64::engine::general_purpose::STANDARD.encode(vec![1u8; len]);
    let cases = [
        (
            "check-in",
            json!({"wallet_address": "not-a-wallet"}),
            "wallet_address",
        ),
        (
            "check-in",
            json!({"wallet_address": wallet, "extra": 1}),
            "unknown field",
        ),
        ("check-out", json!({}), "wallet_address"),
        (
            "enroll-face",
            json!({"wallet_address": wallet, "encrypted_embedding": "%%%"}),
            "not base64",
        ),
        (
            "enroll-face",
            json!({"wallet_address": wallet, "encrypted_embedding": ""}),
            "1 to 1024",
        ),
        (
            "enroll-face",
            json!({"wallet_address": wallet, "encrypted_embedding": b64(1025)}),
            "1 to 1024",
        ),
        (
            "enroll-face",
            json!({"wallet_address": wallet, "encrypted_embedding": b64(1000)}),
            "limit is 1232",
        ),
        (
            "record-activity",
            json!({"wallet_address": wallet, "action_type": "dance"}),
            "unknown variant",
        ),
    ];
    for (route, body, says) in cases {
        let (status, reply) = post(
            &node,
            &format!("/api/blockchain/transactions/{route}"),
            body.clone(),
        )
        .await;
        assert_eq!(status, 400, "{route} {body}: {reply}");
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{route} {body}: {reply}");
    }
    let confirm_cases = [
        json!({"signature": "x", "wallet_address": wallet, "instruction": "check_in"}),
        json!({"signature": Signature::from([1u8; 64]).to_string(), "wallet_address": "x", "instruction": "check_in"}),
        json!({"signature": Signature::from([1u8; 64]).to_string(), "wallet_address": wallet, "instruction": "initialize"}),
    ];
    for body in confirm_cases {
        assert_eq!(confirm(&node, body.clone()).await.0, 400, "{body}");
    }
    let form = reqwest::Client::new()
        .post(node.url("/api/blockchain/transactions/check-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("wallet_address=x")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    // Nothing reached the chain: the wallet still has all it was given.
    let balance = validator
        .client()
        .account(&f.wallet.pubkey())
        .await
        .unwrap()
        .unwrap()
        .lamports;
    assert_eq!(balance, 100 * 1_000_000_000);
}

#[tokio::test]
async fn every_route_of_port_5001_answers_json_with_a_request_id() {
    let _serial = mm_e2e::serial().await;
    let f = ChainFixture::default();
    let validator = f.validator().start().await;
    let node = SolanaNode::start(
        "solroutes",
        &f.node_config(&validator, validator.ws_port(), false),
    );
    node.health_where(Duration::from_secs(30), |h| h["status"] == "ok")
        .await;
    let client = reqwest::Client::new();
    let index: Value = client
        .get(node.url("/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let routes = mm_solana::routes::ROUTES;
    assert_eq!(index["routes"].as_array().unwrap().len(), routes.len());
    for route in routes {
        let listed = &index["endpoints"][route.name];
        assert_eq!(listed, route.path, "{index}");
        for path in std::iter::once(&route.path).chain(route.aliases) {
            let path = path.replace("{name}", &Pubkey::new_unique().to_string());
            let request = client.request(route.method.clone(), node.url(&path));
            let request = if route.method == reqwest::Method::POST {
                request.json(&json!({}))
            } else {
                request
            };
            let reply = request.send().await.unwrap();
            let status = reply.status().as_u16();
            assert!(reply.headers().contains_key("x-request-id"), "{path}");
            if path == "/metrics" {
                // Prometheus' text format (checked by promtool in api_metrics.rs).
                assert_eq!(status, 200);
                continue;
            }
            let body: Value = reply
                .json()
                .await
                .unwrap_or_else(|_| panic!("{path}: not JSON"));
            // GETs answer; a wallet that is not checked in is 404; `{}` is no valid body.
            let expected: &[u16] = match (route.method.as_str(), route.takes_name()) {
                ("GET", false) => &[200],
                ("GET", true) => &[404],
                _ => &[400],
            };
            assert!(
                expected.contains(&status),
                "{} {path}: {status} {body}",
                route.method
            );
            let wrong = if route.method == reqwest::Method::GET {
                reqwest::Method::DELETE
            } else {
                reqwest::Method::GET
            };
            let reply = client
                .request(wrong.clone(), node.url(&path))
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 405, "{wrong} {path}");
            let body: Value = reply.json().await.unwrap();
            assert!(body["error"].is_string());
        }
    }
}
