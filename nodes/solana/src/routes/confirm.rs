//! `POST /api/blockchain/confirm`: whether a transaction the wallet sent did what it claims,
//! checked on chain (never taken on trust, as the reference did).

use super::wallet::{hash32, signature, wallet};
use super::with_state;
use crate::confirm::{verify, Claim, Confirmed};
use crate::program::InstructionKind;
use crate::state::SolanaState;
use mm_http::json_body::json_body;
use mm_http::{respond, Access, ApiError, Response, RouteSpec};
use mm_runtime::report::ErrorChain;
use serde::{Deserialize, Serialize};
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection};

pub(super) static CONFIRM: RouteSpec = RouteSpec {
    name: "confirm",
    method: Method::POST,
    path: "/api/blockchain/confirm",
    aliases: &[],
    access: Access::Public,
    summary: "200 when the signature's transaction succeeded at the configured commitment, signed by the wallet, with that instruction to this program and camera; else 404 or 422 with the reason.",
    request: mm_http::RequestDoc::json::<ConfirmRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<ConfirmReply>()],
};

/// The body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The transaction's signature (base58).
    pub signature: String,
    /// The wallet that must have signed it (base58).
    pub wallet_address: String,
    /// `check_in`, `check_out`, `enroll_face` or `record_activity`.
    pub instruction: String,
    /// For `enroll_face`: keccak-256 of the embedding, hex.
    #[serde(default)]
    pub data_hash: Option<String>,
}

/// A confirmed transaction.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConfirmReply {
    /// Always true (a refusal is an error reply).
    pub confirmed: bool,
    /// The signature.
    pub signature: String,
    /// The wallet.
    pub wallet_address: String,
    /// The instruction.
    pub instruction: &'static str,
    /// The commitment it was read at.
    pub commitment: &'static str,
    /// Where and what.
    #[serde(flatten)]
    pub landed: Confirmed,
}

/// The instructions a wallet is asked to sign here.
const CONFIRMABLE: [InstructionKind; 4] = [
    InstructionKind::CheckIn,
    InstructionKind::CheckOut,
    InstructionKind::EnrollFace,
    InstructionKind::RecordActivity,
];

pub(super) fn routes(
    state: SolanaState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    CONFIRM
        .filter()
        .and(with_state(state))
        .and(json_body::<ConfirmRequest>())
        .then(|state: SolanaState, body: ConfirmRequest| async move {
            respond(confirm(&state, body).await)
        })
}

async fn confirm(state: &SolanaState, body: ConfirmRequest) -> Result<ConfirmReply, ApiError> {
    let signature = signature(&body.signature)?;
    let wallet = wallet("wallet_address", &body.wallet_address)?;
    let instruction = InstructionKind::from_name(&body.instruction)
        .filter(|kind| CONFIRMABLE.contains(kind))
        .ok_or_else(|| {
            ApiError::bad_request(
                "instruction must be check_in, check_out, enroll_face or record_activity",
            )
        })?;
    let data_hash = match (&body.data_hash, instruction) {
        (Some(hash), InstructionKind::EnrollFace) => Some(hash32("data_hash", hash)?),
        (None, InstructionKind::EnrollFace) => {
            return Err(ApiError::bad_request(
                "data_hash (keccak-256 of the embedding, hex) is required for enroll_face",
            ))
        }
        (Some(_), _) => {
            return Err(ApiError::bad_request("data_hash is only for enroll_face"));
        }
        (None, _) => None,
    };
    let commitment = state.rpc.commitment().for_transactions().name();
    let landed = state
        .rpc
        .transaction(&signature)
        .await
        .map_err(|error| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot read the transaction: {}", ErrorChain(&error)),
            )
        })?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no transaction with this signature at commitment {commitment} (not landed yet, or never)"
            ))
        })?;
    let claim = Claim {
        signature,
        wallet,
        instruction,
        data_hash,
    };
    let landed = verify(&landed, &claim, &state.network, &state.camera)
        .map_err(|refusal| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, refusal.to_string()))?;
    Ok(ConfirmReply {
        confirmed: true,
        signature: signature.to_string(),
        wallet_address: wallet.to_string(),
        instruction: instruction.name(),
        commitment,
        landed,
    })
}
