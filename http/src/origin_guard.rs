//! CORS and the `Host` check, in front of every route of a server a browser can reach.
//!
//! - `Host` must name this camera (one of the configured names): a page on another site
//!   whose name was rebound to this address (DNS rebinding) is refused with 403.
//! - A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered here: 204 with
//!   the allowed methods and headers for an allowed origin, 403 otherwise.
//! - A page of this camera itself (its `Origin` is `http://` or `https://` and the request's own
//!   `Host`, a name that passed the check above) is served as any same-origin request is.
//! - A state-changing request (not GET or HEAD) from a page of an origin not on the list is
//!   refused with 403 before any route sees it; a GET from one is served without CORS
//!   headers, so that its page cannot read the answer.
//! - An allowed origin's answers carry `Access-Control-Allow-Origin: <that origin>` (never
//!   `*`), with credentials allowed and `Vary: Origin`.

use crate::reply::{ApiError, Response};
use std::convert::Infallible;
use std::sync::Arc;
use warp::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_METHOD, HOST, ORIGIN, VARY,
};
use warp::http::{HeaderMap, HeaderValue, Method, StatusCode};
use warp::{Filter, Reply};

/// Methods a page may use.
const ALLOWED_METHODS: &str = "GET, HEAD, POST, DELETE, OPTIONS";
/// Request headers a page may send.
const ALLOWED_HEADERS: &str = "Authorization, Content-Type, Range, X-Request-Id";
/// Answer headers a page may read.
const EXPOSED_HEADERS: &str = "X-Request-Id, Content-Length, Content-Range";

/// Which origins and host names are this camera's.
#[derive(Debug, Clone)]
pub struct OriginGuard {
    origins: Vec<String>,
    hosts: Vec<String>,
}

/// What the guard decided about a request.
#[derive(Debug)]
enum Verdict {
    /// Let the routes answer; with the origin to allow in the answer.
    Pass(Option<HeaderValue>),
    /// Answer a preflight from this allowed origin.
    Preflight(HeaderValue),
    /// Refuse.
    Refuse(StatusCode, &'static str),
}

impl OriginGuard {
    /// Pages of `origins` (`scheme://host[:port]`) may call; `Host` must be one of `hosts`
    /// (names without port, any case).
    pub fn new(origins: Vec<String>, hosts: Vec<String>) -> Self {
        Self {
            origins: origins
                .into_iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
            hosts: hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
        }
    }

    fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }

    fn allows_host(&self, host: &str) -> bool {
        let name = match host.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or(rest),
            None => host.split(':').next().unwrap_or(host),
        };
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    fn admit(&self, method: &Method, headers: &HeaderMap) -> Verdict {
        let host = headers.get(HOST).and_then(|h| h.to_str().ok());
        if !host.is_some_and(|host| self.allows_host(host)) {
            return Verdict::Refuse(
                StatusCode::FORBIDDEN,
                "this camera does not answer to that Host name",
            );
        }
        let Some(origin) = headers.get(ORIGIN) else {
            return Verdict::Pass(None);
        };
        if origin
            .to_str()
            .is_ok_and(|origin| host.is_some_and(|host| is_same_origin(origin, host)))
        {
            return Verdict::Pass(None);
        }
        let allowed = origin.to_str().is_ok_and(|o| self.allows_origin(o));
        let preflight =
            *method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD);
        match (allowed, preflight) {
            (true, true) => Verdict::Preflight(origin.clone()),
            (true, false) => Verdict::Pass(Some(origin.clone())),
            (false, true) => Verdict::Refuse(StatusCode::FORBIDDEN, "origin not allowed"),
            (false, false) if *method == Method::GET || *method == Method::HEAD => {
                Verdict::Pass(None)
            }
            (false, false) => Verdict::Refuse(
                StatusCode::FORBIDDEN,
                "requests from this origin are not allowed",
            ),
        }
    }
}

/// Whether `origin` is the page of the `host` it sends its request to (the camera's own page).
fn is_same_origin(origin: &str, host: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        origin
            .strip_prefix(scheme)
            .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
    })
}

/// `routes` behind `guard`.
pub fn with_origin_guard<F>(
    guard: Arc<OriginGuard>,
    routes: F,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone
where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    let verdict = warp::method()
        .and(warp::header::headers_cloned())
        .map(move |method: Method, headers: HeaderMap| guard.admit(&method, &headers));
    let answered = verdict.clone().and_then(|verdict| async move {
        match verdict {
            Verdict::Refuse(status, message) => Ok(ApiError::new(status, message).into_response()),
            Verdict::Preflight(origin) => Ok(preflight_answer(origin)),
            Verdict::Pass(_) => Err(warp::reject::not_found()),
        }
    });
    let passed = verdict
        .and_then(|verdict| async move {
            match verdict {
                Verdict::Pass(origin) => Ok(origin),
                _ => Err(warp::reject::not_found()),
            }
        })
        .and(routes)
        .map(|origin: Option<HeaderValue>, mut response: Response| {
            if let Some(origin) = origin {
                allow_origin(response.headers_mut(), origin);
            }
            response
        });
    answered
        .or(passed)
        .unify()
        // Unreachable: one of the two always matches.
        .recover(|_| async {
            Ok::<_, Infallible>(ApiError::bad_request("bad request").into_response())
        })
        .unify()
}

fn allow_origin(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
    headers.append(VARY, HeaderValue::from_static("Origin"));
}

fn preflight_answer(origin: HeaderValue) -> Response {
    let mut response =
        warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response();
    let headers = response.headers_mut();
    allow_origin(headers, origin);
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded() -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
        let guard = OriginGuard::new(
            vec!["https://app.example".to_owned()],
            vec!["localhost".to_owned(), "cam.example".to_owned()],
        );
        with_origin_guard(Arc::new(guard), warp::any().map(|| crate::json(&"routed")))
    }

    fn request(method: &str) -> warp::test::RequestBuilder {
        warp::test::request()
            .method(method)
            .path("/api/x")
            .header("host", "cam.example:5002")
    }

    #[tokio::test]
    async fn an_allowed_origin_gets_cors_headers_and_its_preflight() {
        let reply = request("POST")
            .header("origin", "https://app.example")
            .reply(&guarded())
            .await;
        assert_eq!(reply.status(), 200);
        assert_eq!(
            reply.headers()["access-control-allow-origin"],
            "https://app.example"
        );
        assert_eq!(reply.headers()["access-control-allow-credentials"], "true");
        let preflight = request("OPTIONS")
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .reply(&guarded())
            .await;
        assert_eq!(preflight.status(), 204);
        assert!(preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization"));
    }

    #[tokio::test]
    async fn the_cameras_own_page_may_post_without_being_listed() {
        for origin in ["http://cam.example:5002", "https://CAM.example:5002"] {
            let reply = request("POST")
                .header("origin", origin)
                .reply(&guarded())
                .await;
            assert_eq!(reply.status(), 200, "{origin}");
            assert!(!reply.headers().contains_key("access-control-allow-origin"));
        }
        // Another port of the same name is another origin.
        let other_port = request("POST")
            .header("origin", "http://cam.example:8080")
            .reply(&guarded())
            .await;
        assert_eq!(other_port.status(), 403);
    }

    #[tokio::test]
    async fn another_origin_may_not_change_anything_nor_read() {
        let post = request("POST")
            .header("origin", "https://evil.example")
            .reply(&guarded())
            .await;
        assert_eq!(post.status(), 403);
        assert_eq!(
            post.body().as_ref(),
            br#"{"error":"requests from this origin are not allowed"}"#
        );
        let get = request("GET")
            .header("origin", "https://evil.example")
            .reply(&guarded())
            .await;
        assert_eq!(get.status(), 200);
        assert!(!get.headers().contains_key("access-control-allow-origin"));
        let preflight = request("OPTIONS")
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .reply(&guarded())
            .await;
        assert_eq!(preflight.status(), 403);
    }

    #[tokio::test]
    async fn a_rebound_host_name_is_refused() {
        let reply = warp::test::request()
            .path("/api/x")
            .header("host", "attacker.example")
            .reply(&guarded())
            .await;
        assert_eq!(reply.status(), 403);
        let local = warp::test::request()
            .path("/api/x")
            .header("host", "LOCALHOST:5002")
            .reply(&guarded())
            .await;
        assert_eq!(local.status(), 200);
    }
}
