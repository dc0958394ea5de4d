//! Every `camera_network` instruction: discriminator, Borsh arguments, and its accounts in
//! order with their signer and writable flags (spec §5.1, §5.3).

use super::borsh::BorshWriter;
use super::pda::{face_data_address, registry_address, session_address};
use super::Discriminator;
use solana_sdk::instruction::{AccountMeta, Instruction};
use solana_sdk::pubkey::Pubkey;
use solana_sdk_ids::system_program;

/// Longest `enroll_face` embedding the program accepts (`InvalidFaceData` above it).
pub const MAX_EMBEDDING_LEN: usize = 1024;

/// The program's instructions, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstructionKind {
    /// `initialize()`.
    Initialize,
    /// `register_camera(RegisterCameraArgs)`.
    RegisterCamera,
    /// `update_camera(UpdateCameraArgs)`.
    UpdateCamera,
    /// `deregister_camera()`.
    DeregisterCamera,
    /// `set_camera_active(bool)`.
    SetCameraActive,
    /// `check_in(use_face_recognition: bool)`.
    CheckIn,
    /// `check_out()`.
    CheckOut,
    /// `enroll_face(encrypted_embedding: Vec<u8>)`.
    EnrollFace,
    /// `record_activity(RecordActivityArgs)`.
    RecordActivity,
}

impl InstructionKind {
    /// Every instruction.
    pub const ALL: [InstructionKind; 9] = [
        InstructionKind::Initialize,
        InstructionKind::RegisterCamera,
        InstructionKind::UpdateCamera,
        InstructionKind::DeregisterCamera,
        InstructionKind::SetCameraActive,
        InstructionKind::CheckIn,
        InstructionKind::CheckOut,
        InstructionKind::EnrollFace,
        InstructionKind::RecordActivity,
    ];

    /// The name in the program (`check_in`).
    pub const fn name(self) -> &'static str {
        match self {
            InstructionKind::Initialize => "initialize",
            InstructionKind::RegisterCamera => "register_camera",
            InstructionKind::UpdateCamera => "update_camera",
            InstructionKind::DeregisterCamera => "deregister_camera",
            InstructionKind::SetCameraActive => "set_camera_active",
            InstructionKind::CheckIn => "check_in",
            InstructionKind::CheckOut => "check_out",
            InstructionKind::EnrollFace => "enroll_face",
            InstructionKind::RecordActivity => "record_activity",
        }
    }

    /// The instruction named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// sha256(`global:<name>`)[..8].
    pub const fn discriminator(self) -> Discriminator {
        match self {
            InstructionKind::Initialize => [175, 175, 109, 31, 13, 152, 155, 237],
            InstructionKind::RegisterCamera => [169, 161, 144, 207, 102, 130, 86, 62],
            InstructionKind::UpdateCamera => [240, 86, 145, 90, 6, 185, 101, 7],
            InstructionKind::DeregisterCamera => [191, 154, 78, 182, 249, 72, 207, 113],
            InstructionKind::SetCameraActive => [157, 63, 1, 132, 85, 176, 156, 74],
            InstructionKind::CheckIn => [209, 253, 4, 217, 250, 241, 207, 50],
            InstructionKind::CheckOut => [59, 69, 195, 98, 213, 30, 201, 186],
            InstructionKind::EnrollFace => [160, 48, 162, 181, 134, 147, 52, 34],
            InstructionKind::RecordActivity => [199, 86, 104, 65, 200, 211, 71, 50],
        }
    }

    /// The instruction whose data starts with `data`'s discriminator.
    pub fn of_data(data: &[u8]) -> Option<Self> {
        let prefix = data.get(..8)?;
        Self::ALL
            .into_iter()
            .find(|kind| kind.discriminator() == prefix)
    }
}

/// The five camera feature flags (`CameraFeatures`, in order).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
pub struct CameraFeatures {
    /// Face recognition offered.
    pub face_recognition: bool,
    /// Gesture control offered.
    pub gesture_control: bool,
    /// Video recording offered.
    pub video_recording: bool,
    /// Live streaming offered.
    pub live_streaming: bool,
    /// Messaging offered.
    pub messaging: bool,
}

impl CameraFeatures {
    /// The flags in the program's order.
    pub const fn flags(self) -> [bool; 5] {
        [
            self.face_recognition,
            self.gesture_control,
            self.video_recording,
            self.live_streaming,
            self.messaging,
        ]
    }

    /// From the flags in the program's order.
    pub const fn from_flags(flags: [bool; 5]) -> Self {
        let [face_recognition, gesture_control, video_recording, live_streaming, messaging] = flags;
        Self {
            face_recognition,
            gesture_control,
            video_recording,
            live_streaming,
            messaging,
        }
    }

    /// One bit per flag, in the program's order from bit 0.
    pub fn bits(self) -> u32 {
        self.flags()
            .iter()
            .enumerate()
            .map(|(bit, &on)| u32::from(on) << bit)
            .sum()
    }

    /// Appends the five flags.
    pub(crate) fn write(self, writer: &mut BorshWriter) {
        for flag in self.flags() {
            writer.bool(flag);
        }
    }
}

/// `RegisterCameraArgs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterCameraArgs {
    /// The camera's name (part of its PDA: at most 32 bytes).
    pub name: String,
    /// Its model.
    pub model: String,
    /// Latitude and longitude.
    pub location: Option<[i64; 2]>,
    /// A description.
    pub description: String,
    /// What it offers.
    pub features: CameraFeatures,
}

/// `UpdateCameraArgs`: what is `None` stays as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateCameraArgs {
    /// A new name (the PDA keeps the old one).
    pub name: Option<String>,
    /// A new location.
    pub location: Option<[i64; 2]>,
    /// A new description.
    pub description: Option<String>,
    /// New features.
    pub features: Option<CameraFeatures>,
}

/// `CameraActionType`, the action of `record_activity`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ActivityAction {
    /// A photo was taken.
    PhotoCapture = 0,
    /// A video was recorded.
    VideoRecord = 1,
    /// A stream started.
    StreamStart = 2,
    /// A stream stopped.
    StreamStop = 3,
    /// Anything else.
    Custom = 4,
}

/// Builds the instructions of one deployment of the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CameraNetwork {
    /// The program id.
    pub program: Pubkey,
}

impl CameraNetwork {
    fn instruction(
        &self,
        kind: InstructionKind,
        accounts: Vec<AccountMeta>,
        args: impl FnOnce(&mut BorshWriter),
    ) -> Instruction {
        let mut data = BorshWriter::with_discriminator(kind.discriminator());
        args(&mut data);
        Instruction {
            program_id: self.program,
            accounts,
            data: data.finish(),
        }
    }

    /// `initialize()`: creates the registry, paid by `authority`.
    pub fn initialize(&self, authority: &Pubkey) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*authority, true),
            AccountMeta::new(registry_address(&self.program).0, false),
            AccountMeta::new_readonly(system_program::ID, false),
        ];
        self.instruction(InstructionKind::Initialize, accounts, |_| {})
    }

    /// `register_camera(args)`, creating `camera` (the PDA of `args.name` and `owner`).
    pub fn register_camera(
        &self,
        owner: &Pubkey,
        camera: &Pubkey,
        args: &RegisterCameraArgs,
    ) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*owner, true),
            AccountMeta::new(registry_address(&self.program).0, false),
            AccountMeta::new(*camera, false),
            AccountMeta::new_readonly(system_program::ID, false),
        ];
        self.instruction(InstructionKind::RegisterCamera, accounts, |data| {
            data.string(&args.name)
                .string(&args.model)
                .location(args.location)
                .string(&args.description);
            args.features.write(data);
        })
    }

    /// `update_camera(args)`.
    pub fn update_camera(
        &self,
        owner: &Pubkey,
        camera: &Pubkey,
        args: &UpdateCameraArgs,
    ) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*owner, true),
            AccountMeta::new(*camera, false),
        ];
        self.instruction(InstructionKind::UpdateCamera, accounts, |data| {
            match &args.name {
                None => data.u8(0),
                Some(name) => data.u8(1).string(name),
            };
            data.location(args.location);
            match &args.description {
                None => data.u8(0),
                Some(description) => data.u8(1).string(description),
            };
            match args.features {
                None => {
                    data.u8(0);
                }
                Some(features) => {
                    data.u8(1);
                    features.write(data);
                }
            }
        })
    }

    /// `deregister_camera()`: closes `camera` to its owner.
    pub fn deregister_camera(&self, owner: &Pubkey, camera: &Pubkey) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*owner, true),
            AccountMeta::new(registry_address(&self.program).0, false),
            AccountMeta::new(*camera, false),
        ];
        self.instruction(InstructionKind::DeregisterCamera, accounts, |_| {})
    }

    /// `set_camera_active(is_active)`.
    pub fn set_camera_active(&self, owner: &Pubkey, camera: &Pubkey, active: bool) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*owner, true),
            AccountMeta::new(*camera, false),
        ];
        self.instruction(InstructionKind::SetCameraActive, accounts, |data| {
            data.bool(active);
        })
    }

    /// `check_in(use_face_recognition)`: `user` pays for its session at `camera`.
    pub fn check_in(
        &self,
        user: &Pubkey,
        camera: &Pubkey,
        use_face_recognition: bool,
    ) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*user, true),
            AccountMeta::new(*camera, false),
            AccountMeta::new(session_address(&self.program, user, camera).0, false),
            AccountMeta::new_readonly(system_program::ID, false),
        ];
        self.instruction(InstructionKind::CheckIn, accounts, |data| {
            data.bool(use_face_recognition);
        })
    }

    /// `check_out()`: closes the session, its rent back to `user`.
    pub fn check_out(&self, user: &Pubkey, camera: &Pubkey) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*user, true),
            AccountMeta::new(*camera, false),
            AccountMeta::new(session_address(&self.program, user, camera).0, false),
        ];
        self.instruction(InstructionKind::CheckOut, accounts, |_| {})
    }

    /// `enroll_face(encrypted_embedding)`; the caller checks the length
    /// ([`MAX_EMBEDDING_LEN`]).
    pub fn enroll_face(&self, user: &Pubkey, encrypted_embedding: &[u8]) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*user, true),
            AccountMeta::new(face_data_address(&self.program, user).0, false),
            AccountMeta::new_readonly(system_program::ID, false),
        ];
        self.instruction(InstructionKind::EnrollFace, accounts, |data| {
            data.bytes(encrypted_embedding);
        })
    }

    /// `record_activity({action_type, metadata})` in `user`'s session at `camera`.
    pub fn record_activity(
        &self,
        user: &Pubkey,
        camera: &Pubkey,
        action: ActivityAction,
        metadata: &str,
    ) -> Instruction {
        let accounts = vec![
            AccountMeta::new(*user, true),
            AccountMeta::new(*camera, false),
            AccountMeta::new_readonly(session_address(&self.program, user, camera).0, false),
        ];
        self.instruction(InstructionKind::RecordActivity, accounts, |data| {
            data.u8(action as u8).string(metadata);
        })
    }
}

/// The embedding an `enroll_face` instruction carries, when `data` is one.
pub fn enroll_face_embedding(data: &[u8]) -> Option<&[u8]> {
    if InstructionKind::of_data(data)? != InstructionKind::EnrollFace {
        return None;
    }
    let mut reader = super::BorshReader::new(data, 8);
    let embedding = reader.bytes("encrypted_embedding").ok()?;
    (reader.offset() == data.len()).then_some(embedding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> CameraNetwork {
        CameraNetwork {
            program: crate::program::DEFAULT_PROGRAM_ID.parse().unwrap(),
        }
    }

    #[test]
    fn discriminators_are_anchors_hashes() {
        for kind in InstructionKind::ALL {
            let hash = solana_sha256_hasher::hashv(&[format!("global:{}", kind.name()).as_bytes()]);
            assert_eq!(
                kind.discriminator(),
                hash.to_bytes()[..8],
                "{}",
                kind.name()
            );
            assert_eq!(InstructionKind::from_name(kind.name()), Some(kind));
        }
    }

    #[test]
    fn the_data_of_the_spec() {
        let (user, camera) = (Pubkey::new_unique(), Pubkey::new_unique());
        let check_in = network().check_in(&user, &camera, true);
        assert_eq!(hex::encode(&check_in.data), "d1fd04d9faf1cf3201");
        let inactive = network().set_camera_active(&user, &camera, false);
        assert_eq!(hex::encode(&inactive.data), "9d3f018455b09c4a00");
    }

    #[test]
    fn accounts_in_order_with_their_flags() {
        let network = network();
        let (user, camera) = (Pubkey::new_unique(), Pubkey::new_unique());
        let session = session_address(&network.program, &user, &camera).0;
        let check_in = network.check_in(&user, &camera, false);
        let flags: Vec<_> = check_in
            .accounts
            .iter()
            .map(|meta| (meta.pubkey, meta.is_signer, meta.is_writable))
            .collect();
        assert_eq!(
            flags,
            [
                (user, true, true),
                (camera, false, true),
                (session, false, true),
                (system_program::ID, false, false)
            ]
        );
        let activity = network.record_activity(&user, &camera, ActivityAction::StreamStop, "x");
        assert_eq!(
            activity.accounts[2],
            AccountMeta::new_readonly(session, false)
        );
        assert_eq!(&activity.data[8..], [3, 1, 0, 0, 0, b'x']);
    }

    #[test]
    fn the_embedding_is_read_back() {
        let enroll = network().enroll_face(&Pubkey::new_unique(), &[7; 528]);
        assert_eq!(enroll.data.len(), 8 + 4 + 528);
        assert_eq!(enroll_face_embedding(&enroll.data), Some(&[7; 528][..]));
        assert_eq!(enroll_face_embedding(&enroll.data[..100]), None);
    }

    #[test]
    fn register_and_update_encode_every_argument() {
        let (owner, camera) = (Pubkey::new_unique(), Pubkey::new_unique());
        let args = RegisterCameraArgs {
            name: "cam".into(),
            model: "orin".into(),
            location: Some([1, 2]),
            description: String::new(),
            features: CameraFeatures::from_flags([true, false, true, true, false]),
        };
        let register = network().register_camera(&owner, &camera, &args);
        let expected_len = 8 + (4 + 3) + (4 + 4) + 17 + 4 + 5;
        assert_eq!(register.data.len(), expected_len);
        assert_eq!(&register.data[register.data.len() - 5..], [1, 0, 1, 1, 0]);
        let update = network().update_camera(&owner, &camera, &UpdateCameraArgs::default());
        assert_eq!(&update.data[8..], [0, 0, 0, 0]);
    }
}
