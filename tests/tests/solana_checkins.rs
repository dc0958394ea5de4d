//! Check-ins read from a real validator become bus events: sessions in the genesis, sessions
//! written and closed while the node runs (over the websocket, and by polling alone), a
//! websocket that drops (resync), and an RPC that stops answering (degraded, then back).

use mm_e2e::solana::chain::{close_session, open_session};
use mm_e2e::solana::{next_event, ChainFixture, Relay, SolanaNode};
use mm_shm_schema::CheckInChange;
use serde_json::Value;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::time::Duration;

const EVENT_TIMEOUT: Duration = Duration::from_secs(20);

async fn get(node: &SolanaNode, path: &str) -> (u16, Value) {
    let reply = reqwest::get(node.url(path)).await.expect("GET");
    let status = reply.status().as_u16();
    (status, reply.json().await.expect("JSON"))
}

#[tokio::test]
async fn sessions_appearing_and_closing_on_chain_are_events() {
    let _serial = mm_e2e::serial().await;
    let f = ChainFixture::default();
    let alice = Keypair::new().pubkey();
    let alice_session = f.session(&alice, 1_764_000_100, true);
    // A session at another camera matches no filter and is never an event.
    let elsewhere = ChainFixture {
        program: f.program,
        ..ChainFixture::default()
    };
    let validator = f
        .validator()
        .account(f.genesis_session(&alice_session))
        .account(elsewhere.genesis_session(&elsewhere.session(&alice, 5, true)))
        .start()
        .await;
    let relay = Relay::start(validator.ws_port()).await;
    let node = SolanaNode::start("solin", &f.node_config(&validator, relay.port(), true));
    let (_bus, mut events) = node.check_ins();

    // The genesis session, read at start.
    let event = next_event(&mut events, EVENT_TIMEOUT).await;
    assert_eq!(event.change(), Ok(CheckInChange::CheckedIn));
    assert_eq!(event.wallet, alice.to_bytes());
    assert!(event.face_recognition());
    assert_eq!(event.check_in_time, 1_764_000_100);
    node.health_where(EVENT_TIMEOUT, |h| {
        h["status"] == "ok" && h["rpc"]["mode"] == "websocket"
    })
    .await;

    let (status, sessions) = get(&node, "/api/blockchain/sessions").await;
    assert_eq!(status, 200, "{sessions}");
    assert_eq!(sessions["count"], 1);
    assert_eq!(sessions["sessions"][0]["user"], alice.to_string());
    assert_eq!(
        sessions["sessions"][0]["enabled_features"]["face_recognition"],
        true
    );
    assert_eq!(
        get(&node, &format!("/api/blockchain/sessions/{alice}"))
            .await
            .0,
        200
    );
    let stranger = Pubkey::new_unique();
    assert_eq!(
        get(&node, &format!("/api/blockchain/sessions/{stranger}"))
            .await
            .0,
        404
    );
    assert_eq!(
        get(&node, "/api/blockchain/sessions/not-a-wallet").await.0,
        400
    );

    // Bob checks in while the node runs: a websocket notification.
    let rpc = validator.client();
    let bob = Keypair::new().pubkey();
    let bob_account = open_session(
        &rpc,
        &f.program,
        &f.camera,
        &f.wallet,
        &f.session(&bob, 1_764_000_200, false),
    )
    .await;
    let event = next_event(&mut events, EVENT_TIMEOUT).await;
    assert_eq!(event.change(), Ok(CheckInChange::CheckedIn));
    assert_eq!(event.wallet, bob.to_bytes());
    assert_eq!(event.session, bob_account.to_bytes());
    assert!(!event.face_recognition());

    // Alice checks out: her account (at its PDA) is closed.
    let alice_account = mm_solana::program::session_address(&f.program, &alice, &f.camera).0;
    close_session(&rpc, &f.program, &f.camera, &f.wallet, &alice_account).await;
    let event = next_event(&mut events, EVENT_TIMEOUT).await;
    assert_eq!(event.change(), Ok(CheckInChange::CheckedOut));
    assert_eq!(event.wallet, alice.to_bytes());
    assert_eq!(event.session, alice_account.to_bytes());

    // The websocket drops; a check-in made meanwhile is found by the resync after reconnecting.
    let before: Value = node.health_where(EVENT_TIMEOUT, |_| true).await;
    relay.cut();
    let carol = Keypair::new().pubkey();
    open_session(
        &rpc,
        &f.program,
        &f.camera,
        &f.wallet,
        &f.session(&carol, 1_764_000_300, true),
    )
    .await;
    let event = next_event(&mut events, EVENT_TIMEOUT).await;
    assert_eq!(event.wallet, carol.to_bytes());
    let after = node
        .health_where(EVENT_TIMEOUT, |h| {
            h["rpc"]["reconnects"].as_u64() >= Some(1) && h["rpc"]["mode"] == "websocket"
        })
        .await;
    assert!(
        after["rpc"]["resyncs"].as_u64() > before["rpc"]["resyncs"].as_u64(),
        "{before} {after}"
    );

    // The RPC stops answering: degraded, the last sessions kept with their age; then back.
    validator.freeze();
    let degraded = node
        .health_where(EVENT_TIMEOUT, |h| h["status"] == "degraded")
        .await;
    assert!(
        degraded["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{degraded}"
    );
    let (status, sessions) = get(&node, "/api/blockchain/sessions").await;
    assert_eq!(status, 200);
    assert_eq!(sessions["status"], "degraded");
    assert_eq!(sessions["count"], 2, "{sessions}");
    assert!(sessions["age_ms"].as_u64() > Some(0));
    validator.thaw();
    node.health_where(Duration::from_secs(30), |h| h["status"] == "ok")
        .await;
    let (_, sessions) = get(&node, "/api/blockchain/sessions").await;
    assert_eq!(sessions["count"], 2, "{sessions}");
}

#[tokio::test]
async fn polling_alone_notices_check_ins_and_check_outs() {
    let _serial = mm_e2e::serial().await;
    let f = ChainFixture::default();
    let validator = f.validator().start().await;
    let node = SolanaNode::start(
        "solpoll",
        &f.node_config(&validator, validator.ws_port(), false),
    );
    node.health_where(EVENT_TIMEOUT, |h| {
        h["status"] == "ok" && h["rpc"]["mode"] == "polling"
    })
    .await;
    let (_bus, mut events) = node.check_ins();
    let rpc = validator.client();
    let dana = Keypair::new().pubkey();
    let account = open_session(
        &rpc,
        &f.program,
        &f.camera,
        &f.wallet,
        &f.session(&dana, 1_764_000_400, true),
    )
    .await;
    let event = next_event(&mut events, EVENT_TIMEOUT).await;
    assert_eq!(
        (event.change(), event.wallet),
        (Ok(CheckInChange::CheckedIn), dana.to_bytes())
    );
    close_session(&rpc, &f.program, &f.camera, &f.wallet, &account).await;
    let event = next_event(&mut events, EVENT_TIMEOUT).await;
    assert_eq!(
        (event.change(), event.wallet),
        (Ok(CheckInChange::CheckedOut), dana.to_bytes())
    );
    let (_, health) = get(&node, "/api/health").await;
    assert_eq!(health["rpc"]["notifications"], 0, "{health}");
}
