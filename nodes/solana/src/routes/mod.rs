//! The HTTP routes of port 5001, every one a [`RouteSpec`] in [`ROUTES`].
//!
//! The port is internal (loopback by default): the public API fronts it. Nothing here holds
//! or asks for a key, and nothing sends a transaction: the wallet signs and sends.

mod chain;
mod confirm;
pub mod health;
mod metrics;
mod transactions;
mod wallet;

use crate::state::SolanaState;
use mm_http::rejection::handle_rejection;
use mm_http::request_log::with_request_log;
use mm_http::RouteSpec;
use std::convert::Infallible;
use warp::{Filter, Reply};

pub use chain::{CameraReply, SessionJson, SessionsReply};
pub use confirm::{ConfirmReply, ConfirmRequest};
pub use health::HealthReply;
pub use transactions::{
    ActivityRequest, CheckInRequest, EnrollRequest, TransactionReply, WalletRequest,
};

/// Every route of port 5001.
pub static ROUTES: &[&RouteSpec] = &[
    &mm_http::route_table::INDEX,
    &mm_http::openapi::OPENAPI,
    &health::HEALTH,
    &transactions::CHECK_IN,
    &transactions::CHECK_OUT,
    &transactions::ENROLL_FACE,
    &transactions::RECORD_ACTIVITY,
    &confirm::CONFIRM,
    &chain::CAMERA,
    &chain::SESSIONS,
    &chain::SESSION,
    &mm_http::metrics::METRICS,
];

/// Every route, with a request id on each and JSON errors for everything that matches none.
pub fn routes(
    state: SolanaState,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let all = health::routes(state.clone())
        .or(transactions::routes(state.clone()))
        .unify()
        .or(confirm::routes(state.clone()))
        .unify()
        .or(chain::routes(state.clone()))
        .unify()
        .or(metrics::routes(state))
        .unify()
        .recover(handle_rejection)
        .unify();
    with_request_log(all)
}

/// A filter that hands each handler the shared state.
fn with_state(
    state: SolanaState,
) -> impl Filter<Extract = (SolanaState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}
