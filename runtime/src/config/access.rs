//! `[access]`: who may call what on port 5002. Sessions proven by a wallet signature
//! (Sign In With Solana), the camera's owner, the stream's exposure, CORS and the host names
//! the API answers to.

use super::{check, check_duration, solana::is_base58_key, ConfigError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The chains a Sign-In-With-Solana message may name.
const CHAIN_IDS: [&str; 7] = [
    "mainnet",
    "testnet",
    "devnet",
    "localnet",
    "solana:mainnet",
    "solana:testnet",
    "solana:devnet",
];

/// `[access]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessConfig {
    /// How the camera is reached from outside (`scheme://host[:port]`): its host is the
    /// sign-in message's domain and the URL its URI.
    pub public_url: String,
    /// Host names (no port) the API answers to besides `public_url`'s host, `localhost`,
    /// `127.0.0.1` and `::1`; any other `Host` header is refused (DNS rebinding).
    pub hosts: Vec<String>,
    /// Origins whose web pages may call the API (CORS); `*` is never accepted.
    pub cors_origins: Vec<String>,
    /// The chain the sign-in message names.
    pub chain_id: String,
    /// The wallet (base58) that owns this camera; `""`: nobody may call owner routes.
    pub owner_wallet: String,
    /// Whether `/stream` is open to anyone; false: a session token is needed.
    pub stream_public: bool,
    /// How long a sign-in challenge may be answered.
    pub challenge_ttl_ms: u64,
    /// A session ends after this long without a request (each request restarts it).
    pub session_idle_ms: u64,
    /// A session ends this long after it was made, however active.
    pub session_max_age_ms: u64,
    /// Most sessions at once; connecting one more ends the least recently used.
    pub max_sessions: u32,
    /// The API's database (sessions), created when missing.
    pub database: PathBuf,
}

impl Default for AccessConfig {
    fn default() -> Self {
        Self {
            public_url: "http://localhost:5002".to_owned(),
            // The reference deployment's Cloudflare tunnel to port 5002.
            hosts: vec!["jetson.mmoment.xyz".to_owned()],
            // The web app, and its development servers (Next.js, Vite).
            cors_origins: vec![
                "https://mmoment.xyz".to_owned(),
                "https://www.mmoment.xyz".to_owned(),
                "http://localhost:3000".to_owned(),
                "http://localhost:5173".to_owned(),
            ],
            chain_id: "devnet".to_owned(),
            owner_wallet: String::new(),
            stream_public: true,
            challenge_ttl_ms: 300_000,
            session_idle_ms: 3_600_000,
            session_max_age_ms: 86_400_000,
            max_sessions: 256,
            database: PathBuf::from("data/api.sqlite"),
        }
    }
}

impl AccessConfig {
    /// The sign-in domain: `public_url`'s `host[:port]`.
    pub fn domain(&self) -> &str {
        let rest = self
            .public_url
            .split_once("://")
            .map_or(self.public_url.as_str(), |(_, rest)| rest);
        rest.split('/').next().unwrap_or(rest)
    }

    /// `public_url` without a trailing slash: the sign-in URI.
    pub fn uri(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    /// Every host name the API answers to (lower case, no port).
    pub fn allowed_hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .into_iter()
            .map(str::to_owned)
            .chain(std::iter::once(host_name(self.domain()).to_owned()))
            .chain(self.hosts.iter().cloned())
            .map(|host| host.to_ascii_lowercase())
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// A public URL with a host, a known chain, an owner that is a key, origins that are
    /// origins, limits that let at least one session live.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            (self.public_url.starts_with("http://") || self.public_url.starts_with("https://"))
                && !self.domain().is_empty(),
            "access.public_url",
            &self.public_url,
            "must be http:// or https:// with a host",
        )?;
        check(
            CHAIN_IDS.contains(&self.chain_id.as_str()),
            "access.chain_id",
            &self.chain_id,
            "must be mainnet, testnet, devnet, localnet or solana:<mainnet|testnet|devnet>",
        )?;
        check(
            self.owner_wallet.is_empty() || is_base58_key(&self.owner_wallet),
            "access.owner_wallet",
            &self.owner_wallet,
            "must be a base58 public key or empty",
        )?;
        for origin in &self.cors_origins {
            check(
                is_origin(origin),
                "access.cors_origins",
                origin,
                "must be scheme://host[:port] (never *)",
            )?;
        }
        for host in &self.hosts {
            check(
                (!host.is_empty() && !host.contains([':', '/', ' '])) || host.starts_with('['),
                "access.hosts",
                host,
                "must be a host name without a port",
            )?;
        }
        check_duration("access.challenge_ttl_ms", self.challenge_ttl_ms, true)?;
        check_duration("access.session_idle_ms", self.session_idle_ms, true)?;
        check_duration("access.session_max_age_ms", self.session_max_age_ms, true)?;
        check(
            self.max_sessions >= 1,
            "access.max_sessions",
            self.max_sessions,
            "must be at least 1",
        )?;
        check(
            !self.database.as_os_str().is_empty(),
            "access.database",
            self.database.display(),
            "must name a file",
        )
    }
}

/// The host name of `host[:port]` (`[::1]:5002` → `::1`).
pub fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Whether `origin` is `http(s)://host[:port]` with nothing after it.
fn is_origin(origin: &str) -> bool {
    origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .is_some_and(|rest| !rest.is_empty() && !rest.contains(['/', '*', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_and_hosts_come_from_the_public_url() {
        let access = AccessConfig {
            public_url: "https://cam.example.org:8443/".to_owned(),
            hosts: vec!["Camera.local".to_owned()],
            ..AccessConfig::default()
        };
        assert_eq!(access.domain(), "cam.example.org:8443");
        assert_eq!(access.uri(), "https://cam.example.org:8443");
        assert_eq!(
            access.allowed_hosts(),
            [
                "127.0.0.1",
                "::1",
                "cam.example.org",
                "camera.local",
                "localhost"
            ]
        );
        assert_eq!(host_name("[::1]:5002"), "::1");
    }

    #[test]
    fn a_wildcard_origin_or_a_bad_owner_is_refused() {
        let star = AccessConfig {
            cors_origins: vec!["*".to_owned()],
            ..AccessConfig::default()
        };
        assert!(star.validate().is_err());
        let owner = AccessConfig {
            owner_wallet: "not a key".to_owned(),
            ..AccessConfig::default()
        };
        assert!(owner.validate().is_err());
        assert!(AccessConfig::default().validate().is_ok());
    }
}
