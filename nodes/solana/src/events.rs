//! Check-ins and check-outs as bus messages (`chain/checkins`).

use crate::follower::NoticedChange;
use crate::sessions::SessionChange;
use mm_shm_schema::{CheckInChange, CheckInEvent};

/// The event for `noticed`, the node's `sequence`th.
pub fn check_in_event(noticed: &NoticedChange, sequence: u64) -> CheckInEvent {
    let (change, account, session, slot) = match noticed.change {
        SessionChange::CheckedIn {
            account,
            session,
            slot,
        } => (CheckInChange::CheckedIn, account, session, slot),
        SessionChange::CheckedOut {
            account,
            session,
            slot,
        } => (CheckInChange::CheckedOut, account, session, slot),
    };
    CheckInEvent {
        change: change as u32,
        features: session.enabled_features.bits(),
        wallet: session.user.to_bytes(),
        session: account.to_bytes(),
        check_in_time: session.check_in_time,
        slot,
        observed_unix_ms: noticed.observed_unix_ms,
        sequence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::{SessionFeatures, UserSession};
    use solana_sdk::pubkey::Pubkey;

    #[test]
    fn a_check_in_with_face_recognition() {
        let session = UserSession {
            user: Pubkey::new_unique(),
            camera: Pubkey::new_unique(),
            check_in_time: 77,
            last_activity: 77,
            enabled_features: SessionFeatures::from_flags([true, true, true, true, false]),
            bump: 1,
        };
        let account = Pubkey::new_unique();
        let noticed = NoticedChange {
            change: SessionChange::CheckedIn {
                account,
                session,
                slot: 9,
            },
            observed_unix_ms: 5,
        };
        let event = check_in_event(&noticed, 3);
        assert_eq!(event.change(), Ok(CheckInChange::CheckedIn));
        assert!(event.face_recognition());
        assert_eq!(event.wallet, session.user.to_bytes());
        assert_eq!(event.session, account.to_bytes());
        assert_eq!(
            (event.check_in_time, event.slot, event.sequence),
            (77, 9, 3)
        );
    }
}
