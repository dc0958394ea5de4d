//! The fleet bridge on Zenoh: a second Zenoh peer on loopback (this test) connects to the
//! camera's `mm-fleet`, receives its events under `mmoment/<camera>/...` — node health,
//! detection summaries, recording state as a recording starts — and queries its health.
//! Every event is a small JSON message: counts, states, never a frame, an embedding or a name.
//! Check-ins written on a (local, litesvm) chain reach the peer as `checkins` events.

use mm_e2e::solana::chain::{close_session, open_session};
use mm_e2e::solana::ChainFixture;
use mm_e2e::vision::post_json;
use mm_e2e::{free_port, serial, Pipeline};
use mm_fleet::events::Keys;
use serde_json::Value;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use std::collections::BTreeMap;
use std::time::Duration;
use zenoh::handlers::FifoChannelHandler;
use zenoh::sample::Sample;

/// A Zenoh peer that connects to `endpoint` only (no scouting, no listening).
async fn peer(endpoint: &str) -> zenoh::Session {
    let mut config = zenoh::Config::default();
    for (key, value) in [
        ("mode", "\"peer\"".to_owned()),
        ("connect/endpoints", format!("[\"{endpoint}\"]")),
        ("listen/endpoints", "[]".to_owned()),
        ("scouting/multicast/enabled", "false".to_owned()),
    ] {
        config.insert_json5(key, &value).unwrap();
    }
    zenoh::open(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_peer_receives_the_cameras_events_and_queries_its_health() {
    let _serial = serial().await;
    let port = free_port();
    let endpoint = format!("tcp/127.0.0.1:{port}");
    let pipeline = Pipeline::builder("fleet")
        .vision()
        .add_node("h264")
        .add_node("media")
        .add_node("fleet")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 10")
        .config(&format!(
            "[fleet]\nlisten = [\"{endpoint}\"]\ndetections_interval_ms = 500\nhealth_interval_ms = 1000"
        ))
        .start();
    pipeline
        .wait_for_nodes_alive(&["fleet", "media", "inference"], Duration::from_secs(60))
        .await;

    let session = peer(&endpoint).await;
    let keys = Keys::new("mmoment", pipeline.camera());
    let subscriber = session.declare_subscriber(keys.all()).await.unwrap();
    let mut seen: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut recording_asked = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let sample = tokio::time::timeout_at(deadline, subscriber.recv_async())
            .await
            .unwrap_or_else(|_| panic!("not every event came within 60 s: {seen:?}"))
            .unwrap();
        let payload = sample.payload().to_bytes();
        assert!(payload.len() < 4096, "an event of {} bytes", payload.len());
        let text = String::from_utf8(payload.to_vec()).unwrap();
        assert!(!text.contains("embedding") && !text.contains("display_name"));
        let event: Value = serde_json::from_str(&text).unwrap();
        let key = sample.key_expr().as_str().to_owned();
        seen.entry(key).or_default().push(event);

        // Once the bridge is heard, a recording starts: its state must follow.
        if !recording_asked {
            let (code, body) = post_json(
                &pipeline,
                "/api/record",
                "{\"action\": \"start\", \"duration\": 30}",
            )
            .await;
            assert_eq!(code, 200, "{body}");
            recording_asked = true;
        }
        let health_ok = seen.get(&keys.health()).is_some_and(|events| {
            events
                .iter()
                .any(|h| h["status"] == "ok" && h["nodes"]["capture"]["alive"] == true)
        });
        let faces_seen = seen
            .get(&keys.detections())
            .is_some_and(|events| events.iter().any(|d| d["faces"].as_u64() > Some(0)));
        let recording_seen = seen
            .get(&keys.recording())
            .is_some_and(|events| events.iter().any(|r| r["recording"] == true));
        if health_ok && faces_seen && recording_seen {
            break;
        }
    }
    let health = &seen[&keys.health()][0];
    assert_eq!(health["camera"], pipeline.camera());
    for node in ["capture", "inference", "overlay", "encode", "api", "fleet"] {
        assert!(health["nodes"][node].is_object(), "{node} in {health}");
    }
    let summary = &seen[&keys.detections()][0];
    for field in ["sequence", "faces", "hands", "persons", "timestamp_ms"] {
        assert!(summary[field].is_u64(), "{field} in {summary}");
    }

    // A query of the health is answered with the health now.
    let replies = session.get(keys.health()).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), replies.recv_async())
        .await
        .expect("a health reply within 10 s")
        .unwrap();
    let sample = reply.result().expect("a health sample");
    assert_eq!(sample.key_expr().as_str(), keys.health());
    let answered: Value = serde_json::from_slice(&sample.payload().to_bytes()).unwrap();
    assert_eq!(answered["camera"], pipeline.camera());
    assert_eq!(answered["nodes"]["fleet"]["alive"], true, "{answered}");
    session.close().await.unwrap();
}

/// The next event on `subscriber` whose JSON satisfies `wanted`, within `timeout`.
async fn next_event_where(
    subscriber: &zenoh::pubsub::Subscriber<FifoChannelHandler<Sample>>,
    timeout: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let sample = tokio::time::timeout_at(deadline, subscriber.recv_async())
            .await
            .unwrap_or_else(|_| panic!("no such event within {timeout:?}"))
            .unwrap();
        let event: Value = serde_json::from_slice(&sample.payload().to_bytes()).unwrap();
        if wanted(&event) {
            return event;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_ins_on_chain_reach_the_fleet() {
    let _serial = serial().await;
    let f = ChainFixture::default();
    let validator = f.validator().start().await;
    let rpc = validator.client();
    let port = free_port();
    let endpoint = format!("tcp/127.0.0.1:{port}");
    let pipeline = Pipeline::builder("fleetchain")
        .add_node("solana")
        .add_node("fleet")
        .config(&format!(
            "[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 5\n\
             [solana]\nbind = \"127.0.0.1:{}\"\n{}\
             [fleet]\nlisten = [\"{endpoint}\"]\nhealth_interval_ms = 1000",
            free_port(),
            f.node_config(&validator, validator.ws_port(), true),
        ))
        .start();
    pipeline
        .wait_for_nodes_alive(&["fleet", "solana"], Duration::from_secs(60))
        .await;
    let session = peer(&endpoint).await;
    let keys = Keys::new("mmoment", pipeline.camera());
    let check_ins = session.declare_subscriber(keys.checkins()).await.unwrap();
    // The bridge is heard (its health) before the chain changes, so nothing is missed.
    let health = session.declare_subscriber(keys.health()).await.unwrap();
    next_event_where(&health, Duration::from_secs(30), |_| true).await;

    let user = Keypair::new().pubkey();
    let account = open_session(
        &rpc,
        &f.program,
        &f.camera,
        &f.wallet,
        &f.session(&user, 1_764_000_700, true),
    )
    .await;
    let wallet = user.to_string();
    let checked_in = next_event_where(&check_ins, Duration::from_secs(30), |e| {
        e["wallet"] == wallet.as_str()
    })
    .await;
    assert_eq!(checked_in["change"], "checked_in", "{checked_in}");
    assert_eq!(checked_in["face_recognition"], true, "{checked_in}");
    assert_eq!(checked_in["check_in_time"], 1_764_000_700, "{checked_in}");
    assert!(checked_in["slot"].as_u64() > Some(0), "{checked_in}");

    close_session(&rpc, &f.program, &f.camera, &f.wallet, &account).await;
    let checked_out = next_event_where(&check_ins, Duration::from_secs(30), |e| {
        e["wallet"] == wallet.as_str()
    })
    .await;
    assert_eq!(checked_out["change"], "checked_out", "{checked_out}");
    session.close().await.unwrap();
}
