//! Request bodies: JSON only, bounded in size.
//!
//! A body must be declared `Content-Type: application/json`: a browser sends a cross-site
//! form POST (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`)
//! without asking the server first, so accepting those would let any web page change a
//! camera's settings. Such a request gets 415 before its body is parsed.

use serde::de::DeserializeOwned;
use warp::http::HeaderValue;
use warp::{Filter, Rejection};

/// Largest JSON body a route accepts.
pub const BODY_LIMIT: u64 = 16 * 1024;

/// A request body that is not the expected JSON (400).
#[derive(Debug)]
pub struct BadBody(pub String);
impl warp::reject::Reject for BadBody {}

/// A body declared with another content type than JSON, or not declared at all (415).
#[derive(Debug)]
pub struct NotJson(pub String);
impl warp::reject::Reject for NotJson {}

/// A JSON body of type `T`: declared `application/json`, at most [`BODY_LIMIT`] bytes.
pub fn json_body<T: DeserializeOwned + Send>(
) -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    body_of(|| None)
}

/// A JSON body of type `T`, or `T::default()` for an empty body, declared JSON or not (old
/// clients POST nothing, or `Content-Type: application/json` and nothing, to mean "the
/// defaults").
pub fn optional_json<T: DeserializeOwned + Default + Send>(
) -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    body_of(|| Some(T::default()))
}

/// The body, at most [`BODY_LIMIT`] bytes: a request with neither `Content-Length` nor
/// `Transfer-Encoding` has none (HTTP/1.1), as `curl -X POST` sends it; a chunked body without
/// a length is refused (411), so no body is read without a bound.
fn bounded_body() -> impl Filter<Extract = (bytes::Bytes,), Error = Rejection> + Clone {
    let without_body = warp::header::optional::<String>("content-length")
        .and(warp::header::optional::<String>("transfer-encoding"))
        .and_then(
            |length: Option<String>, encoding: Option<String>| async move {
                if length.is_none() && encoding.is_none() {
                    Ok(bytes::Bytes::new())
                } else {
                    // Not this case: the bounded read below decides.
                    Err(warp::reject())
                }
            },
        );
    let bounded = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    without_body.or(bounded).unify()
}

/// The body as `T`; `when_empty` answers an empty body (without a content type or declared
/// JSON).
fn body_of<T: DeserializeOwned + Send>(
    when_empty: fn() -> Option<T>,
) -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::header::optional::<String>("content-type")
        .and(bounded_body())
        .and_then(
            move |content_type: Option<String>, bytes: bytes::Bytes| async move {
                let empty = bytes.iter().all(u8::is_ascii_whitespace);
                match content_type {
                    Some(declared) if !is_json(&declared) => {
                        Err(warp::reject::custom(NotJson(declared)))
                    }
                    _ if empty => match (when_empty(), content_type) {
                        (Some(default), _) => Ok(default),
                        (None, None) => Err(warp::reject::custom(NotJson("none".to_owned()))),
                        (None, Some(_)) => Err(warp::reject::custom(BadBody(
                            "the body is empty; this route needs a JSON object".to_owned(),
                        ))),
                    },
                    None => Err(warp::reject::custom(NotJson("none".to_owned()))),
                    Some(_) => serde_json::from_slice(&bytes)
                        .map_err(|e| warp::reject::custom(BadBody(e.to_string()))),
                }
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
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Body {
        #[serde(default)]
        n: u32,
    }

    #[test]
    fn only_json_is_json() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("multipart/form-data; boundary=x"));
    }

    #[tokio::test]
    async fn an_empty_body_means_the_defaults_only_where_optional() {
        let empty = || warp::test::request().method("POST").body("");
        assert_eq!(
            empty().filter(&optional_json::<Body>()).await.unwrap(),
            Body::default()
        );
        let rejection = empty().filter(&json_body::<Body>()).await.unwrap_err();
        assert!(rejection.find::<NotJson>().is_some());
        // The reference system's web app declares JSON and sends nothing.
        let declared = || empty().header("content-type", "application/json");
        assert_eq!(
            declared().filter(&optional_json::<Body>()).await.unwrap(),
            Body::default()
        );
        let rejection = declared().filter(&json_body::<Body>()).await.unwrap_err();
        assert!(rejection.find::<BadBody>().is_some());
    }

    #[tokio::test]
    async fn a_post_without_a_length_has_no_body_unless_it_is_chunked() {
        let bare = warp::test::request().method("POST");
        assert_eq!(
            bare.filter(&optional_json::<Body>()).await.unwrap(),
            Body::default()
        );
        let rejection = warp::test::request()
            .method("POST")
            .header("transfer-encoding", "chunked")
            .filter(&optional_json::<Body>())
            .await
            .unwrap_err();
        assert!(rejection.find::<warp::reject::LengthRequired>().is_some());
    }

    #[tokio::test]
    async fn a_form_post_is_refused_before_parsing() {
        let rejection = warp::test::request()
            .method("POST")
            .header("content-type", "text/plain")
            .body(r#"{"n": 1}"#)
            .filter(&json_body::<Body>())
            .await
            .unwrap_err();
        assert!(rejection.find::<NotJson>().is_some());
        let parsed = warp::test::request()
            .method("POST")
            .header("content-type", "application/json")
            .body(r#"{"n": 1}"#)
            .filter(&json_body::<Body>())
            .await
            .unwrap();
        assert_eq!(parsed, Body { n: 1 });
    }
}
