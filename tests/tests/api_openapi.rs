//! The OpenAPI documents of ports 5002, 5001 and 5003, made from the code's own route tables
//! and types: each is served at `/api/openapi.json`, is valid OpenAPI 3.1
//! (openapi-spec-validator), names every route of its table (path and aliases, method, who
//! may call it), and each server keeps to it under schemathesis: every route fuzzed, with the
//! owner's session on the API, no reply a 5xx and every reply's status, content type and body
//! as documented.
//!
//! Left out of the fuzzing, and why: `/stream` never ends (an MJPEG stream is one endless
//! reply; `pipeline_stream` reads it). The two routes that end what the others need, the
//! session's disconnect and the camera's reset, are fuzzed last, in a run of their own.

use mm_e2e::openapi::{fetch_document, validate, Fuzz};
use mm_e2e::solana::ChainFixture;
use mm_e2e::{free_port, serial, Pipeline};
use mm_http::{Access, RouteSpec};
use serde_json::Value;
use std::time::Duration;

/// Cases per operation: enough for every route's examples, coverage and some fuzzing.
const EXAMPLES: u32 = 10;

/// Every route of `routes` is in `document`: its path and each alias, under its method, with
/// its name as the operation id and a session demanded exactly when it is not public.
fn assert_documents(document: &Value, routes: &[&RouteSpec], server: &str) {
    assert_eq!(document["openapi"], "3.1.0", "{server}");
    let mut operations = 0;
    for route in routes {
        let method = route.method.as_str().to_ascii_lowercase();
        for (index, path) in std::iter::once(&route.path)
            .chain(route.aliases)
            .enumerate()
        {
            let operation = &document["paths"][path][&method];
            assert!(
                operation.is_object(),
                "{server}: {method} {path} is not documented"
            );
            let expected_id = match index {
                0 => route.name.to_owned(),
                n => format!("{}_legacy_{n}", route.name),
            };
            assert_eq!(
                operation["operationId"],
                expected_id.as_str(),
                "{server} {path}"
            );
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            assert_eq!(secured, route.access != Access::Public, "{server} {path}");
            assert!(
                operation["responses"]["default"].is_object(),
                "{server} {path}: errors undocumented"
            );
            operations += 1;
        }
    }
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented, operations,
        "{server}: operations beyond the route table"
    );
}

/// The paths (and aliases) of the routes named `names`.
fn paths_of(routes: &[&'static RouteSpec], names: &[&str]) -> Vec<&'static str> {
    routes
        .iter()
        .filter(|route| names.contains(&route.name))
        .flat_map(|route| std::iter::once(route.path).chain(route.aliases.iter().copied()))
        .collect()
}

fn fuzzed(result: Result<String, String>, what: &str) {
    match result {
        Ok(report) => eprintln!(
            "{what}: {}",
            report.lines().rev().take(8).collect::<Vec<_>>().join(" | ")
        ),
        Err(report) => panic!("schemathesis found problems in {what}:\n{report}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented_and_keeps_to_its_document_under_fuzzing() {
    let _serial = serial().await;
    let f = ChainFixture::default();
    let validator = f.validator().start().await;
    let solana_port = free_port();
    let pipeline = Pipeline::builder("openapi")
        .config(&format!(
            "[capture]\nwidth = 640\nheight = 360\nfps = 10\n\
             [solana]\nbind = \"127.0.0.1:{solana_port}\"\n{}",
            f.node_config(&validator, validator.ws_port(), true),
        ))
        .vision()
        .biometric()
        .add_node("h264")
        .add_node("media")
        .add_node("solana")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    let token = pipeline.owner_token().await;
    let dir = tempfile::tempdir().unwrap();

    let api = pipeline.url("");
    let solana = format!("http://127.0.0.1:{solana_port}");
    let biometric = pipeline.biometric_url("");
    let servers: [(&str, &str, &[&RouteSpec]); 3] = [
        ("api", &api, mm_api::routes::ROUTES),
        ("solana", &solana, mm_solana::routes::ROUTES),
        ("biometric", &biometric, mm_biometric::routes::ROUTES),
    ];
    let mut documents = Vec::new();
    for (name, url, routes) in servers {
        let (path, document) = fetch_document(url, dir.path(), name).await;
        if let Err(refusal) = validate(&path) {
            panic!("{name}'s document is not valid OpenAPI 3.1:\n{refusal}");
        }
        assert_documents(&document, routes, name);
        documents.push(path);
    }

    let bearer = format!("Bearer {token}");
    // Fuzzed last, in a run of their own: the routes that end what the others need.
    let ending = paths_of(
        mm_api::routes::ROUTES,
        &["session_disconnect", "camera_reset"],
    );
    let mut left_out = ending.clone();
    left_out.push("/stream");
    fuzzed(
        Fuzz::new(&documents[0], &api, EXAMPLES)
            .header("Authorization", &bearer)
            .exclude_paths(&left_out)
            .run(),
        "the API",
    );
    fuzzed(
        Fuzz::new(&documents[1], &solana, EXAMPLES).run(),
        "the Solana node",
    );
    fuzzed(
        Fuzz::new(&documents[2], &biometric, EXAMPLES).run(),
        "the biometric node",
    );
    fuzzed(
        Fuzz::new(&documents[0], &api, EXAMPLES)
            .header("Authorization", &bearer)
            .include_paths(&ending)
            .run(),
        "the API's disconnect and camera reset",
    );
    let (code, _) = mm_e2e::vision::get_json(&pipeline, "/api/health").await;
    assert!(code == 200 || code == 503, "the API still answers");
}
