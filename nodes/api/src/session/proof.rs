//! What `POST /api/session/connect` must prove: that the caller holds the wallet, by an
//! Ed25519 signature over the exact sign-in message this camera issued, once, in time.

use super::challenges::{Challenges, Issued};
use super::sign_in::SignInMessage;
use base64::Engine as _;
use serde::Deserialize;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use std::str::FromStr;

/// Bytes as JSON may carry them: a string (base58 or base64; a message also as plain text)
/// or an array of numbers (a `Uint8Array` as `Array.from` writes it).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum EncodedBytes {
    /// A string.
    Text(String),
    /// Numbers 0..=255.
    Bytes(Vec<u8>),
}

/// A wallet-standard `account`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletAccount {
    /// Base58 address.
    #[serde(default)]
    pub address: Option<String>,
    /// The public key.
    #[serde(default)]
    pub public_key: Option<EncodedBytes>,
}

/// The body of `POST /api/session/connect`: a `signMessage` answer (`wallet_address`,
/// `message`, `signature`) or a wallet-standard `signIn` output (`signedMessage`,
/// `signature`, `publicKey` or `account`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    /// The wallet (base58).
    #[serde(default)]
    pub wallet_address: Option<String>,
    /// The signed message, as text.
    #[serde(default)]
    pub message: Option<String>,
    /// The 64-byte Ed25519 signature.
    #[serde(default)]
    pub signature: Option<EncodedBytes>,
    /// `signIn`'s signed bytes.
    #[serde(default, rename = "signedMessage")]
    pub signed_message: Option<EncodedBytes>,
    /// `signIn`'s public key.
    #[serde(default, rename = "publicKey")]
    pub public_key: Option<EncodedBytes>,
    /// `signIn`'s account.
    #[serde(default)]
    pub account: Option<WalletAccount>,
}

/// Why a connect request proves nothing. [`ConnectRefused::is_bad_request`] tells a request
/// that is malformed (400) from a proof that fails (401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectRefused {
    /// A required field is missing or cannot be decoded.
    #[error("{0}")]
    BadRequest(String),
    /// The signed text is not a sign-in message in the standard form.
    #[error("the signed message is not a Sign-In-With-Solana message: {0}")]
    NotSignIn(String),
    /// Its nonce was never issued here, was answered already, or was forgotten.
    #[error("the message's nonce was never issued by this camera or was used before; get a new challenge")]
    UnknownNonce,
    /// It names another domain.
    #[error("the message's domain is not this camera's")]
    WrongDomain,
    /// It names another URI.
    #[error("the message's URI is not this camera's")]
    WrongUri,
    /// It is not, field for field, the message issued for its nonce.
    #[error("the message is not the one issued for its nonce (edited)")]
    Edited,
    /// The challenge's time ran out.
    #[error("the challenge expired; get a new one")]
    Expired,
    /// The wallet named in the request is not the one in the message.
    #[error("wallet_address is not the message's address")]
    WalletMismatch,
    /// The signature is not the message's wallet's.
    #[error("the signature does not verify with the message's wallet")]
    BadSignature,
}

impl ConnectRefused {
    /// Whether the request itself is malformed (400) rather than refused (401).
    pub fn is_bad_request(&self) -> bool {
        matches!(self, ConnectRefused::BadRequest(_))
    }
}

/// A decoded connect request.
#[derive(Debug, Clone)]
pub struct SignInProof {
    /// The wallet the caller says it is, if it said.
    pub claimed_wallet: Option<String>,
    /// The signed text.
    pub message: String,
    /// Every reading of the signature string (base58 and base64 may both decode).
    pub signatures: Vec<[u8; 64]>,
}

impl SignInProof {
    /// Reads either shape of [`ConnectRequest`].
    pub fn from_request(request: ConnectRequest) -> Result<Self, ConnectRefused> {
        let bad = |what: &str| ConnectRefused::BadRequest(what.to_owned());
        let signature = request
            .signature
            .ok_or_else(|| bad("signature is required: sign the message from GET /api/session/challenge and send it with wallet_address, message and signature"))?;
        let signatures: Vec<[u8; 64]> = readings(&signature)
            .into_iter()
            .filter_map(|bytes| bytes.try_into().ok())
            .collect();
        if signatures.is_empty() {
            return Err(bad("signature must be 64 bytes, base58 or base64"));
        }
        let message = match (request.message, request.signed_message) {
            (Some(text), None) => text,
            (None, Some(encoded)) => signed_text(&encoded).ok_or_else(|| {
                bad("signedMessage must be the UTF-8 message, as text, base64, base58 or bytes")
            })?,
            (Some(_), Some(_)) => return Err(bad("send message or signedMessage, not both")),
            (None, None) => return Err(bad("message (or signedMessage) is required")),
        };
        let from_key = request
            .public_key
            .or(request.account.clone().and_then(|a| a.public_key))
            .map(|key| match key {
                EncodedBytes::Text(text) => Ok(text),
                EncodedBytes::Bytes(bytes) => <[u8; 32]>::try_from(bytes)
                    .map(|key| Pubkey::new_from_array(key).to_string())
                    .map_err(|_| bad("publicKey must be 32 bytes")),
            })
            .transpose()?;
        let claimed = [
            request.wallet_address,
            request.account.and_then(|a| a.address),
            from_key,
        ];
        let mut named = claimed.into_iter().flatten();
        let claimed_wallet = named.next();
        if named.any(|other| Some(&other) != claimed_wallet.as_ref()) {
            return Err(ConnectRefused::WalletMismatch);
        }
        Ok(Self {
            claimed_wallet,
            message,
            signatures,
        })
    }

    /// Checks the proof against the challenges issued, at `now_unix_ms`; the wallet it
    /// proves. The nonce is spent whatever the outcome, once the message names one.
    pub fn verify(
        &self,
        challenges: &Challenges,
        now_unix_ms: u64,
    ) -> Result<String, ConnectRefused> {
        let message = SignInMessage::parse(&self.message)
            .map_err(|error| ConnectRefused::NotSignIn(error.to_string()))?;
        if message.to_text() != self.message {
            return Err(ConnectRefused::NotSignIn(
                "not in the standard form (extra lines or spaces)".to_owned(),
            ));
        }
        let nonce = message
            .nonce
            .as_deref()
            .ok_or(ConnectRefused::UnknownNonce)?;
        let Issued {
            message: issued,
            expires_unix_ms,
            ..
        } = challenges.take(nonce).ok_or(ConnectRefused::UnknownNonce)?;
        if message.domain != issued.domain {
            return Err(ConnectRefused::WrongDomain);
        }
        if message.uri != issued.uri {
            return Err(ConnectRefused::WrongUri);
        }
        if message != issued {
            return Err(ConnectRefused::Edited);
        }
        if now_unix_ms >= expires_unix_ms {
            return Err(ConnectRefused::Expired);
        }
        if self
            .claimed_wallet
            .as_ref()
            .is_some_and(|claimed| *claimed != message.address)
        {
            return Err(ConnectRefused::WalletMismatch);
        }
        let key = Pubkey::from_str(&message.address).map_err(|_| ConnectRefused::BadSignature)?;
        let verified = self
            .signatures
            .iter()
            .any(|bytes| Signature::from(*bytes).verify(key.as_ref(), self.message.as_bytes()));
        if verified {
            Ok(message.address)
        } else {
            Err(ConnectRefused::BadSignature)
        }
    }
}

/// Every way `encoded` decodes: its bytes, or a string's base58 and base64 readings.
fn readings(encoded: &EncodedBytes) -> Vec<Vec<u8>> {
    match encoded {
        EncodedBytes::Bytes(bytes) => vec![bytes.clone()],
        EncodedBytes::Text(text) => {
            let text = text.trim();
            let base64 = [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                &base64::engine::general_purpose::URL_SAFE,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ]
            .into_iter()
            .filter_map(|engine| engine.decode(text).ok());
            bs58::decode(text)
                .into_vec()
                .ok()
                .into_iter()
                .chain(base64)
                .collect()
        }
    }
}

/// The message text of `signedMessage`: the text itself, or its bytes in any encoding.
fn signed_text(encoded: &EncodedBytes) -> Option<String> {
    if let EncodedBytes::Text(text) = encoded {
        if text.contains(" wants you to sign in with your Solana account:") {
            return Some(text.clone());
        }
    }
    readings(encoded).into_iter().find_map(|bytes| {
        String::from_utf8(bytes)
            .ok()
            .filter(|t| SignInMessage::parse(t).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::signature::{Keypair, Signer};

    fn issue(challenges: &Challenges, wallet: &str, nonce: &str) -> SignInMessage {
        let message = SignInMessage {
            domain: "localhost:5002".to_owned(),
            address: wallet.to_owned(),
            statement: Some("Sign in.".to_owned()),
            uri: Some("http://localhost:5002".to_owned()),
            version: Some("1".to_owned()),
            chain_id: Some("devnet".to_owned()),
            nonce: Some(nonce.to_owned()),
            issued_at: Some("2026-12-02T10:15:00.000Z".to_owned()),
            expiration_time: Some("2026-12-02T10:20:00.000Z".to_owned()),
            ..SignInMessage::default()
        };
        challenges.insert(
            nonce.to_owned(),
            Issued {
                message: message.clone(),
                issued_unix_ms: 0,
                expires_unix_ms: 1000,
            },
        );
        message
    }

    fn request(keypair: &Keypair, text: &str) -> ConnectRequest {
        ConnectRequest {
            wallet_address: Some(keypair.pubkey().to_string()),
            message: Some(text.to_owned()),
            signature: Some(EncodedBytes::Text(
                keypair.sign_message(text.as_bytes()).to_string(),
            )),
            ..ConnectRequest::default()
        }
    }

    fn verify(
        challenges: &Challenges,
        request: ConnectRequest,
        now: u64,
    ) -> Result<String, ConnectRefused> {
        SignInProof::from_request(request)?.verify(challenges, now)
    }

    #[test]
    fn the_issued_message_signed_by_its_wallet_proves_it_once() {
        let challenges = Challenges::default();
        let wallet = Keypair::new();
        let text = issue(&challenges, &wallet.pubkey().to_string(), "nonce0001").to_text();
        assert_eq!(
            verify(&challenges, request(&wallet, &text), 10),
            Ok(wallet.pubkey().to_string())
        );
        assert_eq!(
            verify(&challenges, request(&wallet, &text), 20),
            Err(ConnectRefused::UnknownNonce)
        );
    }

    #[test]
    fn every_forgery_is_refused() {
        let challenges = Challenges::default();
        let wallet = Keypair::new();
        let address = wallet.pubkey().to_string();
        let other = Keypair::new();

        let text = issue(&challenges, &address, "nonce0002").to_text();
        let mut forged = request(&wallet, &text);
        forged.signature = Some(EncodedBytes::Text(
            other.sign_message(text.as_bytes()).to_string(),
        ));
        assert_eq!(
            verify(&challenges, forged, 10),
            Err(ConnectRefused::BadSignature)
        );

        let text = issue(&challenges, &address, "nonce0003").to_text();
        let edited = text.replace("Sign in.", "Sign in!");
        assert_eq!(
            verify(&challenges, request(&wallet, &edited), 10),
            Err(ConnectRefused::Edited)
        );

        let text = issue(&challenges, &address, "nonce0004").to_text();
        let elsewhere = text.replace("localhost:5002 wants", "evil.example wants");
        assert_eq!(
            verify(&challenges, request(&wallet, &elsewhere), 10),
            Err(ConnectRefused::WrongDomain)
        );

        let text = issue(&challenges, &address, "nonce0005").to_text();
        assert_eq!(
            verify(&challenges, request(&wallet, &text), 1000),
            Err(ConnectRefused::Expired)
        );

        let never = issue(&Challenges::default(), &address, "nonce0006").to_text();
        assert_eq!(
            verify(&challenges, request(&wallet, &never), 10),
            Err(ConnectRefused::UnknownNonce)
        );

        // Another wallet signs a message issued to the first.
        let text = issue(&challenges, &address, "nonce0007").to_text();
        assert_eq!(
            verify(&challenges, request(&other, &text), 10),
            Err(ConnectRefused::WalletMismatch)
        );
    }

    #[test]
    fn a_wallet_standard_sign_in_output_is_accepted() {
        let challenges = Challenges::default();
        let wallet = Keypair::new();
        let text = issue(&challenges, &wallet.pubkey().to_string(), "nonce0008").to_text();
        let signature = wallet.sign_message(text.as_bytes());
        let body = serde_json::json!({
            "signedMessage": base64::engine::general_purpose::STANDARD.encode(&text),
            "signature": signature.as_ref().to_vec(),
            "publicKey": wallet.pubkey().to_bytes().to_vec(),
        });
        let request: ConnectRequest = serde_json::from_value(body).unwrap();
        assert_eq!(
            verify(&challenges, request, 10),
            Ok(wallet.pubkey().to_string())
        );
    }
}
