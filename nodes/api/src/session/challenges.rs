//! Sign-in challenges that were handed out and not yet answered: each nonce is good for one
//! answer, within its time, and only a bounded number wait at once.

use super::sign_in::SignInMessage;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most challenges waiting at once; asking for one more forgets the oldest.
pub const MAX_PENDING: usize = 4096;

/// A challenge as it was issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The exact message the wallet is to sign.
    pub message: SignInMessage,
    /// When it was issued (Unix ms).
    pub issued_unix_ms: u64,
    /// When it stops being accepted (Unix ms).
    pub expires_unix_ms: u64,
}

/// The pending challenges, by nonce.
#[derive(Debug, Default)]
pub struct Challenges {
    pending: Mutex<HashMap<String, Issued>>,
}

impl Challenges {
    /// Keeps `issued` until it is answered or expires.
    pub fn insert(&self, nonce: String, issued: Issued) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.len() >= MAX_PENDING {
            let now = issued.issued_unix_ms;
            pending.retain(|_, waiting| waiting.expires_unix_ms > now);
        }
        if pending.len() >= MAX_PENDING {
            let oldest = pending
                .iter()
                .min_by_key(|(_, waiting)| waiting.issued_unix_ms)
                .map(|(nonce, _)| nonce.clone());
            if let Some(oldest) = oldest {
                pending.remove(&oldest);
            }
        }
        pending.insert(nonce, issued);
    }

    /// The challenge of `nonce`, taken: whatever the answer, it cannot be answered again.
    pub fn take(&self, nonce: &str) -> Option<Issued> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(nonce)
    }

    /// How many wait.
    pub fn len(&self) -> usize {
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(at: u64) -> Issued {
        Issued {
            message: SignInMessage::default(),
            issued_unix_ms: at,
            expires_unix_ms: at + 1_000_000,
        }
    }

    #[test]
    fn a_nonce_answers_once_and_the_oldest_makes_room() {
        let challenges = Challenges::default();
        challenges.insert("n".to_owned(), issued(0));
        assert!(challenges.take("n").is_some());
        assert!(challenges.take("n").is_none());
        for i in 0..MAX_PENDING as u64 + 10 {
            challenges.insert(format!("n{i}"), issued(i));
        }
        assert_eq!(challenges.len(), MAX_PENDING);
        assert!(challenges.take("n0").is_none());
        assert!(challenges.take(&format!("n{}", MAX_PENDING + 9)).is_some());
    }
}
