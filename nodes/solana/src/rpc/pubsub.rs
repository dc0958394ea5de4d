//! Subscriptions over the RPC's websocket: `programSubscribe` (filtered like the polling
//! query) tells of sessions written, `logsSubscribe` (transactions that mention this camera)
//! of every check-in and check-out, closures included: a closed account no longer matches the
//! program's filters, so `programSubscribe` alone never reports it.

use super::client::{AccountFilter, KeyedAccount};
use super::wire::{Commitment, Endpoint, UiAccount};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use std::str::FromStr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Why a subscription could not be opened or ended.
#[derive(Debug, thiserror::Error)]
pub enum PubsubError {
    /// No websocket at the endpoint (or it refused the upgrade).
    #[error("websocket of {endpoint} unreachable: {reason}")]
    Connect {
        /// The endpoint's label.
        endpoint: String,
        /// What failed.
        reason: String,
    },
    /// The endpoint refused a subscription.
    #[error("{method} refused: {reason}")]
    Refused {
        /// The subscription method.
        method: &'static str,
        /// The RPC's error.
        reason: String,
    },
    /// The connection closed or failed.
    #[error("websocket closed: {reason}")]
    Closed {
        /// Why, as far as known.
        reason: String,
    },
    /// Nothing arrived, not even a ping answer, for too long.
    #[error("websocket silent for {0:?}")]
    Silent(Duration),
}

/// A change the subscriptions report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// An account of the program that matches the filters was written.
    Account {
        /// The slot.
        slot: u64,
        /// The account as written.
        account: KeyedAccount,
    },
    /// A transaction that mentions the camera landed (a check-in or check-out, perhaps).
    Transaction {
        /// The slot.
        slot: u64,
        /// Its signature.
        signature: String,
    },
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Open subscriptions on one websocket.
pub struct Subscriptions {
    socket: Socket,
    program_subscription: u64,
    logs_subscription: u64,
    keepalive: Duration,
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriptions")
            .field("program_subscription", &self.program_subscription)
            .field("logs_subscription", &self.logs_subscription)
            .finish()
    }
}

/// What to subscribe to.
#[derive(Debug, Clone)]
pub struct SubscriptionSpec {
    /// The program whose accounts to watch.
    pub program: Pubkey,
    /// Its accounts' filters.
    pub filters: Vec<AccountFilter>,
    /// The account whose transactions to watch.
    pub mentions: Pubkey,
    /// How final notifications must be.
    pub commitment: Commitment,
}

impl Subscriptions {
    /// Connects and subscribes, each step bounded by `timeout`; a silent connection is
    /// pinged every `keepalive` and given up after two of those without any frame.
    pub async fn open(
        endpoint: &Endpoint,
        spec: &SubscriptionSpec,
        timeout: Duration,
        keepalive: Duration,
    ) -> Result<Self, PubsubError> {
        let connect_error = |reason: String| PubsubError::Connect {
            endpoint: endpoint.label().to_owned(),
            reason,
        };
        let connect = tokio_tungstenite::connect_async(endpoint.ws_url());
        let (mut socket, _) = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| connect_error(format!("no answer within {timeout:?}")))?
            .map_err(|error| connect_error(strip_urls(&error.to_string())))?;
        let filters: Vec<Value> = spec.filters.iter().map(AccountFilter::to_json).collect();
        let program_params = json!([spec.program.to_string(), {
            "encoding": "base64",
            "commitment": spec.commitment.name(),
            "filters": filters,
        }]);
        let program_subscription =
            subscribe(&mut socket, 1, "programSubscribe", program_params, timeout).await?;
        let logs_params = json!([
            { "mentions": [spec.mentions.to_string()] },
            { "commitment": spec.commitment.name() }
        ]);
        let logs_subscription =
            subscribe(&mut socket, 2, "logsSubscribe", logs_params, timeout).await?;
        Ok(Self {
            socket,
            program_subscription,
            logs_subscription,
            keepalive,
        })
    }

    /// The next notification.
    pub async fn next(&mut self) -> Result<Notification, PubsubError> {
        let mut pinged = false;
        loop {
            let frame = match tokio::time::timeout(self.keepalive, self.socket.next()).await {
                Ok(frame) => frame,
                Err(_) if !pinged => {
                    pinged = true;
                    self.socket
                        .send(Message::Ping(Vec::new().into()))
                        .await
                        .map_err(closed)?;
                    continue;
                }
                Err(_) => return Err(PubsubError::Silent(self.keepalive * 2)),
            };
            pinged = false;
            let text = match frame {
                None => {
                    return Err(PubsubError::Closed {
                        reason: "by the endpoint".to_owned(),
                    })
                }
                Some(Err(error)) => return Err(closed(error)),
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(frame))) => {
                    return Err(PubsubError::Closed {
                        reason: frame
                            .map_or_else(|| "by the endpoint".to_owned(), |f| f.reason.to_string()),
                    })
                }
                Some(Ok(_)) => continue,
            };
            if let Some(notification) = self.parse(&text) {
                return Ok(notification);
            }
        }
    }

    fn parse(&self, text: &str) -> Option<Notification> {
        #[derive(Deserialize)]
        struct Frame {
            method: Option<String>,
            params: Option<Params>,
        }
        #[derive(Deserialize)]
        struct Params {
            subscription: u64,
            result: Value,
        }
        let frame: Frame = serde_json::from_str(text).ok()?;
        let params = frame.params?;
        let slot = params.result.pointer("/context/slot")?.as_u64()?;
        let value = params.result.get("value")?;
        match frame.method.as_deref()? {
            "programNotification" if params.subscription == self.program_subscription => {
                let pubkey = Pubkey::from_str(value.get("pubkey")?.as_str()?).ok()?;
                let account: UiAccount =
                    serde_json::from_value(value.get("account")?.clone()).ok()?;
                let (owner, lamports, data) = account.decode().ok()?;
                Some(Notification::Account {
                    slot,
                    account: KeyedAccount {
                        pubkey,
                        owner,
                        lamports,
                        data,
                    },
                })
            }
            "logsNotification" if params.subscription == self.logs_subscription => {
                Some(Notification::Transaction {
                    slot,
                    signature: value.get("signature")?.as_str()?.to_owned(),
                })
            }
            _ => None,
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

async fn subscribe(
    socket: &mut Socket,
    id: u64,
    method: &'static str,
    params: Value,
    timeout: Duration,
) -> Result<u64, PubsubError> {
    let request = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
    socket
        .send(Message::Text(request.to_string().into()))
        .await
        .map_err(closed)?;
    let answer = async {
        while let Some(frame) = socket.next().await {
            let Message::Text(text) = frame.map_err(closed)? else {
                continue;
            };
            let Ok(reply) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if reply.get("id").and_then(Value::as_u64) != Some(id) {
                continue;
            }
            if let Some(subscription) = reply.get("result").and_then(Value::as_u64) {
                return Ok(subscription);
            }
            let reason = reply
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("no subscription id in the answer");
            return Err(PubsubError::Refused {
                method,
                reason: reason.to_owned(),
            });
        }
        Err(PubsubError::Closed {
            reason: format!("while waiting for {method}"),
        })
    };
    tokio::time::timeout(timeout, answer)
        .await
        .map_err(|_| PubsubError::Refused {
            method,
            reason: format!("no answer within {timeout:?}"),
        })?
}

fn closed(error: tokio_tungstenite::tungstenite::Error) -> PubsubError {
    PubsubError::Closed {
        reason: strip_urls(&error.to_string()),
    }
}

/// Error texts of the websocket library may quote the URL, and with it an API key.
fn strip_urls(text: &str) -> String {
    text.split_whitespace()
        .map(|word| if word.contains("://") { "<url>" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}
