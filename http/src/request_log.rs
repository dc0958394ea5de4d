//! A request id for every request: in the span around its handler (so every log line the
//! request causes names it) and in the `x-request-id` reply header (so a caller can quote it).
//!
//! A caller's own `x-request-id` is kept when it is short and plain; otherwise the server makes
//! one up: a per-process random prefix and a counter, unique across restarts.

use crate::reply::Response;
use std::convert::Infallible;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use warp::http::{HeaderValue, StatusCode};
use warp::{Filter, Reply};

/// The header that carries the request id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Longest caller-chosen request id that is kept.
const MAX_CALLER_ID: usize = 64;

/// `routes` with a request id and a `request` span around each request, and one log line
/// per answer (target `mm_http::access`): client errors at `warn`, server errors at `error`,
/// except 503 (a node that is down, already in `/api/health`) at `info`, and successes at
/// `debug` (health probes would drown everything else).
pub fn with_request_log<F>(
    routes: F,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone
where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    // A header that is not text is no id: fall back to none rather than reject the request.
    warp::header::optional::<String>(REQUEST_ID_HEADER)
        .or(warp::any().map(|| None))
        .unify()
        .map(|caller: Option<String>| {
            let id = caller.filter(|id| is_plain(id)).unwrap_or_else(next_id);
            tracing::Span::current().record("id", id.as_str());
            (id, Instant::now())
        })
        .and(routes)
        .map(|(id, started): (String, Instant), mut response: Response| {
            log_answer(response.status(), started.elapsed());
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            response
        })
        .with(warp::trace(|info| {
            tracing::info_span!(
                "request",
                id = tracing::field::Empty,
                method = %info.method(),
                path = %info.path(),
            )
        }))
}

/// Log directives every server starts with: the request span always on (so that every line a
/// request causes names it, whatever the level), warp's own per-request lines off (ours are
/// [`log_answer`]'s).
pub const LOG_DEFAULTS: &[&str] = &["mm_http::request_log=info", "warp::filters::trace=off"];

fn log_answer(status: StatusCode, elapsed: Duration) {
    let status = status.as_u16();
    // Milliseconds to the microsecond: `0.435`, not `0.43459800000000004`.
    let ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3;
    match status {
        503 => tracing::info!(target: "mm_http::access", status, ms, "answered"),
        500.. => tracing::error!(target: "mm_http::access", status, ms, "answered"),
        400.. => tracing::warn!(target: "mm_http::access", status, ms, "answered"),
        _ => tracing::debug!(target: "mm_http::access", status, ms, "answered"),
    }
}

/// Whether a caller's request id can be kept as it is (and logged without escaping).
fn is_plain(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CALLER_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// A new id: this process's random prefix and a counter.
fn next_id() -> String {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        // RandomState is seeded from the OS's random source: no extra dependency for an id
        // that need only differ between processes, not be secret.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.finish() as u32
    });
    format!("{prefix:08x}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::json;

    fn routes() -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
        warp::any().map(|| json(&"ok"))
    }

    #[tokio::test]
    async fn every_reply_names_its_request() {
        let filter = with_request_log(routes());
        let first = warp::test::request().reply(&filter).await;
        let second = warp::test::request().reply(&filter).await;
        let id = |r: &warp::http::Response<_>| r.headers()[REQUEST_ID_HEADER].clone();
        assert_ne!(id(&first), id(&second));
    }

    #[tokio::test]
    async fn a_plain_caller_id_is_kept_and_an_odd_one_replaced() {
        let filter = with_request_log(routes());
        let kept = warp::test::request()
            .header(REQUEST_ID_HEADER, "trace-42")
            .reply(&filter)
            .await;
        assert_eq!(kept.headers()[REQUEST_ID_HEADER], "trace-42");
        let replaced = warp::test::request()
            .header(REQUEST_ID_HEADER, "a b;c")
            .reply(&filter)
            .await;
        assert_ne!(replaced.headers()[REQUEST_ID_HEADER], "a b;c");
    }
}
