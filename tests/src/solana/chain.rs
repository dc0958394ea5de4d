//! What a wallet and the program would do on the test validator: sign and send the node's
//! transactions, and make this camera's sessions appear and disappear through the stub.

use super::stub_program::{CLOSE_MAGIC, WRITE_MAGIC};
use base64::Engine;
use mm_solana::program::{AccountKind, UserSession};
use mm_solana::rpc::RpcClient;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::{AccountMeta, Instruction};
use solana_sdk::message::Message;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;
use std::time::{Duration, Instant};

/// Rent-exempt balance of a 94-byte session (spec §5.2).
pub const SESSION_RENT: u64 = 1_545_120;

/// `SystemInstruction::CreateAccount`, laid out by hand (bincode: u32 variant, fields).
pub fn create_account(
    from: &Pubkey,
    to: &Pubkey,
    lamports: u64,
    space: u64,
    owner: &Pubkey,
) -> Instruction {
    let mut data = 0u32.to_le_bytes().to_vec();
    data.extend_from_slice(&lamports.to_le_bytes());
    data.extend_from_slice(&space.to_le_bytes());
    data.extend_from_slice(owner.as_ref());
    Instruction {
        program_id: solana_sdk_ids::system_program::ID,
        accounts: vec![AccountMeta::new(*from, true), AccountMeta::new(*to, true)],
        data,
    }
}

/// `SystemInstruction::Transfer`.
pub fn transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Instruction {
    let mut data = 2u32.to_le_bytes().to_vec();
    data.extend_from_slice(&lamports.to_le_bytes());
    Instruction {
        program_id: solana_sdk_ids::system_program::ID,
        accounts: vec![AccountMeta::new(*from, true), AccountMeta::new(*to, false)],
        data,
    }
}

/// Signs the node's unsigned transaction (base64 of the wire format) as the wallet would.
pub fn sign_prepared(base64_wire: &str, wallet: &Keypair) -> Transaction {
    let wire = base64::engine::general_purpose::STANDARD
        .decode(base64_wire)
        .expect("base64 transaction");
    let mut transaction: Transaction = bincode::deserialize(&wire).expect("a legacy transaction");
    let blockhash = transaction.message.recent_blockhash;
    transaction.sign(&[wallet], blockhash);
    transaction
}

/// Sends `transaction` and waits until it is confirmed (or failed) on chain.
pub async fn send_and_confirm(rpc: &RpcClient, transaction: &Transaction) -> Signature {
    let wire = bincode::serialize(transaction).expect("serialize");
    let signature = rpc.send_transaction(&wire).await.expect("sendTransaction");
    wait_for_confirmation(rpc, &signature).await;
    signature
}

/// Waits until `signature` is confirmed, failed or not.
pub async fn wait_for_confirmation(rpc: &RpcClient, signature: &Signature) {
    let started = Instant::now();
    loop {
        let statuses = rpc
            .signature_statuses(&[*signature])
            .await
            .expect("statuses");
        if let Some(Some(status)) = statuses.first() {
            if matches!(
                status.confirmation_status.as_deref(),
                Some("confirmed" | "finalized")
            ) {
                return;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{signature} not confirmed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A recent blockhash.
pub async fn blockhash(rpc: &RpcClient) -> Hash {
    rpc.latest_blockhash().await.expect("blockhash").blockhash
}

/// Writes `session` on chain as a new account of the program (what check_in does, at a
/// keypair's address instead of the PDA: the stub cannot sign for a PDA); returns its address.
pub async fn open_session(
    rpc: &RpcClient,
    program: &Pubkey,
    camera: &Pubkey,
    payer: &Keypair,
    session: &UserSession,
) -> Pubkey {
    let account = Keypair::new();
    let mut data = WRITE_MAGIC.to_vec();
    data.extend_from_slice(&session.encode());
    let write = Instruction {
        program_id: *program,
        accounts: vec![
            AccountMeta::new(account.pubkey(), false),
            AccountMeta::new_readonly(*camera, false),
        ],
        data,
    };
    let space = AccountKind::UserSession.space() as u64;
    let create = create_account(
        &payer.pubkey(),
        &account.pubkey(),
        SESSION_RENT,
        space,
        program,
    );
    let message = Message::new(&[create, write], Some(&payer.pubkey()));
    let transaction = Transaction::new(&[payer, &account], message, blockhash(rpc).await);
    send_and_confirm(rpc, &transaction).await;
    account.pubkey()
}

/// Closes the session account `account` into `payer` (what check_out does).
pub async fn close_session(
    rpc: &RpcClient,
    program: &Pubkey,
    camera: &Pubkey,
    payer: &Keypair,
    account: &Pubkey,
) {
    let close = Instruction {
        program_id: *program,
        accounts: vec![
            AccountMeta::new(*account, false),
            AccountMeta::new(payer.pubkey(), true),
            AccountMeta::new_readonly(*camera, false),
        ],
        data: CLOSE_MAGIC.to_vec(),
    };
    let message = Message::new(&[close], Some(&payer.pubkey()));
    let transaction = Transaction::new(&[payer], message, blockhash(rpc).await);
    send_and_confirm(rpc, &transaction).await;
}
