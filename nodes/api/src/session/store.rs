//! The sessions, in memory for every request and in SQLite so that they survive a restart.
//!
//! One session per wallet (connecting again replaces it), at most `max_sessions` (one more
//! ends the least recently used), each ending `idle` after its last request or `max_age` after
//! it began. Only a token's hash is stored. Last-active times are written at most once a
//! minute per session: a request is not a disk write.

use super::token::{SessionToken, TokenHash};
use rusqlite::{params, Connection};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// How stale a session's stored last-active time may be.
const TOUCH_WRITE_MS: u64 = 60_000;

/// How long sessions live and how many there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session ends after this long without a request (ms).
    pub idle_ms: u64,
    /// A session ends this long after it began (ms).
    pub max_age_ms: u64,
    /// Most sessions at once.
    pub max_sessions: usize,
}

/// One session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The wallet that proved itself.
    pub wallet: String,
    /// When it began (Unix ms).
    pub created_unix_ms: u64,
    /// Its last request (Unix ms).
    pub last_active_unix_ms: u64,
}

impl Session {
    /// When it ends if no request comes (Unix ms).
    pub fn expires_unix_ms(&self, limits: &SessionLimits) -> u64 {
        (self.last_active_unix_ms + limits.idle_ms).min(self.created_unix_ms + limits.max_age_ms)
    }
}

/// The database could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file or its folder could not be made or opened.
    #[error("cannot open the session database {path}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The file or its folder could not be created.
    #[error("cannot create the session database {path}")]
    Create {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A read or a write failed.
    #[error("session database")]
    Sql(#[from] rusqlite::Error),
}

/// Why a token opens no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionRefused {
    /// No session has this token (never issued, disconnected, or replaced).
    #[error("unknown or ended session")]
    Unknown,
    /// It ended: idle too long, or older than the absolute limit.
    #[error("the session expired")]
    Expired,
}

struct Entry {
    session: Session,
    stored_active_unix_ms: u64,
}

struct Inner {
    db: Connection,
    sessions: HashMap<TokenHash, Entry>,
}

/// Every session.
pub struct SessionStore {
    inner: Mutex<Inner>,
    limits: SessionLimits,
}

impl SessionStore {
    /// Opens (or creates, owner-only) the database at `path` and loads the sessions still
    /// alive at `now_unix_ms`; ended ones are deleted.
    pub fn open(path: &Path, limits: SessionLimits, now_unix_ms: u64) -> Result<Self, StoreError> {
        mm_runtime::secret::create_private_file(path).map_err(|source| StoreError::Create {
            path: path.display().to_string(),
            source,
        })?;
        let db = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS sessions (
                 token_hash TEXT PRIMARY KEY,
                 wallet TEXT NOT NULL UNIQUE,
                 created_unix_ms INTEGER NOT NULL,
                 last_active_unix_ms INTEGER NOT NULL
             );",
        )?;
        // Ended sessions go first; the rest are alive.
        delete_ended(&db, &limits, now_unix_ms)?;
        let mut sessions = HashMap::new();
        {
            let mut rows = db.prepare(
                "SELECT token_hash, wallet, created_unix_ms, last_active_unix_ms FROM sessions",
            )?;
            let loaded = rows.query_map([], |row| {
                Ok((
                    TokenHash(row.get(0)?),
                    Session {
                        wallet: row.get(1)?,
                        created_unix_ms: from_sql_ms(row.get(2)?),
                        last_active_unix_ms: from_sql_ms(row.get(3)?),
                    },
                ))
            })?;
            for row in loaded {
                let (hash, session) = row?;
                let stored_active_unix_ms = session.last_active_unix_ms;
                sessions.insert(
                    hash,
                    Entry {
                        session,
                        stored_active_unix_ms,
                    },
                );
            }
        }
        Ok(Self {
            inner: Mutex::new(Inner { db, sessions }),
            limits,
        })
    }

    /// The limits sessions live under.
    pub fn limits(&self) -> &SessionLimits {
        &self.limits
    }

    fn with<T>(&self, work: impl FnOnce(&mut Inner) -> T) -> T {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        work(&mut inner)
    }

    /// A new session for `wallet` under `token`: the wallet's earlier session ends, and at
    /// the cap the least recently used one of another wallet ends too.
    pub fn connect(
        &self,
        wallet: &str,
        token: &SessionToken,
        now_unix_ms: u64,
    ) -> Result<Session, StoreError> {
        let session = Session {
            wallet: wallet.to_owned(),
            created_unix_ms: now_unix_ms,
            last_active_unix_ms: now_unix_ms,
        };
        let limits = self.limits;
        self.with(|inner| {
            inner.sessions.retain(|_, entry| {
                entry.session.wallet != wallet
                    && entry.session.expires_unix_ms(&limits) > now_unix_ms
            });
            let mut evicted = Vec::new();
            while inner.sessions.len() >= limits.max_sessions {
                let Some(oldest) = inner
                    .sessions
                    .iter()
                    .min_by_key(|(_, entry)| entry.session.last_active_unix_ms)
                    .map(|(hash, _)| hash.clone())
                else {
                    break;
                };
                inner.sessions.remove(&oldest);
                evicted.push(oldest);
            }
            let transaction = inner.db.unchecked_transaction()?;
            transaction.execute("DELETE FROM sessions WHERE wallet = ?1", params![wallet])?;
            delete_ended(&transaction, &limits, now_unix_ms)?;
            for hash in &evicted {
                transaction.execute(
                    "DELETE FROM sessions WHERE token_hash = ?1",
                    params![hash.0],
                )?;
            }
            transaction.execute(
                "INSERT INTO sessions (token_hash, wallet, created_unix_ms, last_active_unix_ms)
                 VALUES (?1, ?2, ?3, ?3)",
                params![token.hash().0, wallet, sql_ms(now_unix_ms)],
            )?;
            transaction.commit()?;
            inner.sessions.insert(
                token.hash(),
                Entry {
                    session: session.clone(),
                    stored_active_unix_ms: now_unix_ms,
                },
            );
            Ok(session)
        })
    }

    /// The session of `token` at `now_unix_ms`, which counts as its latest request. An ended
    /// session is removed.
    pub fn authenticate(
        &self,
        token: &SessionToken,
        now_unix_ms: u64,
    ) -> Result<Session, SessionRefused> {
        let hash = token.hash();
        let limits = self.limits;
        self.with(|inner| {
            let entry = inner
                .sessions
                .get_mut(&hash)
                .ok_or(SessionRefused::Unknown)?;
            if entry.session.expires_unix_ms(&limits) <= now_unix_ms {
                inner.sessions.remove(&hash);
                if let Err(error) = inner.db.execute(
                    "DELETE FROM sessions WHERE token_hash = ?1",
                    params![hash.0],
                ) {
                    tracing::warn!(%error, "cannot delete an expired session");
                }
                return Err(SessionRefused::Expired);
            }
            entry.session.last_active_unix_ms = now_unix_ms.max(entry.session.last_active_unix_ms);
            let session = entry.session.clone();
            if now_unix_ms.saturating_sub(entry.stored_active_unix_ms) >= TOUCH_WRITE_MS {
                entry.stored_active_unix_ms = now_unix_ms;
                if let Err(error) = inner.db.execute(
                    "UPDATE sessions SET last_active_unix_ms = ?1 WHERE token_hash = ?2",
                    params![sql_ms(now_unix_ms), hash.0],
                ) {
                    tracing::warn!(%error, "cannot store a session's last request");
                }
            }
            Ok(session)
        })
    }

    /// Ends the session of `token`; whether there was one.
    pub fn disconnect(&self, token: &SessionToken) -> Result<bool, StoreError> {
        let hash = token.hash();
        self.with(|inner| {
            inner.db.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                params![hash.0],
            )?;
            Ok(inner.sessions.remove(&hash).is_some())
        })
    }

    /// Sessions alive at `now_unix_ms`.
    pub fn active(&self, now_unix_ms: u64) -> usize {
        let limits = self.limits;
        self.with(|inner| {
            inner
                .sessions
                .values()
                .filter(|entry| entry.session.expires_unix_ms(&limits) > now_unix_ms)
                .count()
        })
    }
}

/// Deletes the stored sessions that ended by `now_unix_ms`.
fn delete_ended(
    db: &Connection,
    limits: &SessionLimits,
    now_unix_ms: u64,
) -> rusqlite::Result<usize> {
    db.execute(
        "DELETE FROM sessions WHERE created_unix_ms + ?1 <= ?3 OR last_active_unix_ms + ?2 <= ?3",
        params![
            sql_ms(limits.max_age_ms),
            sql_ms(limits.idle_ms),
            sql_ms(now_unix_ms)
        ],
    )
}

/// A time as SQLite stores integers.
fn sql_ms(unix_ms: u64) -> i64 {
    i64::try_from(unix_ms).unwrap_or(i64::MAX)
}

/// A stored time back (a negative one, which nothing writes, as the epoch).
fn from_sql_ms(stored: i64) -> u64 {
    u64::try_from(stored).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: SessionLimits = SessionLimits {
        idle_ms: 1000,
        max_age_ms: 5000,
        max_sessions: 3,
    };

    fn store(dir: &tempfile::TempDir, now: u64) -> SessionStore {
        SessionStore::open(&dir.path().join("db/api.sqlite"), LIMITS, now).unwrap()
    }

    #[test]
    fn one_session_per_wallet_and_the_least_recently_used_makes_room() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = store(&dir, 0);
        let tokens: Vec<SessionToken> = (0..5).map(|_| SessionToken::generate().unwrap()).collect();
        sessions.connect("a", &tokens[0], 0).unwrap();
        let replaced = sessions.connect("a", &tokens[1], 1).unwrap();
        assert_eq!(replaced.wallet, "a");
        assert_eq!(
            sessions.authenticate(&tokens[0], 2),
            Err(SessionRefused::Unknown)
        );
        sessions.connect("b", &tokens[2], 3).unwrap();
        sessions.connect("c", &tokens[3], 4).unwrap();
        sessions.authenticate(&tokens[1], 5).unwrap();
        // At the cap: b is the least recently used.
        sessions.connect("d", &tokens[4], 6).unwrap();
        assert_eq!(sessions.active(6), 3);
        assert_eq!(
            sessions.authenticate(&tokens[2], 7),
            Err(SessionRefused::Unknown)
        );
        assert!(sessions.authenticate(&tokens[1], 7).is_ok());
    }

    #[test]
    fn idle_and_absolute_limits_end_a_session() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = store(&dir, 0);
        let token = SessionToken::generate().unwrap();
        sessions.connect("a", &token, 0).unwrap();
        // Each request slides the idle limit, up to the absolute one.
        for now in (900..5000).step_by(900) {
            assert!(sessions.authenticate(&token, now).is_ok(), "{now}");
        }
        assert_eq!(
            sessions.authenticate(&token, 5000),
            Err(SessionRefused::Expired)
        );
        let idle = SessionToken::generate().unwrap();
        sessions.connect("b", &idle, 10_000).unwrap();
        assert_eq!(
            sessions.authenticate(&idle, 11_000),
            Err(SessionRefused::Expired)
        );
        assert_eq!(
            sessions.authenticate(&idle, 11_001),
            Err(SessionRefused::Unknown)
        );
    }

    #[test]
    fn sessions_survive_reopening_and_ended_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let kept = SessionToken::generate().unwrap();
        let ended = SessionToken::generate().unwrap();
        {
            let sessions = store(&dir, 0);
            sessions.connect("a", &kept, 0).unwrap();
            sessions.connect("b", &ended, 0).unwrap();
            assert!(sessions.disconnect(&ended).unwrap());
            assert!(!sessions.disconnect(&ended).unwrap());
        }
        let reopened = store(&dir, 500);
        assert_eq!(reopened.authenticate(&kept, 600).unwrap().wallet, "a");
        assert_eq!(
            reopened.authenticate(&ended, 600),
            Err(SessionRefused::Unknown)
        );
        let mode = std::fs::metadata(dir.path().join("db/api.sqlite")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
        // Nothing of the token itself is in the file.
        for file in std::fs::read_dir(dir.path().join("db")).unwrap() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            assert!(!String::from_utf8_lossy(&bytes).contains(kept.expose()));
        }
    }
}
