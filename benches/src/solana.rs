//! The Solana node against a real local validator: how long from a check-in transaction
//! being sent to its bus event, over the websocket and by polling alone; and how long
//! building a transaction for the wallet takes (the route, its RPC call included, and the
//! building alone).

use crate::percentiles::{summarize, Summary};
use mm_e2e::solana::chain::{close_session, open_session};
use mm_e2e::solana::{next_event, ChainFixture, SolanaNode};
use mm_solana::program::CameraNetwork;
use mm_solana::rpc::LatestBlockhash;
use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use std::time::{Duration, Instant};

/// Everything measured.
#[derive(Debug, Serialize)]
pub struct SolanaResults {
    /// Check-in notices per mode.
    pub notices: Vec<NoticeRun>,
    /// `POST /api/blockchain/transactions/check-in`, blockhash from the local RPC included.
    pub check_in_route: Summary,
    /// `transactions::prepare` of a check_in alone.
    pub prepare_alone: Summary,
}

/// Check-ins noticed in one mode.
#[derive(Debug, Serialize)]
pub struct NoticeRun {
    /// `websocket` or `polling`.
    pub mode: &'static str,
    /// The poll interval (ms) when polling.
    pub poll_interval_ms: Option<u64>,
    /// sendTransaction → the check-in event on the bus.
    pub send_to_event: Summary,
    /// sendTransaction → the wallet sees it confirmed (polling statuses every 100 ms).
    pub send_to_confirmed: Summary,
}

const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the benchmark (`quick`: fewer samples, a shorter poll interval).
pub async fn run(quick: bool) -> anyhow::Result<SolanaResults> {
    let samples = if quick { 3 } else { 20 };
    let f = ChainFixture::default();
    let validator = f.validator().start().await;
    let mut notices = Vec::new();
    let poll_interval_ms = if quick { 1000 } else { 5000 };
    for (mode, websocket) in [("websocket", true), ("polling", false)] {
        let mut config = f.node_config(&validator, validator.ws_port(), websocket);
        config = config.replace(
            "poll_interval_ms = 500",
            &format!("poll_interval_ms = {poll_interval_ms}"),
        );
        let node = SolanaNode::start(&format!("bench{mode}"), &config);
        node.health_where(EVENT_TIMEOUT, |h| {
            h["status"] == "ok" && h["rpc"]["mode"] == mode
        })
        .await;
        let (_bus, mut events) = node.check_ins();
        let rpc = validator.client();
        let mut to_event = Vec::new();
        let mut to_confirmed = Vec::new();
        for index in 0..samples {
            if !websocket {
                // Spread the check-ins over the poll period: right after the previous
                // check-out's poll, every one would wait a whole period.
                let phase = (index as u64 * 37 % 100) * poll_interval_ms / 100;
                tokio::time::sleep(Duration::from_millis(phase)).await;
            }
            let user = Pubkey::new_unique();
            let session = f.session(&user, 1_764_000_000 + index, true);
            let sent = Instant::now();
            let (account, event_at) = tokio::join!(
                async {
                    let account =
                        open_session(&rpc, &f.program, &f.camera, &f.wallet, &session).await;
                    (account, Instant::now())
                },
                async {
                    let event = next_event(&mut events, EVENT_TIMEOUT).await;
                    assert_eq!(event.wallet, user.to_bytes(), "events in order");
                    Instant::now()
                }
            );
            let (account, confirmed_at) = account;
            to_event.push(event_at.duration_since(sent).as_nanos() as u64);
            to_confirmed.push(confirmed_at.duration_since(sent).as_nanos() as u64);
            close_session(&rpc, &f.program, &f.camera, &f.wallet, &account).await;
            let _ = next_event(&mut events, EVENT_TIMEOUT).await;
        }
        notices.push(NoticeRun {
            mode,
            poll_interval_ms: (!websocket).then_some(poll_interval_ms),
            send_to_event: summarize(&to_event).ok_or_else(|| anyhow::anyhow!("no samples"))?,
            send_to_confirmed: summarize(&to_confirmed)
                .ok_or_else(|| anyhow::anyhow!("no samples"))?,
        });
    }
    let node = SolanaNode::start(
        "benchroute",
        &f.node_config(&validator, validator.ws_port(), false),
    );
    node.health_where(EVENT_TIMEOUT, |h| h["status"] == "ok")
        .await;
    let client = reqwest::Client::new();
    let body = serde_json::json!({ "wallet_address": f.wallet.pubkey().to_string() });
    let mut route = Vec::new();
    for _ in 0..if quick { 20 } else { 200 } {
        let started = Instant::now();
        let reply = client
            .post(node.url("/api/blockchain/transactions/check-in"))
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            reply.status() == 200,
            "check-in route answered {}",
            reply.status()
        );
        let _ = reply.bytes().await?;
        route.push(started.elapsed().as_nanos() as u64);
    }
    let network = CameraNetwork { program: f.program };
    let latest = LatestBlockhash {
        blockhash: solana_sdk::hash::Hash::new_from_array([9; 32]),
        last_valid_block_height: 1,
    };
    let mut alone = Vec::new();
    for _ in 0..if quick { 1000 } else { 20_000 } {
        let started = Instant::now();
        let user = f.wallet.pubkey();
        let prepared = mm_solana::transactions::prepare(
            network.check_in(&user, &f.camera, true),
            &user,
            latest,
        )?;
        std::hint::black_box(prepared);
        alone.push(started.elapsed().as_nanos() as u64);
    }
    Ok(SolanaResults {
        notices,
        check_in_route: summarize(&route).ok_or_else(|| anyhow::anyhow!("no samples"))?,
        prepare_alone: summarize(&alone).ok_or_else(|| anyhow::anyhow!("no samples"))?,
    })
}

/// The results as Markdown tables.
pub fn markdown(results: &SolanaResults) -> String {
    let mut text = String::from(
        "| mode | samples | send → bus event p50 / p99 / max (ms) | send → wallet sees confirmed p50 (ms) |\n|---|---|---|---|\n",
    );
    for run in &results.notices {
        let mode = match run.poll_interval_ms {
            Some(ms) => format!("{} (every {ms} ms)", run.mode),
            None => run.mode.to_owned(),
        };
        let e = run.send_to_event;
        text.push_str(&format!(
            "| {mode} | {} | {:.0} / {:.0} / {:.0} | {:.0} |\n",
            e.count, e.p50_ms, e.p99_ms, e.max_ms, run.send_to_confirmed.p50_ms
        ));
    }
    let r = results.check_in_route;
    let p = results.prepare_alone;
    text.push_str(&format!(
        "\n| transaction building | samples | p50 | p99 |\n|---|---|---|---|\n\
         | POST /api/blockchain/transactions/check-in (with getLatestBlockhash) | {} | {:.2} ms | {:.2} ms |\n\
         | prepare() alone (message, serialize, size check) | {} | {:.1} µs | {:.1} µs |\n",
        r.count, r.p50_ms, r.p99_ms, p.count, p.p50_ms * 1000.0, p.p99_ms * 1000.0
    ));
    text
}
