//! `mm-bench transport`: one-way hand-off of one frame between two processes, for our
//! zero-copy runtime and for the alternatives, alternating in the same run.

use crate::percentiles::{summarize, Summary};
use mm_runtime::bus::Bus;
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::{CameraId, FrameHeader, Stream};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::process::{Child, ChildStdout, Command, Stdio};

/// Sequence number (and socket timestamp) that ends a peer.
pub const SENTINEL: u64 = u64::MAX;

/// Frame sizes measured (RGB24).
pub const SIZES: [(u32, u32); 4] = [(640, 480), (1280, 720), (1920, 1080), (3840, 2160)];

/// A way to hand a frame to another process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// (a) our runtime: the frame is already in the loaned sample; send, notify, wake.
    ZeroCopy,
    /// (b) the same, with the frame first copied into the loaned sample.
    CopyIntoLoan,
    /// (c) the frame written through a Unix domain socket and read out whole.
    UnixSocket,
}

impl Variant {
    const ALL: [Variant; 3] = [
        Variant::ZeroCopy,
        Variant::CopyIntoLoan,
        Variant::UnixSocket,
    ];

    fn label(self) -> &'static str {
        match self {
            Variant::ZeroCopy => "iceoryx2 zero-copy (ours)",
            Variant::CopyIntoLoan => "iceoryx2 + copy into loan",
            Variant::UnixSocket => "Unix domain socket",
        }
    }
}

/// Results of one variant at one size.
#[derive(Debug, Clone, Serialize)]
pub struct TransportResult {
    /// `WxH`.
    pub size: String,
    /// Which transport.
    pub variant: Variant,
    /// Latency summary.
    pub latency: Summary,
    /// p99 of this variant divided by p99 of zero-copy at the same size.
    pub p99_ratio_to_zero_copy: f64,
}

/// A running peer process.
struct Peer {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn spawn(variant: Variant, endpoint: &str) -> anyhow::Result<Self> {
        let variant_arg = match variant {
            Variant::ZeroCopy => "zero-copy",
            Variant::CopyIntoLoan => "copy-into-loan",
            Variant::UnixSocket => "unix-socket",
        };
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "transport-peer",
                "--variant",
                variant_arg,
                "--endpoint",
                endpoint,
            ])
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("peer without stdout"))?;
        Ok(Self {
            child,
            stdout: BufReader::new(stdout),
        })
    }

    fn wait_ack(&mut self) -> anyhow::Result<()> {
        let mut byte = [0u8; 1];
        self.stdout.read_exact(&mut byte)?;
        anyhow::ensure!(&byte == b".", "peer answered {byte:?}");
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<Vec<u64>> {
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        self.child.wait()?;
        Ok(serde_json::from_str(line.trim())?)
    }
}

/// One sender per variant at one size, each with its peer.
struct Senders {
    bus: Bus,
    publisher: mm_runtime::SlicePublisher<FrameHeader>,
    socket: std::os::unix::net::UnixStream,
    peers: Vec<(Variant, Peer)>,
    frame: Vec<u8>,
    _socket_dir: tempfile_dir::Dir,
}

/// A temporary folder for the socket, removed on drop.
mod tempfile_dir {
    /// The folder.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Senders {
    async fn start(width: u32, height: u32) -> anyhow::Result<Self> {
        let len = width as usize * height as usize * 3;
        let camera = format!("bench-transport-{}", std::process::id());
        let bus = Bus::open(&CameraId::new(&camera)?, "mm-bench")?;
        let publisher = bus.slice_publisher::<FrameHeader>(Stream::FramesRaw, len)?;
        let dir =
            std::env::temp_dir().join(format!("mm-bench-{}-{width}x{height}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let socket_path = dir.join("frames.sock");
        let listener = UnixListener::bind(&socket_path)?;
        let mut peers = Vec::new();
        // One shared-memory peer serves both shared-memory variants, which differ only on the
        // sending side.
        let mut shm_peer = Peer::spawn(Variant::ZeroCopy, &camera)?;
        shm_peer.wait_ack()?;
        peers.push((Variant::ZeroCopy, shm_peer));
        let mut socket_peer = Peer::spawn(Variant::UnixSocket, &socket_path.display().to_string())?;
        let (socket, _) = listener.accept()?;
        socket_peer.wait_ack()?;
        peers.push((Variant::UnixSocket, socket_peer));
        // A frame with content, so copies move real bytes.
        let frame = (0..len).map(|i| (i % 251) as u8).collect();
        Ok(Self {
            bus,
            publisher,
            socket,
            peers,
            frame,
            _socket_dir: tempfile_dir::Dir(dir),
        })
    }

    fn peer(&mut self, variant: Variant) -> anyhow::Result<&mut Peer> {
        let wanted = if variant == Variant::UnixSocket {
            Variant::UnixSocket
        } else {
            Variant::ZeroCopy
        };
        self.peers
            .iter_mut()
            .find(|(v, _)| *v == wanted)
            .map(|(_, peer)| peer)
            .ok_or_else(|| anyhow::anyhow!("no peer for {variant:?}"))
    }

    /// Hands one frame over and waits for the peer's acknowledgement.
    fn hand_off(&mut self, variant: Variant, sequence: u64) -> anyhow::Result<()> {
        let len = self.frame.len();
        match variant {
            Variant::ZeroCopy | Variant::CopyIntoLoan => {
                let sent = monotonic_ns();
                let mut loaned = self.publisher.loan(len)?;
                if variant == Variant::CopyIntoLoan {
                    loaned.payload_mut().copy_from_slice(&self.frame);
                }
                let header = loaned.header_mut();
                header.sequence = sequence;
                header.capture_ns = sent;
                self.publisher.send(loaned)?;
            }
            Variant::UnixSocket => {
                let sent = monotonic_ns();
                let mut head = [0u8; 16];
                head[..8].copy_from_slice(&sent.to_le_bytes());
                head[8..].copy_from_slice(&(len as u64).to_le_bytes());
                self.socket.write_all(&head)?;
                self.socket.write_all(&self.frame)?;
            }
        }
        self.peer(variant)?.wait_ack()
    }

    /// Ends the peers and returns each variant's latencies.
    fn finish(mut self, order: &[(Variant, u64)]) -> anyhow::Result<Vec<(Variant, Vec<u64>)>> {
        let mut loaned = self.publisher.loan(1)?;
        loaned.header_mut().sequence = SENTINEL;
        self.publisher.send(loaned)?;
        let mut head = [0u8; 16];
        head[..8].copy_from_slice(&SENTINEL.to_le_bytes());
        self.socket.write_all(&head)?;
        let mut shm = Vec::new();
        let mut socket = Vec::new();
        for (variant, peer) in self.peers.drain(..) {
            match variant {
                Variant::UnixSocket => socket = peer.finish()?,
                _ => shm = peer.finish()?,
            }
        }
        drop(self.bus);
        // The shared-memory peer saw both shared-memory variants, in the order they were sent.
        let mut by_variant: Vec<(Variant, Vec<u64>)> =
            Variant::ALL.iter().map(|&v| (v, Vec::new())).collect();
        let mut shm_samples = shm.into_iter();
        let mut socket_samples = socket.into_iter();
        for &(variant, _) in order {
            let sample = if variant == Variant::UnixSocket {
                socket_samples.next()
            } else {
                shm_samples.next()
            };
            if let (Some(sample), Some((_, samples))) =
                (sample, by_variant.iter_mut().find(|(v, _)| *v == variant))
            {
                samples.push(sample);
            }
        }
        Ok(by_variant)
    }
}

/// Runs every variant at every size, alternating variants within each size.
pub async fn run(quick: bool) -> anyhow::Result<Vec<TransportResult>> {
    let (rounds, per_round) = if quick { (5, 20) } else { (20, 50) };
    let mut results = Vec::new();
    for (width, height) in SIZES {
        eprintln!("transport {width}x{height}: {rounds} rounds x {per_round} frames per variant");
        let mut senders = Senders::start(width, height).await?;
        let mut order = Vec::new();
        let mut sequence = 0;
        // Warm-up: page in the segments and buffers.
        for variant in Variant::ALL {
            for _ in 0..per_round {
                senders.hand_off(variant, sequence)?;
                order.push((variant, sequence));
                sequence += 1;
            }
        }
        let warm_up = order.len();
        for _ in 0..rounds {
            for variant in Variant::ALL {
                for _ in 0..per_round {
                    senders.hand_off(variant, sequence)?;
                    order.push((variant, sequence));
                    sequence += 1;
                }
            }
        }
        let samples = senders.finish(&order)?;
        let warm_up_per_variant = warm_up / Variant::ALL.len();
        let summaries: Vec<(Variant, Summary)> = samples
            .into_iter()
            .filter_map(|(variant, samples)| {
                let measured = samples.get(warm_up_per_variant..).unwrap_or_default();
                summarize(measured).map(|summary| (variant, summary))
            })
            .collect();
        let zero_copy_p99 = summaries
            .iter()
            .find(|(v, _)| *v == Variant::ZeroCopy)
            .map_or(f64::NAN, |(_, s)| s.p99_ms);
        for (variant, latency) in summaries {
            results.push(TransportResult {
                size: format!("{width}x{height}"),
                variant,
                latency,
                p99_ratio_to_zero_copy: latency.p99_ms / zero_copy_p99,
            });
        }
    }
    Ok(results)
}

/// The results as a markdown table.
pub fn markdown(results: &[TransportResult]) -> String {
    let mut out = String::from(
        "| size | transport | p50 µs | p99 µs | max µs | p99 / zero-copy p99 |\n|---|---|---|---|---|---|\n",
    );
    for result in results {
        out.push_str(&format!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1}x |\n",
            result.size,
            result.variant.label(),
            result.latency.p50_ms * 1000.0,
            result.latency.p99_ms * 1000.0,
            result.latency.max_ms * 1000.0,
            result.p99_ratio_to_zero_copy,
        ));
    }
    out
}
