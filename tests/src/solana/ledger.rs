//! The chain of the tests' local validator: litesvm (the SVM a validator runs, with the BPF
//! loaders and the System Program) plus what a cluster adds around it: slots that pass, a
//! window of valid blockhashes, landed transactions with their logs, and commitment levels.

use litesvm::LiteSVM;
use serde_json::{json, Value};
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::{TransactionError, VersionedTransaction};
use std::collections::{HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

/// How many of the latest blockhashes a transaction may name, as on a cluster.
const BLOCKHASH_VALIDITY: usize = 150;
/// Slots after which a confirmed transaction is reported finalized.
const FINALITY_SLOTS: u64 = 32;

/// A transaction that landed (succeeded, or failed in execution and paid its fee).
#[derive(Debug, Clone)]
pub struct LandedRecord {
    /// Its signature.
    pub signature: Signature,
    /// The slot it landed in.
    pub slot: u64,
    /// Wall-clock seconds when it landed.
    pub block_time: i64,
    /// Its error as the RPC writes it, if it failed.
    pub err: Option<Value>,
    /// The runtime's log lines.
    pub logs: Vec<String>,
    /// Its wire bytes (bincode).
    pub wire: Vec<u8>,
    /// Every account it names.
    pub account_keys: Vec<Pubkey>,
}

/// Why `sendTransaction` refused a transaction (nothing landed).
#[derive(Debug)]
pub struct Refusal {
    /// What the RPC says.
    pub message: String,
    /// The runtime's error, as the RPC writes it.
    pub err: Value,
    /// Log lines of the failed simulation.
    pub logs: Vec<String>,
}

/// The runtime and its history.
pub struct Ledger {
    svm: LiteSVM,
    slot: u64,
    recent_blockhashes: VecDeque<Hash>,
    landed: HashMap<Signature, LandedRecord>,
}

impl Ledger {
    /// A chain at slot 1 with the default programs and `accounts` in place.
    pub fn new() -> Self {
        // Blockhashes are checked here against the cluster's window, not only the latest.
        let svm = LiteSVM::new().with_blockhash_check(false);
        let mut recent_blockhashes = VecDeque::new();
        recent_blockhashes.push_back(svm.latest_blockhash());
        Self {
            svm,
            slot: 1,
            recent_blockhashes,
            landed: HashMap::new(),
        }
    }

    /// Puts `account` at `address`.
    pub fn set_account(&mut self, address: Pubkey, account: Account) {
        self.svm
            .set_account(address, account)
            .expect("a genesis account");
    }

    /// Deploys the SBF program `elf` at `program`.
    pub fn add_program(&mut self, program: Pubkey, elf: &[u8]) {
        self.svm
            .add_program(program, elf)
            .expect("the program loads");
    }

    /// The next slot, with a new blockhash.
    pub fn advance_slot(&mut self) {
        self.slot += 1;
        self.svm.warp_to_slot(self.slot);
        self.svm.expire_blockhash();
        self.recent_blockhashes
            .push_back(self.svm.latest_blockhash());
        while self.recent_blockhashes.len() > BLOCKHASH_VALIDITY {
            self.recent_blockhashes.pop_front();
        }
    }

    /// The current slot (also the block height: no slot is skipped).
    pub fn slot(&self) -> u64 {
        self.slot
    }

    /// The latest blockhash and the last block height at which it is still valid.
    pub fn latest_blockhash(&self) -> (Hash, u64) {
        (
            self.svm.latest_blockhash(),
            self.slot + BLOCKHASH_VALIDITY as u64,
        )
    }

    /// The account at `address`, if it holds lamports (a drained account is gone).
    pub fn account(&self, address: &Pubkey) -> Option<Account> {
        self.svm
            .get_account(address)
            .filter(|account| account.lamports > 0)
    }

    /// The accounts `program` owns.
    pub fn program_accounts(&self, program: &Pubkey) -> Vec<(Pubkey, Account)> {
        self.svm
            .get_program_accounts(program)
            .into_iter()
            .filter(|(_, account)| account.lamports > 0)
            .collect()
    }

    /// A landed transaction.
    pub fn landed(&self, signature: &Signature) -> Option<&LandedRecord> {
        self.landed.get(signature)
    }

    /// `confirmed`, or `finalized` once enough slots have passed.
    pub fn confirmation_status(&self, record: &LandedRecord) -> &'static str {
        if self.slot >= record.slot + FINALITY_SLOTS {
            "finalized"
        } else {
            "confirmed"
        }
    }

    /// Executes `wire` the way `sendTransaction` does: simulated first unless `skip_preflight`,
    /// then run; what landed is kept.
    pub fn send(&mut self, wire: &[u8], skip_preflight: bool) -> Result<LandedRecord, Refusal> {
        let refuse = |message: String, err: Value| Refusal {
            message,
            err,
            logs: Vec::new(),
        };
        let transaction: VersionedTransaction = bincode::deserialize(wire).map_err(|e| {
            refuse(
                format!("failed to deserialize the transaction: {e}"),
                json!("SanitizeFailure"),
            )
        })?;
        let signature = *transaction
            .signatures
            .first()
            .ok_or_else(|| refuse("no signature".to_owned(), json!("SanitizeFailure")))?;
        if self.landed.contains_key(&signature) {
            return Err(refuse(
                "Transaction simulation failed: This transaction has already been processed"
                    .to_owned(),
                json!("AlreadyProcessed"),
            ));
        }
        if !self
            .recent_blockhashes
            .contains(transaction.message.recent_blockhash())
        {
            return Err(refuse(
                "Transaction simulation failed: Blockhash not found".to_owned(),
                json!("BlockhashNotFound"),
            ));
        }
        if !skip_preflight {
            if let Err(failed) = self.svm.simulate_transaction(transaction.clone()) {
                return Err(Refusal {
                    message: format!("Transaction simulation failed: {}", failed.err),
                    err: error_json(&failed.err),
                    logs: failed.meta.logs,
                });
            }
        }
        let account_keys = transaction.message.static_account_keys().to_vec();
        let (err, logs) = match self.svm.send_transaction(transaction) {
            Ok(meta) => (None, meta.logs),
            Err(failed) if lands_when_failing(&failed.err) => {
                (Some(error_json(&failed.err)), failed.meta.logs)
            }
            Err(failed) => {
                return Err(Refusal {
                    message: format!("Transaction failed: {}", failed.err),
                    err: error_json(&failed.err),
                    logs: failed.meta.logs,
                })
            }
        };
        let record = LandedRecord {
            signature,
            slot: self.slot,
            block_time: unix_seconds(),
            err,
            logs,
            wire: wire.to_vec(),
            account_keys,
        };
        self.landed.insert(signature, record.clone());
        Ok(record)
    }
}

/// Execution errors after which the transaction is in a block anyway (its fee paid).
fn lands_when_failing(error: &TransactionError) -> bool {
    matches!(
        error,
        TransactionError::InstructionError(..) | TransactionError::InsufficientFundsForRent { .. }
    )
}

fn error_json(error: &TransactionError) -> Value {
    serde_json::to_value(error).unwrap_or_else(|_| json!(error.to_string()))
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}
