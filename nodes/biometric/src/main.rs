//! `mm-biometric`: the biometric node (port 5003, internal), and `mm-biometric audit verify`,
//! which checks the audit log's hash chain offline.

use anyhow::Context;
use mm_biometric::bus_side::{BusHandle, BusSide};
use mm_biometric::routes::{self, BiometricState};
use mm_biometric::store::BiometricStore;
use mm_biometric::{audit, device_key};
use mm_runtime::status::STATUS_PERIOD;
use mm_runtime::{Config, NodeContext};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// A face sealed for an enrollment that was never confirmed is deleted after this long.
const UNCONFIRMED_FACE_TTL_MS: u64 = 60 * 60 * 1000;

/// `mm-biometric audit verify`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "mm-biometric audit verify",
    about = "Checks the audit log's hash chain: finds an edited, deleted or reordered record."
)]
struct VerifyArgs {
    /// Config file (TOML); its `biometric.database` is checked.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// The database to check instead.
    #[arg(long)]
    database: Option<PathBuf>,
}

fn main() -> anyhow::Result<ExitCode> {
    let mut args = std::env::args();
    if args.nth(1).as_deref() == Some("audit") {
        anyhow::ensure!(
            args.next().as_deref() == Some("verify"),
            "usage: mm-biometric audit verify [--config FILE] [--database FILE]"
        );
        let verify = <VerifyArgs as clap::Parser>::parse_from(
            std::iter::once("mm-biometric audit verify".to_owned()).chain(args),
        );
        return verify_audit(&verify);
    }
    serve()?;
    Ok(ExitCode::SUCCESS)
}

fn verify_audit(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let database = match &args.database {
        Some(database) => database.clone(),
        None => Config::load(args.config.as_deref())?.biometric.database,
    };
    let db = rusqlite::Connection::open_with_flags(
        &database,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .with_context(|| format!("opening {}", database.display()))?;
    match audit::verify(&db) {
        Ok(summary) => {
            println!(
                "audit log verified: {} records, head {}",
                summary.records, summary.head_hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            eprintln!("audit log broken: {broken}");
            Ok(ExitCode::FAILURE)
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn serve() -> anyhow::Result<()> {
    let (mut node, stop) =
        NodeContext::launch_with_log_defaults("biometric", mm_http::request_log::LOG_DEFAULTS)?;
    let config = node.config.biometric.clone();
    let device_key =
        device_key::load_or_create(&config.device_key_file).context("loading the device key")?;
    let store = BiometricStore::open(
        &config.database,
        device_key,
        &node.config.camera_id,
        &config.model_id,
    )
    .context("opening the biometric store")?;
    if let Err(broken) = store.audit_sound() {
        // Served anyway (refusing would stop purges too), and shown by /api/health.
        tracing::error!(%broken, "the audit log's chain is broken");
    }
    let store = Arc::new(Mutex::new(store));
    let (bus, inbox) = BusHandle::new();
    let mut bus_side =
        BusSide::open(&node.bus, inbox, store.clone()).context("opening the bus services")?;
    let state = BiometricState {
        store,
        camera_id: node.config.camera_id.clone(),
        model_id: config.model_id.clone(),
        bus,
    };
    let server = mm_http::server::spawn(config.bind, routes::routes(state.clone())).await?;
    tracing::info!(bind = %config.bind, database = %config.database.display(), "serving");
    let mut status_tick = tokio::time::interval(STATUS_PERIOD);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            signal = &mut stop => {
                tracing::info!(?signal, "stopping");
                break;
            }
            event = bus_side.next_event() => bus_side.handle(event).await,
            _ = status_tick.tick() => {
                let stats = state.store.lock().ok().and_then(|mut store| {
                    let cutoff = mm_runtime::clock::unix_ms().saturating_sub(UNCONFIRMED_FACE_TTL_MS);
                    if let Err(error) = store.discard_unconfirmed(cutoff) {
                        tracing::warn!(error = %mm_runtime::report::ErrorChain(&error), "cannot discard unconfirmed faces");
                    }
                    store.stats().ok()
                });
                if let Some(stats) = stats {
                    node.status.record_working();
                    node.status.set_detail(&format!("{} wallets, {} faces, {} audit records", stats.wallets, stats.faces, stats.audit_records));
                }
                node.status.publish();
            }
        }
    }
    server.stop().await;
    node.status.stopping();
    Ok(())
}
