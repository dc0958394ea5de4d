//! Solana's JSON-RPC (HTTP) and pubsub (websocket) interfaces over a [`Ledger`]: the methods
//! mm-solana and the tests call, with the answers' exact shapes, and a freeze that makes both
//! hang the way an endpoint that stopped answering does.

use super::ledger::{LandedRecord, Ledger};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::Message;

/// What both interfaces share.
pub struct ChainState {
    /// The chain.
    pub ledger: Mutex<Ledger>,
    /// True while the endpoint hangs.
    pub frozen: watch::Sender<bool>,
    /// Every transaction as it lands, for the subscriptions.
    pub landed: broadcast::Sender<LandedRecord>,
}

impl ChainState {
    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Returns once the endpoint is not frozen.
    async fn thawed(&self) {
        let mut frozen = self.frozen.subscribe();
        let _ = frozen.wait_for(|frozen| !*frozen).await;
    }
}

/// A JSON-RPC error: its code, message and data.
type RpcFailure = (i64, String, Value);

fn invalid_params(what: &str) -> RpcFailure {
    (-32602, format!("Invalid params: {what}"), Value::Null)
}

/// Serves JSON-RPC over HTTP on `listener` until the task is dropped.
pub async fn serve_http(listener: std::net::TcpListener, state: Arc<ChainState>) {
    use warp::Filter;
    let route = warp::post()
        .and(warp::body::json())
        .then(move |request: Value| {
            let state = state.clone();
            async move {
                state.thawed().await;
                warp::reply::json(&answer(&state, &request))
            }
        });
    listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    let listener = TcpListener::from_std(listener).expect("tokio listener");
    warp::serve(route).incoming(listener).run().await;
}

fn answer(state: &ChainState, request: &Value) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str).unwrap_or("");
    let params = request.get("params").cloned().unwrap_or(json!([]));
    match call(state, method, &params) {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err((code, message, data)) => json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": code, "message": message, "data": data},
        }),
    }
}

fn call(state: &ChainState, method: &str, params: &Value) -> Result<Value, RpcFailure> {
    let first = params.get(0);
    let config = params.get(1).cloned().unwrap_or(Value::Null);
    let pubkey = || {
        first
            .and_then(Value::as_str)
            .and_then(|text| Pubkey::from_str(text).ok())
            .ok_or_else(|| invalid_params("a base58 address first"))
    };
    match method {
        "getLatestBlockhash" => {
            let ledger = state.ledger();
            let (blockhash, last_valid) = ledger.latest_blockhash();
            Ok(json!({
                "context": {"slot": ledger.slot()},
                "value": {"blockhash": blockhash.to_string(), "lastValidBlockHeight": last_valid},
            }))
        }
        "getSlot" | "getBlockHeight" => Ok(json!(state.ledger().slot())),
        "getHealth" => Ok(json!("ok")),
        "getAccountInfo" => {
            let address = pubkey()?;
            let ledger = state.ledger();
            let value = ledger.account(&address).map(|account| ui_account(&account));
            Ok(json!({"context": {"slot": ledger.slot()}, "value": value}))
        }
        "getProgramAccounts" => {
            let program = pubkey()?;
            let filters = config
                .get("filters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ledger = state.ledger();
            let mut matching = Vec::new();
            for (address, account) in ledger.program_accounts(&program) {
                if matches_filters(&account.data, &filters)? {
                    matching.push(
                        json!({"pubkey": address.to_string(), "account": ui_account(&account)}),
                    );
                }
            }
            if config.get("withContext").and_then(Value::as_bool) == Some(true) {
                Ok(json!({"context": {"slot": ledger.slot()}, "value": matching}))
            } else {
                Ok(Value::Array(matching))
            }
        }
        "getSignatureStatuses" => {
            let signatures = first
                .and_then(Value::as_array)
                .ok_or_else(|| invalid_params("an array of signatures first"))?;
            let ledger = state.ledger();
            let statuses: Vec<Value> = signatures
                .iter()
                .map(|text| {
                    let landed = text
                        .as_str()
                        .and_then(|text| Signature::from_str(text).ok())
                        .and_then(|signature| ledger.landed(&signature));
                    landed.map_or(Value::Null, |record| {
                        let status = ledger.confirmation_status(record);
                        json!({
                            "slot": record.slot,
                            "confirmations": if status == "finalized" { Value::Null } else { json!(ledger.slot() - record.slot) },
                            "err": record.err,
                            "status": result_status(record),
                            "confirmationStatus": status,
                        })
                    })
                })
                .collect();
            Ok(json!({"context": {"slot": ledger.slot()}, "value": statuses}))
        }
        "getTransaction" => {
            let signature = first
                .and_then(Value::as_str)
                .and_then(|text| Signature::from_str(text).ok())
                .ok_or_else(|| invalid_params("a signature first"))?;
            let ledger = state.ledger();
            Ok(ledger.landed(&signature).map_or(Value::Null, |record| {
                json!({
                    "slot": record.slot,
                    "blockTime": record.block_time,
                    "meta": {
                        "err": record.err,
                        "status": result_status(record),
                        "fee": 5000,
                        "logMessages": record.logs,
                    },
                    "transaction": [base64::engine::general_purpose::STANDARD.encode(&record.wire), "base64"],
                    "version": "legacy",
                })
            }))
        }
        "sendTransaction" => {
            let encoded = first
                .and_then(Value::as_str)
                .ok_or_else(|| invalid_params("an encoded transaction first"))?;
            let wire = match config.get("encoding").and_then(Value::as_str) {
                Some("base64") => base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|e| invalid_params(&format!("base64: {e}")))?,
                _ => bs58::decode(encoded)
                    .into_vec()
                    .map_err(|e| invalid_params(&format!("base58: {e}")))?,
            };
            let skip_preflight = config.get("skipPreflight").and_then(Value::as_bool) == Some(true);
            let landed = state.ledger().send(&wire, skip_preflight);
            match landed {
                Ok(record) => {
                    let signature = record.signature.to_string();
                    // No subscriber is not an error.
                    let _ = state.landed.send(record);
                    Ok(json!(signature))
                }
                Err(refusal) => Err((
                    -32002,
                    refusal.message,
                    json!({"err": refusal.err, "logs": refusal.logs}),
                )),
            }
        }
        _ => Err((-32601, "Method not found".to_owned(), Value::Null)),
    }
}

fn result_status(record: &LandedRecord) -> Value {
    match &record.err {
        None => json!({"Ok": null}),
        Some(err) => json!({"Err": err}),
    }
}

fn ui_account(account: &Account) -> Value {
    json!({
        "lamports": account.lamports,
        "owner": account.owner.to_string(),
        "data": [base64::engine::general_purpose::STANDARD.encode(&account.data), "base64"],
        "executable": account.executable,
        "rentEpoch": account.rent_epoch,
        "space": account.data.len(),
    })
}

/// Whether `data` passes every `dataSize` and `memcmp` filter.
fn matches_filters(data: &[u8], filters: &[Value]) -> Result<bool, RpcFailure> {
    for filter in filters {
        if let Some(size) = filter.get("dataSize") {
            if size.as_u64() != Some(data.len() as u64) {
                return Ok(false);
            }
        } else if let Some(memcmp) = filter.get("memcmp") {
            let offset = memcmp
                .get("offset")
                .and_then(Value::as_u64)
                .ok_or_else(|| invalid_params("memcmp without offset"))?
                as usize;
            let text = memcmp
                .get("bytes")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid_params("memcmp without bytes"))?;
            let bytes = match memcmp.get("encoding").and_then(Value::as_str) {
                Some("base64") => base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| invalid_params(&format!("memcmp bytes: {e}")))?,
                _ => bs58::decode(text)
                    .into_vec()
                    .map_err(|e| invalid_params(&format!("memcmp bytes: {e}")))?,
            };
            if data.get(offset..offset + bytes.len()) != Some(bytes.as_slice()) {
                return Ok(false);
            }
        } else {
            return Err(invalid_params("unknown filter"));
        }
    }
    Ok(true)
}

/// One subscription of a websocket.
enum Subscription {
    /// `programSubscribe`: accounts of `program` passing `filters`.
    Program {
        program: Pubkey,
        filters: Vec<Value>,
    },
    /// `logsSubscribe` with `mentions`: transactions naming `account`.
    Logs { account: Pubkey },
}

/// Serves pubsub on `listener` until the task is dropped.
pub async fn serve_websocket(listener: std::net::TcpListener, state: Arc<ChainState>) {
    listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    let listener = TcpListener::from_std(listener).expect("tokio listener");
    while let Ok((stream, _)) = listener.accept().await {
        let state = state.clone();
        tokio::spawn(async move {
            state.thawed().await;
            if let Ok(socket) = tokio_tungstenite::accept_async(stream).await {
                websocket(socket, state).await;
            }
        });
    }
}

async fn websocket(
    mut socket: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    state: Arc<ChainState>,
) {
    let mut landed = state.landed.subscribe();
    let mut subscriptions: Vec<(u64, Subscription)> = Vec::new();
    let mut next_id = 1;
    loop {
        state.thawed().await;
        tokio::select! {
            frame = socket.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                let Ok(request) = serde_json::from_str::<Value>(&text) else { continue };
                let reply = subscribe(&request, &mut subscriptions, &mut next_id);
                if socket.send(Message::Text(reply.to_string().into())).await.is_err() {
                    return;
                }
            }
            record = landed.recv() => {
                let record = match record {
                    Ok(record) => record,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                state.thawed().await;
                for notification in notifications(&state, &record, &subscriptions) {
                    if socket.send(Message::Text(notification.to_string().into())).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

fn subscribe(
    request: &Value,
    subscriptions: &mut Vec<(u64, Subscription)>,
    next_id: &mut u64,
) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let params = request.get("params").cloned().unwrap_or(json!([]));
    let subscription = match request.get("method").and_then(Value::as_str) {
        Some("programSubscribe") => params
            .get(0)
            .and_then(Value::as_str)
            .and_then(|text| Pubkey::from_str(text).ok())
            .map(|program| Subscription::Program {
                program,
                filters: params
                    .pointer("/1/filters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            }),
        Some("logsSubscribe") => params
            .pointer("/0/mentions/0")
            .and_then(Value::as_str)
            .and_then(|text| Pubkey::from_str(text).ok())
            .map(|account| Subscription::Logs { account }),
        Some(method) if method.ends_with("Unsubscribe") => {
            let target = params.get(0).and_then(Value::as_u64);
            let before = subscriptions.len();
            subscriptions.retain(|(id, _)| Some(*id) != target);
            return json!({"jsonrpc": "2.0", "id": id, "result": subscriptions.len() < before});
        }
        _ => None,
    };
    let Some(subscription) = subscription else {
        return json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32602, "message": "Invalid params"}});
    };
    let subscription_id = *next_id;
    *next_id += 1;
    subscriptions.push((subscription_id, subscription));
    json!({"jsonrpc": "2.0", "id": id, "result": subscription_id})
}

fn notifications(
    state: &ChainState,
    record: &LandedRecord,
    subscriptions: &[(u64, Subscription)],
) -> Vec<Value> {
    let context = json!({"slot": record.slot});
    let ledger = state.ledger();
    let mut out = Vec::new();
    for (id, subscription) in subscriptions {
        match subscription {
            Subscription::Logs { account } if record.account_keys.contains(account) => {
                out.push(json!({
                    "jsonrpc": "2.0",
                    "method": "logsNotification",
                    "params": {"subscription": id, "result": {"context": context, "value": {
                        "signature": record.signature.to_string(),
                        "err": record.err,
                        "logs": record.logs,
                    }}},
                }));
            }
            Subscription::Program { program, filters } if record.err.is_none() => {
                for address in &record.account_keys {
                    let Some(account) = ledger.account(address) else {
                        continue;
                    };
                    if account.owner != *program
                        || !matches_filters(&account.data, filters).unwrap_or(false)
                    {
                        continue;
                    }
                    out.push(json!({
                        "jsonrpc": "2.0",
                        "method": "programNotification",
                        "params": {"subscription": id, "result": {"context": context, "value": {
                            "pubkey": address.to_string(),
                            "account": ui_account(&account),
                        }}},
                    }));
                }
            }
            _ => {}
        }
    }
    out
}
