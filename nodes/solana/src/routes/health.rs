//! `GET /` (what this server is, every route) and `GET /api/health` (the RPC's state).

use super::{with_state, ROUTES};
use crate::follower::{ChainView, SyncMode};
use crate::state::SolanaState;
use mm_http::openapi::{description_routes, ServerInfo};
use mm_http::{json_with_status, Access, Response, RouteSpec};
use mm_runtime::clock::unix_ms;
use serde::Serialize;
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection};

pub(super) static HEALTH: RouteSpec = RouteSpec {
    name: "health",
    method: Method::GET,
    path: "/api/health",
    aliases: &["/health"],
    access: Access::Public,
    summary: "ok, degraded (RPC failing: the last sessions are kept, with their age) or, before any read succeeded, 503 error; the RPC's state.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<HealthReply>(), mm_http::ReplyDoc::json::<HealthReply>(503, "The RPC cannot be reached or the camera account is missing.")],
};

/// The `GET /api/health` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthReply {
    /// `ok`, `degraded` or `error`; `starting` before the first read.
    pub status: &'static str,
    /// Why it is not `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Now (Unix ms).
    pub timestamp: u64,
    /// The program id.
    pub program_id: String,
    /// This camera's account.
    pub camera_account: String,
    /// The RPC as the node sees it.
    pub rpc: RpcHealth,
    /// Sessions at this camera, as last read.
    pub sessions: usize,
}

/// The RPC's state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RpcHealth {
    /// `scheme://host[:port]` (never the path or query, which may hold a key).
    pub endpoint: String,
    /// The commitment reads use.
    pub commitment: &'static str,
    /// How changes are heard of.
    pub mode: SyncMode,
    /// Why the websocket is not used, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket_problem: Option<String>,
    /// When the last full read succeeded (Unix ms).
    pub synced_unix_ms: Option<u64>,
    /// Its age (ms).
    pub age_ms: Option<u64>,
    /// The newest slot read.
    pub slot: u64,
    /// Full reads done.
    pub resyncs: u64,
    /// Websocket notifications received.
    pub notifications: u64,
    /// Websocket reconnections.
    pub reconnects: u64,
    /// Accounts that matched the filters and were not this camera's sessions.
    pub skipped_accounts: u64,
}

/// `ok`, `degraded`, `error` or `starting`, and why.
pub fn chain_status(view: &ChainView) -> (&'static str, Option<String>) {
    match (&view.problem, view.synced_at) {
        (None, Some(_)) => ("ok", None),
        (Some(problem), Some(_)) => ("degraded", Some(problem.clone())),
        (Some(problem), None) => ("error", Some(problem.clone())),
        (None, None) => (
            "starting",
            Some("the sessions have not been read yet".to_owned()),
        ),
    }
}

pub(super) fn routes(
    state: SolanaState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let info = ServerInfo {
        title: "mmoment-edge Solana node",
        version: env!("CARGO_PKG_VERSION"),
        description: "The camera's Solana node (port 5001, internal): unsigned camera_network \
            transactions for the wallet to sign, their confirmation on chain, and the chain's view \
            of this camera and its check-ins.",
    };
    let index = description_routes(info, ROUTES);
    let health = HEALTH
        .filter()
        .and(with_state(state))
        .map(|state: SolanaState| health(&state));
    index.or(health).unify()
}

fn health(state: &SolanaState) -> Response {
    let view = state.view.borrow();
    let (status, reason) = chain_status(&view);
    let reply = HealthReply {
        status,
        reason,
        timestamp: unix_ms(),
        program_id: state.network.program.to_string(),
        camera_account: state.camera.to_string(),
        rpc: RpcHealth {
            endpoint: state.rpc.endpoint().label().to_owned(),
            commitment: state.rpc.commitment().name(),
            mode: view.mode,
            websocket_problem: view.websocket_problem.clone(),
            synced_unix_ms: view.synced_unix_ms,
            age_ms: view.age().map(|age| age.as_millis() as u64),
            slot: view.sessions.slot(),
            resyncs: view.resyncs,
            notifications: view.notifications,
            reconnects: view.reconnects,
            skipped_accounts: view.skipped_accounts,
        },
        sessions: view.sessions.len(),
    };
    let code = if status == "error" || status == "starting" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    json_with_status(&reply, code)
}
