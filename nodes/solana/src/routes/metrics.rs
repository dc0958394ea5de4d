//! `GET /metrics` of port 5001: the RPC's state and this camera's sessions.

use super::health::chain_status;
use super::with_state;
use crate::follower::SyncMode;
use crate::state::SolanaState;
use mm_http::metrics::{registry, reply, METRICS};
use mm_http::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use std::sync::atomic::AtomicU64;
use warp::{Filter, Rejection};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModeLabel {
    mode: &'static str,
}

pub(super) fn routes(
    state: SolanaState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    METRICS
        .filter()
        .and(with_state(state))
        .map(|state: SolanaState| metrics(&state))
}

fn counter(value: u64) -> Counter {
    let counter = Counter::default();
    counter.inc_by(value);
    counter
}

fn metrics(state: &SolanaState) -> Response {
    let view = state.view.borrow();
    let mut registry = registry();
    let (status, _) = chain_status(&view);
    let up = Gauge::<i64>::default();
    up.set(i64::from(status == "ok"));
    registry.register(
        "solana_rpc_up",
        "1 while the RPC answers and the sessions are current",
        up,
    );
    let mode = Family::<ModeLabel, Gauge>::default();
    for (name, value) in [
        ("starting", SyncMode::Starting),
        ("websocket", SyncMode::Websocket),
        ("polling", SyncMode::Polling),
    ] {
        mode.get_or_create(&ModeLabel { mode: name })
            .set(i64::from(view.mode == value));
    }
    registry.register(
        "solana_sync_mode",
        "1 for how the sessions are followed now",
        mode,
    );
    let sessions = Gauge::<i64>::default();
    sessions.set(view.sessions.len() as i64);
    registry.register(
        "solana_sessions",
        "Wallets checked in at this camera",
        sessions,
    );
    let slot = Gauge::<i64>::default();
    slot.set(i64::try_from(view.sessions.slot()).unwrap_or(i64::MAX));
    registry.register("solana_slot", "The newest slot read", slot);
    let age = Gauge::<f64, AtomicU64>::default();
    age.set(view.age().map_or(f64::NAN, |age| age.as_secs_f64()));
    registry.register(
        "solana_sync_age_seconds",
        "Since the last full read of the sessions",
        age,
    );
    registry.register(
        "solana_resyncs",
        "Full reads of the sessions",
        counter(view.resyncs),
    );
    registry.register(
        "solana_notifications",
        "Websocket notifications received",
        counter(view.notifications),
    );
    registry.register(
        "solana_reconnects",
        "Websocket reconnections",
        counter(view.reconnects),
    );
    registry.register(
        "solana_skipped_accounts",
        "Program accounts that did not decode as sessions",
        counter(view.skipped_accounts),
    );
    reply(&registry)
}
