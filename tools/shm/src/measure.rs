//! `mm-shm hz` and `mm-shm latency`: watching one service.

use iceoryx2::port::subscriber::Subscriber;
use mm_bus::{Bus, Ipc};
use mm_bus::{MessageSubscriber, SliceSubscriber};
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::{
    streams, CheckInEvent, Detections, FrameHeader, GalleryRevision, H264Header, JpegHeader,
    NodeStatus, OverlayPolicy, Stage, Stream,
};
use std::time::{Duration, Instant};

/// Status messages carry no wake-up event (they are not frames); `mm-shm` drains them at
/// this period.
const STATUS_DRAIN_PERIOD: Duration = Duration::from_millis(50);
/// How often `hz` and `latency` print.
const REPORT_PERIOD: Duration = Duration::from_secs(1);

/// What one received message tells.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    /// The frame header, for frame and JPEG services.
    pub frame: Option<FrameHeader>,
    /// When the message was taken (CLOCK_MONOTONIC ns).
    pub received_ns: u64,
}

/// A subscriber of any of the camera's services.
pub enum Watcher {
    /// `frames/raw`, `frames/composited`.
    Frames(SliceSubscriber<FrameHeader>),
    /// `frames/jpeg`.
    Jpeg(SliceSubscriber<JpegHeader>),
    /// `frames/h264`: every unit in order, timed like frames.
    H264(SliceSubscriber<H264Header>),
    /// `status`.
    Status(Subscriber<Ipc, NodeStatus, ()>),
    /// `detections`: timed like frames, the inference stage stamped with its finish time.
    Detections(MessageSubscriber<Detections>),
    /// `gallery`: counted only.
    Gallery(MessageSubscriber<GalleryRevision>),
    /// `overlay/policy`: counted only.
    Policy(MessageSubscriber<OverlayPolicy>),
    /// `chain/checkins`: counted only.
    CheckIns(MessageSubscriber<CheckInEvent>),
}

impl Watcher {
    /// Subscribes to `stream`.
    pub fn open(bus: &Bus, stream: Stream) -> anyhow::Result<Self> {
        Ok(match stream {
            Stream::FramesRaw => Watcher::Frames(bus.slice_subscriber::<streams::FramesRaw>()?),
            Stream::FramesComposited => {
                Watcher::Frames(bus.slice_subscriber::<streams::FramesComposited>()?)
            }
            Stream::FramesJpeg => Watcher::Jpeg(bus.slice_subscriber::<streams::FramesJpeg>()?),
            Stream::FramesH264 => Watcher::H264(bus.slice_subscriber::<streams::FramesH264>()?),
            Stream::Status => Watcher::Status(bus.status_subscriber()?),
            Stream::Detections => {
                Watcher::Detections(bus.message_subscriber::<streams::Detections>()?)
            }
            Stream::Gallery => Watcher::Gallery(bus.message_subscriber::<streams::Gallery>()?),
            Stream::OverlayPolicy => {
                Watcher::Policy(bus.message_subscriber::<streams::OverlayPolicy>()?)
            }
            Stream::CheckIns => Watcher::CheckIns(bus.message_subscriber::<streams::CheckIns>()?),
            Stream::BestFace | Stream::MediaControl | Stream::GalleryEntry => {
                anyhow::bail!(
                    "{} is request-response: there is nothing to watch",
                    stream.suffix()
                )
            }
        })
    }

    /// Waits for the next message.
    pub async fn next(&mut self) -> anyhow::Result<Observation> {
        let frame = match self {
            Watcher::Frames(subscriber) => Some(*subscriber.next().await?.user_header()),
            Watcher::Jpeg(subscriber) => {
                let header = *subscriber.next().await?.user_header();
                let mut frame = header.frame;
                frame.stamp(Stage::Encode, header.encode_ns);
                Some(frame)
            }
            Watcher::H264(subscriber) => {
                let header = *subscriber.next_in_order().await?.user_header();
                let mut frame = header.frame;
                frame.stamp(Stage::Encode, header.encode_ns);
                Some(frame)
            }
            Watcher::Detections(subscriber) => {
                let detections = subscriber.next_latest().await?;
                let mut frame = FrameHeader {
                    sequence: detections.sequence,
                    capture_ns: detections.capture_ns,
                    ..FrameHeader::default()
                };
                frame.stamp(Stage::Inference, detections.done_ns);
                Some(frame)
            }
            Watcher::Gallery(subscriber) => {
                subscriber.next_latest().await?;
                None
            }
            Watcher::Policy(subscriber) => {
                subscriber.next_latest().await?;
                None
            }
            Watcher::CheckIns(subscriber) => {
                subscriber.next_latest().await?;
                None
            }
            Watcher::Status(subscriber) => loop {
                match subscriber.receive() {
                    Ok(Some(_)) => break None,
                    Ok(None) => tokio::time::sleep(STATUS_DRAIN_PERIOD).await,
                    Err(error) => anyhow::bail!("cannot receive status: {error}"),
                }
            },
        };
        Ok(Observation {
            frame,
            received_ns: monotonic_ns(),
        })
    }

    /// Messages this watcher skipped because newer ones replaced them.
    pub fn skipped(&self) -> u64 {
        match self {
            Watcher::Frames(subscriber) => subscriber.skipped(),
            Watcher::Jpeg(subscriber) => subscriber.skipped(),
            Watcher::H264(subscriber) => subscriber.skipped(),
            Watcher::Detections(_)
            | Watcher::Gallery(_)
            | Watcher::Policy(_)
            | Watcher::CheckIns(_)
            | Watcher::Status(_) => 0,
        }
    }
}

/// Latency samples of a window, in nanoseconds.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Messages received.
    pub count: u64,
    /// now − capture timestamp per frame.
    pub end_to_end: Vec<u64>,
    /// Per hop, `(from, to)` → samples; hops run capture → each stamped stage → received.
    pub hops: Vec<(String, Vec<u64>)>,
}

impl Window {
    /// Adds one observation.
    pub fn add(&mut self, observation: &Observation) {
        self.count += 1;
        let Some(frame) = observation.frame else {
            return;
        };
        self.end_to_end
            .push(observation.received_ns.saturating_sub(frame.capture_ns));
        let mut previous = ("captured", frame.capture_ns);
        let stamps = Stage::ALL
            .iter()
            .filter_map(|&stage| frame.stage(stage).map(|ns| (stage.name(), ns)));
        for (name, ns) in stamps.chain(std::iter::once(("received", observation.received_ns))) {
            let hop = format!("{}→{}", previous.0, name);
            let sample = ns.saturating_sub(previous.1);
            match self.hops.iter_mut().find(|(existing, _)| *existing == hop) {
                Some((_, samples)) => samples.push(sample),
                None => self.hops.push((hop, vec![sample])),
            }
            previous = (name, ns);
        }
    }
}

/// p50, p99 and max of samples in milliseconds.
pub fn percentiles_ms(samples: &[u64]) -> Option<(f64, f64, f64)> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = |p: f64| {
        sorted[((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1] as f64 / 1e6
    };
    Some((rank(0.5), rank(0.99), sorted[sorted.len() - 1] as f64 / 1e6))
}

/// Collects observations of `watcher` for `duration`.
pub async fn observe(watcher: &mut Watcher, duration: Duration) -> anyhow::Result<Window> {
    let mut window = Window::default();
    let deadline = tokio::time::Instant::now() + duration;
    loop {
        match tokio::time::timeout_at(deadline, watcher.next()).await {
            Ok(observation) => window.add(&observation?),
            Err(_elapsed) => return Ok(window),
        }
    }
}

/// Runs `report` once per second for `seconds` (or until Ctrl-C) over a watcher of `stream`.
async fn each_second(
    bus: &Bus,
    stream: Stream,
    seconds: Option<Duration>,
    mut report: impl FnMut(&Window, &Watcher, Duration),
) -> anyhow::Result<()> {
    let mut watcher = Watcher::open(bus, stream)?;
    let started = Instant::now();
    loop {
        let window_start = Instant::now();
        let window = tokio::select! {
            window = observe(&mut watcher, REPORT_PERIOD) => window?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        report(&window, &watcher, window_start.elapsed());
        if seconds.is_some_and(|limit| started.elapsed() >= limit) {
            return Ok(());
        }
    }
}

/// `mm-shm hz SERVICE`.
pub async fn hz(bus: &Bus, stream: Stream, seconds: Option<Duration>) -> anyhow::Result<()> {
    let name = bus.names().of(stream);
    each_second(bus, stream, seconds, |window, watcher, elapsed| {
        println!(
            "{name}: {:.1} Hz ({} messages, {} skipped so far)",
            window.count as f64 / elapsed.as_secs_f64(),
            window.count,
            watcher.skipped()
        );
    })
    .await
}

/// `mm-shm latency SERVICE`.
pub async fn latency(bus: &Bus, stream: Stream, seconds: Option<Duration>) -> anyhow::Result<()> {
    anyhow::ensure!(
        stream != Stream::Status,
        "status messages carry no capture timestamp"
    );
    let name = bus.names().of(stream);
    each_second(bus, stream, seconds, |window, _, _| {
        let Some((p50, p99, max)) = percentiles_ms(&window.end_to_end) else {
            println!("{name}: no frames");
            return;
        };
        println!(
            "{name}: now−capture p50 {p50:.2} ms  p99 {p99:.2} ms  max {max:.2} ms  ({} frames)",
            window.count
        );
        for (hop, samples) in &window.hops {
            if let Some((p50, p99, max)) = percentiles_ms(samples) {
                println!("    {hop:<22} p50 {p50:.2} ms  p99 {p99:.2} ms  max {max:.2} ms");
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hops_follow_the_stamped_stages() {
        let mut frame = FrameHeader {
            capture_ns: 1_000_000,
            ..FrameHeader::default()
        };
        frame.stamp(Stage::Capture, 3_000_000);
        frame.stamp(Stage::Encode, 6_000_000);
        let mut window = Window::default();
        window.add(&Observation {
            frame: Some(frame),
            received_ns: 7_000_000,
        });
        let hops: Vec<(&str, u64)> = window
            .hops
            .iter()
            .map(|(h, s)| (h.as_str(), s[0]))
            .collect();
        assert_eq!(
            hops,
            [
                ("captured→capture", 2_000_000),
                ("capture→encode", 3_000_000),
                ("encode→received", 1_000_000)
            ]
        );
        assert_eq!(window.end_to_end, [6_000_000]);
        assert_eq!(percentiles_ms(&window.end_to_end), Some((6.0, 6.0, 6.0)));
    }
}
