//! Every error the API answers is JSON: `{"error": "..."}` with a 4xx or 5xx status.

use crate::json_body::{BadBody, NotJson};
use serde_json::json;
use std::convert::Infallible;
use warp::http::StatusCode;
use warp::{Rejection, Reply};

/// A JSON error reply.
pub fn json_error(status: StatusCode, message: &str) -> warp::reply::Response {
    warp::reply::with_status(warp::reply::json(&json!({ "error": message })), status)
        .into_response()
}

/// Turns warp's rejections (unknown route, wrong method, bad body, ...) into JSON errors.
pub async fn handle_rejection(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    let (status, message) = if rejection.is_not_found() {
        (StatusCode::NOT_FOUND, "not found".to_owned())
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed".to_owned(),
        )
    } else if let Some(error) = rejection.find::<warp::reject::InvalidQuery>() {
        (StatusCode::BAD_REQUEST, error.to_string())
    } else if let Some(error) = rejection.find::<warp::filters::body::BodyDeserializeError>() {
        (StatusCode::BAD_REQUEST, error.to_string())
    } else if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json".to_owned(),
        )
    } else if let Some(NotJson(declared)) = rejection.find() {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("expected Content-Type: application/json, got {declared}"),
        )
    } else if let Some(BadBody(error)) = rejection.find() {
        (
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body: {error}"),
        )
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        (
            StatusCode::LENGTH_REQUIRED,
            "Content-Length required".to_owned(),
        )
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large".to_owned(),
        )
    } else {
        tracing::warn!(?rejection, "unhandled rejection");
        (StatusCode::BAD_REQUEST, "bad request".to_owned())
    };
    Ok(json_error(status, &message))
}
