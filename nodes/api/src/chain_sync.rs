//! At start, the API learns who is checked in at this camera now from the Solana node
//! (`GET /api/blockchain/sessions`): `chain/checkins` replays only its last 64 events, so a
//! restarted API would otherwise forget older check-ins (and their names on the stream).

use crate::internal_nodes::InternalNode;
use crate::state::AppState;
use serde::Deserialize;
use std::time::Duration;

/// Between tries while the Solana node is not up yet.
const RETRY: Duration = Duration::from_secs(5);
/// Tries before giving up (a camera may run without the Solana node).
const TRIES: usize = 24;

#[derive(Debug, Deserialize)]
struct Sessions {
    sessions: Vec<Session>,
}

#[derive(Debug, Deserialize)]
struct Session {
    user: String,
    enabled_features: Features,
}

#[derive(Debug, Deserialize)]
struct Features {
    face_recognition: bool,
}

/// Reads the current sessions once the Solana node answers, in a task of its own.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        for _ in 0..TRIES {
            let events_before = match state.visualization.lock() {
                Ok(visualization) => visualization.check_in_events(),
                Err(_) => return,
            };
            let read = state
                .internal
                .get::<Sessions>(InternalNode::Solana, "/api/blockchain/sessions")
                .await;
            match read {
                Ok(read) => {
                    let policy = match state.visualization.lock() {
                        // An event came in meanwhile: the read may be older than it; read again.
                        Ok(visualization) if visualization.check_in_events() != events_before => {
                            continue
                        }
                        Ok(mut visualization) => visualization.replace_checked_in(
                            read.sessions
                                .iter()
                                .map(|s| (s.user.as_str(), s.enabled_features.face_recognition)),
                        ),
                        Err(_) => return,
                    };
                    tracing::info!(
                        sessions = read.sessions.len(),
                        "checked-in wallets read from the Solana node"
                    );
                    state.policy.send_replace(policy);
                    return;
                }
                Err(error) => {
                    tracing::debug!(error = error.message(), "Solana node not answering yet");
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
        tracing::info!("no Solana node answered: check-ins come from its events only");
    });
}
