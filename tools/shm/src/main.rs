//! `mm-shm`: what the shared-memory bus of a camera is doing, from a process of its own.

mod dump;
mod inventory;
mod measure;
mod top;

use anyhow::Context;
use clap::{Parser, Subcommand};
use mm_bus::Bus;
use mm_runtime::{Config, NodeArgs};
use mm_shm_schema::{CameraId, ServiceNames, Stream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Inspect the shared-memory services of a running mmoment-edge camera")]
struct Args {
    /// Config file (TOML) naming the camera; default `$MM_CONFIG`, else built-in defaults.
    #[arg(long, short, global = true)]
    config: Option<PathBuf>,
    /// Camera id; overrides the config.
    #[arg(long, global = true)]
    camera: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every service of the camera (pattern, types, publishers, subscribers) and every node.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Rolling message rate of a service.
    Hz {
        /// Service, e.g. `frames/raw` or `mm/cam0/frames/raw`.
        service: String,
        /// Stop after this many seconds (default: until Ctrl-C).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Latency of a frame service: now − capture timestamp, and per hop from the headers.
    Latency {
        /// `frames/raw`, `frames/composited` or `frames/jpeg`.
        service: String,
        /// Stop after this many seconds (default: until Ctrl-C).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Live table of services (rate, latency, skipped) and nodes (pid, CPU, RSS, restarts).
    Top {
        /// Measure one second, print once and exit.
        #[arg(long)]
        once: bool,
        /// Print JSON (implies --once).
        #[arg(long)]
        json: bool,
    },
    /// Write one frame of a frame service as an image (.png or .jpg).
    Dump {
        /// `frames/raw`, `frames/composited` or `frames/jpeg`.
        service: String,
        /// Output file; the extension picks the format.
        #[arg(long)]
        out: PathBuf,
    },
    /// Remove the shared-memory resources of dead nodes.
    Cleanup,
}

/// The stream a service argument names, given as `frames/raw` or `mm/<camera>/frames/raw`.
fn parse_stream(camera: &CameraId, text: &str) -> anyhow::Result<Stream> {
    let prefix = ServiceNames::new(camera.clone()).prefix();
    let suffix = text.strip_prefix(&prefix).unwrap_or(text);
    Stream::ALL
        .into_iter()
        .find(|stream| stream.suffix() == suffix)
        .with_context(|| {
            let known: Vec<_> = Stream::ALL.iter().map(|s| s.suffix()).collect();
            format!("unknown service {text:?}; known: {}", known.join(", "))
        })
}

fn main() -> ExitCode {
    mm_runtime::shutdown::end_on_closed_pipe();
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("mm-shm: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let node_args = NodeArgs {
        config: args.config,
    };
    let config = Config::load(node_args.config_path().as_deref()).context("loading config")?;
    let camera = CameraId::new(args.camera.as_deref().unwrap_or(&config.camera_id))?;
    let bus = Bus::open(&camera, &mm_shm_schema::node_name("shm"))?;
    if let Command::Cleanup = args.command {
        let state = bus.cleanup_dead_nodes();
        println!(
            "removed {} dead nodes ({} could not be removed)",
            state.cleanups, state.failed_cleanups
        );
        return Ok(ExitCode::SUCCESS);
    }
    let running = bus
        .nodes()
        .into_iter()
        .any(|node| node.alive && node.name != "mm-shm");
    if !running {
        eprintln!("mm-shm: nothing is running for camera {camera:?} (no live node); start it with scripts/launch.sh, or pick the camera with --camera/--config");
        return Ok(ExitCode::from(2));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let seconds = |s: Option<u64>| s.map(Duration::from_secs);
    runtime.block_on(async {
        match args.command {
            Command::List { json } => inventory::print(&bus, json),
            Command::Hz {
                service,
                seconds: s,
            } => measure::hz(&bus, parse_stream(&camera, &service)?, seconds(s)).await,
            Command::Latency {
                service,
                seconds: s,
            } => measure::latency(&bus, parse_stream(&camera, &service)?, seconds(s)).await,
            Command::Top { once, json } => top::run(&bus, once || json, json).await,
            Command::Dump { service, out } => {
                dump::run(&bus, parse_stream(&camera, &service)?, &out).await
            }
            Command::Cleanup => Ok(()),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
