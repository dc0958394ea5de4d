//! AES-256-SIV (RFC 5297) sealing of embeddings, and the key hierarchy under it.
//!
//! - The **device key** (64 bytes, a secret of this camera) wraps every data key; it never
//!   leaves the node.
//! - Each wallet has a random **data key** (64 bytes), stored only wrapped: SIV over the key,
//!   associated data `mmoment-key-wrap-v1` and the wallet (deterministic, as RFC 5297's key
//!   wrap is: the plaintext is random).
//! - An embedding is sealed under its wallet's data key with a fresh 16-byte nonce and
//!   associated data `mmoment-face-v1`, the wallet, the camera, the model and the format
//!   version; opening it with any of those changed fails. Destroying the data key makes every
//!   copy of the ciphertext, wherever it went, unreadable (crypto-shredding).
//!
//! Keys and plaintexts are zeroized when dropped.

use aes_siv::siv::Aes256Siv;
use aes_siv::KeyInit;
use zeroize::{Zeroize, Zeroizing};

/// Bytes of an AES-256-SIV key (half CMAC, half CTR).
pub const KEY_LEN: usize = 64;
/// Bytes of the random nonce in front of a sealed embedding.
pub const NONCE_LEN: usize = 16;
/// Bytes SIV adds to a plaintext (the synthetic IV).
pub const TAG_LEN: usize = 16;
/// The sealed format this code writes.
pub const FORMAT_VERSION: u8 = 1;

/// A 64-byte key, zeroized when dropped. Not `Debug`, not `Clone`.
pub struct Key(Zeroizing<[u8; KEY_LEN]>);

/// What a sealed embedding is bound to: opening it with anything else fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding<'a> {
    /// The wallet whose face it is.
    pub wallet: &'a str,
    /// The camera that sealed it.
    pub camera_id: &'a str,
    /// The model that computed it.
    pub model_id: &'a str,
    /// The sealed format.
    pub version: u8,
}

/// A cryptographic operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The operating system gave no random bytes.
    #[error("no random bytes from the operating system")]
    NoRandomness,
    /// The ciphertext, its associated data or the key is not the one it was sealed with:
    /// tampered, bound to something else, or its key was destroyed and replaced.
    #[error(
        "cannot open: the data was altered or is bound to another wallet, camera, model or key"
    )]
    Unauthentic,
    /// The key material has the wrong length.
    #[error("a key must be {KEY_LEN} bytes")]
    KeyLength,
}

impl Key {
    /// A fresh random key.
    pub fn generate() -> Result<Self, SealError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(bytes.as_mut()).map_err(|_| SealError::NoRandomness)?;
        Ok(Self(bytes))
    }

    /// The key of `bytes` (which the caller should zeroize).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        let array: [u8; KEY_LEN] = bytes.try_into().map_err(|_| SealError::KeyLength)?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// The raw bytes, for the one place that stores a device key.
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn cipher(&self) -> Aes256Siv {
        // The length is fixed by the type: this cannot fail.
        match Aes256Siv::new_from_slice(self.0.as_ref()) {
            Ok(cipher) => cipher,
            Err(_) => unreachable!("AES-256-SIV takes a 64-byte key"),
        }
    }

    /// `data_key` wrapped under this (device) key for `wallet`.
    pub fn wrap(&self, data_key: &Key, wallet: &str) -> Result<Vec<u8>, SealError> {
        self.cipher()
            .encrypt(
                [b"mmoment-key-wrap-v1".as_slice(), wallet.as_bytes()],
                data_key.0.as_ref(),
            )
            .map_err(|_| SealError::Unauthentic)
    }

    /// The data key of `wallet` that `wrapped` holds.
    pub fn unwrap_key(&self, wrapped: &[u8], wallet: &str) -> Result<Key, SealError> {
        let bytes = Zeroizing::new(
            self.cipher()
                .decrypt(
                    [b"mmoment-key-wrap-v1".as_slice(), wallet.as_bytes()],
                    wrapped,
                )
                .map_err(|_| SealError::Unauthentic)?,
        );
        Key::from_bytes(&bytes)
    }

    /// `plaintext` sealed under this (data) key, bound to `binding`: nonce ‖ SIV ciphertext.
    pub fn seal(&self, binding: &Binding<'_>, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SealError::NoRandomness)?;
        let sealed = self
            .cipher()
            .encrypt(associated_data(binding, &nonce), plaintext)
            .map_err(|_| SealError::Unauthentic)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The plaintext of `sealed` if it was sealed under this key for exactly `binding`.
    pub fn open(
        &self,
        binding: &Binding<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Unauthentic);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(associated_data(binding, nonce), ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| SealError::Unauthentic)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The associated-data strings of a sealed embedding; the nonce comes last, as RFC 5297 puts
/// it.
fn associated_data<'a>(binding: &'a Binding<'_>, nonce: &'a [u8]) -> [&'a [u8]; 6] {
    [
        b"mmoment-face-v1",
        binding.wallet.as_bytes(),
        binding.camera_id.as_bytes(),
        binding.model_id.as_bytes(),
        std::slice::from_ref(&binding.version),
        nonce,
    ]
}

/// An embedding's little-endian f32 bytes, zeroized when dropped.
pub fn embedding_bytes(embedding: &[f32]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(embedding.iter().flat_map(|v| v.to_le_bytes()).collect())
}

/// The f32 values of little-endian bytes (a length not a multiple of 4 drops the rest).
pub fn embedding_values(bytes: &[u8]) -> Zeroizing<Vec<f32>> {
    Zeroizing::new(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(wallet: &str) -> Binding<'_> {
        Binding {
            wallet,
            camera_id: "cam0",
            model_id: "dlib-resnet29-128",
            version: FORMAT_VERSION,
        }
    }

    #[test]
    fn a_sealed_embedding_opens_only_as_it_was_bound() {
        let key = Key::generate().unwrap();
        let embedding: Vec<f32> = (0..128).map(|i| i as f32 / 128.0).collect();
        let plaintext = embedding_bytes(&embedding);
        let sealed = key.seal(&binding("alice"), &plaintext).unwrap();
        assert_eq!(sealed.len(), NONCE_LEN + TAG_LEN + 512);
        assert_eq!(
            *embedding_values(&key.open(&binding("alice"), &sealed).unwrap()),
            embedding
        );
        // Sealing twice gives two ciphertexts (the nonce), so equal faces do not show.
        assert_ne!(key.seal(&binding("alice"), &plaintext).unwrap(), sealed);
        assert_eq!(
            key.open(&binding("bob"), &sealed).unwrap_err(),
            SealError::Unauthentic
        );
        let other_camera = Binding {
            camera_id: "cam1",
            ..binding("alice")
        };
        assert!(key.open(&other_camera, &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[40] ^= 1;
        assert!(key.open(&binding("alice"), &tampered).is_err());
        assert!(Key::generate()
            .unwrap()
            .open(&binding("alice"), &sealed)
            .is_err());
    }

    #[test]
    fn a_wrapped_key_unwraps_only_for_its_wallet_and_device() {
        let device = Key::generate().unwrap();
        let data = Key::generate().unwrap();
        let wrapped = device.wrap(&data, "alice").unwrap();
        assert_eq!(wrapped.len(), TAG_LEN + KEY_LEN);
        assert_eq!(
            device.unwrap_key(&wrapped, "alice").unwrap().expose(),
            data.expose()
        );
        assert!(device.unwrap_key(&wrapped, "bob").is_err());
        assert!(Key::generate()
            .unwrap()
            .unwrap_key(&wrapped, "alice")
            .is_err());
    }
}
