//! The chain a Solana test starts from: the program, this camera's account and a funded
//! wallet, with sessions put into the genesis at their PDAs.

use super::{GenesisAccount, TestValidator, ValidatorBuilder};
use mm_solana::program::{
    session_address, CameraAccount, CameraFeatures, CameraMetadata, SessionFeatures, UserSession,
    DEFAULT_PROGRAM_ID,
};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

/// Rent-exempt balance of the 272-byte camera account (spec §5.2).
const CAMERA_RENT: u64 = 2_784_000;

/// Keys of one test chain.
pub struct ChainFixture {
    /// The program id (the stub runs there).
    pub program: Pubkey,
    /// This camera's account.
    pub camera: Pubkey,
    /// A funded wallet standing in for the user's.
    pub wallet: Keypair,
}

impl Default for ChainFixture {
    fn default() -> Self {
        Self {
            program: DEFAULT_PROGRAM_ID.parse().expect("program id"),
            camera: Pubkey::new_unique(),
            wallet: Keypair::new(),
        }
    }
}

impl ChainFixture {
    /// The camera account as the program would have registered it.
    pub fn camera_account(&self) -> CameraAccount {
        CameraAccount {
            owner: self.wallet.pubkey(),
            metadata: CameraMetadata {
                name: "test-camera".to_owned(),
                model: "Jetson Orin Nano".to_owned(),
                location: None,
                registration_date: 1_764_000_000,
                description: "end-to-end test".to_owned(),
            },
            is_active: true,
            activity_counter: 0,
            last_activity_at: 1_764_000_000,
            last_activity_type: 0,
            access_count: 0,
            features: CameraFeatures::from_flags([true, true, true, true, false]),
            bump: 255,
        }
    }

    /// A session of `user` at this camera, checked in at `check_in_time`.
    pub fn session(
        &self,
        user: &Pubkey,
        check_in_time: i64,
        face_recognition: bool,
    ) -> UserSession {
        UserSession {
            user: *user,
            camera: self.camera,
            check_in_time,
            last_activity: check_in_time,
            enabled_features: SessionFeatures::from_flags([
                face_recognition,
                face_recognition,
                true,
                true,
                false,
            ]),
            bump: session_address(&self.program, user, &self.camera).1,
        }
    }

    /// `session` as a genesis account at its PDA.
    pub fn genesis_session(&self, session: &UserSession) -> GenesisAccount {
        GenesisAccount {
            address: session_address(&self.program, &session.user, &session.camera).0,
            owner: self.program,
            lamports: super::chain::SESSION_RENT,
            data: session.encode(),
        }
    }

    /// A validator with the stub at the program id, the camera account and the funded wallet.
    pub fn validator(&self) -> ValidatorBuilder {
        TestValidator::builder()
            .stub_program(self.program)
            .funded(&self.wallet.pubkey(), 100)
            .account(GenesisAccount {
                address: self.camera,
                owner: self.program,
                lamports: CAMERA_RENT,
                data: self.camera_account().encode(),
            })
    }

    /// The node's `[solana]` keys for `validator`, its websocket at `ws_port`.
    pub fn node_config(&self, validator: &TestValidator, ws_port: u16, websocket: bool) -> String {
        format!(
            "program_id = \"{}\"\ncamera_account = \"{}\"\nrpc_url = \"{}\"\n\
             ws_url = \"ws://127.0.0.1:{ws_port}\"\ncommitment = \"confirmed\"\n\
             websocket = {websocket}\npoll_interval_ms = 500\nresync_interval_ms = 60000\n\
             rpc_timeout_ms = 1000\nretry_initial_ms = 200\nretry_max_ms = 1000\n",
            self.program,
            self.camera,
            validator.rpc_url(),
        )
    }
}
