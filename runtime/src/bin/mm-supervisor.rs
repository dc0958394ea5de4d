//! `mm-supervisor`: runs every node of the config, restarts crashed ones, stops on SIGTERM.

use anyhow::Context;
use clap::Parser;
use mm_runtime::supervisor::Supervisor;
use mm_runtime::{shutdown, Config, NodeArgs};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = NodeArgs::parse();
    let config_path = args.config_path();
    let config = Config::load(config_path.as_deref()).context("loading config")?;
    mm_runtime::logging::init(&config.log.level);
    let stop = shutdown::stop_signal().context("installing signal handlers")?;
    let supervisor = Supervisor::new(config, config_path.as_deref())?;
    let reports = supervisor
        .run(async {
            let signal = stop.await;
            tracing::info!(?signal, "stop requested");
        })
        .await;
    for report in reports {
        tracing::info!(node = %report.name, restarts = report.restarts, "supervision ended");
    }
    Ok(())
}
