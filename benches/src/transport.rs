//! `mm-bench transport`: one-way hand-off of one frame between two processes, for our
//! zero-copy runtime and for the alternatives, alternating in the same run.

use crate::gst_shm::GstSender;
use crate::percentiles::{summarize, Summary};
use mm_bus::Bus;
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::{streams, CameraId, FrameHeader};
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
    /// (d) GStreamer: appsrc → shmsink, shmsrc → appsink.
    GstreamerShm,
}

/// Which receiving process a variant's frames go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeerKind {
    /// One iceoryx2 subscriber serves both iceoryx2 variants: they differ only when sending.
    Iceoryx,
    Socket,
    Gstreamer,
}

impl Variant {
    const ALL: [Variant; 4] = [
        Variant::ZeroCopy,
        Variant::CopyIntoLoan,
        Variant::UnixSocket,
        Variant::GstreamerShm,
    ];

    fn label(self) -> &'static str {
        match self {
            Variant::ZeroCopy => "iceoryx2 zero-copy (ours)",
            Variant::CopyIntoLoan => "iceoryx2 + copy into loan",
            Variant::UnixSocket => "Unix domain socket",
            Variant::GstreamerShm => "GStreamer shmsink/shmsrc",
        }
    }

    fn peer_kind(self) -> PeerKind {
        match self {
            Variant::ZeroCopy | Variant::CopyIntoLoan => PeerKind::Iceoryx,
            Variant::UnixSocket => PeerKind::Socket,
            Variant::GstreamerShm => PeerKind::Gstreamer,
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
    fn spawn(variant: Variant, endpoint: &str, width: u32, height: u32) -> anyhow::Result<Self> {
        let variant_arg = match variant {
            Variant::ZeroCopy => "zero-copy",
            Variant::CopyIntoLoan => "copy-into-loan",
            Variant::UnixSocket => "unix-socket",
            Variant::GstreamerShm => "gstreamer-shm",
        };
        let (width, height) = (width.to_string(), height.to_string());
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "transport-peer",
                "--variant",
                variant_arg,
                "--endpoint",
                endpoint,
            ])
            .args(["--width", &width, "--height", &height])
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
    /// The iceoryx2 node the publisher belongs to, kept for the publisher's lifetime.
    _bus: Bus,
    publisher: mm_bus::SlicePublisher<FrameHeader>,
    socket: std::os::unix::net::UnixStream,
    gstreamer: GstSender,
    peers: Vec<(PeerKind, Peer)>,
    frame: Vec<u8>,
    _socket_dir: TempDir,
}

/// A temporary folder for the sockets, removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Senders {
    async fn start(width: u32, height: u32) -> anyhow::Result<Self> {
        let len = width as usize * height as usize * 3;
        let camera = format!("bench-transport-{}", std::process::id());
        let bus = Bus::open(&CameraId::new(&camera)?, &mm_shm_schema::node_name("bench"))?;
        let publisher = bus.slice_publisher::<streams::FramesRaw>(len)?;
        let dir =
            std::env::temp_dir().join(format!("mm-bench-{}-{width}x{height}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let dir = TempDir(dir);
        let mut peers = Vec::new();

        let mut iceoryx_peer = Peer::spawn(Variant::ZeroCopy, &camera, width, height)?;
        iceoryx_peer.wait_ack()?;
        peers.push((PeerKind::Iceoryx, iceoryx_peer));

        let socket_path = dir.0.join("frames.sock").display().to_string();
        let listener = UnixListener::bind(&socket_path)?;
        let mut socket_peer = Peer::spawn(Variant::UnixSocket, &socket_path, width, height)?;
        let (socket, _) = listener.accept()?;
        socket_peer.wait_ack()?;
        peers.push((PeerKind::Socket, socket_peer));

        let gst_path = dir.0.join("gst.sock").display().to_string();
        let gstreamer = GstSender::start(&gst_path, width, height)?;
        let mut gst_peer = Peer::spawn(Variant::GstreamerShm, &gst_path, width, height)?;
        gst_peer.wait_ack()?;
        peers.push((PeerKind::Gstreamer, gst_peer));

        // A frame with content, so copies move real bytes.
        let frame = (0..len).map(|i| (i % 251) as u8).collect();
        Ok(Self {
            _bus: bus,
            publisher,
            socket,
            gstreamer,
            peers,
            frame,
            _socket_dir: dir,
        })
    }

    fn peer(&mut self, kind: PeerKind) -> anyhow::Result<&mut Peer> {
        self.peers
            .iter_mut()
            .find(|(k, _)| *k == kind)
            .map(|(_, peer)| peer)
            .ok_or_else(|| anyhow::anyhow!("no {kind:?} peer"))
    }

    /// Hands one frame over and waits for the peer's acknowledgement.
    fn hand_off(&mut self, variant: Variant, sequence: u64) -> anyhow::Result<()> {
        let len = self.frame.len();
        let sent = monotonic_ns();
        match variant {
            Variant::ZeroCopy | Variant::CopyIntoLoan => {
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
                self.socket.write_all(&socket_head(sent, len))?;
                self.socket.write_all(&self.frame)?;
            }
            Variant::GstreamerShm => self.gstreamer.send(&self.frame, sent)?,
        }
        self.peer(variant.peer_kind())?.wait_ack()
    }

    /// Ends the peers and returns each variant's latencies, in the order `order` sent them.
    fn finish(mut self, order: &[Variant]) -> anyhow::Result<Vec<(Variant, Vec<u64>)>> {
        let mut loaned = self.publisher.loan(1)?;
        loaned.header_mut().sequence = SENTINEL;
        self.publisher.send(loaned)?;
        self.socket.write_all(&socket_head(SENTINEL, 0))?;
        self.gstreamer.send(&self.frame, SENTINEL)?;
        let mut received: Vec<(PeerKind, std::vec::IntoIter<u64>)> = Vec::new();
        for (kind, peer) in self.peers.drain(..) {
            received.push((kind, peer.finish()?.into_iter()));
        }
        let mut by_variant: Vec<(Variant, Vec<u64>)> =
            Variant::ALL.iter().map(|&v| (v, Vec::new())).collect();
        for &variant in order {
            let sample = received
                .iter_mut()
                .find(|(kind, _)| *kind == variant.peer_kind())
                .and_then(|(_, samples)| samples.next());
            if let (Some(sample), Some((_, samples))) =
                (sample, by_variant.iter_mut().find(|(v, _)| *v == variant))
            {
                samples.push(sample);
            }
        }
        Ok(by_variant)
    }
}

/// The 16 bytes before each frame on the socket: send time and length.
pub fn socket_head(sent: u64, len: usize) -> [u8; 16] {
    let mut head = [0u8; 16];
    head[..8].copy_from_slice(&sent.to_le_bytes());
    head[8..].copy_from_slice(&(len as u64).to_le_bytes());
    head
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
                order.push(variant);
                sequence += 1;
            }
        }
        let warm_up = order.len();
        for _ in 0..rounds {
            for variant in Variant::ALL {
                for _ in 0..per_round {
                    senders.hand_off(variant, sequence)?;
                    order.push(variant);
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

/// Plots p50 (thick) and p99 (thin) of every transport over the frame sizes.
pub fn plot(results: &[TransportResult], path: &std::path::Path) -> anyhow::Result<()> {
    let sizes: Vec<String> = SIZES.iter().map(|(w, h)| format!("{w}x{h}")).collect();
    let subjects: Vec<(String, Variant)> = Variant::ALL
        .iter()
        .map(|&v| (v.label().to_owned(), v))
        .collect();
    let series = crate::plot::p50_p99_series(&subjects, sizes.len(), |&variant, x| {
        results
            .iter()
            .find(|r| r.size == sizes[x] && r.variant == variant)
            .map(|r| (r.latency.p50_ms * 1000.0, r.latency.p99_ms * 1000.0))
    });
    crate::plot::log_lines(
        path,
        "One-way frame hand-off between processes (RGB24)",
        "latency µs (log)",
        &sizes,
        &series,
    )
}
