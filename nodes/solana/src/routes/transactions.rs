//! `POST /api/blockchain/transactions/*`: unsigned `camera_network` transactions for the
//! user's wallet to sign, the user paying, under a recent blockhash from the RPC.

use super::wallet::{base64, wallet};
use super::with_state;
use crate::program::{
    face_data_address, session_address, ActivityAction, InstructionKind, MAX_EMBEDDING_LEN,
};
use crate::state::SolanaState;
use crate::transactions::{prepare, PrepareError, PreparedTransaction};
use base64::Engine;
use mm_http::json_body::json_body;
use mm_http::{respond, Access, ApiError, Response, RouteSpec};
use mm_runtime::report::ErrorChain;
use serde::{Deserialize, Serialize};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk_ids::system_program;
use std::collections::BTreeMap;
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection};

pub(super) static CHECK_IN: RouteSpec = RouteSpec {
    name: "check_in_transaction",
    method: Method::POST,
    path: "/api/blockchain/transactions/check-in",
    aliases: &[],
    access: Access::Public,
    summary: "Unsigned check_in(use_face_recognition) transaction for the wallet to sign.",
    request: mm_http::RequestDoc::json::<CheckInRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<TransactionReply>()],
};

pub(super) static CHECK_OUT: RouteSpec = RouteSpec {
    name: "check_out_transaction",
    method: Method::POST,
    path: "/api/blockchain/transactions/check-out",
    aliases: &[],
    access: Access::Public,
    summary: "Unsigned check_out transaction for the wallet to sign.",
    request: mm_http::RequestDoc::json::<WalletRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<TransactionReply>()],
};

pub(super) static ENROLL_FACE: RouteSpec = RouteSpec {
    name: "enroll_face_transaction",
    method: Method::POST,
    path: "/api/blockchain/transactions/enroll-face",
    aliases: &[],
    access: Access::Public,
    summary: "Unsigned enroll_face(encrypted_embedding) transaction for the wallet to sign.",
    request: mm_http::RequestDoc::json::<EnrollRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<TransactionReply>()],
};

pub(super) static RECORD_ACTIVITY: RouteSpec = RouteSpec {
    name: "record_activity_transaction",
    method: Method::POST,
    path: "/api/blockchain/transactions/record-activity",
    aliases: &[],
    access: Access::Public,
    summary: "Unsigned record_activity(action_type, metadata) transaction for the wallet to sign.",
    request: mm_http::RequestDoc::json::<ActivityRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<TransactionReply>()],
};

/// A body naming only the wallet.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalletRequest {
    /// The user's wallet (base58).
    pub wallet_address: String,
}

/// The `check-in` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// The user's wallet (base58).
    pub wallet_address: String,
    /// Let this camera recognise and name the user (when it offers face recognition).
    #[serde(default)]
    pub use_face_recognition: bool,
}

/// The `enroll-face` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The user's wallet (base58).
    pub wallet_address: String,
    /// The sealed embedding (standard base64), 1 to 1024 bytes.
    pub encrypted_embedding: String,
}

/// The `record-activity` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityRequest {
    /// The user's wallet (base58).
    pub wallet_address: String,
    /// `photo_capture`, `video_record`, `stream_start`, `stream_stop` or `custom`.
    pub action_type: ActivityAction,
    /// Free text (the program neither stores nor checks it).
    #[serde(default)]
    pub metadata: String,
}

/// A transaction ready for the wallet.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransactionReply {
    /// Base64 of the wire format, zeroed signature slots included: what `signTransaction`
    /// takes.
    pub transaction: String,
    /// The recent blockhash it uses (base58).
    pub blockhash: String,
    /// The last block height it can land in.
    pub last_valid_block_height: u64,
    /// The instruction it carries.
    pub instruction: &'static str,
    /// Its size on the wire (the limit is 1232 bytes).
    pub size: usize,
    /// The accounts it names, by role.
    pub accounts: BTreeMap<&'static str, String>,
}

pub(super) fn routes(
    state: SolanaState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let check_in = CHECK_IN
        .filter()
        .and(with_state(state.clone()))
        .and(json_body::<CheckInRequest>())
        .then(|state: SolanaState, body: CheckInRequest| async move {
            respond(check_in(&state, body).await)
        });
    let check_out = CHECK_OUT
        .filter()
        .and(with_state(state.clone()))
        .and(json_body::<WalletRequest>())
        .then(|state: SolanaState, body: WalletRequest| async move {
            respond(check_out(&state, body).await)
        });
    let enroll = ENROLL_FACE
        .filter()
        .and(with_state(state.clone()))
        .and(json_body::<EnrollRequest>())
        .then(|state: SolanaState, body: EnrollRequest| async move {
            respond(enroll_face(&state, body).await)
        });
    let activity = RECORD_ACTIVITY
        .filter()
        .and(with_state(state))
        .and(json_body::<ActivityRequest>())
        .then(|state: SolanaState, body: ActivityRequest| async move {
            respond(record_activity(&state, body).await)
        });
    check_in
        .or(check_out)
        .unify()
        .or(enroll)
        .unify()
        .or(activity)
        .unify()
}

type Roles = Vec<(&'static str, Pubkey)>;

fn session_roles(state: &SolanaState, user: &Pubkey) -> Roles {
    vec![
        ("user", *user),
        ("camera", state.camera),
        (
            "session",
            session_address(&state.network.program, user, &state.camera).0,
        ),
    ]
}

async fn check_in(state: &SolanaState, body: CheckInRequest) -> Result<TransactionReply, ApiError> {
    let user = wallet("wallet_address", &body.wallet_address)?;
    let instruction = state
        .network
        .check_in(&user, &state.camera, body.use_face_recognition);
    let mut roles = session_roles(state, &user);
    roles.push(("system_program", system_program::ID));
    build(state, InstructionKind::CheckIn, instruction, &user, roles).await
}

async fn check_out(state: &SolanaState, body: WalletRequest) -> Result<TransactionReply, ApiError> {
    let user = wallet("wallet_address", &body.wallet_address)?;
    let instruction = state.network.check_out(&user, &state.camera);
    let roles = session_roles(state, &user);
    build(state, InstructionKind::CheckOut, instruction, &user, roles).await
}

async fn enroll_face(
    state: &SolanaState,
    body: EnrollRequest,
) -> Result<TransactionReply, ApiError> {
    let user = wallet("wallet_address", &body.wallet_address)?;
    let embedding = base64("encrypted_embedding", &body.encrypted_embedding)?;
    if embedding.is_empty() || embedding.len() > MAX_EMBEDDING_LEN {
        return Err(ApiError::bad_request(format!(
            "encrypted_embedding is {} bytes; the program accepts 1 to {MAX_EMBEDDING_LEN}",
            embedding.len()
        )));
    }
    let instruction = state.network.enroll_face(&user, &embedding);
    let roles = vec![
        ("user", user),
        (
            "face_data",
            face_data_address(&state.network.program, &user).0,
        ),
        ("system_program", system_program::ID),
    ];
    build(
        state,
        InstructionKind::EnrollFace,
        instruction,
        &user,
        roles,
    )
    .await
}

async fn record_activity(
    state: &SolanaState,
    body: ActivityRequest,
) -> Result<TransactionReply, ApiError> {
    let user = wallet("wallet_address", &body.wallet_address)?;
    let instruction =
        state
            .network
            .record_activity(&user, &state.camera, body.action_type, &body.metadata);
    let roles = session_roles(state, &user);
    build(
        state,
        InstructionKind::RecordActivity,
        instruction,
        &user,
        roles,
    )
    .await
}

/// Refuses what cannot fit before asking the RPC for a blockhash: a refusal costs no request.
async fn build(
    state: &SolanaState,
    kind: InstructionKind,
    instruction: Instruction,
    user: &Pubkey,
    roles: Roles,
) -> Result<TransactionReply, ApiError> {
    let placeholder = crate::rpc::LatestBlockhash {
        blockhash: solana_sdk::hash::Hash::default(),
        last_valid_block_height: 0,
    };
    prepare(instruction.clone(), user, placeholder).map_err(refusal)?;
    let latest = state.rpc.latest_blockhash().await.map_err(|error| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no recent blockhash: {}", ErrorChain(&error)),
        )
    })?;
    let PreparedTransaction { wire, latest, .. } =
        prepare(instruction, user, latest).map_err(refusal)?;
    Ok(TransactionReply {
        transaction: base64::engine::general_purpose::STANDARD.encode(&wire),
        blockhash: latest.blockhash.to_string(),
        last_valid_block_height: latest.last_valid_block_height,
        instruction: kind.name(),
        size: wire.len(),
        accounts: roles
            .into_iter()
            .map(|(role, key)| (role, key.to_string()))
            .collect(),
    })
}

fn refusal(error: PrepareError) -> ApiError {
    ApiError::bad_request(error.to_string())
}
