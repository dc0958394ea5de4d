//! Face enrollment: the best face in view sealed for the caller's wallet by the biometric
//! node, the unsigned `enroll_face` transaction carrying that package, and, once the wallet's
//! transaction is confirmed on chain, that same sealed face as the wallet's enrolled one.
//! Also local enrollment (config-gated), the caller's purge, and the owner's list and clear.
//!
//! The API never holds an embedding: it passes the sealed package between the biometric node
//! and the Solana node.

use super::{with_state, EmptyRequest};
use crate::auth;
use crate::internal_nodes::InternalNode;
use crate::session::Caller;
use crate::state::AppState;
use base64::Engine as _;
use mm_http::{respond, Access, ApiError, RouteSpec};
use serde::{Deserialize, Serialize};
use serde_json::json;
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection};

pub(super) static PREPARE: RouteSpec = RouteSpec {
    name: "face_enroll_prepare",
    method: Method::POST,
    path: "/api/face/enroll/prepare-transaction",
    aliases: &[],
    access: Access::Session,
    summary: "Seals the one face in view for the caller's wallet and returns the unsigned enroll_face transaction carrying it, with the face id and the package's keccak-256.",
    request: mm_http::RequestDoc::optional_json::<EmptyRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<PrepareReply>()],
};

pub(super) static CONFIRM: RouteSpec = RouteSpec {
    name: "face_enroll_confirm",
    method: Method::POST,
    path: "/api/face/enroll/confirm",
    aliases: &[],
    access: Access::Session,
    summary: "Once {signature, face_id, display_name?} is confirmed on chain as the caller's enroll_face of that package, the sealed face becomes the wallet's enrolled one.",
    request: mm_http::RequestDoc::json::<ConfirmRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<EnrolledReply>()],
};

pub(super) static ENROLL_LOCAL: RouteSpec = RouteSpec {
    name: "face_enroll",
    method: Method::POST,
    path: "/api/face/enroll",
    aliases: &["/enroll_face"],
    access: Access::Session,
    summary: "Enrolls the one face in view for the caller's wallet without the chain ({display_name?}); only where enrollment.local is on.",
    request: mm_http::RequestDoc::optional_json::<LocalEnrollRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<EnrolledReply>()],
};

pub(super) static ENROLLMENT_GET: RouteSpec = RouteSpec {
    name: "face_enrollment",
    method: Method::GET,
    path: "/api/face/enrollment",
    aliases: &[],
    access: Access::Session,
    summary: "The caller's enrollment (face id, display name, when), or enrolled: false.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<OwnEnrollmentReply>()],
};

pub(super) static ENROLLMENT_DELETE: RouteSpec = RouteSpec {
    name: "face_enrollment_delete",
    method: Method::DELETE,
    path: "/api/face/enrollment",
    aliases: &[],
    access: Access::Session,
    summary: "Purges the caller's face: its key destroyed (every copy, the one on chain too, unreadable), out of the gallery.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<FacePurgedReply>()],
};

pub(super) static ENROLLED_FACES: RouteSpec = RouteSpec {
    name: "enrolled_faces",
    method: Method::GET,
    path: "/get_enrolled_faces",
    aliases: &["/api/face/enrolled"],
    access: Access::Owner,
    summary: "Every enrolled face: wallet, display name, face id, when.",
    request: mm_http::RequestDoc::None,
    replies: &[mm_http::ReplyDoc::ok::<EnrolledFacesReply>()],
};

pub(super) static ENROLLED_CLEAR: RouteSpec = RouteSpec {
    name: "enrolled_faces_clear",
    method: Method::POST,
    path: "/clear_enrolled_faces",
    aliases: &["/api/face/enrolled/clear"],
    access: Access::Owner,
    summary: "Purges every wallet's faces and keys.",
    request: mm_http::RequestDoc::optional_json::<EmptyRequest>(),
    replies: &[mm_http::ReplyDoc::ok::<FacesPurgedReply>()],
};

/// `POST /api/face/enroll/confirm`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ConfirmRequest {
    /// The `enroll_face` transaction's signature (the reference's names still work).
    #[serde(alias = "signed_transaction", alias = "transaction_signature")]
    signature: String,
    face_id: String,
    #[serde(default)]
    display_name: Option<String>,
    /// The reference's biometric session: there is none here.
    #[serde(default, rename = "biometric_session_id")]
    _biometric_session_id: Option<String>,
}

/// `POST /api/face/enroll`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LocalEnrollRequest {
    #[serde(default)]
    display_name: Option<String>,
}

/// What the biometric node answers for a sealed face.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct SealedFace {
    face_id: String,
    package: String,
    #[serde(default)]
    faces_in_frame: u32,
}

/// What the Solana node answers for an unsigned transaction.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct UnsignedTransaction {
    transaction: String,
    blockhash: String,
    last_valid_block_height: u64,
}

/// An enrollment as the biometric node lists it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollmentJson {
    /// Whose.
    pub wallet_address: String,
    /// The sealed face.
    pub face_id: String,
    /// The name drawn on it.
    pub display_name: String,
    /// When (unix ms).
    pub enrolled_at: u64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct EnrollmentList {
    enrollments: Vec<EnrollmentJson>,
}

/// Reply of `prepare-transaction`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PrepareReply {
    /// Always true.
    pub success: bool,
    /// The unsigned `enroll_face` transaction (base64 wire format) for the wallet to sign.
    pub transaction: String,
    /// Its blockhash.
    pub blockhash: String,
    /// The last block height at which it can land.
    pub last_valid_block_height: u64,
    /// The sealed face, for `confirm`.
    pub face_id: String,
    /// keccak-256 of the package, hex: what the program stores.
    pub package_hash: String,
    /// The package's size.
    pub package_bytes: usize,
    /// Faces in the frame it came from.
    pub faces_in_frame: u32,
}

/// Reply of `confirm` and of local enrollment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrolledReply {
    /// Always true.
    pub success: bool,
    /// The enrollment.
    #[serde(flatten)]
    pub enrollment: EnrollmentJson,
    /// The confirmed transaction (`confirm` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
}

/// Reply of `GET /api/face/enrollment`: `enrolled`, and the enrollment's fields when it is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnEnrollmentReply {
    /// Whether the caller has an enrolled face.
    pub enrolled: bool,
    /// The caller's wallet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet_address: Option<String>,
    /// The sealed face.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face_id: Option<String>,
    /// The name drawn on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// When (unix ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolled_at: Option<u64>,
}

impl From<Option<EnrollmentJson>> for OwnEnrollmentReply {
    fn from(enrollment: Option<EnrollmentJson>) -> Self {
        Self {
            enrolled: enrollment.is_some(),
            wallet_address: enrollment.as_ref().map(|e| e.wallet_address.clone()),
            face_id: enrollment.as_ref().map(|e| e.face_id.clone()),
            display_name: enrollment.as_ref().map(|e| e.display_name.clone()),
            enrolled_at: enrollment.map(|e| e.enrolled_at),
        }
    }
}

/// Reply of `DELETE /api/face/enrollment`, as the biometric node's purge gives it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FacePurgedReply {
    /// Always true.
    pub success: bool,
    /// Whether the wallet had a key, now destroyed.
    pub key_destroyed: bool,
    /// Sealed faces deleted.
    pub purged_faces: usize,
}

/// Reply of `/clear_enrolled_faces`, as the biometric node's purge-all gives it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FacesPurgedReply {
    /// Always true.
    pub success: bool,
    /// Wallets whose keys were destroyed.
    pub purged_wallets: usize,
}

/// One face of `/get_enrolled_faces` (the reference's `name`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrolledFace {
    /// Whose.
    pub wallet_address: String,
    /// Its display name.
    pub name: String,
    /// The sealed face.
    pub face_id: String,
    /// When (unix ms).
    pub enrolled_at: u64,
}

/// Reply of `/get_enrolled_faces`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrolledFacesReply {
    /// Always true.
    pub success: bool,
    /// The faces.
    pub faces: Vec<EnrolledFace>,
    /// How many.
    pub count: usize,
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (mm_http::Response,), Error = Rejection> + Clone {
    let prepare = PREPARE
        .filter()
        .and(auth::caller_with_body::<EmptyRequest>(
            &PREPARE,
            state.clone(),
        ))
        .and(with_state(state.clone()))
        .then(
            |caller: Caller, _: EmptyRequest, state: AppState| async move {
                respond(prepare(&state, &caller).await)
            },
        );
    let confirm = CONFIRM
        .filter()
        .and(auth::caller_with_body::<ConfirmRequest>(
            &CONFIRM,
            state.clone(),
        ))
        .and(with_state(state.clone()))
        .then(
            |caller: Caller, request: ConfirmRequest, state: AppState| async move {
                respond(confirm(&state, &caller, &request).await)
            },
        );
    let enroll_local = ENROLL_LOCAL
        .filter()
        .and(auth::caller_with_body::<LocalEnrollRequest>(
            &ENROLL_LOCAL,
            state.clone(),
        ))
        .and(with_state(state.clone()))
        .then(
            |caller: Caller, request: LocalEnrollRequest, state: AppState| async move {
                respond(enroll_local(&state, &caller, &request).await)
            },
        );
    let own = ENROLLMENT_GET
        .filter()
        .and(auth::caller(&ENROLLMENT_GET, state.clone()))
        .and(with_state(state.clone()))
        .then(|caller: Caller, state: AppState| async move {
            respond(own_enrollment(&state, &caller).await)
        });
    let delete = ENROLLMENT_DELETE
        .filter()
        .and(auth::caller(&ENROLLMENT_DELETE, state.clone()))
        .and(with_state(state.clone()))
        .then(|caller: Caller, state: AppState| async move {
            respond(
                state
                    .internal
                    .post::<FacePurgedReply>(
                        InternalNode::Biometric,
                        "/api/biometric/purge",
                        &json!({"wallet_address": caller.wallet}),
                    )
                    .await,
            )
        });
    let list = ENROLLED_FACES
        .filter()
        .and(auth::caller(&ENROLLED_FACES, state.clone()))
        .and(with_state(state.clone()))
        .then(|_: Caller, state: AppState| async move { respond(enrolled_faces(&state).await) });
    let clear = ENROLLED_CLEAR
        .filter()
        .and(auth::caller_with_body::<EmptyRequest>(
            &ENROLLED_CLEAR,
            state.clone(),
        ))
        .and(with_state(state))
        .then(|_: Caller, _: EmptyRequest, state: AppState| async move {
            respond(
                state
                    .internal
                    .post::<FacesPurgedReply>(
                        InternalNode::Biometric,
                        "/api/biometric/purge-all",
                        &json!({}),
                    )
                    .await,
            )
        });
    prepare
        .or(confirm)
        .unify()
        .or(enroll_local)
        .unify()
        .or(own)
        .unify()
        .or(delete)
        .unify()
        .or(list)
        .unify()
        .or(clear)
        .unify()
}

async fn prepare(state: &AppState, caller: &Caller) -> Result<PrepareReply, ApiError> {
    let checked_in = state
        .visualization
        .lock()
        .map(|visualization| visualization.is_checked_in(&caller.wallet))
        .unwrap_or(false);
    if state.config.enrollment.require_check_in && !checked_in {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "check in at this camera on chain first, then enroll",
        ));
    }
    let sealed = seal_face_in_view(state, &caller.wallet).await?;
    let package = package_bytes(&sealed.package)?;
    let unsigned: UnsignedTransaction = state
        .internal
        .post(
            InternalNode::Solana,
            "/api/blockchain/transactions/enroll-face",
            &json!({"wallet_address": caller.wallet, "encrypted_embedding": sealed.package}),
        )
        .await?;
    Ok(PrepareReply {
        success: true,
        transaction: unsigned.transaction,
        blockhash: unsigned.blockhash,
        last_valid_block_height: unsigned.last_valid_block_height,
        face_id: sealed.face_id,
        package_hash: keccak_hex(&package),
        package_bytes: package.len(),
        faces_in_frame: sealed.faces_in_frame,
    })
}

async fn confirm(
    state: &AppState,
    caller: &Caller,
    request: &ConfirmRequest,
) -> Result<EnrolledReply, ApiError> {
    let display_name = display_name(request.display_name.as_deref(), &caller.wallet);
    // The package the biometric node sealed for this wallet under this id: the transaction
    // must carry exactly it.
    let stored: SealedFace = state
        .internal
        .post(
            InternalNode::Biometric,
            "/api/biometric/package",
            &json!({"wallet_address": caller.wallet, "face_id": request.face_id}),
        )
        .await?;
    let package = package_bytes(&stored.package)?;
    let _: serde_json::Value = state
        .internal
        .post(
            InternalNode::Solana,
            "/api/blockchain/confirm",
            &json!({
                "signature": request.signature,
                "wallet_address": caller.wallet,
                "instruction": "enroll_face",
                "data_hash": keccak_hex(&package),
            }),
        )
        .await?;
    let enrollment = enroll(state, &caller.wallet, &request.face_id, &display_name).await?;
    tracing::info!(wallet = %caller.wallet, face_id = %request.face_id, "enrollment confirmed on chain");
    Ok(EnrolledReply {
        success: true,
        enrollment,
        transaction_id: Some(request.signature.clone()),
    })
}

async fn enroll_local(
    state: &AppState,
    caller: &Caller,
    request: &LocalEnrollRequest,
) -> Result<EnrolledReply, ApiError> {
    if !state.config.enrollment.local {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "local enrollment is off here: enroll through the chain (prepare-transaction, then confirm)",
        ));
    }
    let display_name = display_name(request.display_name.as_deref(), &caller.wallet);
    let sealed = seal_face_in_view(state, &caller.wallet).await?;
    let enrollment = enroll(state, &caller.wallet, &sealed.face_id, &display_name).await?;
    Ok(EnrolledReply {
        success: true,
        enrollment,
        transaction_id: None,
    })
}

async fn own_enrollment(state: &AppState, caller: &Caller) -> Result<OwnEnrollmentReply, ApiError> {
    let list = enrollments(state).await?;
    let enrollment = list
        .into_iter()
        .find(|enrollment| enrollment.wallet_address == caller.wallet);
    Ok(enrollment.into())
}

async fn enrolled_faces(state: &AppState) -> Result<EnrolledFacesReply, ApiError> {
    let faces: Vec<EnrolledFace> = enrollments(state)
        .await?
        .into_iter()
        .map(|enrollment| EnrolledFace {
            wallet_address: enrollment.wallet_address,
            name: enrollment.display_name,
            face_id: enrollment.face_id,
            enrolled_at: enrollment.enrolled_at,
        })
        .collect();
    Ok(EnrolledFacesReply {
        success: true,
        count: faces.len(),
        faces,
    })
}

async fn enrollments(state: &AppState) -> Result<Vec<EnrollmentJson>, ApiError> {
    let list: EnrollmentList = state
        .internal
        .get(InternalNode::Biometric, "/api/biometric/enrollments")
        .await?;
    Ok(list.enrollments)
}

async fn seal_face_in_view(state: &AppState, wallet: &str) -> Result<SealedFace, ApiError> {
    state
        .internal
        .post(
            InternalNode::Biometric,
            "/api/biometric/prepare",
            &json!({"wallet_address": wallet}),
        )
        .await
}

async fn enroll(
    state: &AppState,
    wallet: &str,
    face_id: &str,
    display_name: &str,
) -> Result<EnrollmentJson, ApiError> {
    state
        .internal
        .post(
            InternalNode::Biometric,
            "/api/biometric/enroll",
            &json!({"wallet_address": wallet, "face_id": face_id, "display_name": display_name}),
        )
        .await
}

/// The name given, or the wallet's short form (`AbCd...WxYz`).
fn display_name(given: Option<&str>, wallet: &str) -> String {
    match given.map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ if wallet.len() > 8 && wallet.is_ascii() => {
            format!("{}...{}", &wallet[..4], &wallet[wallet.len() - 4..])
        }
        _ => wallet.to_owned(),
    }
}

fn package_bytes(base64_package: &str) -> Result<Vec<u8>, ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(base64_package)
        .map_err(|_| {
            ApiError::unavailable("the biometric node answered a package that is not base64")
        })
}

fn keccak_hex(bytes: &[u8]) -> String {
    hex::encode(solana_sdk::keccak::hash(bytes).to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_display_name_is_the_short_wallet() {
        let wallet = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
        assert_eq!(display_name(None, wallet), "9xQe...VFin");
        assert_eq!(display_name(Some("  "), wallet), "9xQe...VFin");
        assert_eq!(display_name(Some(" Ada "), wallet), "Ada");
    }
}
