//! The Zenoh session, on a thread of its own with its own multi-threaded runtime (Zenoh's
//! tasks need one; the bus ports stay on the node's current-thread loop). The bus side hands
//! it events through a bounded queue and keeps the newest health for its queryable.

use crate::events::Keys;
use mm_runtime::config::FleetConfig;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use zenoh::bytes::Encoding;

/// Events waiting for the session; beyond this the newest is dropped (and counted).
const QUEUE: usize = 64;

/// One event to publish: its key and JSON.
#[derive(Debug)]
struct Outgoing {
    key: String,
    json: Vec<u8>,
}

/// Why the Zenoh side did not start.
#[derive(Debug, thiserror::Error)]
pub enum ZenohStartError {
    /// The configuration was refused by Zenoh.
    #[error("zenoh refused the configuration ({key}): {message}")]
    Config {
        /// The key set.
        key: &'static str,
        /// Zenoh's words.
        message: String,
    },
    /// The session did not open (an endpoint could not be bound or reached).
    #[error("the zenoh session did not open: {0}")]
    Open(String),
    /// The health queryable could not be declared.
    #[error("the health queryable could not be declared: {0}")]
    Queryable(String),
    /// Its thread or runtime could not be started.
    #[error("the zenoh thread could not start: {0}")]
    Thread(#[from] std::io::Error),
}

/// The running Zenoh side: hand it events with [`ZenohSide::publish`].
pub struct ZenohSide {
    outgoing: mpsc::Sender<Outgoing>,
    health: Arc<Mutex<Vec<u8>>>,
    dropped: u64,
    _thread: std::thread::JoinHandle<()>,
}

impl ZenohSide {
    /// Opens the session of `config`, declares the health queryable at `keys.health()`, and
    /// starts publishing.
    pub fn start(config: &FleetConfig, keys: &Keys) -> Result<Self, ZenohStartError> {
        let zenoh_config = zenoh_config(config)?;
        let (outgoing, queue) = mpsc::channel(QUEUE);
        let health = Arc::new(Mutex::new(b"{}".to_vec()));
        let (started_tx, started_rx) = std::sync::mpsc::sync_channel(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mm-fleet-zenoh")
            .enable_all()
            .build()?;
        let health_key = keys.health();
        let health_for_queries = Arc::clone(&health);
        let thread = std::thread::Builder::new()
            .name("zenoh".to_owned())
            .spawn(move || {
                runtime.block_on(run(
                    zenoh_config,
                    health_key,
                    health_for_queries,
                    queue,
                    started_tx,
                ));
            })?;
        match started_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                outgoing,
                health,
                dropped: 0,
                _thread: thread,
            }),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(ZenohStartError::Open("the zenoh thread ended".to_owned())),
        }
    }

    /// Queues `json` for `key`; a full queue (the network slower than the events) drops it.
    pub fn publish(&mut self, key: String, json: Vec<u8>) {
        if self.outgoing.try_send(Outgoing { key, json }).is_err() {
            self.dropped += 1;
            tracing::debug!(dropped = self.dropped, "zenoh queue full: event dropped");
        }
    }

    /// Sets the health a query gets.
    pub fn set_health(&self, json: Vec<u8>) {
        if let Ok(mut health) = self.health.lock() {
            *health = json;
        }
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

fn zenoh_config(config: &FleetConfig) -> Result<zenoh::Config, ZenohStartError> {
    let mut zenoh_config = zenoh::Config::default();
    let settings = [
        ("mode", serde_json::json!(config.mode)),
        ("connect/endpoints", serde_json::json!(config.connect)),
        ("listen/endpoints", serde_json::json!(config.listen)),
        (
            "scouting/multicast/enabled",
            serde_json::json!(config.multicast_scouting),
        ),
    ];
    for (key, value) in settings {
        zenoh_config
            .insert_json5(key, &value.to_string())
            .map_err(|error| ZenohStartError::Config {
                key,
                message: error.to_string(),
            })?;
    }
    Ok(zenoh_config)
}

async fn run(
    config: zenoh::Config,
    health_key: String,
    health: Arc<Mutex<Vec<u8>>>,
    mut queue: mpsc::Receiver<Outgoing>,
    started: std::sync::mpsc::SyncSender<Result<(), ZenohStartError>>,
) {
    let session = match zenoh::open(config).await {
        Ok(session) => session,
        Err(error) => {
            let _ = started.send(Err(ZenohStartError::Open(error.to_string())));
            return;
        }
    };
    let queryable = match session.declare_queryable(health_key.as_str()).await {
        Ok(queryable) => queryable,
        Err(error) => {
            let _ = started.send(Err(ZenohStartError::Queryable(error.to_string())));
            return;
        }
    };
    let _ = started.send(Ok(()));
    tracing::info!(zid = %session.zid(), "zenoh session open");
    loop {
        tokio::select! {
            event = queue.recv() => {
                let Some(Outgoing { key, json }) = event else { break };
                if let Err(error) = session.put(key.as_str(), json).encoding(Encoding::APPLICATION_JSON).await {
                    tracing::warn!(%key, %error, "zenoh put failed");
                }
            }
            query = queryable.recv_async() => {
                let Ok(query) = query else { break };
                let json = health.lock().map(|h| h.clone()).unwrap_or_default();
                if let Err(error) = query
                    .reply(health_key.as_str(), json)
                    .encoding(Encoding::APPLICATION_JSON)
                    .await
                {
                    tracing::warn!(%error, "zenoh health reply failed");
                }
            }
        }
    }
    if let Err(error) = session.close().await {
        tracing::debug!(%error, "zenoh session close");
    }
}
