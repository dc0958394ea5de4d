//! Test wallets and their sessions: a wallet signs the API's Sign-In-With-Solana challenge
//! as a browser wallet would, and gets a session token.

use crate::Pipeline;
use serde_json::Value;
use solana_sdk::signature::{Keypair, Signer};

/// A wallet with a known key.
pub struct TestWallet {
    keypair: Keypair,
}

impl TestWallet {
    /// The wallet of `seed` (the same seed, the same wallet).
    pub fn from_seed(seed: u8) -> Self {
        Self {
            keypair: Keypair::new_from_array([seed; 32]),
        }
    }

    /// The wallet every test pipeline names as `access.owner_wallet`.
    pub fn owner() -> Self {
        Self::from_seed(7)
    }

    /// Its base58 address.
    pub fn address(&self) -> String {
        self.keypair.pubkey().to_string()
    }

    /// Its signature over `message` (base58).
    pub fn sign(&self, message: &str) -> String {
        self.keypair.sign_message(message.as_bytes()).to_string()
    }

    /// Its key pair.
    pub fn keypair(&self) -> &Keypair {
        &self.keypair
    }

    /// The challenge `pipeline` issues to this wallet.
    pub async fn challenge(&self, pipeline: &Pipeline) -> Value {
        let url = pipeline.url(&format!(
            "/api/session/challenge?wallet_address={}",
            self.address()
        ));
        let response = reqwest::get(url).await.expect("challenge request");
        assert_eq!(response.status(), 200, "challenge refused");
        response.json().await.expect("challenge JSON")
    }

    /// Signs in to `pipeline`: challenge, signature, connect. Returns the session token.
    pub async fn sign_in(&self, pipeline: &Pipeline) -> String {
        let challenge = self.challenge(pipeline).await;
        let message = challenge["message"].as_str().expect("message").to_owned();
        let body = serde_json::json!({
            "wallet_address": self.address(),
            "message": message,
            "signature": self.sign(&message),
        });
        let (code, connected) = connect(pipeline, &body).await;
        assert_eq!(code, 200, "connect refused: {connected}");
        connected["session_id"]
            .as_str()
            .expect("session_id")
            .to_owned()
    }
}

/// POSTs `body` to `/api/session/connect`: status and JSON body.
pub async fn connect(pipeline: &Pipeline, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(pipeline.url("/api/session/connect"))
        .json(body)
        .send()
        .await
        .expect("connect request");
    let code = response.status().as_u16();
    (code, response.json().await.unwrap_or_default())
}
