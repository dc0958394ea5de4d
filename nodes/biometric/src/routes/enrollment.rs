//! Enrollment on port 5003: the best face in view sealed for a wallet (`prepare`), a sealed
//! face made the wallet's enrolled one (`enroll`), the list of enrollments, and the owner's
//! purge of every wallet. Each change reaches the gallery through the bus side.

use super::{api_error, locked, package_reply, BiometricState, PackageReply};
use crate::bus_side::BestFace;
use crate::package;
use crate::store::Enrollment;
use mm_http::json_body::json_body;
use mm_http::{respond, ApiError, Response};
use mm_runtime::clock::unix_ms;
use mm_shm_schema::BestFaceStatus;
use serde::{Deserialize, Serialize};
use warp::{Filter, Rejection};

route!(
    PURGE_ALL,
    "purge_all",
    POST,
    "/api/biometric/purge-all",
    "Purges every wallet (the owner's clear of enrolled faces): every key destroyed.",
    mm_http::RequestDoc::None,
    &[mm_http::ReplyDoc::ok::<PurgeAllReply>()]
);
route!(
    PREPARE,
    "prepare",
    POST,
    "/api/biometric/prepare",
    "Seals the best face in view for {wallet_address}: its package, id and hash (400 when no face, one too small or turned away, or several are in view).",
    mm_http::RequestDoc::json::<PrepareRequest>(),
    &[mm_http::ReplyDoc::ok::<PreparedReply>()]

);
route!(
    ENROLL,
    "enroll",
    POST,
    "/api/biometric/enroll",
    "Makes {wallet_address, face_id, display_name} the wallet's enrolled face (after its chain confirmation), replacing an earlier one.",
    mm_http::RequestDoc::json::<EnrollRequest>(),
    &[mm_http::ReplyDoc::ok::<EnrollmentJson>()]

);
route!(
    ENROLLMENTS,
    "enrollments",
    GET,
    "/api/biometric/enrollments",
    "Every enrolled face: wallet, face id, display name, when (never an embedding).",
    mm_http::RequestDoc::None,
    &[mm_http::ReplyDoc::ok::<EnrollmentsReply>()]
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct EnrollRequest {
    wallet_address: String,
    face_id: String,
    #[serde(default)]
    display_name: String,
}

/// An enrolled face as JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrollmentJson {
    /// The wallet.
    pub wallet_address: String,
    /// Its enrolled face.
    pub face_id: String,
    /// The name drawn when its owner allows it.
    pub display_name: String,
    /// Unix ms.
    pub enrolled_at: u64,
}

impl From<Enrollment> for EnrollmentJson {
    fn from(enrollment: Enrollment) -> Self {
        Self {
            wallet_address: enrollment.wallet,
            face_id: enrollment.face_id,
            display_name: enrollment.display_name,
            enrolled_at: enrollment.enrolled_unix_ms,
        }
    }
}

/// The `enrollments` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrollmentsReply {
    /// Always true.
    pub success: bool,
    /// Oldest first.
    pub enrollments: Vec<EnrollmentJson>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PrepareRequest {
    wallet_address: String,
}

/// A face sealed from the live frame.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreparedReply {
    /// The package, as `seal` answers it.
    #[serde(flatten)]
    pub package: PackageReply,
    /// Faces in the frame it came from.
    pub faces_in_frame: u32,
    /// That frame's sequence number.
    pub frame_sequence: u64,
}

/// Reply of `purge-all`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PurgeAllReply {
    /// Always true.
    pub success: bool,
    /// Wallets whose keys were destroyed.
    pub purged_wallets: usize,
}

pub(super) fn routes(
    state: BiometricState,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let with_state = move || {
        let state = state.clone();
        warp::any().map(move || state.clone())
    };
    let purge_all = PURGE_ALL
        .filter()
        .and(with_state())
        .map(|state: BiometricState| respond(purge_all(&state)));
    let prepare = PREPARE
        .filter()
        .and(json_body::<PrepareRequest>())
        .and(with_state())
        .then(
            |request: PrepareRequest, state: BiometricState| async move {
                respond(prepare(&state, &request).await)
            },
        );
    let enroll = ENROLL
        .filter()
        .and(json_body::<EnrollRequest>())
        .and(with_state())
        .map(|request: EnrollRequest, state: BiometricState| respond(enroll(&state, &request)));
    let enrollments = ENROLLMENTS
        .filter()
        .and(with_state())
        .map(|state: BiometricState| respond(enrollments(&state)));
    purge_all
        .or(prepare)
        .unify()
        .or(enroll)
        .unify()
        .or(enrollments)
        .unify()
}

fn purge_all(state: &BiometricState) -> Result<PurgeAllReply, ApiError> {
    let purged = locked(state)?.purge_all(unix_ms()).map_err(api_error)?;
    state.bus.gallery_changed();
    tracing::info!(wallets = purged.len(), "every wallet purged");
    Ok(PurgeAllReply {
        success: true,
        purged_wallets: purged.len(),
    })
}

async fn prepare(
    state: &BiometricState,
    request: &PrepareRequest,
) -> Result<PreparedReply, ApiError> {
    package::wallet_bytes(&request.wallet_address)
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    let best: BestFace = state.bus.best_face().await.map_err(|error| {
        tracing::warn!(error = %mm_runtime::report::ErrorChain(&error), "no best face");
        ApiError::unavailable(format!("no face from inference: {error}"))
    })?;
    let refusal = |message: &str| Err(ApiError::bad_request(message));
    let embedding = match (best.status, &best.embedding) {
        (BestFaceStatus::Found, Some(embedding)) => embedding,
        (BestFaceStatus::NoFace, _) => return refusal("no face is in view"),
        (BestFaceStatus::TooSmall, _) => {
            return refusal(
                "the face in view is too small or turned away: come closer and face the camera",
            )
        }
        (BestFaceStatus::Several, _) => {
            return refusal("more than one face is in view: only the person enrolling may be")
        }
        (BestFaceStatus::NoFrame, _) => {
            return Err(ApiError::unavailable("no frame has reached inference yet"))
        }
        (BestFaceStatus::Failed | BestFaceStatus::Found, _) => {
            return Err(ApiError::unavailable(
                "inference could not embed the face; see its log",
            ))
        }
    };
    let sealed = locked(state)?
        .seal(&request.wallet_address, embedding.as_slice(), unix_ms())
        .map_err(api_error)?;
    tracing::info!(wallet = %request.wallet_address, face_id = %sealed.face_id, frame = best.sequence, "face sealed from the live frame");
    Ok(PreparedReply {
        package: package_reply(sealed.face_id, &sealed.package),
        faces_in_frame: best.faces_in_frame,
        frame_sequence: best.sequence,
    })
}

fn enroll(state: &BiometricState, request: &EnrollRequest) -> Result<EnrollmentJson, ApiError> {
    let enrollment = locked(state)?
        .enroll(
            &request.wallet_address,
            &request.face_id,
            &request.display_name,
            unix_ms(),
        )
        .map_err(api_error)?;
    state.bus.gallery_changed();
    tracing::info!(wallet = %enrollment.wallet, face_id = %enrollment.face_id, "enrolled");
    Ok(enrollment.into())
}

fn enrollments(state: &BiometricState) -> Result<EnrollmentsReply, ApiError> {
    let enrollments = locked(state)?.enrollments().map_err(api_error)?;
    Ok(EnrollmentsReply {
        success: true,
        enrollments: enrollments.into_iter().map(EnrollmentJson::from).collect(),
    })
}
