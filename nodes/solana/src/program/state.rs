//! The program's accounts (spec §5.2): decoded from the chain with typed errors, and encoded
//! in the exact layout (so tests can put real accounts on a validator).

use super::borsh::{BorshReader, BorshWriter, DecodeError};
use super::instruction::CameraFeatures;
use super::Discriminator;
use serde::Serialize;
use solana_sdk::pubkey::Pubkey;

/// The program's account types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// `CameraRegistry`.
    CameraRegistry,
    /// `CameraAccount`.
    CameraAccount,
    /// `UserSession`.
    UserSession,
    /// `FaceData`.
    FaceData,
}

impl AccountKind {
    /// The struct's name.
    pub const fn name(self) -> &'static str {
        match self {
            AccountKind::CameraRegistry => "CameraRegistry",
            AccountKind::CameraAccount => "CameraAccount",
            AccountKind::UserSession => "UserSession",
            AccountKind::FaceData => "FaceData",
        }
    }

    /// sha256(`account:<Struct>`)[..8].
    pub const fn discriminator(self) -> Discriminator {
        match self {
            AccountKind::CameraRegistry => [0xf2, 0x2e, 0xf7, 0xaf, 0xef, 0x3a, 0x7d, 0xad],
            AccountKind::CameraAccount => [0x35, 0x74, 0x08, 0xae, 0x2c, 0x94, 0xa6, 0x22],
            AccountKind::UserSession => [0xa6, 0xdf, 0xbe, 0x94, 0x6b, 0x83, 0x2d, 0x86],
            AccountKind::FaceData => [0x8a, 0x30, 0x51, 0xe8, 0x9b, 0xd6, 0x6b, 0x95],
        }
    }

    /// The space the program allocates for it.
    pub const fn space(self) -> usize {
        match self {
            AccountKind::CameraRegistry => 81,
            AccountKind::CameraAccount => 272,
            AccountKind::UserSession => 94,
            AccountKind::FaceData => 413,
        }
    }
}

/// Why account data is not the account it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountDecodeError {
    /// The account belongs to another program: anyone could have written it.
    #[error("{kind} account is owned by {found}, not the program {expected}")]
    WrongOwner {
        /// The account type wanted.
        kind: &'static str,
        /// The program id.
        expected: Pubkey,
        /// Its owner.
        found: Pubkey,
    },
    /// The data starts with another type's discriminator.
    #[error("not a {kind} account: discriminator {found} (expected {expected})")]
    WrongDiscriminator {
        /// The account type wanted.
        kind: &'static str,
        /// Its discriminator, hex.
        expected: String,
        /// What the data starts with, hex.
        found: String,
    },
    /// The data is shorter than the type, or a field does not decode.
    #[error("{kind} account: {source}")]
    Data {
        /// The account type wanted.
        kind: &'static str,
        /// Which field, and how.
        source: DecodeError,
    },
}

/// Checks owner and discriminator, then reads the fields after the discriminator.
fn decode<T>(
    kind: AccountKind,
    program: &Pubkey,
    owner: &Pubkey,
    data: &[u8],
    fields: impl FnOnce(&mut BorshReader<'_>) -> Result<T, DecodeError>,
) -> Result<T, AccountDecodeError> {
    if owner != program {
        return Err(AccountDecodeError::WrongOwner {
            kind: kind.name(),
            expected: *program,
            found: *owner,
        });
    }
    let discriminator = kind.discriminator();
    match data.get(..8) {
        Some(found) if found == discriminator => {}
        found => {
            return Err(AccountDecodeError::WrongDiscriminator {
                kind: kind.name(),
                expected: hex::encode(discriminator),
                found: hex::encode(found.unwrap_or(data)),
            })
        }
    }
    fields(&mut BorshReader::new(data, 8)).map_err(|source| AccountDecodeError::Data {
        kind: kind.name(),
        source,
    })
}

/// Account data of `kind`: discriminator, the fields, zero padding to the allocated space.
fn encode(kind: AccountKind, fields: impl FnOnce(&mut BorshWriter)) -> Vec<u8> {
    let mut writer = BorshWriter::with_discriminator(kind.discriminator());
    fields(&mut writer);
    let mut data = writer.finish();
    data.resize(data.len().max(kind.space()), 0);
    data
}

fn features(reader: &mut BorshReader<'_>) -> Result<[bool; 5], DecodeError> {
    Ok([
        reader.bool("features.face_recognition")?,
        reader.bool("features.gesture_control")?,
        reader.bool("features.video_recording")?,
        reader.bool("features.live_streaming")?,
        reader.bool("features.messaging")?,
    ])
}

/// `CameraRegistry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CameraRegistry {
    /// Who initialized it.
    #[serde(serialize_with = "as_base58")]
    #[schema(value_type = String)]
    pub authority: Pubkey,
    /// Cameras registered.
    pub camera_count: u64,
    /// Set, never used.
    #[serde(serialize_with = "as_base58")]
    #[schema(value_type = String)]
    pub fee_account: Pubkey,
    /// The PDA bump.
    pub bump: u8,
}

impl CameraRegistry {
    /// Decodes an account of `program`.
    pub fn decode(
        program: &Pubkey,
        owner: &Pubkey,
        data: &[u8],
    ) -> Result<Self, AccountDecodeError> {
        decode(AccountKind::CameraRegistry, program, owner, data, |r| {
            Ok(Self {
                authority: r.pubkey("authority")?,
                camera_count: r.u64("camera_count")?,
                fee_account: r.pubkey("fee_account")?,
                bump: r.u8("bump")?,
            })
        })
    }

    /// The account data.
    pub fn encode(&self) -> Vec<u8> {
        encode(AccountKind::CameraRegistry, |w| {
            w.pubkey(&self.authority)
                .u64(self.camera_count)
                .pubkey(&self.fee_account)
                .u8(self.bump);
        })
    }
}

/// `CameraMetadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CameraMetadata {
    /// The name (part of the camera's PDA).
    pub name: String,
    /// The model.
    pub model: String,
    /// Latitude and longitude.
    pub location: Option<[i64; 2]>,
    /// When it was registered (Unix s).
    pub registration_date: i64,
    /// A description.
    pub description: String,
}

/// `CameraAccount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CameraAccount {
    /// Its owner.
    #[serde(serialize_with = "as_base58")]
    #[schema(value_type = String)]
    pub owner: Pubkey,
    /// Name, model, location, description.
    pub metadata: CameraMetadata,
    /// Check-ins are refused while false.
    pub is_active: bool,
    /// Activities recorded.
    pub activity_counter: u64,
    /// The last one (Unix s).
    pub last_activity_at: i64,
    /// Its `ActivityType` code.
    pub last_activity_type: u8,
    /// Check-ins so far.
    pub access_count: u64,
    /// What it offers.
    pub features: CameraFeatures,
    /// The PDA bump.
    pub bump: u8,
}

impl CameraAccount {
    /// Decodes an account of `program`.
    pub fn decode(
        program: &Pubkey,
        owner: &Pubkey,
        data: &[u8],
    ) -> Result<Self, AccountDecodeError> {
        decode(AccountKind::CameraAccount, program, owner, data, |r| {
            Ok(Self {
                owner: r.pubkey("owner")?,
                metadata: CameraMetadata {
                    name: r.string("metadata.name")?,
                    model: r.string("metadata.model")?,
                    location: r.location("metadata.location")?,
                    registration_date: r.i64("metadata.registration_date")?,
                    description: r.string("metadata.description")?,
                },
                is_active: r.bool("is_active")?,
                activity_counter: r.u64("activity_counter")?,
                last_activity_at: r.i64("last_activity_at")?,
                last_activity_type: r.u8("last_activity_type")?,
                access_count: r.u64("access_count")?,
                features: CameraFeatures::from_flags(features(r)?),
                bump: r.u8("bump")?,
            })
        })
    }

    /// The account data (longer than the space if the metadata is over its 200-byte
    /// budget, which the program itself refuses to write).
    pub fn encode(&self) -> Vec<u8> {
        encode(AccountKind::CameraAccount, |w| {
            w.pubkey(&self.owner)
                .string(&self.metadata.name)
                .string(&self.metadata.model)
                .location(self.metadata.location)
                .i64(self.metadata.registration_date)
                .string(&self.metadata.description)
                .bool(self.is_active)
                .u64(self.activity_counter)
                .i64(self.last_activity_at)
                .u8(self.last_activity_type)
                .u64(self.access_count);
            self.features.write(w);
            w.u8(self.bump);
        })
    }
}

/// `SessionFeatures`: what a checked-in user enabled; the same five flags as the camera's.
pub type SessionFeatures = CameraFeatures;

/// `UserSession`: a user checked in at a camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UserSession {
    /// The wallet.
    #[serde(serialize_with = "as_base58")]
    #[schema(value_type = String)]
    pub user: Pubkey,
    /// The camera.
    #[serde(serialize_with = "as_base58")]
    #[schema(value_type = String)]
    pub camera: Pubkey,
    /// When the user checked in (Unix s, the cluster's clock).
    pub check_in_time: i64,
    /// Set at check-in; `record_activity` does not update it.
    pub last_activity: i64,
    /// What the user enabled.
    pub enabled_features: SessionFeatures,
    /// The PDA bump.
    pub bump: u8,
}

/// Where a `UserSession`'s camera is, for `memcmp` filters.
pub const SESSION_CAMERA_OFFSET: usize = 40;

impl UserSession {
    /// Decodes an account of `program`.
    pub fn decode(
        program: &Pubkey,
        owner: &Pubkey,
        data: &[u8],
    ) -> Result<Self, AccountDecodeError> {
        decode(AccountKind::UserSession, program, owner, data, |r| {
            Ok(Self {
                user: r.pubkey("user")?,
                camera: r.pubkey("camera")?,
                check_in_time: r.i64("check_in_time")?,
                last_activity: r.i64("last_activity")?,
                enabled_features: SessionFeatures::from_flags(features(r)?),
                bump: r.u8("bump")?,
            })
        })
    }

    /// The account data (94 bytes).
    pub fn encode(&self) -> Vec<u8> {
        encode(AccountKind::UserSession, |w| {
            w.pubkey(&self.user)
                .pubkey(&self.camera)
                .i64(self.check_in_time)
                .i64(self.last_activity);
            self.enabled_features.write(w);
            w.u8(self.bump);
        })
    }
}

/// `FaceData`: the hash of a user's enrolled embedding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FaceData {
    /// The wallet.
    #[serde(serialize_with = "as_base58")]
    #[schema(value_type = String)]
    pub user: Pubkey,
    /// keccak-256 of the encrypted embedding.
    #[serde(serialize_with = "as_hex")]
    #[schema(value_type = String)]
    pub data_hash: [u8; 32],
    /// Always empty in this program version.
    #[serde(serialize_with = "all_base58")]
    #[schema(value_type = Vec<String>)]
    pub authorized_cameras: Vec<Pubkey>,
    /// Last enrolment (Unix s).
    pub last_used: i64,
    /// First enrolment (Unix s).
    pub creation_date: i64,
    /// The PDA bump.
    pub bump: u8,
}

/// Most cameras the program budgets in `FaceData.authorized_cameras`.
const MAX_AUTHORIZED_CAMERAS: u32 = 10;

impl FaceData {
    /// Decodes an account of `program`.
    pub fn decode(
        program: &Pubkey,
        owner: &Pubkey,
        data: &[u8],
    ) -> Result<Self, AccountDecodeError> {
        decode(AccountKind::FaceData, program, owner, data, |r| {
            let user = r.pubkey("user")?;
            let data_hash = r.hash("data_hash")?;
            let count = r.u32("authorized_cameras")?;
            if count > MAX_AUTHORIZED_CAMERAS {
                return Err(DecodeError::Invalid {
                    field: "authorized_cameras",
                    reason: "more than the 10 the account has room for",
                });
            }
            let authorized_cameras = (0..count)
                .map(|_| r.pubkey("authorized_cameras"))
                .collect::<Result<_, _>>()?;
            Ok(Self {
                user,
                data_hash,
                authorized_cameras,
                last_used: r.i64("last_used")?,
                creation_date: r.i64("creation_date")?,
                bump: r.u8("bump")?,
            })
        })
    }

    /// The account data (413 bytes).
    pub fn encode(&self) -> Vec<u8> {
        encode(AccountKind::FaceData, |w| {
            w.pubkey(&self.user).raw(&self.data_hash);
            let count = u32::try_from(self.authorized_cameras.len()).unwrap_or(u32::MAX);
            w.raw(&count.to_le_bytes());
            for camera in &self.authorized_cameras {
                w.pubkey(camera);
            }
            w.i64(self.last_used).i64(self.creation_date).u8(self.bump);
        })
    }
}

/// Serializes a key as base58 text.
pub fn as_base58<S: serde::Serializer>(key: &Pubkey, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(key)
}

fn all_base58<S: serde::Serializer>(keys: &[Pubkey], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(keys.iter().map(Pubkey::to_string))
}

fn as_hex<S: serde::Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> Pubkey {
        crate::program::DEFAULT_PROGRAM_ID.parse().unwrap()
    }

    #[test]
    fn discriminators_are_anchors_hashes() {
        for kind in [
            AccountKind::CameraRegistry,
            AccountKind::CameraAccount,
            AccountKind::UserSession,
            AccountKind::FaceData,
        ] {
            let hash =
                solana_sha256_hasher::hashv(&[format!("account:{}", kind.name()).as_bytes()]);
            assert_eq!(
                kind.discriminator(),
                hash.to_bytes()[..8],
                "{}",
                kind.name()
            );
        }
    }

    fn session() -> UserSession {
        UserSession {
            user: Pubkey::new_unique(),
            camera: Pubkey::new_unique(),
            check_in_time: 1_764_000_000,
            last_activity: 1_764_000_000,
            enabled_features: SessionFeatures::from_flags([true, true, true, true, false]),
            bump: 251,
        }
    }

    #[test]
    fn a_session_at_the_offsets_of_the_spec() {
        let session = session();
        let data = session.encode();
        assert_eq!(data.len(), 94);
        assert_eq!(&data[8..40], session.user.as_ref());
        assert_eq!(&data[SESSION_CAMERA_OFFSET..72], session.camera.as_ref());
        assert_eq!(data[72..80], 1_764_000_000i64.to_le_bytes());
        assert_eq!(data[88..93], [1, 1, 1, 1, 0]);
        assert_eq!(data[93], 251);
        assert_eq!(
            UserSession::decode(&program(), &program(), &data),
            Ok(session)
        );
        assert_eq!(session.enabled_features.bits(), 0b01111);
    }

    #[test]
    fn wrong_owner_wrong_type_and_short_data_are_refused() {
        let data = session().encode();
        let stranger = Pubkey::new_unique();
        assert!(matches!(
            UserSession::decode(&program(), &stranger, &data),
            Err(AccountDecodeError::WrongOwner { .. })
        ));
        let error = CameraAccount::decode(&program(), &program(), &data).unwrap_err();
        assert!(
            matches!(error, AccountDecodeError::WrongDiscriminator { .. }),
            "{error}"
        );
        let error = UserSession::decode(&program(), &program(), &data[..76]).unwrap_err();
        assert!(
            error.to_string().contains("inside check_in_time"),
            "{error}"
        );
        let error = UserSession::decode(&program(), &program(), &data[..3]).unwrap_err();
        assert!(
            matches!(error, AccountDecodeError::WrongDiscriminator { .. }),
            "{error}"
        );
    }

    #[test]
    fn camera_registry_and_face_data_round_trip() {
        let camera = CameraAccount {
            owner: Pubkey::new_unique(),
            metadata: CameraMetadata {
                name: "jetson01".into(),
                model: "Orin Nano".into(),
                location: Some([40_741_895, -73_989_308]),
                registration_date: 1_700_000_000,
                description: "front door".into(),
            },
            is_active: true,
            activity_counter: 4,
            last_activity_at: 1_700_000_100,
            last_activity_type: 1,
            access_count: 2,
            features: CameraFeatures::from_flags([true, true, false, true, false]),
            bump: 255,
        };
        let data = camera.encode();
        assert_eq!(data.len(), 272);
        assert_eq!(
            CameraAccount::decode(&program(), &program(), &data),
            Ok(camera)
        );
        let registry = CameraRegistry {
            authority: Pubkey::new_unique(),
            camera_count: 3,
            fee_account: Pubkey::new_unique(),
            bump: 254,
        };
        let data = registry.encode();
        assert_eq!(data.len(), 81);
        assert_eq!(data[80], 254);
        assert_eq!(
            CameraRegistry::decode(&program(), &program(), &data),
            Ok(registry)
        );
        let face = FaceData {
            user: Pubkey::new_unique(),
            data_hash: [9; 32],
            authorized_cameras: vec![],
            last_used: 5,
            creation_date: 4,
            bump: 1,
        };
        let data = face.encode();
        assert_eq!(data.len(), 413);
        assert_eq!(data[76..84], 5i64.to_le_bytes());
        assert_eq!(FaceData::decode(&program(), &program(), &data), Ok(face));
    }
}
