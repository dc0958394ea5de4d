//! `mm-inference`: the inference node, and `mm-inference detect` for still images.

use anyhow::Context;
use clap::{Parser, Subcommand};
use mm_inference::oneshot::describe;
use mm_inference::Vision;
use mm_runtime::NodeArgs;
use std::io::Write;
use std::path::PathBuf;

mod gallery_fetch;
mod node;

#[derive(Parser)]
#[command(about = "Faces, hands and gestures, persons: the inference node of mmoment-edge")]
struct Cli {
    #[command(flatten)]
    node: NodeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the models on images and prints what they found, one JSON object per image.
    Detect {
        /// JPEG or PNG files.
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// JSON Lines output (the only format).
        #[arg(long)]
        json: bool,
        /// Add each face's 128-d embedding.
        #[arg(long)]
        embeddings: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => node::run(&cli.node),
        Some(Command::Detect {
            images,
            json: _,
            embeddings,
        }) => {
            mm_runtime::shutdown::end_on_closed_pipe();
            let config = mm_runtime::Config::load(cli.node.config_path().as_deref())?;
            mm_runtime::logging::init("warn");
            let mut vision = Vision::load(&config.inference).context("loading the models")?;
            let mut stdout = std::io::stdout().lock();
            let mut failed = 0;
            for image in &images {
                match describe(&mut vision, image, embeddings) {
                    Ok(report) => writeln!(stdout, "{}", serde_json::to_string(&report)?)?,
                    Err(error) => {
                        failed += 1;
                        eprintln!("mm-inference: {:#}", anyhow::Error::new(error));
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!("{failed} of {} images failed", images.len());
            }
            Ok(())
        }
    }
}
