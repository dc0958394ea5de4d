//! What the client and the subscriptions share: the endpoint (whose URL may carry an API key,
//! so only its host is ever shown), commitment, and decoding base64 account data.

use base64::Engine;
use serde::Deserialize;
use solana_sdk::pubkey::Pubkey;
use std::str::FromStr;

/// How final the chain data read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commitment {
    /// The node's newest bank (may be rolled back).
    Processed,
    /// Voted on by a supermajority.
    Confirmed,
    /// Rooted.
    Finalized,
}

impl Commitment {
    /// The RPC's name for it.
    pub const fn name(self) -> &'static str {
        match self {
            Commitment::Processed => "processed",
            Commitment::Confirmed => "confirmed",
            Commitment::Finalized => "finalized",
        }
    }

    /// What `getTransaction` accepts: it has no `processed`, so that reads as `confirmed`.
    pub const fn for_transactions(self) -> Self {
        match self {
            Commitment::Processed => Commitment::Confirmed,
            other => other,
        }
    }
}

impl FromStr for Commitment {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "processed" => Ok(Commitment::Processed),
            "confirmed" => Ok(Commitment::Confirmed),
            "finalized" => Ok(Commitment::Finalized),
            other => Err(format!(
                "unknown commitment {other:?} (processed, confirmed or finalized)"
            )),
        }
    }
}

/// An RPC endpoint: the URLs to use and a label that is safe to show.
#[derive(Clone)]
pub struct Endpoint {
    http_url: String,
    ws_url: String,
    label: String,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("label", &self.label)
            .finish()
    }
}

impl Endpoint {
    /// `http_url` with its websocket at `ws_url`, or (when `None`) where Solana puts it: the
    /// same host with `ws`/`wss`, and the port after the HTTP one when a port is given.
    pub fn new(http_url: &str, ws_url: Option<&str>) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(http_url)
            .map_err(|error| format!("RPC URL is not a URL: {error}"))?;
        let scheme = parsed.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "RPC URL must be http:// or https://, not {scheme}://"
            ));
        }
        let host = parsed.host_str().ok_or("RPC URL has no host")?.to_owned();
        let label = match parsed.port() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
        let ws_url = match ws_url {
            Some(url) => url.to_owned(),
            None => derive_websocket_url(&parsed)?,
        };
        Ok(Self {
            http_url: http_url.to_owned(),
            ws_url,
            label,
        })
    }

    /// The HTTP URL (may hold an API key: never log it).
    pub(crate) fn http_url(&self) -> &str {
        &self.http_url
    }

    /// The websocket URL (may hold an API key: never log it).
    pub(crate) fn ws_url(&self) -> &str {
        &self.ws_url
    }

    /// `scheme://host[:port]`, without path or query.
    pub fn label(&self) -> &str {
        &self.label
    }
}

fn derive_websocket_url(http: &reqwest::Url) -> Result<String, String> {
    let mut ws = http.clone();
    let scheme = if http.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    ws.set_scheme(scheme)
        .map_err(|()| "cannot derive the websocket URL".to_owned())?;
    if let Some(port) = http.port() {
        let next = port
            .checked_add(1)
            .ok_or("RPC port 65535 has no websocket port after it")?;
        ws.set_port(Some(next))
            .map_err(|()| "cannot derive the websocket URL".to_owned())?;
    }
    Ok(ws.to_string())
}

/// An account as the RPC returns it with `encoding: base64`.
#[derive(Debug, Deserialize)]
pub(crate) struct UiAccount {
    pub lamports: u64,
    pub owner: String,
    pub data: (String, String),
}

impl UiAccount {
    /// Owner and data, decoded.
    pub fn decode(self) -> Result<(Pubkey, u64, Vec<u8>), String> {
        let owner = Pubkey::from_str(&self.owner).map_err(|e| format!("owner: {e}"))?;
        if self.data.1 != "base64" {
            return Err(format!("account data in {} instead of base64", self.data.1));
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(self.data.0)
            .map_err(|e| format!("account data: {e}"))?;
        Ok((owner, self.lamports, data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls_follow_solanas_rule() {
        let devnet = Endpoint::new("https://api.devnet.solana.com", None).unwrap();
        assert_eq!(devnet.ws_url(), "wss://api.devnet.solana.com/");
        let local = Endpoint::new("http://127.0.0.1:8899", None).unwrap();
        assert_eq!(local.ws_url(), "ws://127.0.0.1:8900/");
        assert_eq!(local.label(), "http://127.0.0.1:8899");
        let keyed = Endpoint::new("https://rpc.example.com/v1?api-key=SECRET", None).unwrap();
        assert_eq!(keyed.label(), "https://rpc.example.com");
        assert!(!format!("{keyed:?}").contains("SECRET"));
        assert!(Endpoint::new("ftp://x", None).is_err());
    }
}
