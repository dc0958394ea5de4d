//! JSON-RPC requests over HTTP: the six methods the node needs, each decoded into solana-sdk
//! types. Errors name the endpoint by its label only (its URL may carry an API key).

use super::wire::{Commitment, Endpoint, UiAccount};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::VersionedTransaction;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Why an RPC call failed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The endpoint could not be reached, or did not answer in time.
    #[error("{endpoint} unreachable: {source}")]
    Transport {
        /// The endpoint's label.
        endpoint: String,
        /// The HTTP client's error, without the URL.
        source: reqwest::Error,
    },
    /// It answered with an HTTP error status (429 when rate limited).
    #[error("{endpoint} answered HTTP {status}")]
    Status {
        /// The endpoint's label.
        endpoint: String,
        /// The status.
        status: u16,
    },
    /// It answered with a JSON-RPC error.
    #[error("{method}: RPC error {code}: {message}")]
    Rpc {
        /// The method called.
        method: &'static str,
        /// The JSON-RPC error code.
        code: i64,
        /// Its message.
        message: String,
    },
    /// The answer is not what the method returns.
    #[error("{method}: unexpected answer: {reason}")]
    Decode {
        /// The method called.
        method: &'static str,
        /// What did not decode.
        reason: String,
    },
}

/// A recent blockhash and the last block height a transaction using it can land in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatestBlockhash {
    /// The blockhash.
    pub blockhash: Hash,
    /// The last block height it is valid for.
    pub last_valid_block_height: u64,
}

/// An account with its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedAccount {
    /// Its address.
    pub pubkey: Pubkey,
    /// The program that owns it.
    pub owner: Pubkey,
    /// Its balance.
    pub lamports: u64,
    /// Its data.
    pub data: Vec<u8>,
}

/// A `getProgramAccounts` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountFilter {
    /// Data of exactly this many bytes.
    DataSize(usize),
    /// Data with `bytes` at `offset`.
    Memcmp {
        /// Where.
        offset: usize,
        /// What (at most 128 bytes).
        bytes: Vec<u8>,
    },
}

impl AccountFilter {
    /// The filter as JSON.
    pub fn to_json(&self) -> Value {
        match self {
            AccountFilter::DataSize(size) => json!({ "dataSize": size }),
            AccountFilter::Memcmp { offset, bytes } => {
                json!({ "memcmp": { "offset": offset, "bytes": bs58::encode(bytes).into_string() } })
            }
        }
    }
}

/// What `getSignatureStatuses` says of one signature.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureState {
    /// The slot it landed in.
    pub slot: u64,
    /// `processed`, `confirmed` or `finalized`.
    pub confirmation_status: Option<String>,
    /// The transaction's error, if it failed.
    pub err: Option<Value>,
}

/// A transaction as it landed.
#[derive(Debug, Clone)]
pub struct LandedTransaction {
    /// Its slot.
    pub slot: u64,
    /// The block's time (Unix s), when known.
    pub block_time: Option<i64>,
    /// Its error, when it failed.
    pub err: Option<Value>,
    /// Program log lines.
    pub log_messages: Vec<String>,
    /// The transaction itself.
    pub transaction: VersionedTransaction,
}

/// A JSON-RPC client for one endpoint.
#[derive(Debug)]
pub struct RpcClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    commitment: Commitment,
    next_id: AtomicU64,
}

#[derive(Deserialize)]
struct Envelope {
    result: Option<Value>,
    error: Option<RpcErrorBody>,
}

#[derive(Deserialize)]
struct RpcErrorBody {
    code: i64,
    message: String,
    #[serde(default)]
    data: Option<Value>,
}

#[derive(Deserialize)]
struct WithContext<T> {
    context: Context,
    value: T,
}

#[derive(Deserialize)]
struct Context {
    slot: u64,
}

impl RpcClient {
    /// A client reading at `commitment`, each request bounded by `timeout`.
    pub fn new(endpoint: Endpoint, commitment: Commitment, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .unwrap_or_default();
        Self {
            http,
            endpoint,
            commitment,
            next_id: AtomicU64::new(1),
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The commitment reads use.
    pub fn commitment(&self) -> Commitment {
        self.commitment
    }

    /// Calls `method` and returns its `result`.
    pub async fn call(&self, method: &'static str, params: Value) -> Result<Value, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let transport = |source: reqwest::Error| RpcError::Transport {
            endpoint: self.endpoint.label().to_owned(),
            source: source.without_url(),
        };
        let reply = self
            .http
            .post(self.endpoint.http_url())
            .json(&body)
            .send()
            .await
            .map_err(transport)?;
        let status = reply.status();
        if !status.is_success() {
            return Err(RpcError::Status {
                endpoint: self.endpoint.label().to_owned(),
                status: status.as_u16(),
            });
        }
        let envelope: Envelope = reply.json().await.map_err(transport)?;
        if let Some(error) = envelope.error {
            // A failed simulation carries the program's log lines: the reason, in words.
            let logs = error
                .data
                .as_ref()
                .and_then(|data| data.get("logs"))
                .and_then(Value::as_array)
                .map(|lines| {
                    lines
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" | ")
                })
                .filter(|logs| !logs.is_empty());
            let message = match logs {
                Some(logs) => format!("{} (logs: {logs})", error.message),
                None => error.message,
            };
            return Err(RpcError::Rpc {
                method,
                code: error.code,
                message,
            });
        }
        Ok(envelope.result.unwrap_or(Value::Null))
    }

    async fn call_as<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        params: Value,
    ) -> Result<T, RpcError> {
        let result = self.call(method, params).await?;
        serde_json::from_value(result).map_err(|error| RpcError::Decode {
            method,
            reason: error.to_string(),
        })
    }

    /// `getLatestBlockhash`.
    pub async fn latest_blockhash(&self) -> Result<LatestBlockhash, RpcError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Value {
            blockhash: String,
            last_valid_block_height: u64,
        }
        let method = "getLatestBlockhash";
        let reply: WithContext<Value> = self
            .call_as(method, json!([{ "commitment": self.commitment.name() }]))
            .await?;
        let blockhash = Hash::from_str(&reply.value.blockhash).map_err(|e| RpcError::Decode {
            method,
            reason: e.to_string(),
        })?;
        Ok(LatestBlockhash {
            blockhash,
            last_valid_block_height: reply.value.last_valid_block_height,
        })
    }

    /// `getProgramAccounts(program, filters)`: the slot it read at, and the accounts.
    pub async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> Result<(u64, Vec<KeyedAccount>), RpcError> {
        #[derive(Deserialize)]
        struct Keyed {
            pubkey: String,
            account: UiAccount,
        }
        let method = "getProgramAccounts";
        let filters: Vec<Value> = filters.iter().map(AccountFilter::to_json).collect();
        let config = json!({
            "encoding": "base64",
            "commitment": self.commitment.name(),
            "filters": filters,
            "withContext": true,
        });
        let reply: WithContext<Vec<Keyed>> = self
            .call_as(method, json!([program.to_string(), config]))
            .await?;
        let accounts = reply
            .value
            .into_iter()
            .map(|keyed| keyed_account(&keyed.pubkey, keyed.account))
            .collect::<Result<_, _>>()
            .map_err(|reason| RpcError::Decode { method, reason })?;
        Ok((reply.context.slot, accounts))
    }

    /// `getAccountInfo(pubkey)`: `None` when there is no such account.
    pub async fn account(&self, pubkey: &Pubkey) -> Result<Option<KeyedAccount>, RpcError> {
        let method = "getAccountInfo";
        let config = json!({ "encoding": "base64", "commitment": self.commitment.name() });
        let reply: WithContext<Option<UiAccount>> = self
            .call_as(method, json!([pubkey.to_string(), config]))
            .await?;
        reply
            .value
            .map(|account| keyed_account(&pubkey.to_string(), account))
            .transpose()
            .map_err(|reason| RpcError::Decode { method, reason })
    }

    /// `getSignatureStatuses(signatures)`, searching the whole history.
    pub async fn signature_statuses(
        &self,
        signatures: &[Signature],
    ) -> Result<Vec<Option<SignatureState>>, RpcError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Status {
            slot: u64,
            confirmation_status: Option<String>,
            err: Option<Value>,
        }
        let signatures: Vec<String> = signatures.iter().map(Signature::to_string).collect();
        let reply: WithContext<Vec<Option<Status>>> = self
            .call_as(
                "getSignatureStatuses",
                json!([signatures, { "searchTransactionHistory": true }]),
            )
            .await?;
        Ok(reply
            .value
            .into_iter()
            .map(|status| {
                status.map(|status| SignatureState {
                    slot: status.slot,
                    confirmation_status: status.confirmation_status,
                    err: status.err,
                })
            })
            .collect())
    }

    /// `getTransaction(signature)` at the client's commitment (`confirmed` for `processed`):
    /// `None` when it has not landed there (or never will).
    pub async fn transaction(
        &self,
        signature: &Signature,
    ) -> Result<Option<LandedTransaction>, RpcError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Meta {
            err: Option<Value>,
            #[serde(default)]
            log_messages: Option<Vec<String>>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Landed {
            slot: u64,
            block_time: Option<i64>,
            meta: Option<Meta>,
            transaction: (String, String),
        }
        let method = "getTransaction";
        let config = json!({
            "encoding": "base64",
            "commitment": self.commitment.for_transactions().name(),
            "maxSupportedTransactionVersion": 0,
        });
        let reply: Option<Landed> = self
            .call_as(method, json!([signature.to_string(), config]))
            .await?;
        let Some(landed) = reply else {
            return Ok(None);
        };
        let decode = |reason: String| RpcError::Decode { method, reason };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&landed.transaction.0)
            .map_err(|e| decode(format!("transaction: {e}")))?;
        let transaction: VersionedTransaction =
            bincode::deserialize(&bytes).map_err(|e| decode(format!("transaction: {e}")))?;
        let meta = landed
            .meta
            .ok_or_else(|| decode("no transaction status (meta)".to_owned()))?;
        Ok(Some(LandedTransaction {
            slot: landed.slot,
            block_time: landed.block_time,
            err: meta.err,
            log_messages: meta.log_messages.unwrap_or_default(),
            transaction,
        }))
    }

    /// `sendTransaction` of a signed transaction's wire bytes; its signature. The node itself
    /// never sends (wallets do); tests and benchmarks stand in for the wallet with this.
    pub async fn send_transaction(&self, wire: &[u8]) -> Result<Signature, RpcError> {
        let method = "sendTransaction";
        let encoded = base64::engine::general_purpose::STANDARD.encode(wire);
        let config = json!({
            "encoding": "base64",
            "preflightCommitment": self.commitment.name(),
        });
        let signature: String = self.call_as(method, json!([encoded, config])).await?;
        Signature::from_str(&signature).map_err(|e| RpcError::Decode {
            method,
            reason: e.to_string(),
        })
    }
}

fn keyed_account(pubkey: &str, account: UiAccount) -> Result<KeyedAccount, String> {
    let pubkey = Pubkey::from_str(pubkey).map_err(|e| format!("pubkey: {e}"))?;
    let (owner, lamports, data) = account.decode()?;
    Ok(KeyedAccount {
        pubkey,
        owner,
        lamports,
        data,
    })
}
