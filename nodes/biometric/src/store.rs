//! The biometric store (SQLite, one file): each wallet's data key wrapped by the device key,
//! each sealed face package, and the audit log, changed together in one transaction so that
//! no seal or purge happens without its record.
//!
//! Purge is crypto-shredding: the wallet's wrapped key and packages are deleted with SQLite's
//! `secure_delete` (their bytes overwritten in the file) and the journal truncated; every copy
//! of a package ever handed out, the one on chain included, can no longer be opened.

use crate::audit::{self, AuditAction, AuditBroken, AuditSummary};
use crate::package::{self, FacePackage, PackageError, MAGIC};
use crate::seal::{self, Binding, Key, SealError, FORMAT_VERSION};
use mm_shm_schema::EMBEDDING_LEN;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use zeroize::Zeroizing;

mod enrollment;
pub use enrollment::{Enrollment, GalleryEntry};

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BiometricError {
    /// The database failed.
    #[error("biometric database")]
    Store(#[from] rusqlite::Error),
    /// The database file could not be made.
    #[error("cannot create the biometric database {path}")]
    Create {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Sealing or opening failed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The package is malformed.
    #[error(transparent)]
    Package(#[from] PackageError),
    /// The embedding is not 128 finite values.
    #[error("an embedding is {EMBEDDING_LEN} finite numbers, not {0}")]
    Embedding(String),
    /// The wallet has no key: it never sealed anything here, or it was purged.
    #[error("no key for this wallet: nothing was sealed for it here, or it was purged")]
    NoKey,
    /// The package belongs to another wallet than the one asking.
    #[error("the package belongs to another wallet")]
    WrongWallet,
    /// No such face.
    #[error("no such face for this wallet")]
    NoFace,
    /// The display name does not fit the overlay or holds control characters.
    #[error(
        "display_name is at most {} bytes of printable text",
        mm_shm_schema::DisplayName::CAPACITY
    )]
    DisplayName,
}

/// A face just sealed.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// `face_<32 hex>`.
    pub face_id: String,
    /// The package bytes.
    pub package: Vec<u8>,
    /// SHA-256 of the package, hex.
    pub package_hash: String,
}

/// What a purge destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Whether the wallet had a key (now destroyed).
    pub key_destroyed: bool,
    /// Packages deleted.
    pub faces: usize,
}

/// Counts for the status route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// Wallets with a key.
    pub wallets: u64,
    /// Stored packages.
    pub faces: u64,
    /// Audit records.
    pub audit_records: u64,
}

/// The store of one camera.
pub struct BiometricStore {
    db: Connection,
    /// The whole chain, checked once when the store opened (records only ever follow it).
    audit_at_open: Result<AuditSummary, AuditBroken>,
    device_key: Key,
    camera_id: String,
    model_id: String,
}

impl BiometricStore {
    /// Opens (or creates, owner-only) the database at `path`.
    pub fn open(
        path: &Path,
        device_key: Key,
        camera_id: &str,
        model_id: &str,
    ) -> Result<Self, BiometricError> {
        mm_runtime::secret::create_private_file(path).map_err(|source| BiometricError::Create {
            path: path.display().to_string(),
            source,
        })?;
        let db = Connection::open(path)?;
        db.execute_batch(
            "PRAGMA journal_mode = TRUNCATE;
             PRAGMA synchronous = FULL;
             PRAGMA secure_delete = ON;
             CREATE TABLE IF NOT EXISTS wallet_keys (
                 wallet TEXT PRIMARY KEY,
                 wrapped_key BLOB NOT NULL,
                 created_unix_ms INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS faces (
                 face_id TEXT PRIMARY KEY,
                 wallet TEXT NOT NULL,
                 package BLOB NOT NULL,
                 created_unix_ms INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS faces_by_wallet ON faces (wallet);",
        )?;
        enrollment::create_table(&db)?;
        audit::create_table(&db)?;
        Ok(Self {
            audit_at_open: audit::verify(&db),
            db,
            device_key,
            camera_id: camera_id.to_owned(),
            model_id: model_id.to_owned(),
        })
    }

    fn binding<'a>(&'a self, wallet: &'a str) -> Binding<'a> {
        Binding {
            wallet,
            camera_id: &self.camera_id,
            model_id: &self.model_id,
            version: FORMAT_VERSION,
        }
    }

    fn data_key(&self, wallet: &str) -> Result<Option<Key>, BiometricError> {
        let wrapped: Option<Vec<u8>> = self
            .db
            .query_row(
                "SELECT wrapped_key FROM wallet_keys WHERE wallet = ?1",
                params![wallet],
                |row| row.get(0),
            )
            .optional()?;
        Ok(match wrapped {
            Some(wrapped) => Some(self.device_key.unwrap_key(&wrapped, wallet)?),
            None => None,
        })
    }

    /// Seals `embedding` for `wallet` (making its key on first use) and keeps the package.
    pub fn seal(
        &mut self,
        wallet: &str,
        embedding: &[f32],
        now_unix_ms: u64,
    ) -> Result<Sealed, BiometricError> {
        let wallet_key = package::wallet_bytes(wallet)?;
        if embedding.len() != EMBEDDING_LEN || !embedding.iter().all(|v| v.is_finite()) {
            return Err(BiometricError::Embedding(embedding.len().to_string()));
        }
        let mut face_id = [0u8; 16];
        getrandom::fill(&mut face_id).map_err(|_| SealError::NoRandomness)?;
        let transaction = self.db.unchecked_transaction()?;
        let data_key = match self.data_key(wallet)? {
            Some(key) => key,
            None => {
                let key = Key::generate()?;
                transaction.execute(
                    "INSERT INTO wallet_keys (wallet, wrapped_key, created_unix_ms) VALUES (?1, ?2, ?3)",
                    params![wallet, self.device_key.wrap(&key, wallet)?, sql_ms(now_unix_ms)],
                )?;
                audit::append(
                    &transaction,
                    AuditAction::CreateKey,
                    wallet,
                    "",
                    now_unix_ms,
                )?;
                key
            }
        };
        let plaintext = seal::embedding_bytes(embedding);
        let package = FacePackage {
            magic: MAGIC,
            version: FORMAT_VERSION,
            wallet: wallet_key,
            face_id,
            camera_id: self.camera_id.clone(),
            model_id: self.model_id.clone(),
            created_unix_ms: now_unix_ms,
            sealed: data_key.seal(&self.binding(wallet), &plaintext)?,
        };
        let bytes = package.to_bytes()?;
        let face_id = package.face_id_text();
        transaction.execute(
            "INSERT INTO faces (face_id, wallet, package, created_unix_ms) VALUES (?1, ?2, ?3, ?4)",
            params![face_id, wallet, bytes, sql_ms(now_unix_ms)],
        )?;
        audit::append(
            &transaction,
            AuditAction::Seal,
            wallet,
            &face_id,
            now_unix_ms,
        )?;
        transaction.commit()?;
        Ok(Sealed {
            package_hash: package::sha256_hex(&bytes),
            face_id,
            package: bytes,
        })
    }

    /// The embedding `package_bytes` holds, for `wallet` only; recorded in the audit log.
    pub fn open_package(
        &mut self,
        wallet: &str,
        package_bytes: &[u8],
        now_unix_ms: u64,
    ) -> Result<(FacePackage, Zeroizing<Vec<f32>>), BiometricError> {
        let package = FacePackage::from_bytes(package_bytes)?;
        if package.wallet != package::wallet_bytes(wallet)? {
            return Err(BiometricError::WrongWallet);
        }
        let data_key = self.data_key(wallet)?.ok_or(BiometricError::NoKey)?;
        let binding = Binding {
            wallet,
            camera_id: &package.camera_id,
            model_id: &package.model_id,
            version: package.version,
        };
        let plaintext = data_key.open(&binding, &package.sealed)?;
        let embedding = seal::embedding_values(&plaintext);
        audit::append(
            &self.db,
            AuditAction::Open,
            wallet,
            &package.face_id_text(),
            now_unix_ms,
        )?;
        Ok((package, embedding))
    }

    /// The stored package of `face_id`, for `wallet`.
    pub fn package(&self, wallet: &str, face_id: &str) -> Result<Vec<u8>, BiometricError> {
        self.db
            .query_row(
                "SELECT package FROM faces WHERE face_id = ?1 AND wallet = ?2",
                params![face_id, wallet],
                |row| row.get(0),
            )
            .optional()?
            .ok_or(BiometricError::NoFace)
    }

    /// Destroys `wallet`'s key and packages (crypto-shredding); recorded in the audit log.
    pub fn purge(&mut self, wallet: &str, now_unix_ms: u64) -> Result<Purged, BiometricError> {
        package::wallet_bytes(wallet)?;
        let transaction = self.db.unchecked_transaction()?;
        let key_destroyed =
            transaction.execute("DELETE FROM wallet_keys WHERE wallet = ?1", params![wallet])? > 0;
        let faces = transaction.execute("DELETE FROM faces WHERE wallet = ?1", params![wallet])?;
        transaction.execute("DELETE FROM enrollments WHERE wallet = ?1", params![wallet])?;
        let detail = format!("key_destroyed={key_destroyed} faces={faces}");
        audit::append(
            &transaction,
            AuditAction::Purge,
            wallet,
            &detail,
            now_unix_ms,
        )?;
        transaction.commit()?;
        // Freed pages are overwritten (secure_delete); the file gives their space back too.
        self.db.execute_batch("VACUUM;")?;
        Ok(Purged {
            key_destroyed,
            faces,
        })
    }

    /// Counts.
    pub fn stats(&self) -> Result<StoreStats, BiometricError> {
        let count = |table: &str| -> Result<u64, BiometricError> {
            let n: i64 =
                self.db
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                        row.get(0)
                    })?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok(StoreStats {
            wallets: count("wallet_keys")?,
            faces: count("faces")?,
            audit_records: count("audit")?,
        })
    }

    /// Whether the audit chain verified when the store opened; what this store appends
    /// since follows it, so health probes need not read the whole log.
    pub fn audit_sound(&self) -> Result<(), &AuditBroken> {
        self.audit_at_open.as_ref().map(|_| ())
    }

    /// The newest audit record's hash, to keep elsewhere; `None` while the log is empty.
    pub fn audit_head(&self) -> Result<Option<String>, BiometricError> {
        Ok(self
            .db
            .query_row(
                "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Verifies the whole audit chain now (reads every record).
    pub fn verify_audit(&self) -> Result<AuditSummary, AuditBroken> {
        audit::verify(&self.db)
    }
}

/// A time as SQLite stores integers.
fn sql_ms(unix_ms: u64) -> i64 {
    i64::try_from(unix_ms).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::pubkey::Pubkey;

    pub(super) fn store(dir: &tempfile::TempDir, device: &[u8; 64]) -> BiometricStore {
        BiometricStore::open(
            &dir.path().join("bio.sqlite"),
            Key::from_bytes(device).unwrap(),
            "cam0",
            "dlib-resnet29-128",
        )
        .unwrap()
    }

    pub(super) fn embedding() -> Vec<f32> {
        (0..128).map(|i| (i as f32 * 0.37).sin()).collect()
    }

    #[test]
    fn seal_open_and_purge_shreds_every_copy() {
        let dir = tempfile::tempdir().unwrap();
        let device = [5u8; 64];
        let mut store = store(&dir, &device);
        let alice = Pubkey::new_unique().to_string();
        let bob = Pubkey::new_unique().to_string();
        let sealed = store.seal(&alice, &embedding(), 1).unwrap();
        assert!(sealed.package.len() <= package::MAX_PACKAGE_LEN);
        let exported = sealed.package.clone();
        let (package, opened) = store.open_package(&alice, &exported, 2).unwrap();
        assert_eq!(*opened, embedding());
        assert_eq!(package.face_id_text(), sealed.face_id);
        assert!(matches!(
            store.open_package(&bob, &exported, 2),
            Err(BiometricError::WrongWallet)
        ));
        assert_eq!(store.package(&alice, &sealed.face_id).unwrap(), exported);

        // Nothing on disk holds the plaintext.
        let plaintext = seal::embedding_bytes(&embedding());
        let on_disk = std::fs::read(dir.path().join("bio.sqlite")).unwrap();
        assert!(!on_disk.windows(64).any(|w| w == &plaintext[..64]));

        let purged = store.purge(&alice, 3).unwrap();
        assert_eq!(
            purged,
            Purged {
                key_destroyed: true,
                faces: 1
            }
        );
        // The exported copy (the one on chain) no longer opens, here or after a restart.
        assert!(matches!(
            store.open_package(&alice, &exported, 4),
            Err(BiometricError::NoKey)
        ));
        drop(store);
        let mut reopened = self::store(&dir, &device);
        assert!(reopened.open_package(&alice, &exported, 5).is_err());
        // A new seal for alice gets a new key: the old package still does not open.
        reopened.seal(&alice, &embedding(), 6).unwrap();
        assert!(matches!(
            reopened.open_package(&alice, &exported, 7),
            Err(BiometricError::Seal(SealError::Unauthentic))
        ));
        let summary = reopened.verify_audit().unwrap();
        // create_key, seal, open, purge, create_key, seal.
        assert_eq!(summary.records, 6);
        assert!(reopened.audit_sound().is_ok());
        assert_eq!(reopened.audit_head().unwrap(), Some(summary.head_hash));
    }

    #[test]
    fn a_tampered_package_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store(&dir, &[6u8; 64]);
        let alice = Pubkey::new_unique().to_string();
        let sealed = store.seal(&alice, &embedding(), 1).unwrap();
        let mut package = FacePackage::from_bytes(&sealed.package).unwrap();
        package.camera_id = "cam9".to_owned();
        let rebound = package.to_bytes().unwrap();
        assert!(matches!(
            store.open_package(&alice, &rebound, 2),
            Err(BiometricError::Seal(_))
        ));
        let mut flipped = sealed.package.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x80;
        assert!(store.open_package(&alice, &flipped, 2).is_err());
        assert!(matches!(
            store.seal(&alice, &[f32::NAN; 128], 3),
            Err(BiometricError::Embedding(_))
        ));
    }
}
