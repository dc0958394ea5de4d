//! The HTTP routes of port 5003 (internal: loopback only), in the spirit of the reference's
//! biometric API. A plaintext embedding never leaves through HTTP: `open` proves that a
//! package opens for its wallet and says what it is bound to, and only the bus services give
//! embeddings, to the processes that hold them in memory.

use crate::bus_side::BusHandle;
use crate::package::{self, FacePackage};
use crate::store::{BiometricError, BiometricStore};
use base64::Engine as _;
use mm_http::json_body::json_body;
use mm_http::rejection::handle_rejection;
use mm_http::request_log::with_request_log;
use mm_http::{json_with_status, respond, ApiError, Response, RouteSpec};
use mm_runtime::clock::unix_ms;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use warp::http::StatusCode;
use warp::{Filter, Reply};

/// What the handlers share.
#[derive(Clone)]
pub struct BiometricState {
    /// The store (short critical sections: one seal or purge).
    pub store: Arc<Mutex<BiometricStore>>,
    /// The camera id.
    pub camera_id: String,
    /// The model sealed embeddings are bound to.
    pub model_id: String,
    /// The bus side: best faces, gallery changes.
    pub bus: BusHandle,
}

macro_rules! route {
    ($name:ident, $key:literal, $method:ident, $path:literal, $summary:literal, $request:expr, $replies:expr) => {
        /// See its summary.
        pub static $name: mm_http::RouteSpec = mm_http::RouteSpec {
            name: $key,
            method: warp::http::Method::$method,
            path: $path,
            aliases: &[],
            access: mm_http::Access::Public,
            summary: $summary,
            request: $request,
            replies: $replies,
        };
    };
}

mod enrollment;

pub use enrollment::{EnrollmentJson, EnrollmentsReply, PreparedReply, PurgeAllReply};

route!(
    HEALTH,
    "health",
    GET,
    "/api/health",
    "Whether the store and its audit chain are sound.",
    mm_http::RequestDoc::None,
    &[
        mm_http::ReplyDoc::ok::<HealthReply>(),
        mm_http::ReplyDoc::json::<HealthReply>(503, "The store or its audit chain is unsound.")
    ]
);
route!(
    STATUS,
    "status",
    GET,
    "/api/biometric/status",
    "Algorithms, counts and the audit head.",
    mm_http::RequestDoc::None,
    &[mm_http::ReplyDoc::ok::<StatusReply>()]
);
route!(
    SEAL,
    "seal",
    POST,
    "/api/biometric/seal",
    "Seals {wallet_address, embedding: [128 numbers]}: the face package, its id and hash.",
    mm_http::RequestDoc::json::<SealRequest>(),
    &[mm_http::ReplyDoc::ok::<PackageReply>()]
);
route!(OPEN, "open", POST, "/api/biometric/open", "Whether {wallet_address, package (base64)} opens, and what it is bound to (never the embedding).",
    mm_http::RequestDoc::json::<OpenRequest>(),
    &[mm_http::ReplyDoc::ok::<OpenReply>()]
);
route!(
    PACKAGE,
    "package",
    POST,
    "/api/biometric/package",
    "The stored package of {wallet_address, face_id}.",
    mm_http::RequestDoc::json::<PackageRequest>(),
    &[mm_http::ReplyDoc::ok::<PackageReply>()]
);
route!(
    PURGE,
    "purge",
    POST,
    "/api/biometric/purge",
    "Destroys {wallet_address}'s key and packages: no copy opens again.",
    mm_http::RequestDoc::json::<PurgeRequest>(),
    &[mm_http::ReplyDoc::ok::<PurgeReply>()]
);

/// Every route of port 5003.
pub static ROUTES: &[&RouteSpec] = &[
    &mm_http::route_table::INDEX,
    &mm_http::openapi::OPENAPI,
    &HEALTH,
    &STATUS,
    &SEAL,
    &OPEN,
    &PACKAGE,
    &PURGE,
    &enrollment::PURGE_ALL,
    &enrollment::PREPARE,
    &enrollment::ENROLL,
    &enrollment::ENROLLMENTS,
    &mm_http::metrics::METRICS,
];

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SealRequest {
    wallet_address: String,
    embedding: Vec<f32>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct OpenRequest {
    wallet_address: String,
    package: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PackageRequest {
    wallet_address: String,
    face_id: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PurgeRequest {
    wallet_address: String,
}

/// A face package as JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PackageReply {
    /// Always true.
    pub success: bool,
    /// `face_<32 hex>`.
    pub face_id: String,
    /// The package, base64.
    pub package: String,
    /// Its size.
    pub package_bytes: usize,
    /// SHA-256 of it, hex.
    pub package_hash: String,
}

/// The `open` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenReply {
    /// Always true.
    pub success: bool,
    /// The package's face.
    pub face_id: String,
    /// Its wallet.
    pub wallet_address: String,
    /// The camera that sealed it.
    pub camera_id: String,
    /// The model it was computed with.
    pub model_id: String,
    /// Values in the embedding.
    pub embedding_len: usize,
}

/// The `purge` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PurgeReply {
    /// Always true.
    pub success: bool,
    /// Whether the wallet had a key, now destroyed.
    pub key_destroyed: bool,
    /// Packages deleted.
    pub purged_faces: usize,
}

/// The `status` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusReply {
    /// `mm-biometric`.
    pub service: &'static str,
    /// Its version.
    pub version: &'static str,
    /// How embeddings are sealed.
    pub encryption: &'static str,
    /// How data keys are kept.
    pub key_wrapping: &'static str,
    /// The camera.
    pub camera_id: String,
    /// The model embeddings are bound to.
    pub model_id: String,
    /// Wallets with a key.
    pub wallets: u64,
    /// Stored packages.
    pub faces: u64,
    /// Audit records.
    pub audit_records: u64,
    /// The newest audit record's hash, to keep elsewhere.
    pub audit_head: Option<String>,
}

/// The `health` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthReply {
    /// `healthy` or `unhealthy`.
    pub status: &'static str,
    /// `mm-biometric`.
    pub service: &'static str,
    /// Unix ms.
    pub timestamp: u64,
    /// Whether the audit chain verifies.
    pub audit_chain: &'static str,
}

/// Every route, with request ids and JSON errors.
pub fn routes(
    state: BiometricState,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let routes_state = state.clone();
    let with_state = move || {
        let state = routes_state.clone();
        warp::any().map(move || state.clone())
    };
    let info = mm_http::openapi::ServerInfo {
        title: "mm-biometric",
        version: env!("CARGO_PKG_VERSION"),
        description: "The camera's biometric node (port 5003, internal): face embeddings sealed \
            with AES-SIV under per-wallet keys, enrollments, and their destruction.",
    };
    let index = mm_http::openapi::description_routes(info, ROUTES);
    let health = HEALTH
        .filter()
        .and(with_state())
        .map(|state: BiometricState| health(&state));
    let status = STATUS
        .filter()
        .and(with_state())
        .map(|state: BiometricState| respond(status(&state)));
    let seal = SEAL
        .filter()
        .and(json_body::<SealRequest>())
        .and(with_state())
        .map(|request: SealRequest, state: BiometricState| respond(seal(&state, &request)));
    let open = OPEN
        .filter()
        .and(json_body::<OpenRequest>())
        .and(with_state())
        .map(|request: OpenRequest, state: BiometricState| respond(open(&state, &request)));
    let package = PACKAGE
        .filter()
        .and(json_body::<PackageRequest>())
        .and(with_state())
        .map(|request: PackageRequest, state: BiometricState| respond(package(&state, &request)));
    let purge = PURGE
        .filter()
        .and(json_body::<PurgeRequest>())
        .and(with_state())
        .map(|request: PurgeRequest, state: BiometricState| respond(purge(&state, &request)));
    let metrics = mm_http::metrics::METRICS
        .filter()
        .and(with_state())
        .map(|state: BiometricState| metrics(&state));
    let all = index
        .or(health)
        .unify()
        .or(status)
        .unify()
        .or(seal)
        .unify()
        .or(open)
        .unify()
        .or(package)
        .unify()
        .or(purge)
        .unify()
        .or(metrics)
        .unify()
        .or(enrollment::routes(state.clone()))
        .unify()
        .recover(handle_rejection)
        .unify();
    with_request_log(all)
}

/// The HTTP error of a store error; a server fault is logged here, once.
fn api_error(error: BiometricError) -> ApiError {
    match &error {
        BiometricError::Package(_) | BiometricError::Embedding(_) | BiometricError::DisplayName => {
            ApiError::bad_request(error.to_string())
        }
        BiometricError::NoKey | BiometricError::NoFace => ApiError::not_found(error.to_string()),
        BiometricError::WrongWallet => ApiError::new(StatusCode::FORBIDDEN, error.to_string()),
        BiometricError::Seal(crate::seal::SealError::Unauthentic) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error.to_string())
        }
        BiometricError::Store(_) | BiometricError::Create { .. } | BiometricError::Seal(_) => {
            tracing::error!(error = %mm_runtime::report::ErrorChain(&error), "biometric store");
            ApiError::unavailable("the biometric store failed; see the node's log")
        }
    }
}

fn locked(state: &BiometricState) -> Result<std::sync::MutexGuard<'_, BiometricStore>, ApiError> {
    state
        .store
        .lock()
        .map_err(|_| ApiError::unavailable("the biometric store is unavailable"))
}

fn health(state: &BiometricState) -> Response {
    // Broken chains are logged once, when the node starts.
    let sound = locked(state).map(|store| store.audit_sound().is_ok());
    let (status, chain, code) = match sound {
        Ok(true) => ("healthy", "verified", StatusCode::OK),
        Ok(false) => ("unhealthy", "broken", StatusCode::SERVICE_UNAVAILABLE),
        Err(_) => ("unhealthy", "unreadable", StatusCode::SERVICE_UNAVAILABLE),
    };
    json_with_status(
        &HealthReply {
            status,
            service: "mm-biometric",
            timestamp: unix_ms(),
            audit_chain: chain,
        },
        code,
    )
}

/// `GET /metrics`: counts and the audit chain's soundness (never a wallet).
fn metrics(state: &BiometricState) -> Response {
    use prometheus_client::metrics::gauge::Gauge;
    let gauge = |value: u64| {
        let gauge = Gauge::<i64>::default();
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
        gauge
    };
    let Ok(store) = locked(state) else {
        return ApiError::unavailable("the biometric store is unavailable").into_response();
    };
    let stats = match store.stats() {
        Ok(stats) => stats,
        Err(error) => return api_error(error).into_response(),
    };
    let sound = store.audit_sound().is_ok();
    let enrolled = store.enrollments().map_or(0, |e| e.len() as u64);
    drop(store);
    let mut registry = mm_http::metrics::registry();
    registry.register(
        "biometric_wallets",
        "Wallets with a data key",
        gauge(stats.wallets),
    );
    registry.register(
        "biometric_faces",
        "Sealed face packages stored",
        gauge(stats.faces),
    );
    registry.register(
        "biometric_enrolled",
        "Wallets with an enrolled face",
        gauge(enrolled),
    );
    registry.register(
        "biometric_audit_records",
        "Records in the audit log",
        gauge(stats.audit_records),
    );
    registry.register(
        "biometric_audit_chain_ok",
        "1 while the audit log's hash chain verifies",
        gauge(u64::from(sound)),
    );
    mm_http::metrics::reply(&registry)
}

fn status(state: &BiometricState) -> Result<StatusReply, ApiError> {
    let store = locked(state)?;
    let stats = store.stats().map_err(api_error)?;
    Ok(StatusReply {
        service: "mm-biometric",
        version: env!("CARGO_PKG_VERSION"),
        encryption: "AES-256-SIV (RFC 5297), random 16-byte nonce, associated data: wallet, camera, model, format version",
        key_wrapping: "a random 64-byte key per wallet, wrapped with AES-256-SIV under the device key",
        camera_id: state.camera_id.clone(),
        model_id: state.model_id.clone(),
        wallets: stats.wallets,
        faces: stats.faces,
        audit_records: stats.audit_records,
        audit_head: store.audit_head().map_err(api_error)?,
    })
}

fn package_reply(face_id: String, bytes: &[u8]) -> PackageReply {
    PackageReply {
        success: true,
        face_id,
        package: base64::engine::general_purpose::STANDARD.encode(bytes),
        package_bytes: bytes.len(),
        package_hash: package::sha256_hex(bytes),
    }
}

fn seal(state: &BiometricState, request: &SealRequest) -> Result<PackageReply, ApiError> {
    let sealed = locked(state)?
        .seal(&request.wallet_address, &request.embedding, unix_ms())
        .map_err(api_error)?;
    Ok(package_reply(sealed.face_id, &sealed.package))
}

fn open(state: &BiometricState, request: &OpenRequest) -> Result<OpenReply, ApiError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(request.package.trim())
        .map_err(|_| ApiError::bad_request("package must be base64"))?;
    let (package, embedding): (FacePackage, _) = locked(state)?
        .open_package(&request.wallet_address, &bytes, unix_ms())
        .map_err(api_error)?;
    Ok(OpenReply {
        success: true,
        face_id: package.face_id_text(),
        wallet_address: package.wallet_address(),
        camera_id: package.camera_id,
        model_id: package.model_id,
        embedding_len: embedding.len(),
    })
}

fn package(state: &BiometricState, request: &PackageRequest) -> Result<PackageReply, ApiError> {
    let bytes = locked(state)?
        .package(&request.wallet_address, &request.face_id)
        .map_err(api_error)?;
    Ok(package_reply(request.face_id.clone(), &bytes))
}

fn purge(state: &BiometricState, request: &PurgeRequest) -> Result<PurgeReply, ApiError> {
    let purged = locked(state)?
        .purge(&request.wallet_address, unix_ms())
        .map_err(api_error)?;
    state.bus.gallery_changed();
    tracing::info!(wallet = %request.wallet_address, faces = purged.faces, key_destroyed = purged.key_destroyed, "purged");
    Ok(PurgeReply {
        success: true,
        key_destroyed: purged.key_destroyed,
        purged_faces: purged.faces,
    })
}
