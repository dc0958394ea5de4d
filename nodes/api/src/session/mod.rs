//! Sessions: a wallet proves it is held by signing a Sign-In-With-Solana challenge, and gets
//! a 256-bit token that every mutating or private route asks for.
//!
//! - [`sign_in`]: the message wallets show and sign.
//! - [`challenges`]: nonces handed out, each good for one answer.
//! - [`proof`]: checking a signed answer.
//! - [`token`]: tokens, kept only as hashes.
//! - [`store`]: the sessions, in SQLite across restarts.

pub mod challenges;
pub mod proof;
pub mod sign_in;
pub mod store;
pub mod token;

use challenges::{Challenges, Issued};
use mm_runtime::config::AccessConfig;
use mm_runtime::media_files::rfc3339;
use proof::{ConnectRefused, SignInProof};
use sign_in::SignInMessage;
use solana_sdk::pubkey::Pubkey;
use std::str::FromStr;
use store::{Session, SessionLimits, SessionRefused, SessionStore, StoreError};
use token::{NoRandomness, SessionToken};

/// Why no session was made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The proof failed or the request is malformed.
    #[error(transparent)]
    Refused(#[from] ConnectRefused),
    /// No token could be made.
    #[error(transparent)]
    Random(#[from] NoRandomness),
    /// The session could not be stored.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why no challenge was issued.
#[derive(Debug, thiserror::Error)]
pub enum ChallengeError {
    /// The wallet is not a base58 public key.
    #[error("wallet_address must be a base58 Solana public key")]
    BadWallet,
    /// No nonce could be made.
    #[error(transparent)]
    Random(#[from] NoRandomness),
}

/// A caller that holds a session.
#[derive(Clone)]
pub struct Caller {
    /// Its wallet.
    pub wallet: String,
    /// Whether that wallet is the camera's owner.
    pub owner: bool,
    /// Its session.
    pub session: Session,
    /// Its token, to end the session.
    pub token: SessionToken,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("wallet", &self.wallet)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// Challenges, sessions and who owns the camera.
pub struct Sessions {
    challenges: Challenges,
    store: SessionStore,
    domain: String,
    uri: String,
    chain_id: String,
    statement: String,
    challenge_ttl_ms: u64,
    owner_wallet: Option<String>,
}

impl Sessions {
    /// The sessions of camera `camera_id` under `access`, loaded from its database.
    pub fn open(
        access: &AccessConfig,
        camera_id: &str,
        now_unix_ms: u64,
    ) -> Result<Self, StoreError> {
        let limits = SessionLimits {
            idle_ms: access.session_idle_ms,
            max_age_ms: access.session_max_age_ms,
            max_sessions: access.max_sessions as usize,
        };
        Ok(Self {
            challenges: Challenges::default(),
            store: SessionStore::open(&access.database, limits, now_unix_ms)?,
            domain: access.domain().to_owned(),
            uri: access.uri().to_owned(),
            chain_id: access.chain_id.clone(),
            statement: format!(
                "Sign in to mmoment camera {camera_id}. This proves you hold this wallet; it sends no transaction and costs nothing."
            ),
            challenge_ttl_ms: access.challenge_ttl_ms,
            owner_wallet: Some(access.owner_wallet.clone()).filter(|w| !w.is_empty()),
        })
    }

    /// How long sessions live.
    pub fn limits(&self) -> &SessionLimits {
        self.store.limits()
    }

    /// A fresh challenge for `wallet`, at `now_unix_ms`.
    pub fn challenge(&self, wallet: &str, now_unix_ms: u64) -> Result<Issued, ChallengeError> {
        let wallet = Pubkey::from_str(wallet.trim())
            .map_err(|_| ChallengeError::BadWallet)?
            .to_string();
        let nonce = token::random_hex::<16>()?;
        let expires_unix_ms = now_unix_ms + self.challenge_ttl_ms;
        let message = SignInMessage {
            domain: self.domain.clone(),
            address: wallet,
            statement: Some(self.statement.clone()),
            uri: Some(self.uri.clone()),
            version: Some("1".to_owned()),
            chain_id: Some(self.chain_id.clone()),
            nonce: Some(nonce.clone()),
            issued_at: Some(rfc3339(now_unix_ms)),
            expiration_time: Some(rfc3339(expires_unix_ms)),
            ..SignInMessage::default()
        };
        let issued = Issued {
            message,
            issued_unix_ms: now_unix_ms,
            expires_unix_ms,
        };
        self.challenges.insert(nonce, issued.clone());
        Ok(issued)
    }

    /// A session for the wallet `proof` proves, replacing its earlier one.
    pub fn connect(
        &self,
        proof: &SignInProof,
        now_unix_ms: u64,
    ) -> Result<(SessionToken, Caller), ConnectError> {
        let wallet = proof.verify(&self.challenges, now_unix_ms)?;
        let token = SessionToken::generate()?;
        let session = self.store.connect(&wallet, &token, now_unix_ms)?;
        Ok((token.clone(), self.caller(session, token)))
    }

    /// The caller holding `token`, at `now_unix_ms` (which counts as its latest request).
    pub fn authenticate(
        &self,
        token: SessionToken,
        now_unix_ms: u64,
    ) -> Result<Caller, SessionRefused> {
        let session = self.store.authenticate(&token, now_unix_ms)?;
        Ok(self.caller(session, token))
    }

    /// Ends the session of `token`; whether there was one.
    pub fn disconnect(&self, token: &SessionToken) -> Result<bool, StoreError> {
        self.store.disconnect(token)
    }

    /// Sessions alive now.
    pub fn active(&self, now_unix_ms: u64) -> usize {
        self.store.active(now_unix_ms)
    }

    fn caller(&self, session: Session, token: SessionToken) -> Caller {
        Caller {
            owner: self.owner_wallet.as_deref() == Some(session.wallet.as_str()),
            wallet: session.wallet.clone(),
            session,
            token,
        }
    }
}
