//! The face package: a sealed embedding with what it is bound to, in a compact, versioned
//! binary form (bincode, fixed-width integers) of at most [`MAX_PACKAGE_LEN`] bytes, so that
//! it fits a `camera_network::enroll_face` instruction whole. About 650 bytes for a 128-d
//! embedding (the reference's double-base64 text was 1 040 characters and did not fit).

use bincode::Options;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use solana_sdk::pubkey::Pubkey;
use std::str::FromStr;

/// Most bytes a package may have (the program's embedding limit).
pub const MAX_PACKAGE_LEN: usize = 1024;
/// The first bytes of every package.
pub const MAGIC: [u8; 4] = *b"MMFP";

/// One sealed face.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacePackage {
    /// [`MAGIC`].
    pub magic: [u8; 4],
    /// The sealed format ([`crate::seal::FORMAT_VERSION`]).
    pub version: u8,
    /// The wallet (32-byte public key).
    pub wallet: [u8; 32],
    /// This face's id.
    pub face_id: [u8; 16],
    /// The camera that sealed it.
    pub camera_id: String,
    /// The model that computed the embedding.
    pub model_id: String,
    /// When it was sealed (Unix ms).
    pub created_unix_ms: u64,
    /// Nonce ‖ AES-256-SIV ciphertext of the embedding.
    pub sealed: Vec<u8>,
}

/// Why bytes are not a package.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// Longer than [`MAX_PACKAGE_LEN`].
    #[error("a face package is at most {MAX_PACKAGE_LEN} bytes, this one {0}")]
    TooLong(usize),
    /// Not a bincode package of this layout.
    #[error("not a face package: {0}")]
    Malformed(String),
    /// The magic or version is not this code's.
    #[error("not a face package of a version this node reads")]
    Version,
    /// The wallet is not a base58 public key.
    #[error("wallet_address must be a base58 Solana public key")]
    Wallet,
}

fn options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_limit(MAX_PACKAGE_LEN as u64)
}

impl FacePackage {
    /// The bytes that go on chain.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PackageError> {
        let bytes = options()
            .serialize(self)
            .map_err(|e| PackageError::Malformed(e.to_string()))?;
        if bytes.len() > MAX_PACKAGE_LEN {
            return Err(PackageError::TooLong(bytes.len()));
        }
        Ok(bytes)
    }

    /// A package read back; refused when too long, malformed, or of another version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PackageError> {
        if bytes.len() > MAX_PACKAGE_LEN {
            return Err(PackageError::TooLong(bytes.len()));
        }
        let package: Self = options()
            .deserialize(bytes)
            .map_err(|e| PackageError::Malformed(e.to_string()))?;
        if package.magic != MAGIC || package.version != crate::seal::FORMAT_VERSION {
            return Err(PackageError::Version);
        }
        Ok(package)
    }

    /// The wallet as base58.
    pub fn wallet_address(&self) -> String {
        Pubkey::new_from_array(self.wallet).to_string()
    }

    /// `face_<32 hex>`.
    pub fn face_id_text(&self) -> String {
        format!("face_{}", hex::encode(self.face_id))
    }
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The 32 bytes of a base58 wallet.
pub fn wallet_bytes(wallet: &str) -> Result<[u8; 32], PackageError> {
    Pubkey::from_str(wallet.trim())
        .map(|key| key.to_bytes())
        .map_err(|_| PackageError::Wallet)
}

/// The 16 bytes of `face_<32 hex>`.
pub fn face_id_bytes(text: &str) -> Option<[u8; 16]> {
    let mut bytes = [0u8; 16];
    hex::decode_to_slice(text.strip_prefix("face_")?, &mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_128_d_package_fits_enroll_face_and_reads_back() {
        let package = FacePackage {
            magic: MAGIC,
            version: crate::seal::FORMAT_VERSION,
            wallet: [3; 32],
            face_id: [9; 16],
            camera_id: "cam0".to_owned(),
            model_id: "dlib-resnet29-128".to_owned(),
            created_unix_ms: 1_764_000_000_000,
            sealed: vec![0xAB; 16 + 16 + 512],
        };
        let bytes = package.to_bytes().unwrap();
        assert!(bytes.len() <= MAX_PACKAGE_LEN, "{}", bytes.len());
        assert_eq!(FacePackage::from_bytes(&bytes).unwrap(), package);
        assert_eq!(face_id_bytes(&package.face_id_text()), Some([9; 16]));
        let mut other = bytes.clone();
        other[0] = b'X';
        assert!(matches!(
            FacePackage::from_bytes(&other),
            Err(PackageError::Version)
        ));
        assert!(FacePackage::from_bytes(&bytes[..100]).is_err());
        assert!(FacePackage::from_bytes(&vec![0; 2000]).is_err());
    }
}
