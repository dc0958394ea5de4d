//! Each route declared once: method, path, older aliases, who may call it, what it does.
//!
//! A server builds its filters from its [`RouteSpec`]s ([`RouteSpec::filter`]), lists them
//! in its index, and its tests walk the same list; so a route cannot exist without saying
//! who may call it.

use crate::openapi::{ReplyDoc, RequestDoc};
use serde::Serialize;
use warp::filters::BoxedFilter;
use warp::http::Method;
use warp::path::FullPath;
use warp::{Filter, Rejection};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone who can reach the port.
    Public,
    /// A caller with a valid session token.
    Session,
    /// The camera's owner.
    Owner,
}

/// One route.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RouteSpec {
    /// Short name (the key in the index's `endpoints`).
    pub name: &'static str,
    /// The HTTP method.
    #[serde(serialize_with = "method_name")]
    #[schema(value_type = String)]
    pub method: Method,
    /// The path, from the root.
    pub path: &'static str,
    /// Older paths that answer the same (kept for the reference system's clients).
    pub aliases: &'static [&'static str],
    /// Who may call it.
    pub access: Access,
    /// What it does, in one line.
    pub summary: &'static str,
    /// What the request carries besides its path (for the OpenAPI document).
    #[serde(skip)]
    #[schema(ignore)]
    pub request: RequestDoc,
    /// What it answers when it succeeds (for the OpenAPI document); errors are added from
    /// what the route is.
    #[serde(skip)]
    #[schema(ignore)]
    pub replies: &'static [ReplyDoc],
}

fn method_name<S: serde::Serializer>(method: &Method, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(method.as_str())
}

impl RouteSpec {
    /// Matches this route's path (or an alias) and method; a matching path with another
    /// method is rejected as "method not allowed".
    pub fn filter(&'static self) -> impl Filter<Extract = (), Error = Rejection> + Clone {
        warp::path::full()
            .and_then(move |path: FullPath| async move {
                if self.matches_path(path.as_str()) {
                    Ok(())
                } else {
                    Err(warp::reject::not_found())
                }
            })
            .untuple_one()
            .and(method_filter(&self.method))
    }

    /// Whether `path` is this route's path or one of its aliases; a path ending in
    /// [`NAME_PARAM`] matches any one non-empty segment there.
    pub fn matches_path(&self, path: &str) -> bool {
        match self.path.strip_suffix(NAME_PARAM) {
            Some(prefix) => path
                .strip_prefix(prefix)
                .is_some_and(|name| !name.is_empty() && !name.contains('/')),
            None => self.path == path || self.aliases.contains(&path),
        }
    }

    /// Whether the path ends in [`NAME_PARAM`].
    pub fn takes_name(&self) -> bool {
        self.path.ends_with(NAME_PARAM)
    }

    /// Like [`RouteSpec::filter`] for a path ending in [`NAME_PARAM`]: extracts that last
    /// segment as it came (still percent-encoded, so `%2e%2e%2f` stays what it is).
    pub fn named_filter(
        &'static self,
    ) -> impl Filter<Extract = (String,), Error = Rejection> + Clone {
        warp::path::full()
            .and_then(move |path: FullPath| async move {
                let prefix = self.path.strip_suffix(NAME_PARAM).unwrap_or(self.path);
                match path.as_str().strip_prefix(prefix) {
                    Some(name) if self.matches_path(path.as_str()) => Ok(name.to_owned()),
                    _ => Err(warp::reject::not_found()),
                }
            })
            .and(method_filter(&self.method))
    }
}

/// `GET /` of every server: its name, version and routes ([`index_route`]).
pub static INDEX: RouteSpec = RouteSpec {
    name: "index",
    method: Method::GET,
    path: "/",
    aliases: &[],
    access: Access::Public,
    summary: "This server's name, version and routes.",
    request: RequestDoc::None,
    replies: &[ReplyDoc::ok::<IndexReply>()],
};

/// The [`INDEX`] route of the server `name` at `version`, which serves `routes`.
pub fn index_route(
    name: &'static str,
    version: &'static str,
    routes: &'static [&'static RouteSpec],
) -> impl Filter<Extract = (crate::Response,), Error = Rejection> + Clone {
    INDEX
        .filter()
        .map(move || crate::json(&IndexReply::new(name, version, routes)))
}

/// The `GET /` body of every server: what it is and every route it serves.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IndexReply {
    /// What answers.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
    /// Route name → path.
    pub endpoints: std::collections::BTreeMap<&'static str, &'static str>,
    /// Older path → the route name it answers as.
    pub legacy_endpoints: std::collections::BTreeMap<&'static str, &'static str>,
    /// Every route in full, with who may call it.
    pub routes: &'static [&'static RouteSpec],
}

impl IndexReply {
    /// The index of `routes`, served by `name` at `version`.
    pub fn new(
        name: &'static str,
        version: &'static str,
        routes: &'static [&'static RouteSpec],
    ) -> Self {
        Self {
            name,
            version,
            endpoints: routes.iter().map(|r| (r.name, r.path)).collect(),
            legacy_endpoints: routes
                .iter()
                .flat_map(|r| r.aliases.iter().map(|alias| (*alias, r.name)))
                .collect(),
            routes,
        }
    }
}

/// The placeholder a route's path may end in: one segment, a file name.
pub const NAME_PARAM: &str = "{name}";

/// Warp's own method filter for `method`, so that a wrong method gets its 405 rejection.
fn method_filter(method: &Method) -> BoxedFilter<()> {
    match *method {
        Method::POST => warp::post().boxed(),
        Method::PUT => warp::put().boxed(),
        Method::DELETE => warp::delete().boxed(),
        Method::PATCH => warp::patch().boxed(),
        Method::HEAD => warp::head().boxed(),
        _ => warp::get().boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rejection::handle_rejection;

    static TOGGLE: RouteSpec = RouteSpec {
        name: "toggle",
        method: Method::POST,
        path: "/api/toggle",
        aliases: &["/toggle"],
        access: Access::Public,
        summary: "Toggles.",
        request: RequestDoc::None,
        replies: &[],
    };

    fn routes(
    ) -> impl Filter<Extract = (crate::Response,), Error = std::convert::Infallible> + Clone {
        TOGGLE
            .filter()
            .map(|| crate::json(&"toggled"))
            .recover(handle_rejection)
            .unify()
    }

    #[tokio::test]
    async fn the_path_an_alias_and_nothing_else() {
        for path in ["/api/toggle", "/toggle"] {
            let reply = warp::test::request()
                .method("POST")
                .path(path)
                .reply(&routes())
                .await;
            assert_eq!(reply.status(), 200, "{path}");
        }
        let elsewhere = warp::test::request().method("POST").path("/api/toggle/x");
        assert_eq!(elsewhere.reply(&routes()).await.status(), 404);
        let wrong_method = warp::test::request().method("GET").path("/api/toggle");
        let reply = wrong_method.reply(&routes()).await;
        assert_eq!(reply.status(), 405);
        assert_eq!(reply.body().as_ref(), br#"{"error":"method not allowed"}"#);
    }
}
