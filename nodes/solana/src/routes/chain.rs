//! Chain reads: this camera's `CameraAccount`, and the sessions at it as the follower last
//! read them, with their age.

use super::wallet::wallet;
use super::with_state;
use crate::follower::{ChainView, SyncMode};
use crate::program::{CameraAccount, UserSession};
use crate::sessions::SeenSession;
use crate::state::SolanaState;
use mm_http::{respond, Access, ApiError, Response, RouteSpec};
use mm_runtime::report::ErrorChain;
use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection};

pub(super) static CAMERA: RouteSpec = RouteSpec {
    name: "camera_account",
    method: Method::GET,
    path: "/api/blockchain/camera",
    aliases: &[],
    access: Access::Public,
    summary: "This camera's CameraAccount, decoded, read from the chain now.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<CameraReply>()],
};

pub(super) static SESSIONS: RouteSpec = RouteSpec {
    name: "sessions",
    method: Method::GET,
    path: "/api/blockchain/sessions",
    aliases: &[],
    access: Access::Public,
    summary:
        "The wallets checked in at this camera (decoded UserSessions), with the age of the read.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<SessionsReply>()],
};

pub(super) static SESSION: RouteSpec = RouteSpec {
    name: "session",
    method: Method::GET,
    path: "/api/blockchain/sessions/{name}",
    aliases: &[],
    access: Access::Public,
    summary: "The session of one wallet at this camera; 404 when it is not checked in.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<SessionJson>()],
};

/// `GET /api/blockchain/camera`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CameraReply {
    /// The account's address.
    pub address: String,
    /// The slot-independent decoded account.
    pub account: CameraAccount,
}

/// One session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionJson {
    /// The `UserSession` account.
    pub account: String,
    /// Its fields.
    #[serde(flatten)]
    pub session: UserSession,
    /// The slot of the read that showed it.
    pub seen_at_slot: u64,
}

impl SessionJson {
    fn new(account: &Pubkey, seen: &SeenSession) -> Self {
        Self {
            account: account.to_string(),
            session: seen.session,
            seen_at_slot: seen.slot,
        }
    }
}

/// `GET /api/blockchain/sessions`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionsReply {
    /// The sessions.
    pub sessions: Vec<SessionJson>,
    /// How many.
    pub count: usize,
    /// The newest slot read.
    pub slot: u64,
    /// `ok`, or `degraded` while the RPC fails (the sessions are then the last read).
    pub status: &'static str,
    /// Why it is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Age of the last full read (ms).
    pub age_ms: u64,
    /// How changes are heard of.
    pub mode: SyncMode,
}

pub(super) fn routes(
    state: SolanaState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let camera = CAMERA
        .filter()
        .and(with_state(state.clone()))
        .then(|state: SolanaState| async move { respond(camera(&state).await) });
    let sessions = SESSIONS
        .filter()
        .and(with_state(state.clone()))
        .map(|state: SolanaState| respond(sessions(&state.view.borrow())));
    let session = SESSION
        .named_filter()
        .and(with_state(state))
        .map(|name: String, state: SolanaState| respond(session(&state.view.borrow(), &name)));
    camera.or(sessions).unify().or(session).unify()
}

async fn camera(state: &SolanaState) -> Result<CameraReply, ApiError> {
    let account = state.rpc.account(&state.camera).await.map_err(|error| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("cannot read the camera account: {}", ErrorChain(&error)),
        )
    })?;
    let account = account.ok_or_else(|| {
        ApiError::not_found(format!("no account at {} on this cluster", state.camera))
    })?;
    let decoded = CameraAccount::decode(&state.network.program, &account.owner, &account.data)
        .map_err(|error| ApiError::new(StatusCode::BAD_GATEWAY, error.to_string()))?;
    Ok(CameraReply {
        address: state.camera.to_string(),
        account: decoded,
    })
}

/// Sessions can only be listed once read: before the first read nothing is claimed.
fn read_view(view: &ChainView) -> Result<(), ApiError> {
    if view.synced_at.is_none() {
        let reason = view.problem.as_deref().unwrap_or("not read yet");
        return Err(ApiError::unavailable(format!(
            "the sessions have not been read from the chain: {reason}"
        )));
    }
    Ok(())
}

fn sessions(view: &ChainView) -> Result<SessionsReply, ApiError> {
    read_view(view)?;
    let sessions: Vec<SessionJson> = view
        .sessions
        .iter()
        .map(|(account, seen)| SessionJson::new(account, seen))
        .collect();
    Ok(SessionsReply {
        count: sessions.len(),
        sessions,
        slot: view.sessions.slot(),
        status: if view.problem.is_some() {
            "degraded"
        } else {
            "ok"
        },
        reason: view.problem.clone(),
        age_ms: view.age().map_or(0, |age| age.as_millis() as u64),
        mode: view.mode,
    })
}

fn session(view: &ChainView, name: &str) -> Result<SessionJson, ApiError> {
    let user = wallet("wallet", name)?;
    read_view(view)?;
    view.sessions
        .of_wallet(&user)
        .map(|(account, seen)| SessionJson::new(account, seen))
        .ok_or_else(|| ApiError::not_found(format!("{user} is not checked in at this camera")))
}
