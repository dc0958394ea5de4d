//! The API's client of the camera's internal HTTP nodes: the biometric node (sealed faces,
//! enrollments) and the Solana node (transactions, confirmations), both on loopback. Their
//! refusals (4xx) reach the caller with their own words; their absence is a 503.

use mm_http::ApiError;
use mm_runtime::Config;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use warp::http::StatusCode;

/// How long an internal node may take (a best face waits for a frame; the Solana node may
/// wait for its RPC).
const TIMEOUT: Duration = Duration::from_secs(15);

/// One of the internal nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InternalNode {
    /// `mm-biometric` (5003).
    Biometric,
    /// `mm-solana` (5001).
    Solana,
}

impl InternalNode {
    fn label(self) -> &'static str {
        match self {
            InternalNode::Biometric => "the biometric node",
            InternalNode::Solana => "the Solana node",
        }
    }
}

/// Where the internal nodes listen, and the HTTP client that calls them.
#[derive(Debug, Clone)]
pub struct InternalNodes {
    http: reqwest::Client,
    biometric: String,
    solana: String,
}

impl InternalNodes {
    /// The nodes of `config` (their `bind` addresses, reached on loopback when unspecified).
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .no_proxy()
            .build()?;
        Ok(Self {
            http,
            biometric: base_url(config.biometric.bind),
            solana: base_url(config.solana.bind),
        })
    }

    /// `POST path` with `body` to `node`; its JSON answer.
    pub async fn post<T: DeserializeOwned>(
        &self,
        node: InternalNode,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ApiError> {
        let request = self.http.post(self.url(node, path)).json(body);
        self.send(node, request).await
    }

    /// `GET path` of `node`; its JSON answer.
    pub async fn get<T: DeserializeOwned>(
        &self,
        node: InternalNode,
        path: &str,
    ) -> Result<T, ApiError> {
        let request = self.http.get(self.url(node, path));
        self.send(node, request).await
    }

    fn url(&self, node: InternalNode, path: &str) -> String {
        let base = match node {
            InternalNode::Biometric => &self.biometric,
            InternalNode::Solana => &self.solana,
        };
        format!("{base}{path}")
    }

    async fn send<T: DeserializeOwned>(
        &self,
        node: InternalNode,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ApiError> {
        let unavailable = |what: &str| {
            ApiError::unavailable(format!("{} {what}; try again shortly", node.label()))
        };
        let reply = request.send().await.map_err(|error| {
            // The caller decides what an absent node means (a 503, or a retry later).
            tracing::debug!(node = node.label(), error = %error.without_url(), "internal node unreachable");
            unavailable("is not reachable")
        })?;
        let status = reply.status();
        let body: serde_json::Value = reply
            .json()
            .await
            .map_err(|_| unavailable("answered something that is not JSON"))?;
        if status.is_success() {
            return serde_json::from_value(body).map_err(|error| {
                tracing::error!(node = node.label(), %error, "unexpected answer");
                unavailable("answered in an unexpected shape")
            });
        }
        let message = body["error"].as_str().unwrap_or("refused").to_owned();
        if status.is_client_error() {
            let status = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_REQUEST);
            return Err(ApiError::new(status, message));
        }
        tracing::warn!(node = node.label(), status = status.as_u16(), %message, "internal node failed");
        Err(ApiError::unavailable(format!(
            "{}: {message}",
            node.label()
        )))
    }
}

fn base_url(bind: SocketAddr) -> String {
    let ip = match bind.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, bind.port()))
}
