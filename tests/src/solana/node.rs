//! The real `mm-solana` binary against a test validator, and a loopback TCP relay the tests
//! can cut to drop its websocket.

use crate::{bin_dir, free_port};
use mm_bus::{Bus, MessageSubscriber};
use mm_shm_schema::{streams, CameraId, CheckInEvent};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// A running `mm-solana`; dropping it kills it.
pub struct SolanaNode {
    child: Option<Child>,
    port: u16,
    camera: String,
    _dir: tempfile::TempDir,
}

impl SolanaNode {
    /// Starts `mm-solana` for a camera of its own with `[solana]` set to `solana_toml`.
    pub fn start(name: &str, solana_toml: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let camera = format!("{name}-{}", std::process::id());
        let config = format!(
            "camera_id = \"{camera}\"\n[solana]\nbind = \"127.0.0.1:{port}\"\n{solana_toml}\n"
        );
        let config_path = dir.path().join("mmoment.toml");
        std::fs::write(&config_path, config).expect("write config");
        let child = Command::new(bin_dir().join("mm-solana"))
            .arg("--config")
            .arg(&config_path)
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("start mm-solana");
        Self {
            child: Some(child),
            port,
            camera,
            _dir: dir,
        }
    }

    /// A URL of its HTTP API.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Subscribes to its `chain/checkins` events.
    pub fn check_ins(&self) -> (Bus, MessageSubscriber<CheckInEvent>) {
        let camera = CameraId::new(&self.camera).expect("camera id");
        let bus = Bus::open(&camera, "mm-test").expect("open the bus");
        let subscriber = bus
            .message_subscriber::<streams::CheckIns>()
            .expect("subscribe to chain/checkins");
        (bus, subscriber)
    }

    /// Polls `/api/health` until `pred` holds for its body.
    pub async fn health_where(
        &self,
        timeout: Duration,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let started = Instant::now();
        let mut last = serde_json::Value::Null;
        while started.elapsed() < timeout {
            if let Ok(reply) = reqwest::get(self.url("/api/health")).await {
                if let Ok(body) = reply.json::<serde_json::Value>().await {
                    if pred(&body) {
                        return body;
                    }
                    last = body;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("health never matched within {timeout:?}; last: {last}");
    }
}

impl Drop for SolanaNode {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits for the next check-in event.
pub async fn next_event(
    events: &mut MessageSubscriber<CheckInEvent>,
    timeout: Duration,
) -> CheckInEvent {
    let started = Instant::now();
    loop {
        let left = timeout
            .checked_sub(started.elapsed())
            .expect("no check-in event in time");
        let batch = tokio::time::timeout(left, events.next_batch())
            .await
            .expect("no check-in event in time")
            .expect("receive");
        if let Some(first) = batch.first() {
            assert_eq!(batch.len(), 1, "one event at a time here: {batch:?}");
            return *first;
        }
    }
}

/// A loopback TCP relay to `target`; [`Relay::cut`] drops every connection it carries (new
/// ones are relayed again).
pub struct Relay {
    port: u16,
    cut: Arc<Notify>,
}

impl Relay {
    /// Relays a free loopback port to `127.0.0.1:target`.
    pub async fn start(target: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let cut = Arc::new(Notify::new());
        let notify = cut.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let notify = notify.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        () = notify.notified() => {}
                    }
                });
            }
        });
        Self { port, cut }
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Drops every connection now open.
    pub fn cut(&self) {
        self.cut.notify_waiters();
    }
}
