//! Check-ins read from the chain (`chain/checkins`), published by the Solana node: one event
//! per wallet that checked in at this camera or checked out of it.

use crate::UnknownCode;
use iceoryx2::prelude::ZeroCopySend;

/// What happened to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum CheckInChange {
    /// The wallet checked in (its `UserSession` appeared).
    CheckedIn = 1,
    /// The wallet checked out (its `UserSession` was closed).
    CheckedOut = 2,
}

impl CheckInChange {
    /// Lower-case name used in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            CheckInChange::CheckedIn => "checked_in",
            CheckInChange::CheckedOut => "checked_out",
        }
    }
}

impl TryFrom<u32> for CheckInChange {
    type Error = UnknownCode;
    fn try_from(code: u32) -> Result<Self, UnknownCode> {
        match code {
            1 => Ok(CheckInChange::CheckedIn),
            2 => Ok(CheckInChange::CheckedOut),
            code => Err(UnknownCode {
                what: "check-in change",
                code,
            }),
        }
    }
}

/// Bits of [`CheckInEvent::features`], in the program's `SessionFeatures` order.
pub mod session_feature {
    /// The wallet may be recognised and named.
    pub const FACE_RECOGNITION: u32 = 1 << 0;
    /// Gestures are read.
    pub const GESTURE_CONTROL: u32 = 1 << 1;
    /// Recording allowed.
    pub const VIDEO_RECORDING: u32 = 1 << 2;
    /// Streaming allowed.
    pub const LIVE_STREAMING: u32 = 1 << 3;
    /// Messaging allowed.
    pub const MESSAGING: u32 = 1 << 4;
}

/// A wallet checked in or out at this camera, as the chain says.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[type_name("mm.v2.CheckInEvent")]
#[repr(C)]
pub struct CheckInEvent {
    /// [`CheckInChange`] code.
    pub change: u32,
    /// The session's enabled features ([`session_feature`] bits).
    pub features: u32,
    /// The wallet (32-byte public key).
    pub wallet: [u8; 32],
    /// Its `UserSession` account.
    pub session: [u8; 32],
    /// When it checked in (Unix s, the cluster's clock).
    pub check_in_time: i64,
    /// The slot the change was read at.
    pub slot: u64,
    /// When the node saw the change (Unix ms).
    pub observed_unix_ms: u64,
    /// Counts the node's events from 1, so a reader can tell it missed some.
    pub sequence: u64,
}

impl CheckInEvent {
    /// Decodes [`CheckInEvent::change`].
    pub fn change(&self) -> Result<CheckInChange, UnknownCode> {
        CheckInChange::try_from(self.change)
    }

    /// Whether the wallet enabled face recognition (and so may be named).
    pub fn face_recognition(&self) -> bool {
        self.features & session_feature::FACE_RECOGNITION != 0
    }
}
