//! Who is calling: the session behind a route's request, as its [`Access`] demands.
//!
//! A token comes in `Authorization: Bearer <session_id>`; the reference system's clients put
//! `session_id` (and `wallet_address`) in the JSON body instead, which still works for routes
//! with a body. `/stream` alone also takes `?token=` (an `<img>` cannot send headers).
//! Without a token: 401. With a token that opens no session (unknown or ended): 403, as the
//! reference system answered. With the session of a wallet other than the one the request
//! names, or of a non-owner on an owner route: 403.

use crate::session::token::SessionToken;
use crate::session::Caller;
use crate::state::AppState;
use mm_http::json_body::optional_json;
use mm_http::{Access, ApiError, RouteSpec};
use mm_runtime::clock::unix_ms;
use serde::de::DeserializeOwned;
use warp::http::StatusCode;
use warp::{Filter, Rejection};

/// The message of a 401 without a token.
const NO_TOKEN: &str = "this route needs a session: send Authorization: Bearer <session_id> (GET /api/session/challenge, sign it, POST /api/session/connect)";

/// The session's caller for `route` (Session or Owner access), from the header token.
pub fn caller(
    route: &'static RouteSpec,
    state: AppState,
) -> impl Filter<Extract = (Caller,), Error = Rejection> + Clone {
    bearer().and_then(move |token: Option<SessionToken>| {
        let state = state.clone();
        async move { admit(route, &state, token, None).map_err(warp::reject::custom) }
    })
}

/// The caller and the JSON body `T` of `route`: the token from the header, or the legacy
/// `session_id` in the body. A `wallet_address` in the body must be the session's own.
pub fn caller_with_body<T: DeserializeOwned + Send + 'static>(
    route: &'static RouteSpec,
    state: AppState,
) -> impl Filter<Extract = (Caller, T), Error = Rejection> + Clone {
    bearer()
        .and(optional_json::<serde_json::Value>())
        .and_then(
            move |header: Option<SessionToken>, body: serde_json::Value| {
                let state = state.clone();
                async move { with_body(route, &state, header, body).map_err(warp::reject::custom) }
            },
        )
        .untuple_one()
}

/// For `/stream`: nobody when the stream is public; else the token in the header or
/// `?token=`.
pub fn stream_viewer(
    route: &'static RouteSpec,
    state: AppState,
) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    bearer()
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and_then(move |header: Option<SessionToken>, query: String| {
            let state = state.clone();
            async move {
                if state.config.access.stream_public {
                    return Ok(());
                }
                let token = header.or_else(|| query_token(&query));
                admit(route, &state, token, None)
                    .map(|_| ())
                    .map_err(warp::reject::custom)
            }
        })
        .untuple_one()
}

/// `Authorization: Bearer <token>`, if sent.
fn bearer() -> impl Filter<Extract = (Option<SessionToken>,), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization").map(|header: Option<String>| {
        header.and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| SessionToken::from_caller(token))
        })
    })
}

/// `token=<...>` of a raw query string.
fn query_token(query: &str) -> Option<SessionToken> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(SessionToken::from_caller)
}

/// The caller of `token` if `route` admits it; `claimed_wallet` (a body's `wallet_address`)
/// must be its wallet.
fn admit(
    route: &RouteSpec,
    state: &AppState,
    token: Option<SessionToken>,
    claimed_wallet: Option<&str>,
) -> Result<Caller, ApiError> {
    let token = token.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, NO_TOKEN))?;
    let caller = state
        .sessions
        .authenticate(token, unix_ms())
        .map_err(|refused| {
            // 403, as the reference system answered: its clients drop the session on it and
            // ask the user to connect again.
            ApiError::new(
                StatusCode::FORBIDDEN,
                format!("{refused}: connect again (POST /api/session/connect)"),
            )
        })?;
    if claimed_wallet.is_some_and(|claimed| claimed.trim() != caller.wallet) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wallet_address is not this session's wallet",
        ));
    }
    if route.access == Access::Owner && !caller.owner {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only the camera's owner may do this",
        ));
    }
    Ok(caller)
}

fn with_body<T: DeserializeOwned>(
    route: &RouteSpec,
    state: &AppState,
    header: Option<SessionToken>,
    body: serde_json::Value,
) -> Result<(Caller, T), ApiError> {
    let mut fields = match body {
        serde_json::Value::Object(fields) => fields,
        serde_json::Value::Null => serde_json::Map::new(),
        _ => return Err(ApiError::bad_request("the body must be a JSON object")),
    };
    let text = |value: Option<serde_json::Value>, name: &str| match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::bad_request(format!("{name} must be a string"))),
    };
    let legacy = text(fields.remove("session_id"), "session_id")?;
    let claimed = text(fields.remove("wallet_address"), "wallet_address")?;
    let token = header.or_else(|| legacy.as_deref().map(SessionToken::from_caller));
    let caller = admit(route, state, token, claimed.as_deref())?;
    let body = serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|error| ApiError::bad_request(format!("invalid JSON body: {error}")))?;
    Ok((caller, body))
}
