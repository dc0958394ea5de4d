//! Typed JSON replies and the one error shape every server answers with.

use serde::Serialize;
use warp::http::StatusCode;
use warp::Reply;

/// A finished HTTP reply.
pub type Response = warp::reply::Response;

/// `200 OK` with `body` as JSON.
pub fn json<T: Serialize>(body: &T) -> Response {
    warp::reply::json(body).into_response()
}

/// `status` with `body` as JSON.
pub fn json_with_status<T: Serialize>(body: &T, status: StatusCode) -> Response {
    warp::reply::with_status(warp::reply::json(body), status).into_response()
}

/// The body of every error reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person to read. Never holds a secret.
    pub error: String,
}

/// An error reply: a 4xx or 5xx status with `{"error": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error with `status` (a 4xx or 5xx) and a message for the caller.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// `400 Bad Request`: the request itself is wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// `404 Not Found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// `503 Service Unavailable`: what the route needs is not there now (a node is down, no
    /// frame yet); the same request may succeed later.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl Reply for ApiError {
    fn into_response(self) -> Response {
        json_with_status(
            &ErrorBody {
                error: self.message,
            },
            self.status,
        )
    }
}

/// `body` as `200 OK` JSON, or the error.
pub fn respond<T: Serialize>(result: Result<T, ApiError>) -> Response {
    match result {
        Ok(body) => json(&body),
        Err(error) => error.into_response(),
    }
}

/// A finished reply, or the error's.
pub fn reply_or_error(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(Reply::into_response)
}
