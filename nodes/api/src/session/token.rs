//! Session tokens: 256 random bits, handed out once as 64 hex digits and kept only as their
//! SHA-256, so that a copy of the database opens no session.

use sha2::{Digest, Sha256};

/// A session token as the caller holds it. Not `Debug`: it must never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

/// The SHA-256 of a token (hex): how the store knows a session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenHash(pub String);

/// The system's random source failed.
#[derive(Debug, thiserror::Error)]
#[error("no random bytes from the operating system")]
pub struct NoRandomness(#[source] pub getrandom::Error);

impl SessionToken {
    /// A fresh token from the operating system's random source.
    pub fn generate() -> Result<Self, NoRandomness> {
        Ok(Self(random_hex::<32>()?))
    }

    /// A token as a caller sent it (not checked: an unknown token simply opens nothing).
    pub fn from_caller(text: &str) -> Self {
        Self(text.trim().to_owned())
    }

    /// The 64 hex digits, for the one reply that hands the token out.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps.
    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

/// `N` random bytes as lower-case hex.
pub fn random_hex<const N: usize>() -> Result<String, NoRandomness> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(NoRandomness)?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_never_repeat() {
        let a = SessionToken::generate().unwrap();
        let b = SessionToken::generate().unwrap();
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.hash(), SessionToken::from_caller(a.expose()).hash());
        assert_ne!(a.hash().0, a.expose());
    }
}
