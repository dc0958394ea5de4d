//! A server's OpenAPI 3.1 document, made from its route table.
//!
//! Each [`RouteSpec`] names the Rust types its handler takes and answers ([`RequestDoc`],
//! [`ReplyDoc`], schemas from [`utoipa::ToSchema`] derives), so the document is the code's
//! own description and cannot drift from it. [`document`] turns a route list into the
//! document; [`openapi_route`] serves it at [`OPENAPI`]'s path.
//!
//! What every route may also answer is added here once, from what the route is: 400 for a
//! body, query or name it could not read, 401/403 for its [`Access`], 404 for a name, 413 and
//! 415 for a JSON body, and `default` for any other error; all with the one error shape
//! ([`ErrorBody`]).

use crate::reply::ErrorBody;
use crate::route_table::{Access, RouteSpec, NAME_PARAM};
use std::borrow::Cow;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, Deprecated, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required,
    ResponseBuilder, ResponsesBuilder,
};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use warp::http::Method;
use warp::{Filter, Rejection};

/// Schemas gathered for the document's `components`: name → schema.
type Schemas = Vec<(String, RefOr<Schema>)>;

/// A JSON type's schema: the [`ToSchema`] functions of one type, kept as plain function
/// pointers so a route's static can hold them.
#[derive(Clone, Copy)]
pub struct JsonSchema {
    name: fn() -> Cow<'static, str>,
    schema: fn() -> RefOr<Schema>,
    nested: fn(&mut Schemas),
}

impl JsonSchema {
    /// The schema of `T`.
    pub const fn of<T: ToSchema>() -> Self {
        Self {
            name: <T as ToSchema>::name,
            schema: <T as utoipa::PartialSchema>::schema,
            nested: <T as ToSchema>::schemas,
        }
    }

    /// A `$ref` to this schema, with it (and every schema it refers to) added to `schemas`.
    fn reference(&self, schemas: &mut Schemas) -> RefOr<Schema> {
        let name = (self.name)().into_owned();
        if !schemas.iter().any(|(known, _)| *known == name) {
            schemas.push((name.clone(), (self.schema)()));
            (self.nested)(schemas);
        }
        RefOr::Ref(Ref::from_schema_name(name))
    }
}

impl std::fmt::Debug for JsonSchema {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&(self.name)())
    }
}

/// What a request carries besides its path and method.
#[derive(Debug, Clone, Copy)]
pub enum RequestDoc {
    /// Nothing.
    None,
    /// A JSON body of this schema; absent, it counts as `{}` (every field optional).
    OptionalJson(JsonSchema),
    /// A JSON body of this schema, which must be sent.
    Json(JsonSchema),
    /// Query parameters, from an [`IntoParams`] type.
    Query(fn() -> Vec<utoipa::openapi::path::Parameter>),
}

impl RequestDoc {
    /// A body of `T` that may be left out.
    pub const fn optional_json<T: ToSchema>() -> Self {
        Self::OptionalJson(JsonSchema::of::<T>())
    }

    /// A body of `T` that must be sent.
    pub const fn json<T: ToSchema>() -> Self {
        Self::Json(JsonSchema::of::<T>())
    }

    /// The query parameters of `T`.
    pub const fn query<T: IntoParams>() -> Self {
        Self::Query(query_parameters::<T>)
    }

    fn body(&self) -> Option<(JsonSchema, bool)> {
        match *self {
            Self::OptionalJson(schema) => Some((schema, false)),
            Self::Json(schema) => Some((schema, true)),
            Self::None | Self::Query(_) => None,
        }
    }
}

fn query_parameters<T: IntoParams>() -> Vec<utoipa::openapi::path::Parameter> {
    T::into_params(|| Some(ParameterIn::Query))
}

/// What one reply's body is.
#[derive(Debug, Clone, Copy)]
pub enum BodyDoc {
    /// No body (a `HEAD`, a `304`).
    Empty,
    /// JSON of this schema.
    Json(JsonSchema),
    /// Bytes of one of these media types (a JPEG, an MP4, Prometheus' text, the MJPEG stream).
    Media(&'static [&'static str]),
}

/// One reply a route gives on success (or a documented non-error status, such as a 503 with
/// a health report).
#[derive(Debug, Clone, Copy)]
pub struct ReplyDoc {
    /// The status code.
    pub status: u16,
    /// Its body.
    pub body: BodyDoc,
    /// When it comes.
    pub description: &'static str,
}

impl ReplyDoc {
    /// `200` with JSON of `T`.
    pub const fn ok<T: ToSchema>() -> Self {
        Self::json::<T>(200, "Success.")
    }

    /// `status` with JSON of `T`, given when `description` says.
    pub const fn json<T: ToSchema>(status: u16, description: &'static str) -> Self {
        Self {
            status,
            body: BodyDoc::Json(JsonSchema::of::<T>()),
            description,
        }
    }

    /// `status` with bytes of one of `media_types`.
    pub const fn media(
        status: u16,
        media_types: &'static [&'static str],
        description: &'static str,
    ) -> Self {
        Self {
            status,
            body: BodyDoc::Media(media_types),
            description,
        }
    }

    /// `status` without a body.
    pub const fn empty(status: u16, description: &'static str) -> Self {
        Self {
            status,
            body: BodyDoc::Empty,
            description,
        }
    }
}

/// `GET /api/openapi.json` of every server: its OpenAPI document ([`openapi_route`]).
pub static OPENAPI: RouteSpec = RouteSpec {
    name: "openapi",
    method: Method::GET,
    path: "/api/openapi.json",
    aliases: &[],
    access: Access::Public,
    summary: "This server's OpenAPI 3.1 document: every route, its parameters, bodies and replies.",
    request: RequestDoc::None,
    replies: &[ReplyDoc::media(200, &["application/json"], "The document.")],
};

/// What a server is, for its document's `info`.
#[derive(Debug, Clone, Copy)]
pub struct ServerInfo {
    /// Its title.
    pub title: &'static str,
    /// Its version.
    pub version: &'static str,
    /// What it does.
    pub description: &'static str,
}

/// The name of the bearer security scheme (a session id from `POST /api/session/connect`).
const SESSION_SCHEME: &str = "session";

/// The OpenAPI document of a server that serves `routes`, aliases included (marked
/// deprecated).
pub fn document(info: ServerInfo, routes: &[&RouteSpec]) -> OpenApi {
    let mut schemas = Schemas::new();
    let error = JsonSchema::of::<ErrorBody>().reference(&mut schemas);
    let mut paths = Paths::new();
    for route in routes {
        let mut describe = |operation_id: String, deprecated: bool| {
            operation(route, operation_id, deprecated, &error, &mut schemas)
        };
        let main = describe(route.name.to_owned(), false);
        paths.add_path_operation(route.path, vec![http_method(&route.method)], main);
        for (index, alias) in route.aliases.iter().enumerate() {
            let legacy = describe(format!("{}_legacy_{}", route.name, index + 1), true);
            paths.add_path_operation(alias, vec![http_method(&route.method)], legacy);
        }
    }
    let session = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "A session id: GET /api/session/challenge, sign it with the wallet, POST /api/session/connect.",
            ))
            .build(),
    );
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme(SESSION_SCHEME, session)
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(info.title)
                .version(info.version)
                .description(Some(info.description))
                .build(),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

/// The two routes that describe a server: [`crate::route_table::INDEX`] (`GET /`, its name,
/// version and routes) and [`OPENAPI`] (its document).
pub fn description_routes(
    info: ServerInfo,
    routes: &'static [&'static RouteSpec],
) -> impl Filter<Extract = (crate::Response,), Error = Rejection> + Clone {
    crate::route_table::index_route(info.title, info.version, routes)
        .or(openapi_route(info, routes))
        .unify()
}

/// The [`OPENAPI`] route of a server: its document, made once at start.
pub fn openapi_route(
    info: ServerInfo,
    routes: &'static [&'static RouteSpec],
) -> impl Filter<Extract = (crate::Response,), Error = Rejection> + Clone {
    let document = std::sync::Arc::new(document(info, routes));
    OPENAPI.filter().map(move || crate::json(document.as_ref()))
}

fn operation(
    route: &RouteSpec,
    operation_id: String,
    deprecated: bool,
    error: &RefOr<Schema>,
    schemas: &mut Schemas,
) -> utoipa::openapi::path::Operation {
    let mut builder = OperationBuilder::new()
        .operation_id(Some(operation_id))
        .summary(Some(route.summary))
        .tag(access_tag(route.access));
    if deprecated {
        builder = builder
            .deprecated(Some(Deprecated::True))
            .description(Some(format!(
                "The reference system's path of `{}`.",
                route.path
            )));
    }
    if route.takes_name() {
        let name = ParameterBuilder::new()
            .name(NAME_PARAM.trim_matches(['{', '}']))
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some("The file's name, as listed."))
            .schema(Some(String::schema()));
        builder = builder.parameter(name);
    }
    if let RequestDoc::Query(parameters) = route.request {
        builder = builder.parameters(Some(parameters()));
    }
    if let Some((schema, required)) = route.request.body() {
        let body = RequestBodyBuilder::new()
            .required(Some(if required {
                Required::True
            } else {
                Required::False
            }))
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(schema.reference(schemas)))
                    .build(),
            )
            .build();
        builder = builder.request_body(Some(body));
    }
    if route.access != Access::Public {
        builder = builder.security(SecurityRequirement::new::<_, [&str; 0], &str>(
            SESSION_SCHEME,
            [],
        ));
    }
    let mut responses = ResponsesBuilder::new();
    for reply in route.replies {
        let mut response = ResponseBuilder::new().description(reply.description);
        match reply.body {
            BodyDoc::Empty => {}
            BodyDoc::Json(schema) => {
                let content = ContentBuilder::new()
                    .schema(Some(schema.reference(schemas)))
                    .build();
                response = response.content("application/json", content);
            }
            BodyDoc::Media(media_types) => {
                for media_type in media_types {
                    response = response.content(*media_type, ContentBuilder::new().build());
                }
            }
        }
        responses = responses.response(reply.status.to_string(), response.build());
    }
    for (status, description) in error_statuses(route) {
        let body = ContentBuilder::new().schema(Some(error.clone())).build();
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/json", body);
        responses = responses.response(status, response.build());
    }
    builder.responses(responses.build()).build()
}

/// The errors `route` may answer by what it is, and `default` for the rest.
fn error_statuses(route: &RouteSpec) -> Vec<(&'static str, &'static str)> {
    let mut statuses = Vec::new();
    let takes_json = route.request.body().is_some();
    if takes_json || route.takes_name() || matches!(route.request, RequestDoc::Query(_)) {
        statuses.push((
            "400",
            "The request could not be read; `error` says what is wrong.",
        ));
    }
    if route.access != Access::Public {
        statuses.push(("401", "No session token."));
        statuses.push((
            "403",
            "The session is unknown or has ended (connect again), or may not do this (another wallet's, or not the owner's).",
        ));
    }
    if route.takes_name() {
        statuses.push(("404", "No such file (of this wallet)."));
    }
    if takes_json {
        statuses.push(("413", "The body is too large."));
        statuses.push(("415", "The body is not declared JSON."));
    }
    statuses.push(("default", "Any other error; `error` says what."));
    statuses
}

/// Operations are grouped by who may call them.
fn access_tag(access: Access) -> &'static str {
    match access {
        Access::Public => "public",
        Access::Session => "session",
        Access::Owner => "owner",
    }
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        Method::PATCH => HttpMethod::Patch,
        Method::HEAD => HttpMethod::Head,
        _ => HttpMethod::Get,
    }
}
