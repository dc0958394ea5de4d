//! `[enrollment]`: how a face becomes a wallet's enrolled one through the API.

use serde::{Deserialize, Serialize};

/// `[enrollment]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnrollmentConfig {
    /// `prepare-transaction` only for a wallet checked in at this camera on chain.
    pub require_check_in: bool,
    /// `POST /api/face/enroll` enrolls the face in view without the chain (a camera run
    /// without Solana); off, enrollment goes through `enroll_face` on chain only.
    pub local: bool,
}

impl Default for EnrollmentConfig {
    fn default() -> Self {
        Self {
            require_check_in: true,
            local: false,
        }
    }
}
