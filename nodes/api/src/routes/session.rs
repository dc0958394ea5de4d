//! Session routes: a Sign-In-With-Solana challenge, connecting with its signed answer,
//! the caller's own session, and disconnecting.

use super::with_state;
use crate::auth;
use crate::session::proof::{ConnectRequest, SignInProof};
use crate::session::sign_in::SignInMessage;
use crate::session::{Caller, ChallengeError, ConnectError};
use crate::state::AppState;
use mm_http::json_body::json_body;
use mm_http::{respond, Access, ApiError, Response, RouteSpec};
use mm_runtime::clock::unix_ms;
use serde::{Deserialize, Serialize};
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection};

pub(super) static CHALLENGE: RouteSpec = RouteSpec {
    name: "session_challenge",
    method: Method::GET,
    path: "/api/session/challenge",
    aliases: &[],
    access: Access::Public,
    summary: "A Sign-In-With-Solana message for ?wallet_address= to sign (single-use nonce, short expiry).",
    request: mm_http::RequestDoc::query::<ChallengeQuery>(),
    replies: &[mm_http::ReplyDoc::ok::<ChallengeReply>()],
};

pub(super) static CONNECT: RouteSpec = RouteSpec {
    name: "session_connect",
    method: Method::POST,
    path: "/api/session/connect",
    aliases: &["/connect"],
    access: Access::Public,
    summary: "A session for the wallet that signed its challenge ({wallet_address, message, signature} or a signIn output).",
    request: mm_http::RequestDoc::json::<ConnectRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<ConnectReply>()],
};

pub(super) static DISCONNECT: RouteSpec = RouteSpec {
    name: "session_disconnect",
    method: Method::POST,
    path: "/api/session/disconnect",
    aliases: &["/disconnect"],
    access: Access::Session,
    summary: "Ends the caller's session.",
    request: mm_http::RequestDoc::optional_json::<DisconnectRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<DisconnectReply>()],
};

pub(super) static STATUS: RouteSpec = RouteSpec {
    name: "session_status",
    method: Method::GET,
    path: "/api/session/status",
    aliases: &[],
    access: Access::Session,
    summary: "The caller's own session: wallet, times, whether it is the owner's.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<SessionStatusReply>()],
};

/// Query of `GET /api/session/challenge`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ChallengeQuery {
    /// The wallet (base58) that will sign the message.
    wallet_address: String,
}

/// The `GET /api/session/challenge` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChallengeReply {
    /// Always true.
    pub success: bool,
    /// The exact text to sign (UTF-8, no prefix).
    pub message: String,
    /// Its single-use nonce.
    pub nonce: String,
    /// When it was issued (ISO 8601).
    pub issued_at: String,
    /// When it stops being accepted (ISO 8601).
    pub expires_at: String,
    /// The same as a wallet-standard `signIn` input.
    pub sign_in_input: SignInMessage,
}

/// The `POST /api/session/connect` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectReply {
    /// Always true.
    pub success: bool,
    /// The session token: send it as `Authorization: Bearer <session_id>`.
    pub session_id: String,
    /// The wallet it belongs to.
    pub wallet_address: String,
    /// Unix ms.
    pub created_at: u64,
    /// When it ends without further requests (Unix ms); each request moves it on, up to the
    /// absolute limit.
    pub expires_at: u64,
    /// Whether the wallet owns the camera.
    pub is_owner: bool,
}

/// The `GET /api/session/status` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionStatusReply {
    /// Always true.
    pub success: bool,
    /// The caller's wallet.
    pub wallet_address: String,
    /// Unix ms.
    pub created_at: u64,
    /// This request (Unix ms).
    pub last_active: u64,
    /// When it ends without further requests (Unix ms).
    pub expires_at: u64,
    /// Whether the wallet owns the camera.
    pub is_owner: bool,
}

/// The `POST /api/session/disconnect` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DisconnectReply {
    /// Always true.
    pub success: bool,
    /// What happened.
    pub message: &'static str,
}

/// Body of `POST /api/session/disconnect` (nothing but the legacy credentials).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DisconnectRequest {}

/// The session routes.
pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let challenge = CHALLENGE
        .filter()
        .and(warp::query::<ChallengeQuery>())
        .and(with_state(state.clone()))
        .map(|query: ChallengeQuery, state| respond(challenge(&query.wallet_address, &state)));
    let connect = CONNECT
        .filter()
        .and(json_body::<ConnectRequest>())
        .and(with_state(state.clone()))
        .map(|request, state| respond(connect(request, &state)));
    let disconnect = DISCONNECT
        .filter()
        .and(auth::caller_with_body::<DisconnectRequest>(
            &DISCONNECT,
            state.clone(),
        ))
        .and(with_state(state.clone()))
        .map(|caller, _: DisconnectRequest, state| respond(disconnect(&caller, &state)));
    let status = STATUS
        .filter()
        .and(auth::caller(&STATUS, state.clone()))
        .and(with_state(state))
        .map(|caller, state| respond(Ok(status(&caller, &state))));
    challenge
        .or(connect)
        .unify()
        .or(disconnect)
        .unify()
        .or(status)
        .unify()
}

fn challenge(wallet: &str, state: &AppState) -> Result<ChallengeReply, ApiError> {
    let issued = state
        .sessions
        .challenge(wallet, unix_ms())
        .map_err(|error| match error {
            ChallengeError::BadWallet => ApiError::bad_request(error.to_string()),
            ChallengeError::Random(_) => ApiError::unavailable("no randomness for a nonce"),
        })?;
    let message = issued.message;
    let unset = String::new;
    Ok(ChallengeReply {
        success: true,
        nonce: message.nonce.clone().unwrap_or_else(unset),
        issued_at: message.issued_at.clone().unwrap_or_else(unset),
        expires_at: message.expiration_time.clone().unwrap_or_else(unset),
        message: message.to_text(),
        sign_in_input: message,
    })
}

fn connect(request: ConnectRequest, state: &AppState) -> Result<ConnectReply, ApiError> {
    let refused = |error: crate::session::proof::ConnectRefused| {
        let status = if error.is_bad_request() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNAUTHORIZED
        };
        ApiError::new(status, error.to_string())
    };
    let proof = SignInProof::from_request(request).map_err(refused)?;
    let (token, caller) = state
        .sessions
        .connect(&proof, unix_ms())
        .map_err(|error| match error {
            ConnectError::Refused(error) => refused(error),
            ConnectError::Random(_) => ApiError::unavailable("no randomness for a token"),
            ConnectError::Store(error) => {
                tracing::error!(error = %mm_runtime::report::ErrorChain(&error), "cannot store a session");
                ApiError::unavailable("the session could not be stored")
            }
        })?;
    tracing::info!(wallet = %caller.wallet, owner = caller.owner, "session connected");
    Ok(ConnectReply {
        success: true,
        session_id: token.expose().to_owned(),
        wallet_address: caller.wallet.clone(),
        created_at: caller.session.created_unix_ms,
        expires_at: caller.session.expires_unix_ms(state.sessions.limits()),
        is_owner: caller.owner,
    })
}

fn disconnect(caller: &Caller, state: &AppState) -> Result<DisconnectReply, ApiError> {
    state.sessions.disconnect(&caller.token).map_err(|error| {
        tracing::error!(error = %mm_runtime::report::ErrorChain(&error), "cannot end a session");
        ApiError::unavailable("the session could not be ended")
    })?;
    Ok(DisconnectReply {
        success: true,
        message: "Disconnected from camera successfully",
    })
}

fn status(caller: &Caller, state: &AppState) -> SessionStatusReply {
    SessionStatusReply {
        success: true,
        wallet_address: caller.wallet.clone(),
        created_at: caller.session.created_unix_ms,
        last_active: caller.session.last_active_unix_ms,
        expires_at: caller.session.expires_unix_ms(state.sessions.limits()),
        is_owner: caller.owner,
    }
}
