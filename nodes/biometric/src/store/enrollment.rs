//! Enrollments: which sealed face is each wallet's enrolled one, and the gallery opened from
//! them for the wallets that may be recognised now.
//!
//! A face is sealed when enrollment is prepared; it becomes the wallet's enrolled face only
//! when [`BiometricStore::enroll`] is called for it (after the chain confirmed the package,
//! or for a local enrollment). Faces never confirmed are discarded after a while
//! ([`BiometricStore::discard_unconfirmed`]).

use super::{sql_ms, BiometricError, BiometricStore};
use crate::audit::{self, AuditAction};
use crate::package;
use mm_shm_schema::DisplayName;
use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

/// Creates the enrollments table.
pub(super) fn create_table(db: &Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS enrollments (
             wallet TEXT PRIMARY KEY,
             face_id TEXT NOT NULL,
             display_name TEXT NOT NULL,
             enrolled_unix_ms INTEGER NOT NULL
         );",
    )
}

/// A wallet's enrolled face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The wallet (base58).
    pub wallet: String,
    /// Its sealed face.
    pub face_id: String,
    /// The name drawn on the face when its owner allows it.
    pub display_name: String,
    /// When it was enrolled.
    pub enrolled_unix_ms: u64,
}

/// An enrolled face opened for recognition; its embedding is zeroized when dropped.
pub struct GalleryEntry {
    /// Whose face.
    pub enrollment: Enrollment,
    /// The embedding (128 values).
    pub embedding: Zeroizing<Vec<f32>>,
}

impl std::fmt::Debug for GalleryEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the embedding.
        f.debug_struct("GalleryEntry")
            .field("enrollment", &self.enrollment)
            .finish_non_exhaustive()
    }
}

fn enrollment_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Enrollment> {
    Ok(Enrollment {
        wallet: row.get(0)?,
        face_id: row.get(1)?,
        display_name: row.get(2)?,
        enrolled_unix_ms: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
    })
}

impl BiometricStore {
    /// Makes `face_id` (sealed for `wallet`) the wallet's enrolled face; an earlier enrolled
    /// face of the wallet and its other sealed faces are deleted. Recorded in the audit log.
    pub fn enroll(
        &mut self,
        wallet: &str,
        face_id: &str,
        display_name: &str,
        now_unix_ms: u64,
    ) -> Result<Enrollment, BiometricError> {
        package::wallet_bytes(wallet)?;
        let display_name = display_name.trim();
        if display_name.len() > DisplayName::CAPACITY || display_name.chars().any(char::is_control)
        {
            return Err(BiometricError::DisplayName);
        }
        let transaction = self.db.unchecked_transaction()?;
        let sealed: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM faces WHERE face_id = ?1 AND wallet = ?2",
                params![face_id, wallet],
                |row| row.get(0),
            )
            .optional()?;
        if sealed.is_none() {
            return Err(BiometricError::NoFace);
        }
        transaction.execute(
            "DELETE FROM faces WHERE wallet = ?1 AND face_id != ?2",
            params![wallet, face_id],
        )?;
        transaction.execute(
            "INSERT INTO enrollments (wallet, face_id, display_name, enrolled_unix_ms)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (wallet) DO UPDATE SET face_id = ?2, display_name = ?3, enrolled_unix_ms = ?4",
            params![wallet, face_id, display_name, sql_ms(now_unix_ms)],
        )?;
        audit::append(
            &transaction,
            AuditAction::Enroll,
            wallet,
            face_id,
            now_unix_ms,
        )?;
        transaction.commit()?;
        Ok(Enrollment {
            wallet: wallet.to_owned(),
            face_id: face_id.to_owned(),
            display_name: display_name.to_owned(),
            enrolled_unix_ms: now_unix_ms,
        })
    }

    /// `wallet`'s enrolled face, if any.
    pub fn enrollment(&self, wallet: &str) -> Result<Option<Enrollment>, BiometricError> {
        Ok(self
            .db
            .query_row(
                "SELECT wallet, face_id, display_name, enrolled_unix_ms FROM enrollments WHERE wallet = ?1",
                params![wallet],
                enrollment_row,
            )
            .optional()?)
    }

    /// Every enrolled face, oldest first (the owner's list).
    pub fn enrollments(&self) -> Result<Vec<Enrollment>, BiometricError> {
        let mut query = self.db.prepare(
            "SELECT wallet, face_id, display_name, enrolled_unix_ms FROM enrollments
             ORDER BY enrolled_unix_ms, wallet",
        )?;
        let rows = query.query_map([], enrollment_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The enrolled faces of those of `wallets` that are enrolled, opened (each opening is
    /// recorded in the audit log). A face that no longer opens is left out and reported.
    pub fn gallery(
        &mut self,
        wallets: &[&str],
        now_unix_ms: u64,
    ) -> Result<Vec<GalleryEntry>, BiometricError> {
        let mut entries = Vec::new();
        for wallet in wallets {
            // The enrollment and its package in one read.
            let enrolled = self
                .db
                .query_row(
                    "SELECT e.wallet, e.face_id, e.display_name, e.enrolled_unix_ms, f.package
                     FROM enrollments e JOIN faces f ON f.face_id = e.face_id AND f.wallet = e.wallet
                     WHERE e.wallet = ?1",
                    params![wallet],
                    |row| Ok((enrollment_row(row)?, row.get::<_, Vec<u8>>(4)?)),
                )
                .optional()?;
            let Some((enrollment, package)) = enrolled else {
                continue;
            };
            match self.open_package(wallet, &package, now_unix_ms) {
                Ok((_, embedding)) => entries.push(GalleryEntry {
                    enrollment,
                    embedding,
                }),
                Err(error) => {
                    tracing::warn!(%error, face_id = %enrollment.face_id, "an enrolled face does not open; left out of the gallery");
                }
            }
        }
        Ok(entries)
    }

    /// Deletes sealed faces that never became enrolled and were sealed before
    /// `sealed_before_unix_ms`; how many.
    pub fn discard_unconfirmed(
        &mut self,
        sealed_before_unix_ms: u64,
    ) -> Result<usize, BiometricError> {
        Ok(self.db.execute(
            "DELETE FROM faces WHERE created_unix_ms < ?1
             AND face_id NOT IN (SELECT face_id FROM enrollments)",
            params![sql_ms(sealed_before_unix_ms)],
        )?)
    }

    /// Purges every wallet that has a key (the owner's "clear enrolled faces"); the wallets
    /// purged.
    pub fn purge_all(&mut self, now_unix_ms: u64) -> Result<Vec<String>, BiometricError> {
        let wallets: Vec<String> = {
            let mut query = self
                .db
                .prepare("SELECT wallet FROM wallet_keys ORDER BY wallet")?;
            let rows = query.query_map([], |row| row.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for wallet in &wallets {
            self.purge(wallet, now_unix_ms)?;
        }
        Ok(wallets)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{embedding, store};
    use super::*;
    use solana_sdk::pubkey::Pubkey;

    #[test]
    fn a_sealed_face_joins_the_gallery_only_once_enrolled() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store(&dir, &[8u8; 64]);
        let alice = Pubkey::new_unique().to_string();
        let bob = Pubkey::new_unique().to_string();
        let first = store.seal(&alice, &embedding(), 1).unwrap();
        assert!(store.gallery(&[&alice], 2).unwrap().is_empty());
        assert!(matches!(
            store.enroll(&bob, &first.face_id, "Bob", 3),
            Err(BiometricError::NoFace)
        ));

        let enrolled = store.enroll(&alice, &first.face_id, "Alice", 4).unwrap();
        assert_eq!(store.enrollment(&alice).unwrap(), Some(enrolled.clone()));
        let gallery = store.gallery(&[&alice, &bob], 5).unwrap();
        assert_eq!(gallery.len(), 1);
        assert_eq!(gallery[0].enrollment, enrolled);
        assert_eq!(*gallery[0].embedding, embedding());
        assert!(!format!("{:?}", gallery[0]).contains("embedding:"));

        // Re-enrolling replaces the face; an unconfirmed one is discarded later.
        let second = store.seal(&alice, &embedding(), 6).unwrap();
        let pending = store.seal(&alice, &embedding(), 7).unwrap();
        store.enroll(&alice, &second.face_id, "Alice", 8).unwrap();
        assert!(store.package(&alice, &first.face_id).is_err());
        assert!(store.package(&alice, &pending.face_id).is_err());
        let third = store.seal(&alice, &embedding(), 9).unwrap();
        assert_eq!(store.discard_unconfirmed(10).unwrap(), 1);
        assert!(store.package(&alice, &third.face_id).is_err());
        assert_eq!(store.enrollments().unwrap().len(), 1);

        // Purging ends the enrollment.
        store.purge_all(11).unwrap();
        assert!(store.enrollments().unwrap().is_empty());
        assert!(store.gallery(&[&alice], 12).unwrap().is_empty());
        assert!(store.verify_audit().is_ok());
    }
}
