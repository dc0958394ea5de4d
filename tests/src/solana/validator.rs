//! A real `solana-test-validator` (agave 3.1.12, built once by `scripts/solana-validator.sh`
//! into `.cache/solana`) on loopback ports of its own, with accounts put into its genesis in
//! the program's exact layouts and the stub program at the program id.

use super::stub_program;
use crate::free_port;
use base64::Engine;
use mm_solana::rpc::{Commitment, Endpoint, RpcClient};
use solana_sdk::instruction::Instruction;
use solana_sdk::message::Message;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::Transaction;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The validator binary: `MM_SOLANA_TEST_VALIDATOR`, else `.cache/solana/bin` in the repository.
pub fn validator_binary() -> PathBuf {
    let path = std::env::var_os("MM_SOLANA_TEST_VALIDATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/solana/bin/solana-test-validator")
        });
    assert!(
        path.is_file(),
        "{} missing: run scripts/solana-validator.sh",
        path.display()
    );
    path
}

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

    /// Starts the validator and waits until its RPC answers.
    pub async fn start(self) -> TestValidator {
        let dir = tempfile::tempdir().expect("temp dir");
        let rpc_port = free_rpc_port();
        let mut command = Command::new(validator_binary());
        command
            .arg("--ledger")
            .arg(dir.path().join("ledger"))
            .args(["--rpc-port", &rpc_port.to_string()])
            .args(["--faucet-port", &free_port().to_string()])
            .args(["--gossip-port", &free_port().to_string()])
            .args(["--bind-address", "127.0.0.1"])
            .arg("--reset")
            .arg("--quiet")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let stub = dir.path().join("stub.so");
        std::fs::write(&stub, stub_program::elf()).expect("write the stub program");
        for program in &self.programs {
            command
                .arg("--bpf-program")
                .arg(program.to_string())
                .arg(&stub);
        }
        for (index, account) in self.accounts.iter().enumerate() {
            let file = dir.path().join(format!("account-{index}.json"));
            std::fs::write(&file, account_json(account)).expect("write a genesis account");
            command
                .arg("--account")
                .arg(account.address.to_string())
                .arg(&file);
        }
        let child = command.spawn().expect("start solana-test-validator");
        let validator = TestValidator {
            child: Some(child),
            rpc_port,
            _dir: dir,
        };
        validator.wait_until_ready(Duration::from_secs(90)).await;
        for program in &self.programs {
            validator
                .wait_until_deployed(program, Duration::from_secs(60))
                .await;
        }
        validator
    }
}

fn account_json(account: &GenesisAccount) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(&account.data);
    serde_json::json!({
        "pubkey": account.address.to_string(),
        "account": {
            "lamports": account.lamports,
            "data": [data, "base64"],
            "owner": account.owner.to_string(),
            "executable": false,
            "rentEpoch": 0,
            "space": account.data.len(),
        }
    })
    .to_string()
}

/// An RPC port whose websocket port (the next one) is free too.
fn free_rpc_port() -> u16 {
    loop {
        let port = free_port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// A running validator; dropping it kills it.
pub struct TestValidator {
    child: Option<Child>,
    rpc_port: u16,
    _dir: tempfile::TempDir,
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
        self.rpc_port + 1
    }

    /// A client of it at `confirmed`.
    pub fn client(&self) -> RpcClient {
        let endpoint = Endpoint::new(&self.rpc_url(), None).expect("endpoint");
        RpcClient::new(endpoint, Commitment::Confirmed, Duration::from_secs(10))
    }

    fn pid(&self) -> nix::unistd::Pid {
        let child = self.child.as_ref().expect("running validator");
        nix::unistd::Pid::from_raw(child.id() as i32)
    }

    /// Freezes the process (SIGSTOP): its RPC stops answering, as an endpoint that hangs.
    pub fn freeze(&self) {
        nix::sys::signal::kill(self.pid(), nix::sys::signal::Signal::SIGSTOP).expect("SIGSTOP");
    }

    /// Lets it run again (SIGCONT).
    pub fn thaw(&self) {
        nix::sys::signal::kill(self.pid(), nix::sys::signal::Signal::SIGCONT).expect("SIGCONT");
    }

    async fn wait_until_ready(&self, timeout: Duration) {
        let client = self.client();
        let started = Instant::now();
        loop {
            if client.latest_blockhash().await.is_ok() {
                return;
            }
            assert!(
                started.elapsed() < timeout,
                "solana-test-validator did not answer within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl TestValidator {
    /// A program in the genesis becomes callable a few slots after the RPC answers; until
    /// then a call fails with "Program is not deployed". Simulates one call (paid by the
    /// validator's faucet) until it gets through.
    async fn wait_until_deployed(&self, program: &Pubkey, timeout: Duration) {
        let faucet = std::fs::read_to_string(self._dir.path().join("ledger/faucet-keypair.json"))
            .expect("faucet keypair");
        let bytes: Vec<u8> = serde_json::from_str(&faucet).expect("keypair JSON");
        let payer = Keypair::try_from(bytes.as_slice()).expect("keypair bytes");
        let instruction = Instruction {
            program_id: *program,
            accounts: vec![],
            data: vec![],
        };
        let client = self.client();
        let started = Instant::now();
        loop {
            let blockhash = client
                .latest_blockhash()
                .await
                .expect("blockhash")
                .blockhash;
            let message = Message::new(std::slice::from_ref(&instruction), Some(&payer.pubkey()));
            let transaction = Transaction::new(&[&payer], message, blockhash);
            let wire = base64::engine::general_purpose::STANDARD
                .encode(bincode::serialize(&transaction).expect("serialize"));
            let config = serde_json::json!({"encoding": "base64", "commitment": "confirmed"});
            let result = client
                .call("simulateTransaction", serde_json::json!([wire, config]))
                .await
                .expect("simulateTransaction");
            if result["value"]["err"].is_null() {
                return;
            }
            assert!(
                started.elapsed() < timeout,
                "the stub program at {program} never became callable: {result}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl Drop for TestValidator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGCONT,
            );
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
