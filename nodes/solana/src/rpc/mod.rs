//! Solana JSON-RPC for any endpoint: requests over HTTP ([`client`]) and account
//! subscriptions over its websocket ([`pubsub`]).

pub mod client;
pub mod pubsub;
mod wire;

pub use client::{
    AccountFilter, KeyedAccount, LandedTransaction, LatestBlockhash, RpcClient, RpcError,
    SignatureState,
};
pub use pubsub::{Notification, PubsubError, SubscriptionSpec, Subscriptions};
pub use wire::{Commitment, Endpoint};
