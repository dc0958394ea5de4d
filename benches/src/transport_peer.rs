//! The receiving side of `mm-bench transport`, run as a child process of the benchmark.
//!
//! It acknowledges every frame with one byte on stdout (so the sender never queues frames
//! behind each other) and, at the end, prints the receive latencies as a JSON line.

use crate::gst_shm::GstReceiver;
use crate::transport::{Variant, SENTINEL};
use mm_bus::Bus;
use mm_runtime::clock::monotonic_ns;
use mm_shm_schema::{streams, CameraId};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

/// Receives frames of `variant` until the sentinel and reports latencies.
pub async fn run(variant: Variant, endpoint: &str, width: u32, height: u32) -> anyhow::Result<()> {
    let latencies = match variant {
        Variant::ZeroCopy | Variant::CopyIntoLoan => receive_shm(endpoint).await?,
        Variant::UnixSocket => receive_socket(endpoint)?,
        Variant::GstreamerShm => receive_gstreamer(endpoint, width, height)?,
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", serde_json::to_string(&latencies)?)?;
    stdout.flush()?;
    Ok(())
}

fn ack() -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(b".")?;
    stdout.flush()?;
    Ok(())
}

async fn receive_shm(camera: &str) -> anyhow::Result<Vec<u64>> {
    let bus = Bus::open(
        &CameraId::new(camera)?,
        &mm_shm_schema::node_name("bench-peer"),
    )?;
    let mut frames = bus.slice_subscriber::<streams::FramesRaw>()?;
    // Tell the sender the subscriber is connected.
    ack()?;
    let mut latencies = Vec::new();
    loop {
        let sample = frames.next().await?;
        let received = monotonic_ns();
        let header = *sample.user_header();
        drop(sample);
        if header.sequence == SENTINEL {
            return Ok(latencies);
        }
        latencies.push(received.saturating_sub(header.capture_ns));
        ack()?;
    }
}

fn receive_socket(path: &str) -> anyhow::Result<Vec<u64>> {
    let mut socket = UnixStream::connect(path)?;
    ack()?;
    let mut latencies = Vec::new();
    let mut buffer = Vec::new();
    loop {
        let mut head = [0u8; 16];
        socket.read_exact(&mut head)?;
        let sent = u64::from_le_bytes(head[..8].try_into()?);
        let len = u64::from_le_bytes(head[8..].try_into()?) as usize;
        if sent == SENTINEL {
            return Ok(latencies);
        }
        buffer.resize(len, 0);
        socket.read_exact(&mut buffer)?;
        latencies.push(monotonic_ns().saturating_sub(sent));
        ack()?;
    }
}

fn receive_gstreamer(path: &str, width: u32, height: u32) -> anyhow::Result<Vec<u64>> {
    let receiver = GstReceiver::connect(path, width, height)?;
    ack()?;
    let mut latencies = Vec::new();
    loop {
        let sent = receiver.receive()?;
        if sent == SENTINEL {
            return Ok(latencies);
        }
        latencies.push(monotonic_ns().saturating_sub(sent));
        ack()?;
    }
}
