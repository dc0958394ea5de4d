//! This camera's sessions as last read from the chain, and the check-ins and check-outs
//! that reading them again reveals.
//!
//! Reads arrive out of order (a full read started before a notification can finish after
//! it), so every session remembers the slot it was seen at: a read of an older slot neither
//! removes nor overwrites what a newer one showed.

use crate::program::{AccountDecodeError, UserSession};
use crate::rpc::KeyedAccount;
use solana_sdk::pubkey::Pubkey;
use std::collections::BTreeMap;

/// A session and the slot it was last seen at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeenSession {
    /// The decoded account.
    pub session: UserSession,
    /// The slot of the read that showed it.
    pub slot: u64,
}

/// A change between two reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionChange {
    /// A session appeared.
    CheckedIn {
        /// Its account.
        account: Pubkey,
        /// The session.
        session: UserSession,
        /// The slot it was seen at.
        slot: u64,
    },
    /// A session is gone.
    CheckedOut {
        /// Its account.
        account: Pubkey,
        /// The session as it was.
        session: UserSession,
        /// The slot of the read that no longer had it.
        slot: u64,
    },
}

/// The sessions at this camera.
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    by_account: BTreeMap<Pubkey, SeenSession>,
    /// The newest slot any read was at.
    newest_slot: u64,
}

/// An account that matched the filters but is not this camera's session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skipped {
    /// It does not decode.
    #[error("account {account}: {source}")]
    Undecodable {
        /// The account.
        account: Pubkey,
        /// Why.
        source: AccountDecodeError,
    },
    /// It is a session at another camera (a filter the endpoint ignored).
    #[error("account {account} is a session at camera {camera}")]
    OtherCamera {
        /// The account.
        account: Pubkey,
        /// Its camera.
        camera: Pubkey,
    },
}

impl Sessions {
    /// Every session, by account.
    pub fn iter(&self) -> impl Iterator<Item = (&Pubkey, &SeenSession)> {
        self.by_account.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.by_account.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_account.is_empty()
    }

    /// The session of `wallet`, if it is checked in.
    pub fn of_wallet(&self, wallet: &Pubkey) -> Option<(&Pubkey, &SeenSession)> {
        self.by_account
            .iter()
            .find(|(_, seen)| seen.session.user == *wallet)
    }

    /// The newest slot read.
    pub fn slot(&self) -> u64 {
        self.newest_slot
    }

    /// A full read at `slot`: sessions not in it are checked out (unless seen at a newer
    /// slot), new ones checked in, and one whose check-in time changed is both.
    pub fn replace_all(
        &mut self,
        slot: u64,
        accounts: Vec<(Pubkey, UserSession)>,
    ) -> Vec<SessionChange> {
        let mut changes = Vec::new();
        let read: BTreeMap<Pubkey, UserSession> = accounts.into_iter().collect();
        let gone: Vec<Pubkey> = self
            .by_account
            .iter()
            .filter(|(account, seen)| !read.contains_key(account) && seen.slot <= slot)
            .map(|(account, _)| *account)
            .collect();
        for account in gone {
            if let Some(seen) = self.by_account.remove(&account) {
                changes.push(SessionChange::CheckedOut {
                    account,
                    session: seen.session,
                    slot,
                });
            }
        }
        for (account, session) in read {
            changes.extend(self.upsert(slot, account, session));
        }
        self.newest_slot = self.newest_slot.max(slot);
        changes
    }

    /// One session written at `slot` (a notification).
    pub fn upsert(
        &mut self,
        slot: u64,
        account: Pubkey,
        session: UserSession,
    ) -> Vec<SessionChange> {
        self.newest_slot = self.newest_slot.max(slot);
        let previous = match self.by_account.get(&account) {
            Some(seen) if seen.slot > slot => return Vec::new(),
            previous => previous.copied(),
        };
        self.by_account
            .insert(account, SeenSession { session, slot });
        let checked_in = SessionChange::CheckedIn {
            account,
            session,
            slot,
        };
        match previous {
            None => vec![checked_in],
            Some(seen) if seen.session.check_in_time != session.check_in_time => vec![
                SessionChange::CheckedOut {
                    account,
                    session: seen.session,
                    slot,
                },
                checked_in,
            ],
            Some(_) => Vec::new(),
        }
    }
}

/// Decodes what matched the filters; what is not a session at `camera` is returned apart.
pub fn decode_sessions(
    program: &Pubkey,
    camera: &Pubkey,
    accounts: Vec<KeyedAccount>,
) -> (Vec<(Pubkey, UserSession)>, Vec<Skipped>) {
    let mut sessions = Vec::new();
    let mut skipped = Vec::new();
    for account in accounts {
        match UserSession::decode(program, &account.owner, &account.data) {
            Ok(session) if session.camera == *camera => sessions.push((account.pubkey, session)),
            Ok(session) => skipped.push(Skipped::OtherCamera {
                account: account.pubkey,
                camera: session.camera,
            }),
            Err(source) => skipped.push(Skipped::Undecodable {
                account: account.pubkey,
                source,
            }),
        }
    }
    (sessions, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::SessionFeatures;

    fn session(user: Pubkey, check_in_time: i64) -> UserSession {
        UserSession {
            user,
            camera: Pubkey::new_unique(),
            check_in_time,
            last_activity: check_in_time,
            enabled_features: SessionFeatures::default(),
            bump: 255,
        }
    }

    #[test]
    fn reads_become_check_ins_and_check_outs() {
        let mut sessions = Sessions::default();
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let (sa, sb) = (
            session(Pubkey::new_unique(), 10),
            session(Pubkey::new_unique(), 11),
        );
        let changes = sessions.replace_all(5, vec![(a, sa), (b, sb)]);
        assert_eq!(changes.len(), 2);
        assert!(sessions.replace_all(6, vec![(a, sa), (b, sb)]).is_empty());
        let changes = sessions.replace_all(7, vec![(b, sb)]);
        assert_eq!(
            changes,
            [SessionChange::CheckedOut {
                account: a,
                session: sa,
                slot: 7
            }]
        );
        // Checked out and in again between two reads: both.
        let again = UserSession {
            check_in_time: 20,
            ..sb
        };
        let changes = sessions.replace_all(8, vec![(b, again)]);
        assert!(matches!(
            changes[..],
            [
                SessionChange::CheckedOut { .. },
                SessionChange::CheckedIn { .. }
            ]
        ));
        assert_eq!(sessions.of_wallet(&sb.user).unwrap().1.session, again);
    }

    #[test]
    fn an_older_read_does_not_undo_a_newer_notification() {
        let mut sessions = Sessions::default();
        let account = Pubkey::new_unique();
        let seen = session(Pubkey::new_unique(), 10);
        assert_eq!(sessions.upsert(20, account, seen).len(), 1);
        assert!(sessions.replace_all(19, vec![]).is_empty());
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions.replace_all(21, vec![]).len(), 1);
        assert!(sessions.is_empty());
        assert_eq!(sessions.slot(), 21);
    }
}
