//! Every rejection warp raises (unknown route, wrong method, bad body, ...) becomes an
//! [`ApiError`]: a JSON `{"error": ...}` with the matching 4xx status.

use crate::json_body::{BadBody, NotJson};
use crate::reply::{ApiError, Response};
use std::convert::Infallible;
use warp::http::StatusCode;
use warp::{Rejection, Reply};

/// The JSON error for a rejection; for `.recover(handle_rejection)`.
pub async fn handle_rejection(rejection: Rejection) -> Result<Response, Infallible> {
    Ok(error_of(&rejection).into_response())
}

fn error_of(rejection: &Rejection) -> ApiError {
    if rejection.is_not_found() {
        return ApiError::not_found("not found");
    }
    if let Some(error) = rejection.find::<ApiError>() {
        return error.clone();
    }
    if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        return ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    }
    if let Some(error) = rejection.find::<warp::reject::InvalidQuery>() {
        return ApiError::bad_request(error.to_string());
    }
    if let Some(error) = rejection.find::<warp::filters::body::BodyDeserializeError>() {
        return ApiError::bad_request(error.to_string());
    }
    if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json",
        );
    }
    if let Some(NotJson(declared)) = rejection.find() {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("expected Content-Type: application/json, got {declared}"),
        );
    }
    if let Some(BadBody(error)) = rejection.find() {
        return ApiError::bad_request(format!("invalid JSON body: {error}"));
    }
    if rejection.find::<warp::reject::LengthRequired>().is_some() {
        return ApiError::new(StatusCode::LENGTH_REQUIRED, "Content-Length required");
    }
    if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    }
    tracing::warn!(?rejection, "unhandled rejection");
    ApiError::bad_request("bad request")
}

/// An [`ApiError`] can also be raised as a rejection (from a filter that must reject).
impl warp::reject::Reject for ApiError {}
