//! Every route of port 5002, walked from the API's own route table: each answers on its path
//! and its aliases, says who may call it and means it (401 without a session, 403 with a
//! token that opens none or the session of a wallet it does not serve), answers JSON errors for a wrong method or a body
//! that is not declared JSON, and names its request in the reply and in the log.

use mm_api::routes::ROUTES;
use mm_e2e::wallet::TestWallet;
use mm_e2e::{serial, Pipeline};
use mm_http::openapi::BodyDoc;
use mm_http::Access;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use std::time::Duration;

fn request(client: &reqwest::Client, method: &str, url: &str) -> reqwest::RequestBuilder {
    with_body(client, method, url, "{}")
}

/// `method` on `url`, with `body` as JSON when it is a POST.
fn with_body(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    body: &str,
) -> reqwest::RequestBuilder {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let request = client.request(method.clone(), url);
    if method == Method::POST {
        request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned())
    } else {
        request
    }
}

/// A file name of the right form for a route's `{name}`.
fn file_name(path: &str) -> &'static str {
    if path.contains("photos") {
        "photo-20000101-000000-000.jpg"
    } else {
        "rec-20000101-000000-000.mp4"
    }
}

async fn json_of(response: reqwest::Response) -> serde_json::Value {
    let content_type = response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.unwrap()
}

/// Enrollment without the chain's check-in, local enrollment on.
const ENROLLMENT_OPEN: &str = "[enrollment]\nrequire_check_in = false\nlocal = true";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_on_every_path_with_json_and_a_request_id() {
    let _serial = serial().await;
    // No inference: the vision routes answer 503 with the reason, which is their truth here.
    let pipeline = Pipeline::builder("routes-walk")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 10")
        // Enrollment routes then reach for the biometric node (absent here: 503) instead of
        // stopping at the check-in or at local enrollment being off (403).
        .config(ENROLLMENT_OPEN)
        .keep_logs()
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let anonymous = reqwest::Client::new();
    let client = pipeline.owner_client().await;

    let index = json_of(client.get(pipeline.url("/")).send().await.unwrap()).await;
    let listed = index["routes"].as_array().unwrap();
    assert_eq!(listed.len(), ROUTES.len());
    for (route, listed) in ROUTES.iter().zip(listed) {
        assert_eq!(listed["path"], route.path);
        assert!(
            ["public", "session", "owner"].contains(&listed["access"].as_str().unwrap()),
            "{listed}"
        );
        assert_eq!(index["endpoints"][route.name], route.path);
    }

    for route in ROUTES {
        let method = route.method.as_str();
        for path in std::iter::once(&route.path).chain(route.aliases) {
            // A named file route gets a name of the right form that names no file.
            let path = &path.replace("{name}", file_name(path));
            if route.access != Access::Public {
                let stranger = request(&anonymous, method, &pipeline.url(path))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    stranger.status(),
                    StatusCode::UNAUTHORIZED,
                    "{method} {path}"
                );
                if method != "HEAD" {
                    assert!(json_of(stranger).await["error"].is_string());
                }
            }
            // Disconnecting would end the walk's own session: a throwaway one ends instead.
            let response = if route.name == "session_disconnect" {
                let throwaway = TestWallet::from_seed(70).sign_in(&pipeline).await;
                request(&anonymous, method, &pipeline.url(path))
                    .bearer_auth(throwaway)
                    .send()
                    .await
                    .unwrap()
            } else {
                request(&client, method, &pipeline.url(path))
                    .send()
                    .await
                    .unwrap()
            };
            let status = response.status();
            assert!(
                response.headers().contains_key("x-request-id"),
                "{method} {path}"
            );
            // 503: what the route needs is not running here (inference, the media node); 400:
            // `{}` is not a valid body for it; 404: the named file does not exist.
            assert!(
                [
                    StatusCode::OK,
                    StatusCode::SERVICE_UNAVAILABLE,
                    StatusCode::BAD_REQUEST,
                    StatusCode::NOT_FOUND
                ]
                .contains(&status),
                "{method} {path}: {status}"
            );
            assert_eq!(
                status == StatusCode::NOT_FOUND,
                route.takes_name(),
                "{method} {path}: {status}"
            );
            if method == "HEAD" {
                continue;
            }
            // A route that answers other media than JSON (the stream, the page, the metrics)
            // answers one of those it documents; every other answer is JSON.
            match route.replies.first().map(|reply| reply.body) {
                Some(BodyDoc::Media(types)) if status == StatusCode::OK => {
                    let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap();
                    assert!(
                        types.iter().any(|t| content_type.starts_with(t)),
                        "{method} {path}: {content_type} is not one of {types:?}"
                    );
                    drop(response);
                }
                _ => {
                    let body = json_of(response).await;
                    if status != StatusCode::OK {
                        assert!(body["error"].is_string(), "{method} {path}: {body}");
                    }
                }
            }

            // A method no route of this path takes.
            let taken: Vec<&str> = ROUTES
                .iter()
                .filter(|r| r.path == route.path)
                .map(|r| r.method.as_str())
                .collect();
            let other = ["DELETE", "GET", "PUT", "PATCH"]
                .into_iter()
                .find(|m| !taken.contains(m))
                .unwrap();
            let wrong = request(&client, other, &pipeline.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(
                wrong.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{other} {path}"
            );
            assert_eq!(json_of(wrong).await["error"], "method not allowed");

            if method == "POST" {
                let form = anonymous
                    .post(pipeline.url(path))
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body("enabled=true")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
                assert!(json_of(form).await["error"].is_string());
            }
        }
    }

    // A caller's own request id comes back and names the request's log line.
    let missing = client
        .get(pipeline.url("/api/not-a-route"))
        .header("x-request-id", "walk-404")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()["x-request-id"], "walk-404");
    assert_eq!(json_of(missing).await["error"], "not found");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let logs = pipeline.logs();
        let line = logs.lines().find(|line| line.contains("walk-404"));
        if let Some(line) = line {
            assert!(
                line.contains("/api/not-a-route") && line.contains("404"),
                "{line}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no log line names walk-404:\n{logs}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Writes a file named `name` (photo or video) owned by `wallet`, with its sidecar.
fn owned_file(pipeline: &Pipeline, name: &str, wallet: &str) {
    let dir = if name.starts_with("photo") {
        pipeline.photos_dir()
    } else {
        pipeline.videos_dir()
    };
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), b"not really media").unwrap();
    let stem = name.rsplit_once('.').unwrap().0;
    let sidecar = serde_json::json!({ "name": name, "wallet": wallet });
    std::fs::write(dir.join(format!("{stem}.json")), sidecar.to_string()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_route_serves_a_wallet_it_is_not_for() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("routes-access")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 10")
        // Enrollment routes then reach for the biometric node (absent here: 503) instead of
        // stopping at the check-in or at local enrollment being off (403).
        .config(ENROLLMENT_OPEN)
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let (alice, bob) = (TestWallet::from_seed(61), TestWallet::from_seed(62));
    let mut alice_token = alice.sign_in(&pipeline).await;
    let mut bob_token = bob.sign_in(&pipeline).await;
    let mut owner_token = pipeline.owner_token().await;
    let client = reqwest::Client::new();
    let send = |token: &str, method: &str, path: &str, body: &str| {
        with_body(&client, method, &pipeline.url(path), body)
            .bearer_auth(token)
            .send()
    };
    let not_refused =
        |status: StatusCode| status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN;

    for route in ROUTES {
        let method = route.method.as_str();
        let path = route.path.replace("{name}", file_name(route.path));
        // Bob's file, made afresh for each route (a delete may have taken it).
        owned_file(&pipeline, file_name(route.path), &bob.address());
        // A body naming another wallet than the session's.
        if method == "POST" && route.access != Access::Public {
            let body = format!(r#"{{"wallet_address": "{}"}}"#, bob.address());
            let claimed = send(&alice_token, method, &path, &body).await.unwrap();
            assert_eq!(claimed.status(), StatusCode::FORBIDDEN, "{method} {path}");
        }
        let as_alice = send(&alice_token, method, &path, "{}")
            .await
            .unwrap()
            .status();
        let as_owner = send(&owner_token, method, &path, "{}")
            .await
            .unwrap()
            .status();
        let garbage = send(&"0".repeat(64), method, &path, "{}")
            .await
            .unwrap()
            .status();
        match route.access {
            Access::Public => {
                assert!(not_refused(as_alice), "{method} {path}: {as_alice}");
                continue;
            }
            Access::Owner => {
                assert_eq!(as_alice, StatusCode::FORBIDDEN, "{method} {path}");
                assert!(not_refused(as_owner), "{method} {path}: {as_owner}");
            }
            Access::Session if route.takes_name() => {
                // Bob's file: Alice may not touch it, Bob and the owner may.
                assert_eq!(as_alice, StatusCode::FORBIDDEN, "{method} {path}");
                assert!(not_refused(as_owner), "{method} {path}: {as_owner}");
                owned_file(&pipeline, file_name(route.path), &bob.address());
                let as_bob = send(&bob_token, method, &path, "{}")
                    .await
                    .unwrap()
                    .status();
                assert!(not_refused(as_bob), "{method} {path}: {as_bob}");
            }
            Access::Session => {
                assert!(not_refused(as_alice), "{method} {path}: {as_alice}");
                assert!(not_refused(as_owner), "{method} {path}: {as_owner}");
            }
        }
        // A token that opens no session: 403, the reference's code for it.
        assert_eq!(garbage, StatusCode::FORBIDDEN, "{method} {path}");
        if route.name == "session_disconnect" {
            alice_token = alice.sign_in(&pipeline).await;
            bob_token = bob.sign_in(&pipeline).await;
            owner_token = TestWallet::owner().sign_in(&pipeline).await;
        }
    }

    // Lists hold the caller's own files; the owner's hold everyone's.
    owned_file(&pipeline, "photo-20000101-000000-000.jpg", &bob.address());
    let listed = |token: String| {
        let request = client.get(pipeline.url("/api/photos")).bearer_auth(token);
        async move {
            let body: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            body["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(listed(alice_token.clone()).await, 0);
    assert_eq!(listed(bob_token.clone()).await, 1);
    assert_eq!(listed(owner_token.clone()).await, 1);

    // The reference system's clients put the session in the body; that still works.
    let legacy = format!(
        r#"{{"session_id": "{alice_token}", "wallet_address": "{}", "enabled": true}}"#,
        alice.address()
    );
    let response = client
        .post(pipeline.url("/api/visualization/gesture"))
        .header(CONTENT_TYPE, "application/json")
        .body(legacy)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["wallet_address"], alice.address());
}
