//! Unsigned transactions for the user's wallet: one instruction, the user as fee payer, a
//! recent blockhash; serialized exactly as a wallet's `signTransaction` takes them.

use crate::rpc::LatestBlockhash;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::Message;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::transaction::Transaction;

/// Largest transaction the cluster accepts (bytes on the wire, signatures included).
pub const PACKET_DATA_SIZE: usize = 1232;

/// Why a transaction was not prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// Signed, it would be larger than a packet.
    #[error(
        "the transaction would be {size} bytes; Solana's limit is {limit} bytes per transaction"
    )]
    TooLarge {
        /// Its size with every signature in place.
        size: usize,
        /// [`PACKET_DATA_SIZE`].
        limit: usize,
    },
    /// It could not be serialized (never expected of a well-formed message).
    #[error("cannot serialize the transaction: {0}")]
    Serialize(#[from] bincode::Error),
}

/// A transaction ready for the wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedTransaction {
    /// Its wire bytes, with a zeroed signature in each signer's place.
    pub wire: Vec<u8>,
    /// What the wallet signs.
    pub transaction: Transaction,
    /// The blockhash it uses, and the last block height it can land in.
    pub latest: LatestBlockhash,
}

/// `instruction` in a transaction paid by `payer` under `latest`'s blockhash.
pub fn prepare(
    instruction: Instruction,
    payer: &Pubkey,
    latest: LatestBlockhash,
) -> Result<PreparedTransaction, PrepareError> {
    let message = Message::new_with_blockhash(&[instruction], Some(payer), &latest.blockhash);
    let transaction = Transaction::new_unsigned(message);
    let wire = bincode::serialize(&transaction)?;
    if wire.len() > PACKET_DATA_SIZE {
        return Err(PrepareError::TooLarge {
            size: wire.len(),
            limit: PACKET_DATA_SIZE,
        });
    }
    Ok(PreparedTransaction {
        wire,
        transaction,
        latest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::CameraNetwork;
    use solana_sdk::hash::Hash;

    /// The longest embedding whose `enroll_face` transaction fits a packet: the program allows
    /// 1024 bytes, but the transaction around them leaves room for fewer.
    fn max_embedding_in_a_packet(network: &crate::program::CameraNetwork) -> usize {
        let latest = LatestBlockhash {
            blockhash: solana_sdk::hash::Hash::default(),
            last_valid_block_height: 0,
        };
        let user = Pubkey::new_from_array([1; 32]);
        // A probe long enough that the data's length prefix already takes its two bytes.
        let probe = [0; 200];
        let overhead = prepare(network.enroll_face(&user, &probe), &user, latest)
            .map_or(PACKET_DATA_SIZE, |prepared| {
                prepared.wire.len() - probe.len()
            });
        PACKET_DATA_SIZE.saturating_sub(overhead)
    }

    fn latest() -> LatestBlockhash {
        LatestBlockhash {
            blockhash: Hash::new_from_array([3; 32]),
            last_valid_block_height: 99,
        }
    }

    #[test]
    fn the_user_pays_and_signs_alone() {
        let network = CameraNetwork {
            program: Pubkey::new_unique(),
        };
        let (user, camera) = (Pubkey::new_unique(), Pubkey::new_unique());
        let prepared = prepare(network.check_in(&user, &camera, true), &user, latest()).unwrap();
        let message = &prepared.transaction.message;
        assert_eq!(message.header.num_required_signatures, 1);
        assert_eq!(message.account_keys[0], user);
        assert_eq!(message.recent_blockhash, latest().blockhash);
        let decoded: Transaction = bincode::deserialize(&prepared.wire).unwrap();
        assert_eq!(decoded, prepared.transaction);
        assert_eq!(decoded.signatures.len(), 1);
    }

    #[test]
    fn an_embedding_that_does_not_fit_is_refused() {
        let network = CameraNetwork {
            program: Pubkey::new_unique(),
        };
        let user = Pubkey::new_unique();
        let max = max_embedding_in_a_packet(&network);
        assert!((900..1024).contains(&max), "{max}");
        assert!(prepare(network.enroll_face(&user, &vec![1; max]), &user, latest()).is_ok());
        let error = prepare(
            network.enroll_face(&user, &vec![1; max + 1]),
            &user,
            latest(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("limit is 1232 bytes"), "{error}");
    }
}
