//! The tests' local validator: a real Solana runtime (litesvm: the SVM, BPF loaders and
//! System Program of a validator) in this process, serving Solana's JSON-RPC and websocket
//! interfaces on loopback ports of its own, with accounts put in place in the program's exact
//! layouts and the stub program at the program id. A slot passes every 400 ms with a new
//! blockhash.
//!
//! It replaced agave's `solana-test-validator`, whose cold build took 25 minutes or more of
//! every CI run; mm-solana's RPC and pubsub clients run unchanged against it.

use super::ledger::Ledger;
use super::rpc_server::{serve_http, serve_websocket, ChainState};
use super::stub_program;
use mm_solana::rpc::{Commitment, Endpoint, RpcClient};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, oneshot, watch};

/// How long a slot lasts.
const SLOT_TIME: Duration = Duration::from_millis(400);

/// An account for the genesis.
#[derive(Debug, Clone)]
pub struct GenesisAccount {
    /// Its address.
    pub address: Pubkey,
    /// Its owner.
    pub owner: Pubkey,
    /// Its balance.
    pub lamports: u64,
    /// Its data.
    pub data: Vec<u8>,
}

/// What a validator starts with.
#[derive(Debug, Default)]
pub struct ValidatorBuilder {
    accounts: Vec<GenesisAccount>,
    programs: Vec<Pubkey>,
}

impl ValidatorBuilder {
    /// Puts `account` into the genesis.
    pub fn account(mut self, account: GenesisAccount) -> Self {
        self.accounts.push(account);
        self
    }

    /// Gives `wallet` `sol` SOL.
    pub fn funded(self, wallet: &Pubkey, sol: u64) -> Self {
        self.account(GenesisAccount {
            address: *wallet,
            owner: solana_sdk_ids::system_program::ID,
            lamports: sol * 1_000_000_000,
            data: Vec::new(),
        })
    }

    /// Deploys the stub program at `program`.
    pub fn stub_program(mut self, program: Pubkey) -> Self {
        self.programs.push(program);
        self
    }

    /// Starts the validator; its RPC answers when this returns.
    pub async fn start(self) -> TestValidator {
        let mut ledger = Ledger::new();
        for program in &self.programs {
            ledger.add_program(*program, &stub_program::elf());
        }
        for account in self.accounts {
            ledger.set_account(
                account.address,
                Account {
                    lamports: account.lamports,
                    data: account.data,
                    owner: account.owner,
                    executable: false,
                    rent_epoch: 0,
                },
            );
        }
        let http = std::net::TcpListener::bind("127.0.0.1:0").expect("an RPC port");
        let websocket = std::net::TcpListener::bind("127.0.0.1:0").expect("a websocket port");
        let rpc_port = http.local_addr().expect("RPC address").port();
        let ws_port = websocket.local_addr().expect("websocket address").port();
        let state = Arc::new(ChainState {
            ledger: Mutex::new(ledger),
            frozen: watch::channel(false).0,
            landed: broadcast::channel(256).0,
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let served = state.clone();
        let thread = std::thread::Builder::new()
            .name("test-validator".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("the validator's runtime");
                runtime.block_on(async move {
                    tokio::select! {
                        _ = serve_http(http, served.clone()) => {}
                        _ = serve_websocket(websocket, served.clone()) => {}
                        _ = slots(served) => {}
                        _ = stopped => {}
                    }
                });
                runtime.shutdown_background();
            })
            .expect("the validator's thread");
        TestValidator {
            rpc_port,
            ws_port,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

async fn slots(state: Arc<ChainState>) {
    let mut tick = tokio::time::interval(SLOT_TIME);
    loop {
        tick.tick().await;
        state
            .ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .advance_slot();
    }
}

/// A running validator; dropping it stops it.
pub struct TestValidator {
    rpc_port: u16,
    ws_port: u16,
    state: Arc<ChainState>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestValidator {
    /// A validator to configure.
    pub fn builder() -> ValidatorBuilder {
        ValidatorBuilder::default()
    }

    /// Its JSON-RPC URL.
    pub fn rpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rpc_port)
    }

    /// Its websocket port.
    pub fn ws_port(&self) -> u16 {
        self.ws_port
    }

    /// A client of it at `confirmed`.
    pub fn client(&self) -> RpcClient {
        let endpoint = Endpoint::new(&self.rpc_url(), None).expect("endpoint");
        RpcClient::new(endpoint, Commitment::Confirmed, Duration::from_secs(10))
    }

    /// Stops answering, on the RPC and the websocket alike (requests hang), as an endpoint
    /// that hangs; the chain itself goes on.
    pub fn freeze(&self) {
        self.state.frozen.send_replace(true);
    }

    /// Answers again, the held requests first.
    pub fn thaw(&self) {
        self.state.frozen.send_replace(false);
    }
}

impl Drop for TestValidator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
