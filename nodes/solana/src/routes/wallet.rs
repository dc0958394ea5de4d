//! Reading what callers send: wallet addresses, signatures, base64 and hex, each refused
//! with a 400 that names the field.

use mm_http::ApiError;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use std::str::FromStr;

/// A base58 wallet address (32 bytes).
pub(super) fn wallet(field: &str, text: &str) -> Result<Pubkey, ApiError> {
    Pubkey::from_str(text.trim()).map_err(|_| {
        ApiError::bad_request(format!("{field} is not a base58 Solana address (32 bytes)"))
    })
}

/// A base58 transaction signature (64 bytes).
pub(super) fn signature(text: &str) -> Result<Signature, ApiError> {
    Signature::from_str(text.trim()).map_err(|_| {
        ApiError::bad_request("signature is not a base58 transaction signature (64 bytes)")
    })
}

/// Standard base64.
pub(super) fn base64(field: &str, text: &str) -> Result<Vec<u8>, ApiError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|error| ApiError::bad_request(format!("{field} is not base64: {error}")))
}

/// 32 bytes in hex.
pub(super) fn hash32(field: &str, text: &str) -> Result<[u8; 32], ApiError> {
    let mut hash = [0; 32];
    hex::decode_to_slice(text.trim(), &mut hash)
        .map_err(|_| ApiError::bad_request(format!("{field} is not 32 bytes of hex")))?;
    Ok(hash)
}
