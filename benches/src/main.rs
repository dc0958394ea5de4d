//! `mm-bench`: measures the real pipeline.

mod cpu;
mod gst_shm;
mod latency;
mod load;
mod media;
mod percentiles;
mod plot;
mod security;
mod soak;
mod solana;
mod traffic;
mod transport;
mod transport_peer;
mod viewers;
mod vision;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Benchmarks of mmoment-edge")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

/// Options every full benchmark takes.
#[derive(clap::Args)]
struct RunOptions {
    /// A short run for smoke checks (well under 60 s), same output shape.
    #[arg(long)]
    quick: bool,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also plot the results into this PNG.
    #[arg(long)]
    plot: Option<PathBuf>,
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
    /// One-way frame hand-off between two processes at 640x480 to 3840x2160 (RGB24): our
    /// zero-copy runtime, the same with a copy into the loan, a Unix domain socket and
    /// GStreamer shmsink/shmsrc, alternating in one run.
    Transport {
        #[command(flatten)]
        run: RunOptions,
    },
    /// The real pipeline at 720p30 and 1080p30 with 1, 10 and 50 viewers reading /stream:
    /// capture → JPEG on the wire latency, frames per viewer, CPU and RSS per node, skips.
    Pipeline {
        #[command(flatten)]
        run: RunOptions,
    },
    /// H.264 for RTMP and a recording together (one shared encode) at 720p30 and 1080p30:
    /// CPU per frame of mm-h264 + mm-media, capture → RTMP latency; beside it the
    /// reference's JPEG q65 → ffmpeg CLI over stdin, its CPU per frame and the ratio.
    Media {
        #[command(flatten)]
        run: RunOptions,
    },
    /// Per-model latency and whole-frame inference rate at 720p against Python onnxruntime
    /// on the same models and inputs, and /stream latency with inference on and off.
    Vision {
        #[command(flatten)]
        run: RunOptions,
        /// Only the per-model and whole-frame timings (no pipelines).
        #[arg(long)]
        models_only: bool,
    },
    /// The Solana node on the local runtime (litesvm behind JSON-RPC): sendTransaction → check-in event
    /// with the websocket and with polling alone, and transaction-building latency.
    Solana {
        #[command(flatten)]
        run: RunOptions,
    },
    /// Sessions and sealing: sign-in latency over HTTP and in process, AES-256-SIV seal and
    /// open of one embedding, and the biometric store's seal and open.
    Security {
        #[command(flatten)]
        run: RunOptions,
    },
    /// The whole system (vision, H.264 to a local RTMP ingest, a recording) under 50 MJPEG
    /// viewers and 200 API requests/s with sessions for 60 s: frames dropped, viewers' rates,
    /// API errors and p50/p99.
    Load {
        #[command(flatten)]
        run: RunOptions,
        /// Source mode, WxH@fps.
        #[arg(long, default_value = "1280x720@30")]
        mode: String,
        /// MJPEG viewers.
        #[arg(long, default_value_t = 50)]
        viewers: usize,
        /// API requests per second.
        #[arg(long, default_value_t = 200.0)]
        rate: f64,
        /// Seconds under load.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
    },
    /// The loaded system for many minutes: every node's RSS and open descriptors each minute,
    /// growth after the warm-up.
    Soak {
        #[command(flatten)]
        run: RunOptions,
        /// Minutes to run.
        #[arg(long, default_value_t = 60)]
        minutes: usize,
        /// Source mode, WxH@fps.
        #[arg(long, default_value = "1280x720@30")]
        mode: String,
        /// MJPEG viewers throughout.
        #[arg(long, default_value_t = 5)]
        viewers: usize,
        /// API requests per second throughout.
        #[arg(long, default_value_t = 20.0)]
        rate: f64,
    },
    /// The receiving process of `transport` (started by it).
    #[command(hide = true)]
    TransportPeer {
        #[arg(long, value_enum)]
        variant: transport::Variant,
        /// Camera id (shared memory) or socket path.
        #[arg(long)]
        endpoint: String,
        /// Frame width.
        #[arg(long)]
        width: u32,
        /// Frame height.
        #[arg(long)]
        height: u32,
    },
}

/// `WxH@fps`.
fn parse_mode(text: &str) -> anyhow::Result<(u32, u32, u32)> {
    let (resolution, fps) = text
        .split_once('@')
        .with_context(|| format!("mode {text:?} is not WxH@fps"))?;
    let (width, height) = parse_resolution(resolution)?;
    Ok((width, height, fps.parse()?))
}

fn parse_resolution(text: &str) -> anyhow::Result<(u32, u32)> {
    let (w, h) = text
        .split_once('x')
        .with_context(|| format!("resolution {text:?} is not WxH"))?;
    Ok((w.parse()?, h.parse()?))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    mm_runtime::shutdown::end_on_closed_pipe();
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
            write_json(json, &runs)
        }
        Command::Transport {
            run: RunOptions { quick, json, plot },
        } => {
            let results = transport::run(quick).await?;
            println!("{}", transport::markdown(&results));
            if let Some(path) = plot {
                transport::plot(&results, &path)?;
            }
            write_json(json, &results)
        }
        Command::Pipeline {
            run: RunOptions { quick, json, plot },
        } => {
            let seconds = if quick { 3.0 } else { 10.0 };
            let mut runs = Vec::new();
            for (width, height) in [(1280, 720), (1920, 1080)] {
                runs.extend(viewers::run_mode(width, height, 30, seconds).await?);
            }
            println!("{}", viewers::markdown(&runs));
            if let Some(path) = plot {
                viewers::plot(&runs, &path)?;
            }
            write_json(json, &runs)
        }
        Command::Media {
            run:
                RunOptions {
                    quick,
                    json,
                    plot: _,
                },
        } => {
            let seconds = if quick { 3.0 } else { 15.0 };
            let mut runs = Vec::new();
            for (width, height) in [(1280, 720), (1920, 1080)] {
                eprintln!("measuring media at {width}x{height}@30 for {seconds} s per side ...");
                runs.push(media::run(width, height, 30, seconds).await?);
            }
            println!("{}", media::markdown(&runs));
            write_json(json, &runs)
        }
        Command::Vision {
            run:
                RunOptions {
                    quick,
                    json,
                    plot: _,
                },
            models_only,
        } => {
            let results = vision::run(quick, models_only).await?;
            println!("{}", vision::markdown(&results));
            write_json(json, &results)
        }
        Command::Solana { run } => {
            let results = solana::run(run.quick).await?;
            println!("{}", solana::markdown(&results));
            write_json(run.json, &results)
        }
        Command::Security { run } => {
            let results = security::run(run.quick).await?;
            println!("{}", security::markdown(&results));
            write_json(run.json, &results)
        }
        Command::Load {
            run,
            mode,
            viewers,
            rate,
            seconds,
        } => {
            let seconds = if run.quick { 5.0 } else { seconds };
            let result = load::run(parse_mode(&mode)?, viewers, rate, seconds).await?;
            println!("{}", load::markdown(&result));
            if let Some(path) = run.plot {
                load::plot(&result, &path)?;
            }
            write_json(run.json, &result)
        }
        Command::Soak {
            run,
            minutes,
            mode,
            viewers,
            rate,
        } => {
            let minutes = if run.quick { 1 } else { minutes };
            let result = soak::run(parse_mode(&mode)?, minutes, viewers, rate).await?;
            println!("{}", soak::markdown(&result));
            if let Some(path) = run.plot {
                soak::plot(&result, &path)?;
            }
            write_json(run.json, &result)
        }
        Command::TransportPeer {
            variant,
            endpoint,
            width,
            height,
        } => transport_peer::run(variant, &endpoint, width, height).await,
    }
}

fn write_json(path: Option<PathBuf>, value: &impl serde::Serialize) -> anyhow::Result<()> {
    if let Some(path) = path {
        std::fs::write(&path, serde_json::to_string_pretty(value)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
