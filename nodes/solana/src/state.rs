//! What every HTTP handler of the node shares.

use crate::follower::ChainView;
use crate::program::CameraNetwork;
use crate::rpc::RpcClient;
use solana_sdk::pubkey::Pubkey;
use std::sync::Arc;
use tokio::sync::watch;

/// The node's shared state.
#[derive(Clone)]
pub struct SolanaState {
    /// The RPC client.
    pub rpc: Arc<RpcClient>,
    /// The program's instructions.
    pub network: CameraNetwork,
    /// This camera's account.
    pub camera: Pubkey,
    /// What the follower knows of the chain.
    pub view: watch::Receiver<ChainView>,
}
