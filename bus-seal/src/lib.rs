//! Replies sealed to their requester, for secrets that cross shared memory.
//!
//! A bus sample stays in the shared-memory segment after it is read, until the slot is
//! reused, and every process of the camera's user can map the segment. So a secret (a face
//! embedding) never crosses it in the clear: the requester puts a one-time X25519 public key
//! into its request, and the responder answers with a one-time key of its own and the secret
//! sealed with AES-256-SIV under a key derived from both (SHA-512 over a domain string, the
//! shared secret and both public keys), the request's context as associated data. Only the
//! requester's process, which holds its secret key in memory, can open it; both secret keys
//! are zeroized when dropped.

use aes_siv::siv::Aes256Siv;
use aes_siv::KeyInit;
use sha2::{Digest, Sha512};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// Bytes of a public key in a request or reply.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Bytes sealing adds to a secret (SIV's synthetic IV).
pub const TAG_LEN: usize = 16;

const DOMAIN: &[u8] = b"mmoment-bus-seal-v1";

/// Sealing or opening failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BusSealError {
    /// The operating system gave no random bytes.
    #[error("no random bytes from the operating system")]
    NoRandomness,
    /// A public key is of low order (no shared secret): not a key a peer made.
    #[error("the peer's public key is not a valid one-time key")]
    WeakKey,
    /// The sealed bytes, the context or the keys are not the ones it was sealed with.
    #[error("cannot open: the reply was altered, sealed for another key or another request")]
    Unauthentic,
    /// The output buffer does not fit the result.
    #[error("the sealed secret is {expected} bytes, not {actual}")]
    Length {
        /// The length needed.
        expected: usize,
        /// The length given.
        actual: usize,
    },
}

/// The requester's one-time key pair; it can open every reply sealed to its public key.
pub struct Requester {
    secret: StaticSecret,
    public: PublicKey,
}

impl std::fmt::Debug for Requester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Requester")
            .field("public", self.public.as_bytes())
            .finish_non_exhaustive()
    }
}

impl Requester {
    /// A fresh key pair.
    pub fn new() -> Result<Self, BusSealError> {
        let secret = StaticSecret::from(random_bytes()?);
        let public = PublicKey::from(&secret);
        Ok(Self { secret, public })
    }

    /// The public key to put into the request.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.public.to_bytes()
    }

    /// Opens `sealed` (a reply's sealed bytes) from the responder's key `responder_public`,
    /// for the request described by `context`, into `plaintext` (its exact length).
    pub fn open(
        &self,
        responder_public: &[u8; PUBLIC_KEY_LEN],
        context: &[u8],
        sealed: &[u8],
        plaintext: &mut [u8],
    ) -> Result<(), BusSealError> {
        check_len(plaintext.len() + TAG_LEN, sealed.len())?;
        let responder = PublicKey::from(*responder_public);
        let shared = self.secret.diffie_hellman(&responder);
        if !shared.was_contributory() {
            return Err(BusSealError::WeakKey);
        }
        let mut cipher = cipher(shared.as_bytes(), &self.public, &responder);
        let opened = Zeroizing::new(
            cipher
                .decrypt([context], sealed)
                .map_err(|_| BusSealError::Unauthentic)?,
        );
        plaintext.copy_from_slice(&opened);
        Ok(())
    }

    /// [`Requester::open`] of `f32`s sealed by [`seal_f32s`], into `values` (their count).
    pub fn open_f32s(
        &self,
        responder_public: &[u8; PUBLIC_KEY_LEN],
        context: &[u8],
        sealed: &[u8],
        values: &mut [f32],
    ) -> Result<(), BusSealError> {
        let mut bytes = Zeroizing::new(vec![0u8; values.len() * 4]);
        self.open(responder_public, context, sealed, &mut bytes)?;
        for (value, le) in values.iter_mut().zip(bytes.chunks_exact(4)) {
            *value = f32::from_le_bytes([le[0], le[1], le[2], le[3]]);
        }
        Ok(())
    }
}

/// [`seal_reply`] of `values` as little-endian bytes (`values.len() * 4 + TAG_LEN` sealed).
pub fn seal_f32s(
    requester_public: &[u8; PUBLIC_KEY_LEN],
    context: &[u8],
    values: &[f32],
    sealed: &mut [u8],
) -> Result<[u8; PUBLIC_KEY_LEN], BusSealError> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(values.len() * 4));
    for value in values {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    seal_reply(requester_public, context, &bytes, sealed)
}

/// Seals `plaintext` for the requester whose public key is `requester_public`, bound to
/// `context`, into `sealed` (`plaintext.len() + TAG_LEN` bytes); the responder's one-time
/// public key, which goes into the reply beside it.
pub fn seal_reply(
    requester_public: &[u8; PUBLIC_KEY_LEN],
    context: &[u8],
    plaintext: &[u8],
    sealed: &mut [u8],
) -> Result<[u8; PUBLIC_KEY_LEN], BusSealError> {
    check_len(plaintext.len() + TAG_LEN, sealed.len())?;
    let secret = StaticSecret::from(random_bytes()?);
    let public = PublicKey::from(&secret);
    let requester = PublicKey::from(*requester_public);
    let shared = secret.diffie_hellman(&requester);
    if !shared.was_contributory() {
        return Err(BusSealError::WeakKey);
    }
    let mut cipher = cipher(shared.as_bytes(), &requester, &public);
    let ciphertext = cipher
        .encrypt([context], plaintext)
        .map_err(|_| BusSealError::Unauthentic)?;
    sealed.copy_from_slice(&ciphertext);
    Ok(public.to_bytes())
}

fn cipher(shared: &[u8; 32], requester: &PublicKey, responder: &PublicKey) -> Aes256Siv {
    let mut hash = Sha512::new();
    hash.update(DOMAIN);
    hash.update(shared);
    hash.update(requester.as_bytes());
    hash.update(responder.as_bytes());
    let mut key = Zeroizing::new([0u8; 64]);
    hash.finalize_into(sha2::digest::generic_array::GenericArray::from_mut_slice(
        key.as_mut(),
    ));
    // The length is fixed by the type: this cannot fail.
    match Aes256Siv::new_from_slice(key.as_ref()) {
        Ok(cipher) => cipher,
        Err(_) => unreachable!("AES-256-SIV takes a 64-byte key"),
    }
}

fn random_bytes() -> Result<[u8; 32], BusSealError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| BusSealError::NoRandomness)?;
    Ok(bytes)
}

fn check_len(expected: usize, actual: usize) -> Result<(), BusSealError> {
    if expected == actual {
        Ok(())
    } else {
        Err(BusSealError::Length { expected, actual })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed_for(requester: &Requester, context: &[u8]) -> ([u8; 32], Vec<u8>) {
        let mut sealed = vec![0u8; 8 + TAG_LEN];
        let public =
            seal_reply(&requester.public_key(), context, b"a secret", &mut sealed).unwrap();
        (public, sealed)
    }

    #[test]
    fn only_the_requester_opens_its_reply() {
        let requester = Requester::new().unwrap();
        let (public, sealed) = sealed_for(&requester, b"best-face 7");
        assert!(!sealed.windows(8).any(|w| w == b"a secret"));
        let mut opened = [0u8; 8];
        requester
            .open(&public, b"best-face 7", &sealed, &mut opened)
            .unwrap();
        assert_eq!(&opened, b"a secret");

        let stranger = Requester::new().unwrap();
        assert_eq!(
            stranger.open(&public, b"best-face 7", &sealed, &mut opened),
            Err(BusSealError::Unauthentic)
        );
    }

    #[test]
    fn another_context_or_an_edit_is_refused() {
        let requester = Requester::new().unwrap();
        let (public, mut sealed) = sealed_for(&requester, b"gallery 3");
        let mut opened = [0u8; 8];
        assert_eq!(
            requester.open(&public, b"gallery 4", &sealed, &mut opened),
            Err(BusSealError::Unauthentic)
        );
        sealed[20] ^= 1;
        assert_eq!(
            requester.open(&public, b"gallery 3", &sealed, &mut opened),
            Err(BusSealError::Unauthentic)
        );
    }

    #[test]
    fn a_low_order_key_and_a_wrong_length_are_refused() {
        let requester = Requester::new().unwrap();
        let mut sealed = vec![0u8; 8 + TAG_LEN];
        assert_eq!(
            seal_reply(&[0u8; 32], b"", b"a secret", &mut sealed),
            Err(BusSealError::WeakKey)
        );
        assert_eq!(
            seal_reply(&requester.public_key(), b"", b"a secret", &mut sealed[1..]),
            Err(BusSealError::Length {
                expected: 24,
                actual: 23
            })
        );
    }

    #[test]
    fn floats_round_trip() {
        let requester = Requester::new().unwrap();
        let values = [0.25f32, -1.5, 3.0e-7];
        let mut sealed = [0u8; 12 + TAG_LEN];
        let public = seal_f32s(&requester.public_key(), b"f", &values, &mut sealed).unwrap();
        let mut opened = [0f32; 3];
        requester
            .open_f32s(&public, b"f", &sealed, &mut opened)
            .unwrap();
        assert_eq!(opened, values);
    }

    #[test]
    fn every_reply_has_its_own_key() {
        let requester = Requester::new().unwrap();
        let (first, one) = sealed_for(&requester, b"x");
        let (second, two) = sealed_for(&requester, b"x");
        assert_ne!(first, second);
        assert_ne!(one, two);
    }
}
