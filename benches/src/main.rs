//! `mm-bench`: measures the real pipeline.

mod latency;
mod percentiles;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Benchmarks of mmoment-edge")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Capture → frames/jpeg latency (from the frame headers) and CPU per node, with the
    /// synthetic source at each resolution. Needs the release binaries built.
    Latency {
        /// Resolutions to run, e.g. 1280x720,1920x1080.
        #[arg(long, value_delimiter = ',', default_value = "1280x720,1920x1080")]
        resolutions: Vec<String>,
        /// Frames per second of the source.
        #[arg(long, default_value_t = 30)]
        fps: u32,
        /// Seconds measured per resolution (after 2 s of warm-up).
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
        /// Also write the results as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

fn parse_resolution(text: &str) -> anyhow::Result<(u32, u32)> {
    let (w, h) = text
        .split_once('x')
        .with_context(|| format!("resolution {text:?} is not WxH"))?;
    Ok((w.parse()?, h.parse()?))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Command::Latency {
            resolutions,
            fps,
            seconds,
            json,
        } => {
            let mut runs = Vec::new();
            for resolution in &resolutions {
                let (width, height) = parse_resolution(resolution)?;
                eprintln!("measuring {width}x{height}@{fps} for {seconds} s ...");
                runs.push(latency::run(width, height, fps, seconds).await?);
            }
            println!("{}", latency::markdown(&runs));
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&runs)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            Ok(())
        }
    }
}
