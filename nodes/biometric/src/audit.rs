//! The audit log: one record per key creation, seal, open and purge, append-only and
//! hash-chained. Each record holds the hash of the one before it, and its own hash covers
//! that and every field, so editing, deleting or reordering any record breaks the chain at
//! that point; [`verify`] finds where. (Cutting records off the end leaves a shorter valid
//! chain: compare [`AuditSummary::head_hash`] with a copy kept elsewhere to notice that.)
//! Records are committed with a full fsync. No embedding, key or token is ever in one.

use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A wallet's data key was made.
    CreateKey,
    /// An embedding was sealed.
    Seal,
    /// A package was opened.
    Open,
    /// A sealed face became the wallet's enrolled face (after its chain confirmation).
    Enroll,
    /// A wallet's key and ciphertexts were destroyed.
    Purge,
}

impl AuditAction {
    /// Its name in the log.
    pub fn name(self) -> &'static str {
        match self {
            AuditAction::CreateKey => "create_key",
            AuditAction::Seal => "seal",
            AuditAction::Open => "open",
            AuditAction::Enroll => "enroll",
            AuditAction::Purge => "purge",
        }
    }
}

/// One record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// 1, 2, 3, ...
    pub seq: u64,
    /// When (Unix ms).
    pub unix_ms: u64,
    /// What.
    pub action: String,
    /// Whose.
    pub wallet: String,
    /// Which face, how many, why: never biometric data.
    pub detail: String,
    /// The hash of the record before.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// A chain that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSummary {
    /// Records in it.
    pub records: u64,
    /// The newest record's hash ([`GENESIS`] when empty).
    pub head_hash: String,
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditBroken {
    /// A record's fields do not give its stored hash.
    #[error("record {seq} was edited: its hash does not match its content")]
    Edited {
        /// The record.
        seq: u64,
    },
    /// Sequence numbers skip: records were deleted.
    #[error("record {expected} is missing (deleted); the next one is {found}")]
    Missing {
        /// The number expected.
        expected: u64,
        /// The number found.
        found: u64,
    },
    /// A record does not follow the one before it.
    #[error("record {seq} does not follow record {}: records were reordered or replaced", seq - 1)]
    Unlinked {
        /// The record.
        seq: u64,
    },
    /// The log could not be read.
    #[error("cannot read the audit log: {0}")]
    Unreadable(String),
}

/// Creates the table if missing.
pub fn create_table(db: &Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS audit (
             seq INTEGER PRIMARY KEY,
             unix_ms INTEGER NOT NULL,
             action TEXT NOT NULL,
             wallet TEXT NOT NULL,
             detail TEXT NOT NULL,
             prev_hash TEXT NOT NULL,
             hash TEXT NOT NULL
         );",
    )
}

fn record_hash(
    prev_hash: &str,
    seq: u64,
    unix_ms: u64,
    action: &str,
    wallet: &str,
    detail: &str,
) -> String {
    let mut hasher = Sha256::new();
    // Each field with its length, so that no two records encode alike.
    for field in [
        prev_hash,
        &seq.to_string(),
        &unix_ms.to_string(),
        action,
        wallet,
        detail,
    ] {
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends a record inside `db`'s current transaction (or its own).
pub fn append(
    db: &Connection,
    action: AuditAction,
    wallet: &str,
    detail: &str,
    unix_ms: u64,
) -> rusqlite::Result<AuditRecord> {
    let last: Option<(i64, String)> = db
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map(Some)
        .or_else(|error| match error {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            error => Err(error),
        })?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (u64::try_from(seq).unwrap_or(0) + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let hash = record_hash(&prev_hash, seq, unix_ms, action.name(), wallet, detail);
    db.execute(
        "INSERT INTO audit (seq, unix_ms, action, wallet, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            i64::try_from(seq).unwrap_or(i64::MAX),
            i64::try_from(unix_ms).unwrap_or(i64::MAX),
            action.name(),
            wallet,
            detail,
            prev_hash,
            hash
        ],
    )?;
    Ok(AuditRecord {
        seq,
        unix_ms,
        action: action.name().to_owned(),
        wallet: wallet.to_owned(),
        detail: detail.to_owned(),
        prev_hash,
        hash,
    })
}

/// Every record, oldest first.
pub fn records(db: &Connection) -> rusqlite::Result<Vec<AuditRecord>> {
    let mut query = db.prepare(
        "SELECT seq, unix_ms, action, wallet, detail, prev_hash, hash FROM audit ORDER BY seq",
    )?;
    let rows = query.query_map([], |row| {
        Ok(AuditRecord {
            seq: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
            unix_ms: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
            action: row.get(2)?,
            wallet: row.get(3)?,
            detail: row.get(4)?,
            prev_hash: row.get(5)?,
            hash: row.get(6)?,
        })
    })?;
    rows.collect()
}

/// Checks the whole chain.
pub fn verify(db: &Connection) -> Result<AuditSummary, AuditBroken> {
    let records = records(db).map_err(|e| AuditBroken::Unreadable(e.to_string()))?;
    verify_records(&records)
}

/// Checks a chain of records, oldest first.
pub fn verify_records(records: &[AuditRecord]) -> Result<AuditSummary, AuditBroken> {
    let mut head = GENESIS.to_owned();
    for (index, record) in records.iter().enumerate() {
        let expected = index as u64 + 1;
        if record.seq != expected {
            return Err(AuditBroken::Missing {
                expected,
                found: record.seq,
            });
        }
        let hash = record_hash(
            &record.prev_hash,
            record.seq,
            record.unix_ms,
            &record.action,
            &record.wallet,
            &record.detail,
        );
        if hash != record.hash {
            return Err(AuditBroken::Edited { seq: record.seq });
        }
        if record.prev_hash != head {
            return Err(AuditBroken::Unlinked { seq: record.seq });
        }
        head = record.hash.clone();
    }
    Ok(AuditSummary {
        records: records.len() as u64,
        head_hash: head,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        create_table(&db).unwrap();
        for (i, action) in [
            AuditAction::CreateKey,
            AuditAction::Seal,
            AuditAction::Open,
            AuditAction::Purge,
        ]
        .into_iter()
        .enumerate()
        {
            append(&db, action, "alice", &format!("face_{i}"), 1000 + i as u64).unwrap();
        }
        db
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let summary = verify(&chain()).unwrap();
        assert_eq!(summary.records, 4);
        assert_ne!(summary.head_hash, GENESIS);
    }

    #[test]
    fn an_edit_a_deletion_and_a_reordering_are_found() {
        let db = chain();
        db.execute("UPDATE audit SET wallet = 'mallory' WHERE seq = 2", [])
            .unwrap();
        assert_eq!(verify(&db), Err(AuditBroken::Edited { seq: 2 }));

        let db = chain();
        db.execute("DELETE FROM audit WHERE seq = 3", []).unwrap();
        assert_eq!(
            verify(&db),
            Err(AuditBroken::Missing {
                expected: 3,
                found: 4
            })
        );

        // Swapping two records' contents (renumbered to hide the move) unlinks them.
        let mut records = records(&chain()).unwrap();
        records.swap(1, 2);
        records[1].seq = 2;
        records[2].seq = 3;
        let rehashed: Vec<AuditRecord> = records
            .into_iter()
            .map(|mut r| {
                r.hash = record_hash(
                    &r.prev_hash,
                    r.seq,
                    r.unix_ms,
                    &r.action,
                    &r.wallet,
                    &r.detail,
                );
                r
            })
            .collect();
        assert_eq!(
            verify_records(&rehashed),
            Err(AuditBroken::Unlinked { seq: 2 })
        );
    }
}
