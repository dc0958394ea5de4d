//! Request bodies: JSON only, bounded in size.
//!
//! A body must be declared `Content-Type: application/json`: a browser sends a cross-site
//! form POST (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`)
//! without asking the server first, so accepting those would let any web page flip a
//! camera's settings. Such a request gets 415 before its body is read.

use serde::Deserialize;
use warp::http::HeaderValue;
use warp::{Filter, Rejection};

/// Largest JSON body a route accepts.
pub const BODY_LIMIT: u64 = 16 * 1024;

/// A request body that is not the expected JSON.
#[derive(Debug)]
pub struct BadBody(pub String);
impl warp::reject::Reject for BadBody {}

/// A body declared with another content type than JSON.
#[derive(Debug)]
pub struct NotJson(pub String);
impl warp::reject::Reject for NotJson {}

/// A JSON body of type `T`, or `T::default()` for an empty body without a content type (old
/// clients POST nothing to mean "the defaults").
pub fn optional_json<T: for<'de> Deserialize<'de> + Default + Send>(
) -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::bytes())
        .and_then(
            |content_type: Option<String>, bytes: bytes::Bytes| async move {
                let empty = bytes.iter().all(u8::is_ascii_whitespace);
                match content_type {
                    Some(declared) if !is_json(&declared) => {
                        return Err(warp::reject::custom(NotJson(declared)));
                    }
                    None if !empty => {
                        return Err(warp::reject::custom(NotJson("none".to_owned())));
                    }
                    _ => {}
                }
                if empty {
                    return Ok(T::default());
                }
                serde_json::from_slice(&bytes)
                    .map_err(|e| warp::reject::custom(BadBody(e.to_string())))
            },
        )
}

/// Whether a `Content-Type` value is JSON (`application/json`, parameters allowed).
fn is_json(content_type: &str) -> bool {
    HeaderValue::from_str(content_type).is_ok()
        && content_type
            .split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn only_json_is_json() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("multipart/form-data; boundary=x"));
    }
}
