//! The Solana side of the tests: a real validator, the stub program it runs in the place of
//! `camera_network`, a wallet's actions on it, and the real `mm-solana` binary.

pub mod chain;
mod fixture;
mod node;
pub mod stub_program;
mod validator;

pub use fixture::ChainFixture;
pub use node::{next_event, Relay, SolanaNode};
pub use validator::{validator_binary, GenesisAccount, TestValidator, ValidatorBuilder};
