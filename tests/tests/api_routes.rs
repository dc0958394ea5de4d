//! Every route of port 5002, walked from the API's own route table: each answers on its path
//! and its aliases, says who may call it, answers JSON errors for a wrong method or a body that
//! is not declared JSON, and names its request in the reply and in the log.

use mm_api::routes::ROUTES;
use mm_e2e::{serial, Pipeline};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use std::time::Duration;

fn request(client: &reqwest::Client, method: &str, url: &str) -> reqwest::RequestBuilder {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let request = client.request(method.clone(), url);
    if method == Method::POST {
        request.header(CONTENT_TYPE, "application/json").body("{}")
    } else {
        request
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_on_every_path_with_json_and_a_request_id() {
    let _serial = serial().await;
    // No inference: the vision routes answer 503 with the reason, which is their truth here.
    let pipeline = Pipeline::builder("routes-walk")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 10")
        .keep_logs()
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let client = reqwest::Client::new();

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
            let path = &path.replace(
                "{name}",
                if path.contains("photos") {
                    "photo-20000101-000000-000.jpg"
                } else {
                    "rec-20000101-000000-000.mp4"
                },
            );
            let response = request(&client, method, &pipeline.url(path))
                .send()
                .await
                .unwrap();
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
            if *path == "/stream" {
                let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap();
                assert!(content_type.starts_with("multipart/x-mixed-replace"));
                continue;
            }
            let body = json_of(response).await;
            if status != StatusCode::OK {
                assert!(body["error"].is_string(), "{method} {path}: {body}");
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
                let form = client
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
