//! `mm-solana`: the Solana node (port 5001, internal).
//!
//! One thread: the bus ports are not `Send`, so they stay in this `main` future while the
//! HTTP server and the chain follower run as tasks beside it on the same current-thread
//! runtime. Their work is I/O; nothing here computes for long.

use mm_runtime::status::STATUS_PERIOD;
use mm_runtime::NodeContext;
use mm_shm_schema::streams;
use mm_solana::follower::{ChainView, Follower};
use mm_solana::routes::{self, health::chain_status};
use mm_solana::rpc::RpcClient;
use mm_solana::settings::Settings;
use mm_solana::state::SolanaState;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// Changes queued between the follower and the bus loop.
const CHANGE_QUEUE: usize = 256;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut node, stop) =
        NodeContext::launch_with_log_defaults("solana", mm_http::request_log::LOG_DEFAULTS)?;
    let settings = Settings::new(&node.config.solana)?;
    let bind = node.config.solana.bind;
    let publisher = node.bus.message_publisher::<streams::CheckIns>()?;
    let rpc = Arc::new(RpcClient::new(
        settings.endpoint.clone(),
        settings.commitment,
        settings.rpc_timeout,
    ));
    let (view_tx, view) = watch::channel(ChainView::default());
    let (changes_tx, mut changes) = mpsc::channel(CHANGE_QUEUE);
    let follower = tokio::spawn(
        Follower::new(rpc.clone(), settings.follower.clone(), view_tx, changes_tx).run(),
    );
    let state = SolanaState {
        rpc,
        network: settings.network,
        camera: settings.camera,
        view: view.clone(),
    };
    let server = mm_http::server::spawn(bind, routes::routes(state)).await?;
    tracing::info!(%bind, endpoint = settings.endpoint.label(), "serving");
    let mut status_tick = tokio::time::interval(STATUS_PERIOD);
    let mut sequence = 0u64;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            signal = &mut stop => {
                tracing::info!(?signal, "stopping");
                break;
            }
            Some(noticed) = changes.recv() => {
                sequence += 1;
                let event = mm_solana::events::check_in_event(&noticed, sequence);
                if let Err(error) = publisher.publish(&event) {
                    node.status.record_error(&error);
                    tracing::error!(error = %mm_runtime::report::ErrorChain(&error), "check-in event not published");
                }
            }
            _ = status_tick.tick() => report_status(&mut node, &view.borrow(), settings.endpoint.label()),
        }
    }
    follower.abort();
    server.stop().await;
    node.status.stopping();
    Ok(())
}

fn report_status(node: &mut NodeContext, view: &ChainView, endpoint: &str) {
    let (status, reason) = chain_status(view);
    match (status, reason) {
        ("ok", _) => node.status.record_working(),
        (_, Some(reason)) => node.status.record_problem(&reason),
        _ => {}
    }
    node.status.set_detail(&format!(
        "{} sessions, {:?} via {endpoint}",
        view.sessions.len(),
        view.mode
    ));
    node.status.publish();
}
