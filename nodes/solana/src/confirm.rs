//! Whether a transaction the wallet says it sent really did what it says: landed at the
//! configured commitment, succeeded, was signed by that wallet, and carries that
//! instruction to this program, on this camera's accounts.

use crate::program::{
    enroll_face_embedding, face_data_address, session_address, CameraNetwork, InstructionKind,
};
use crate::rpc::LandedTransaction;
use serde::Serialize;
use solana_sdk::message::VersionedMessage;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;

/// What is to be confirmed.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The transaction's (first) signature.
    pub signature: Signature,
    /// The wallet that must have signed it.
    pub wallet: Pubkey,
    /// The instruction it must carry.
    pub instruction: InstructionKind,
    /// For `enroll_face`: keccak-256 of the embedding, as the program stores it.
    pub data_hash: Option<[u8; 32]>,
}

/// Why a claim is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The RPC returned a transaction with another signature.
    #[error("the transaction found is not the one with this signature")]
    OtherTransaction,
    /// A signature does not verify against the message: forged.
    #[error("signature {index} of the transaction does not verify")]
    BadSignature {
        /// Which one.
        index: usize,
    },
    /// It landed, and failed.
    #[error("the transaction failed on chain: {error}")]
    Failed {
        /// The runtime's error.
        error: String,
    },
    /// The wallet did not sign it.
    #[error("the transaction is not signed by {wallet}")]
    NotSigned {
        /// The wallet.
        wallet: Pubkey,
    },
    /// No instruction of that kind to this program.
    #[error("the transaction has no {instruction} instruction to the program {program}")]
    NoInstruction {
        /// The instruction named.
        instruction: &'static str,
        /// The program id.
        program: Pubkey,
    },
    /// The instruction is there, on other accounts (another wallet, another camera).
    #[error("the {instruction} instruction is for other accounts: {reason}")]
    OtherAccounts {
        /// The instruction named.
        instruction: &'static str,
        /// Which account differs.
        reason: String,
    },
    /// The enrolled embedding is not the one whose hash was given.
    #[error("the embedding enrolled does not hash to data_hash")]
    HashMismatch,
}

/// A confirmed claim.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Confirmed {
    /// The slot it landed in.
    pub slot: u64,
    /// The block's time (Unix s), when known.
    pub block_time: Option<i64>,
    /// The account the instruction wrote (session or face data).
    #[serde(serialize_with = "crate::program::as_base58")]
    #[schema(value_type = String)]
    pub account: Pubkey,
}

/// Checks `landed` against `claim` for `network` and this `camera`.
pub fn verify(
    landed: &LandedTransaction,
    claim: &Claim,
    network: &CameraNetwork,
    camera: &Pubkey,
) -> Result<Confirmed, Refusal> {
    let transaction = &landed.transaction;
    if transaction.signatures.first() != Some(&claim.signature) {
        return Err(Refusal::OtherTransaction);
    }
    if let Some(index) = transaction
        .verify_with_results()
        .iter()
        .position(|verified| !verified)
    {
        return Err(Refusal::BadSignature { index });
    }
    if let Some(error) = &landed.err {
        return Err(Refusal::Failed {
            error: error.to_string(),
        });
    }
    let message = &transaction.message;
    let keys = message.static_account_keys();
    let signers = usize::from(message.header().num_required_signatures).min(keys.len());
    if !keys[..signers].contains(&claim.wallet) {
        return Err(Refusal::NotSigned {
            wallet: claim.wallet,
        });
    }
    let name = claim.instruction.name();
    let mut candidates = instructions_to(message, &network.program)
        .filter(|(_, data)| InstructionKind::of_data(data) == Some(claim.instruction))
        .peekable();
    if candidates.peek().is_none() {
        return Err(Refusal::NoInstruction {
            instruction: name,
            program: network.program,
        });
    }
    let mut last_refusal = None;
    for (accounts, data) in candidates {
        match check_accounts(claim, network, camera, &accounts, data) {
            Ok(account) => {
                return Ok(Confirmed {
                    slot: landed.slot,
                    block_time: landed.block_time,
                    account,
                })
            }
            Err(refusal) => last_refusal = Some(refusal),
        }
    }
    Err(last_refusal.unwrap_or(Refusal::NoInstruction {
        instruction: name,
        program: network.program,
    }))
}

/// The instructions to `program`: their accounts (`None` where one comes from an address
/// lookup table, which this check does not resolve) and data.
fn instructions_to<'a>(
    message: &'a VersionedMessage,
    program: &'a Pubkey,
) -> impl Iterator<Item = (Vec<Option<Pubkey>>, &'a [u8])> + 'a {
    let keys = message.static_account_keys();
    message
        .instructions()
        .iter()
        .filter(move |ix| keys.get(usize::from(ix.program_id_index)) == Some(program))
        .map(move |ix| {
            let accounts = ix
                .accounts
                .iter()
                .map(|&index| keys.get(usize::from(index)).copied())
                .collect();
            (accounts, ix.data.as_slice())
        })
}

fn check_accounts(
    claim: &Claim,
    network: &CameraNetwork,
    camera: &Pubkey,
    accounts: &[Option<Pubkey>],
    data: &[u8],
) -> Result<Pubkey, Refusal> {
    let instruction = claim.instruction.name();
    let expect = |position: usize, what: &str, wanted: &Pubkey| {
        let found = accounts.get(position).copied().flatten();
        if found == Some(*wanted) {
            Ok(())
        } else {
            Err(Refusal::OtherAccounts {
                instruction,
                reason: format!(
                    "its {what} is {}, not {wanted}",
                    found.map_or_else(|| "not given".to_owned(), |key| key.to_string())
                ),
            })
        }
    };
    expect(0, "user", &claim.wallet)?;
    match claim.instruction {
        InstructionKind::EnrollFace => {
            let face = face_data_address(&network.program, &claim.wallet).0;
            expect(1, "face data account", &face)?;
            let embedding = enroll_face_embedding(data).ok_or(Refusal::HashMismatch)?;
            let hash = solana_sdk::keccak::hash(embedding).to_bytes();
            if claim.data_hash.is_some_and(|wanted| wanted != hash) {
                return Err(Refusal::HashMismatch);
            }
            Ok(face)
        }
        _ => {
            expect(1, "camera", camera)?;
            let session = session_address(&network.program, &claim.wallet, camera).0;
            expect(2, "session", &session)?;
            Ok(session)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::hash::Hash;
    use solana_sdk::message::Message;
    use solana_sdk::signature::Keypair;
    use solana_sdk::signer::Signer;
    use solana_sdk::transaction::{Transaction, VersionedTransaction};

    struct Fixture {
        network: CameraNetwork,
        camera: Pubkey,
        wallet: Keypair,
    }

    fn fixture() -> Fixture {
        Fixture {
            network: CameraNetwork {
                program: Pubkey::new_unique(),
            },
            camera: Pubkey::new_unique(),
            wallet: Keypair::new(),
        }
    }

    fn landed(
        fixture: &Fixture,
        instruction: solana_sdk::instruction::Instruction,
    ) -> LandedTransaction {
        let message = Message::new(&[instruction], Some(&fixture.wallet.pubkey()));
        let transaction =
            Transaction::new(&[&fixture.wallet], message, Hash::new_from_array([8; 32]));
        LandedTransaction {
            slot: 7,
            block_time: Some(1),
            err: None,
            log_messages: vec![],
            transaction: VersionedTransaction::from(transaction),
        }
    }

    fn claim(landed: &LandedTransaction, wallet: Pubkey, instruction: InstructionKind) -> Claim {
        Claim {
            signature: landed.transaction.signatures[0],
            wallet,
            instruction,
            data_hash: None,
        }
    }

    #[test]
    fn a_real_check_in_is_confirmed_and_everything_else_refused() {
        let f = fixture();
        let wallet = f.wallet.pubkey();
        let tx = landed(&f, f.network.check_in(&wallet, &f.camera, true));
        let ok = verify(
            &tx,
            &claim(&tx, wallet, InstructionKind::CheckIn),
            &f.network,
            &f.camera,
        )
        .unwrap();
        assert_eq!(
            ok.account,
            session_address(&f.network.program, &wallet, &f.camera).0
        );

        let other_wallet = claim(&tx, Pubkey::new_unique(), InstructionKind::CheckIn);
        assert!(matches!(
            verify(&tx, &other_wallet, &f.network, &f.camera),
            Err(Refusal::NotSigned { .. })
        ));
        let other_instruction = claim(&tx, wallet, InstructionKind::CheckOut);
        assert!(matches!(
            verify(&tx, &other_instruction, &f.network, &f.camera),
            Err(Refusal::NoInstruction { .. })
        ));
        let elsewhere = verify(
            &tx,
            &claim(&tx, wallet, InstructionKind::CheckIn),
            &f.network,
            &Pubkey::new_unique(),
        );
        assert!(
            matches!(elsewhere, Err(Refusal::OtherAccounts { .. })),
            "{elsewhere:?}"
        );

        let mut failed = tx.clone();
        failed.err = Some(serde_json::json!({"InstructionError": [0, {"Custom": 6001}]}));
        let refusal = verify(
            &failed,
            &claim(&tx, wallet, InstructionKind::CheckIn),
            &f.network,
            &f.camera,
        )
        .unwrap_err();
        assert!(refusal.to_string().contains("6001"), "{refusal}");

        let mut forged = tx.clone();
        forged.transaction.signatures[0] = Signature::from([5; 64]);
        let forged_claim = claim(&forged, wallet, InstructionKind::CheckIn);
        assert_eq!(
            verify(&forged, &forged_claim, &f.network, &f.camera).unwrap_err(),
            Refusal::BadSignature { index: 0 }
        );
        let mut unknown = claim(&tx, wallet, InstructionKind::CheckIn);
        unknown.signature = Signature::from([6; 64]);
        assert_eq!(
            verify(&tx, &unknown, &f.network, &f.camera).unwrap_err(),
            Refusal::OtherTransaction
        );
    }

    #[test]
    fn an_enrolment_is_confirmed_only_for_its_hash() {
        let f = fixture();
        let wallet = f.wallet.pubkey();
        let embedding = [42u8; 528];
        let tx = landed(&f, f.network.enroll_face(&wallet, &embedding));
        let mut claimed = claim(&tx, wallet, InstructionKind::EnrollFace);
        claimed.data_hash = Some(solana_sdk::keccak::hash(&embedding).to_bytes());
        let ok = verify(&tx, &claimed, &f.network, &f.camera).unwrap();
        assert_eq!(ok.account, face_data_address(&f.network.program, &wallet).0);
        claimed.data_hash = Some([0; 32]);
        assert_eq!(
            verify(&tx, &claimed, &f.network, &f.camera).unwrap_err(),
            Refusal::HashMismatch
        );
    }
}
