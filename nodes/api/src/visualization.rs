//! Who wants what drawn on the stream, and the overlay policy that follows from it.
//!
//! Each setting belongs to the wallet of the session that set it: turning faces on lets that
//! wallet's own name be drawn, never anyone else's. A wallet checked in at this camera on
//! chain with face recognition enabled in its session consents the same way, until it checks
//! out (the Solana node's `chain/checkins` events).

use mm_shm_schema::{IdentityId, OverlayPolicy, MAX_LABELLED_IDENTITIES};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// One client's visualisation settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientVisualization {
    /// Face boxes and (for its own identity) the name label.
    pub faces: bool,
    /// Hand skeletons and gesture labels.
    pub gestures: bool,
}

/// Who a setting belongs to: the wallet of a session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClientKey(pub String);

/// Most wallets whose settings are kept; the least recently changed setting makes room for a
/// new one.
pub const MAX_CLIENTS: usize = 256;
/// Most wallets known to be checked in (a busy camera's sessions, with room to spare).
pub const MAX_PRESENT_WALLETS: usize = 4096;
/// A setting nobody changed for this long is forgotten.
pub const SETTING_LIFETIME: Duration = Duration::from_secs(3600);

/// Every client's settings, bounded in number ([`MAX_CLIENTS`]) and age
/// ([`SETTING_LIFETIME`]).
#[derive(Debug, Default)]
pub struct Visualization {
    clients: BTreeMap<ClientKey, (ClientVisualization, Instant)>,
    /// Wallets checked in on chain with face recognition on.
    checked_in: BTreeSet<String>,
    /// Wallets checked in on chain, with face recognition or without (enrollment needs it).
    present: BTreeSet<String>,
    /// Check-in events applied so far.
    check_in_events: u64,
    revision: u64,
}

impl Visualization {
    /// Updates one client's setting and returns the new policy.
    pub fn set(
        &mut self,
        client: ClientKey,
        change: impl FnOnce(&mut ClientVisualization),
    ) -> OverlayPolicy {
        self.set_at(Instant::now(), client, change)
    }

    /// [`Visualization::set`] at time `now`.
    fn set_at(
        &mut self,
        now: Instant,
        client: ClientKey,
        change: impl FnOnce(&mut ClientVisualization),
    ) -> OverlayPolicy {
        self.clients
            .retain(|_, (_, changed)| now.duration_since(*changed) < SETTING_LIFETIME);
        if !self.clients.contains_key(&client) && self.clients.len() >= MAX_CLIENTS {
            let oldest = self
                .clients
                .iter()
                .min_by_key(|(_, (_, changed))| *changed)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                self.clients.remove(&oldest);
            }
        }
        let (settings, changed) = self
            .clients
            .entry(client)
            .or_insert((ClientVisualization::default(), now));
        change(settings);
        *changed = now;
        self.revision += 1;
        self.policy()
    }

    /// A wallet checked in on chain (with face recognition on or off) or out; returns the
    /// new policy.
    pub fn set_checked_in(
        &mut self,
        wallet: &str,
        checked_in: bool,
        face_recognition: bool,
    ) -> OverlayPolicy {
        self.check_in_events += 1;
        if !checked_in {
            self.present.remove(wallet);
        } else if self.present.len() < MAX_PRESENT_WALLETS {
            self.present.insert(wallet.to_owned());
        }
        let labelled = checked_in && face_recognition;
        let changed = if labelled {
            // Bounded like the overlay's list: a wallet beyond it stays anonymous.
            self.checked_in.len() < MAX_LABELLED_IDENTITIES
                && self.checked_in.insert(wallet.to_owned())
        } else {
            self.checked_in.remove(wallet)
        };
        if changed {
            self.revision += 1;
        }
        self.policy()
    }

    /// How many check-in events were applied: a read of the chain's sessions made before the
    /// last of them may be older than what they told.
    pub fn check_in_events(&self) -> u64 {
        self.check_in_events
    }

    /// Every wallet checked in on chain now, with its face-recognition bit, as the Solana
    /// node reads them: replaces what the check-in events told; returns the new policy.
    pub fn replace_checked_in<'a>(
        &mut self,
        sessions: impl IntoIterator<Item = (&'a str, bool)>,
    ) -> OverlayPolicy {
        let (mut present, mut checked_in) = (BTreeSet::new(), BTreeSet::new());
        for (wallet, face_recognition) in sessions {
            if present.len() < MAX_PRESENT_WALLETS {
                present.insert(wallet.to_owned());
            }
            if face_recognition && checked_in.len() < MAX_LABELLED_IDENTITIES {
                checked_in.insert(wallet.to_owned());
            }
        }
        if checked_in != self.checked_in {
            self.revision += 1;
        }
        self.present = present;
        self.checked_in = checked_in;
        self.policy()
    }

    /// Whether `wallet` is checked in at this camera on chain.
    pub fn is_checked_in(&self, wallet: &str) -> bool {
        self.present.contains(wallet)
    }

    /// A client's settings.
    pub fn of(&self, client: &ClientKey) -> ClientVisualization {
        self.clients
            .get(client)
            .map(|(settings, _)| *settings)
            .unwrap_or_default()
    }

    /// How many clients have settings.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.clients.len()
    }

    /// What the overlay may draw: face boxes always (anonymous, no names); hand skeletons when
    /// any client asked for them; the name of every identity that turned faces on for itself.
    pub fn policy(&self) -> OverlayPolicy {
        let mut policy = OverlayPolicy {
            revision: self.revision,
            faces: 1,
            gestures: u8::from(self.clients.values().any(|(c, _)| c.gestures)),
            ..OverlayPolicy::default()
        };
        // Chain consent first: the overlay's list is bounded.
        let toggled = self
            .clients
            .iter()
            .filter(|(ClientKey(wallet), (settings, _))| {
                settings.faces && !self.checked_in.contains(wallet)
            })
            .map(|(ClientKey(wallet), _)| wallet);
        let labelled = self.checked_in.iter().chain(toggled);
        for (slot, identity) in policy.labelled.iter_mut().zip(labelled) {
            *slot = IdentityId::new(identity);
            policy.labelled_count += 1;
        }
        policy.labelled_count = policy.labelled_count.min(MAX_LABELLED_IDENTITIES as u32);
        policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_identities_that_opt_in_are_labelled() {
        let mut visualization = Visualization::default();
        let alice = ClientKey("alice".into());
        let policy = visualization.set(alice.clone(), |c| c.faces = true);
        assert!(policy.may_label("alice"));
        assert!(!policy.may_label("bob"));
        let policy = visualization.set(alice, |c| c.faces = false);
        assert!(!policy.may_label("alice"));
        assert_eq!(policy.faces, 1);
    }

    #[test]
    fn a_check_in_with_face_recognition_labels_until_check_out() {
        let mut visualization = Visualization::default();
        let policy = visualization.set_checked_in("alice", true, true);
        assert!(policy.may_label("alice"));
        assert_eq!(policy.labelled_count, 1);
        // Her session's toggle too: still one entry.
        let policy = visualization.set(ClientKey("alice".into()), |c| c.faces = true);
        assert_eq!(policy.labelled_count, 1);
        let revision = policy.revision;
        let policy = visualization.set(ClientKey("alice".into()), |c| c.faces = false);
        assert!(policy.may_label("alice"), "checked in: still consented");
        assert!(policy.revision > revision);
        let policy = visualization.set_checked_in("alice", false, false);
        assert!(!visualization.is_checked_in("alice"));
        assert!(!policy.may_label("alice"));
    }

    #[test]
    fn the_chains_sessions_replace_what_the_events_told() {
        let mut visualization = Visualization::default();
        visualization.set_checked_in("alice", true, true);
        let policy = visualization.replace_checked_in([("bob", true), ("carol", false)]);
        assert!(!visualization.is_checked_in("alice"));
        assert!(!policy.may_label("alice"));
        assert!(policy.may_label("bob"));
        assert!(visualization.is_checked_in("carol"));
        assert!(!policy.may_label("carol"));
    }

    #[test]
    fn gestures_are_drawn_while_any_client_wants_them() {
        let mut visualization = Visualization::default();
        let viewer = ClientKey("10.0.0.2".into());
        assert_eq!(
            visualization
                .set(viewer.clone(), |c| c.gestures = true)
                .gestures,
            1
        );
        assert_eq!(
            visualization.set(viewer, |c| c.gestures = false).gestures,
            0
        );
    }

    #[test]
    fn the_settings_are_bounded_in_number_and_age() {
        let mut visualization = Visualization::default();
        let start = Instant::now();
        for i in 0..MAX_CLIENTS + 10 {
            let at = start + Duration::from_millis(i as u64);
            visualization.set_at(
                at,
                ClientKey(format!("10.0.{}.{}", i / 256, i % 256)),
                |c| c.gestures = true,
            );
        }
        assert_eq!(visualization.len(), MAX_CLIENTS);
        // The oldest made room; the newest is kept.
        assert!(!visualization.of(&ClientKey("10.0.0.0".into())).gestures);
        assert!(visualization.of(&ClientKey("10.0.1.9".into())).gestures);
        let later = start + SETTING_LIFETIME + Duration::from_secs(1);
        let policy = visualization.set_at(later, ClientKey("alice".into()), |c| c.faces = true);
        assert_eq!(visualization.len(), 1);
        assert_eq!(policy.gestures, 0);
        assert!(policy.may_label("alice"));
    }
}
