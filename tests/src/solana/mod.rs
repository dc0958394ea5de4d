//! The Solana side of the tests: a real Solana runtime behind the RPC, the stub program it
//! runs in the place of `camera_network`, a wallet's actions on it, and the real `mm-solana`
//! binary.

pub mod chain;
mod fixture;
mod ledger;
mod node;
mod rpc_server;
pub mod stub_program;
mod validator;

pub use fixture::ChainFixture;
pub use node::{next_event, Relay, SolanaNode};
pub use validator::{GenesisAccount, TestValidator, ValidatorBuilder};
