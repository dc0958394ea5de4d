//! Follows this camera's sessions on chain: a full filtered read after every (re)connect and
//! at intervals, websocket notifications between them, polling when there is no websocket.
//! Every check-in and check-out it notices goes out as an event; what it knows, how fresh,
//! and what is wrong is in the [`ChainView`] the HTTP routes and the status read.
//!
//! When the RPC fails it keeps the last sessions it read, reports their age and the reason,
//! and retries with back-off. It never assumes a session it has not read.

use crate::program::{AccountKind, UserSession, SESSION_CAMERA_OFFSET};
use crate::rpc::pubsub::SubscriptionSpec;
use crate::rpc::{AccountFilter, Notification, RpcClient, Subscriptions};
use crate::sessions::{decode_sessions, SessionChange, Sessions};
use mm_runtime::clock::unix_ms;
use mm_runtime::report::ErrorChain;
use solana_sdk::pubkey::Pubkey;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// How the node hears of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Not yet connected.
    Starting,
    /// Websocket notifications, with a full read at `resync_interval_ms`.
    Websocket,
    /// A full read every `poll_interval_ms`.
    Polling,
}

/// What the node knows of the chain.
#[derive(Debug, Clone)]
pub struct ChainView {
    /// The sessions at this camera, as last read.
    pub sessions: Sessions,
    /// When the last full read succeeded (Unix ms); `None` before the first.
    pub synced_unix_ms: Option<u64>,
    /// The last full read's instant, for its age.
    pub synced_at: Option<Instant>,
    /// Why the RPC is not usable now; `None` while it works.
    pub problem: Option<String>,
    /// Why the websocket is not used, when it is not.
    pub websocket_problem: Option<String>,
    /// How changes are heard of.
    pub mode: SyncMode,
    /// Full reads done.
    pub resyncs: u64,
    /// Websocket notifications received.
    pub notifications: u64,
    /// Websocket connections made after the first.
    pub reconnects: u64,
    /// Accounts that matched the filters and were not this camera's sessions.
    pub skipped_accounts: u64,
}

impl Default for ChainView {
    fn default() -> Self {
        Self {
            sessions: Sessions::default(),
            synced_unix_ms: None,
            synced_at: None,
            problem: None,
            websocket_problem: None,
            mode: SyncMode::Starting,
            resyncs: 0,
            notifications: 0,
            reconnects: 0,
            skipped_accounts: 0,
        }
    }
}

impl ChainView {
    /// How old the sessions are.
    pub fn age(&self) -> Option<Duration> {
        self.synced_at.map(|at| at.elapsed())
    }
}

/// How the follower runs.
#[derive(Debug, Clone)]
pub struct FollowerSettings {
    /// The program.
    pub program: Pubkey,
    /// This camera's account.
    pub camera: Pubkey,
    /// Subscribe over the websocket.
    pub websocket: bool,
    /// Full reads without a websocket.
    pub poll_interval: Duration,
    /// Full reads with one.
    pub resync_interval: Duration,
    /// First retry delay.
    pub retry_initial: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// Longest a connect or subscribe may take.
    pub timeout: Duration,
}

impl FollowerSettings {
    /// The filters that select this camera's sessions and nothing else.
    pub fn filters(&self) -> Vec<AccountFilter> {
        session_filters(&self.camera)
    }
}

/// `dataSize` 94, the `UserSession` discriminator at 0, the camera at 40.
pub fn session_filters(camera: &Pubkey) -> Vec<AccountFilter> {
    vec![
        AccountFilter::DataSize(AccountKind::UserSession.space()),
        AccountFilter::Memcmp {
            offset: 0,
            bytes: AccountKind::UserSession.discriminator().to_vec(),
        },
        AccountFilter::Memcmp {
            offset: SESSION_CAMERA_OFFSET,
            bytes: camera.to_bytes().to_vec(),
        },
    ]
}

/// A change that goes out as an event, with when it was noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticedChange {
    /// The change.
    pub change: SessionChange,
    /// When (Unix ms).
    pub observed_unix_ms: u64,
}

/// Doubling delays between `initial` and `max`.
#[derive(Debug, Clone)]
struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            next: initial,
        }
    }

    fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    fn reset(&mut self) {
        self.next = self.initial;
    }
}

/// The follower's task.
pub struct Follower {
    rpc: Arc<RpcClient>,
    settings: FollowerSettings,
    view: watch::Sender<ChainView>,
    changes: mpsc::Sender<NoticedChange>,
}

impl Follower {
    /// A follower that reads through `rpc`, keeps `view` and sends what changes to `changes`.
    pub fn new(
        rpc: Arc<RpcClient>,
        settings: FollowerSettings,
        view: watch::Sender<ChainView>,
        changes: mpsc::Sender<NoticedChange>,
    ) -> Self {
        Self {
            rpc,
            settings,
            view,
            changes,
        }
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        let settings = self.settings.clone();
        let mut rpc_backoff = Backoff::new(settings.retry_initial, settings.retry_max);
        let mut ws_backoff = Backoff::new(settings.retry_initial, settings.retry_max);
        let spec = SubscriptionSpec {
            program: settings.program,
            filters: settings.filters(),
            mentions: settings.camera,
            commitment: self.rpc.commitment(),
        };
        let mut subscriptions: Option<Subscriptions> = None;
        let mut connected_before = false;
        if !settings.websocket {
            self.view.send_modify(|view| view.mode = SyncMode::Polling);
        }
        let mut next_ws_attempt = Instant::now();
        let mut next_resync = Instant::now();
        loop {
            if settings.websocket && subscriptions.is_none() && Instant::now() >= next_ws_attempt {
                let keepalive = settings.timeout;
                match Subscriptions::open(self.rpc.endpoint(), &spec, settings.timeout, keepalive)
                    .await
                {
                    Ok(opened) => {
                        subscriptions = Some(opened);
                        ws_backoff.reset();
                        self.view.send_modify(|view| {
                            view.mode = SyncMode::Websocket;
                            view.websocket_problem = None;
                            view.reconnects += u64::from(connected_before);
                        });
                        connected_before = true;
                        tracing::info!(
                            endpoint = self.rpc.endpoint().label(),
                            "subscribed over the websocket"
                        );
                        // Whatever happened while not subscribed is read in full now.
                        next_resync = Instant::now();
                    }
                    Err(error) => {
                        let problem = ErrorChain(&error).to_string();
                        tracing::warn!(error = %problem, "no websocket subscription: polling");
                        self.view.send_modify(|view| {
                            view.mode = SyncMode::Polling;
                            view.websocket_problem = Some(problem);
                        });
                        next_ws_attempt = Instant::now() + ws_backoff.next_delay();
                    }
                }
            }
            if Instant::now() >= next_resync {
                match self.resync().await {
                    Ok(()) => {
                        rpc_backoff.reset();
                        let interval = if subscriptions.is_some() {
                            settings.resync_interval
                        } else {
                            settings.poll_interval
                        };
                        next_resync = Instant::now() + interval;
                    }
                    Err(problem) => {
                        tracing::warn!(%problem, "reading sessions failed");
                        self.view.send_modify(|view| view.problem = Some(problem));
                        next_resync = Instant::now() + rpc_backoff.next_delay();
                    }
                }
            }
            let mut wake_at = next_resync;
            if settings.websocket && subscriptions.is_none() {
                wake_at = wake_at.min(next_ws_attempt);
            }
            let Some(open) = subscriptions.as_mut() else {
                tokio::time::sleep_until(wake_at).await;
                continue;
            };
            tokio::select! {
                () = tokio::time::sleep_until(wake_at) => {}
                notification = open.next() => match notification {
                    Ok(Notification::Account { slot, account }) => {
                        self.view.send_modify(|view| view.notifications += 1);
                        self.apply_notified(slot, account);
                    }
                    Ok(Notification::Transaction { .. }) => {
                        // A check-out closes its account, which then matches no filter:
                        // only a full read shows it gone.
                        self.view.send_modify(|view| view.notifications += 1);
                        next_resync = Instant::now();
                    }
                    Err(error) => {
                        let problem = ErrorChain(&error).to_string();
                        tracing::warn!(error = %problem, "websocket lost: polling until it is back");
                        subscriptions = None;
                        self.view.send_modify(|view| {
                            view.mode = SyncMode::Polling;
                            view.websocket_problem = Some(problem);
                        });
                        next_ws_attempt = Instant::now() + ws_backoff.next_delay();
                        next_resync = Instant::now();
                    }
                },
            }
        }
    }

    /// One full read; the reason when it failed.
    async fn resync(&self) -> Result<(), String> {
        let filters = self.settings.filters();
        let (slot, accounts) = self
            .rpc
            .program_accounts(&self.settings.program, &filters)
            .await
            .map_err(|error| ErrorChain(&error).to_string())?;
        let (sessions, skipped) =
            decode_sessions(&self.settings.program, &self.settings.camera, accounts);
        for skip in &skipped {
            tracing::warn!(%skip, "account ignored");
        }
        let mut changes = Vec::new();
        self.view.send_modify(|view| {
            changes = view.sessions.replace_all(slot, sessions);
            view.synced_unix_ms = Some(unix_ms());
            view.synced_at = Some(Instant::now());
            view.problem = None;
            view.resyncs += 1;
            view.skipped_accounts += skipped.len() as u64;
        });
        self.send(changes);
        Ok(())
    }

    fn apply_notified(&self, slot: u64, account: crate::rpc::KeyedAccount) {
        let key = account.pubkey;
        match UserSession::decode(&self.settings.program, &account.owner, &account.data) {
            Ok(session) if session.camera == self.settings.camera => {
                let mut changes = Vec::new();
                self.view
                    .send_modify(|view| changes = view.sessions.upsert(slot, key, session));
                self.send(changes);
            }
            Ok(_) => tracing::warn!(account = %key, "notified of a session at another camera"),
            Err(error) => {
                tracing::warn!(account = %key, error = %error, "notified account ignored")
            }
        }
    }

    fn send(&self, changes: Vec<SessionChange>) {
        let observed_unix_ms = unix_ms();
        for change in changes {
            match &change {
                SessionChange::CheckedIn { session, .. } => {
                    tracing::info!(wallet = %session.user, "checked in");
                }
                SessionChange::CheckedOut { session, .. } => {
                    tracing::info!(wallet = %session.user, "checked out");
                }
            }
            let noticed = NoticedChange {
                change,
                observed_unix_ms,
            };
            if self.changes.try_send(noticed).is_err() {
                tracing::error!("check-in event dropped: the bus loop does not keep up");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_to_its_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_millis(1500));
        let delays: Vec<_> = (0..4).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, [500, 1000, 1500, 1500]);
        backoff.reset();
        assert_eq!(backoff.next_delay().as_millis(), 500);
    }

    #[test]
    fn the_filters_select_this_cameras_sessions() {
        let camera = Pubkey::new_unique();
        let filters = session_filters(&camera);
        assert_eq!(filters[0].to_json(), serde_json::json!({"dataSize": 94}));
        assert_eq!(
            filters[2].to_json()["memcmp"]["bytes"],
            serde_json::json!(camera.to_string())
        );
        assert_eq!(filters[2].to_json()["memcmp"]["offset"], 40);
    }
}
