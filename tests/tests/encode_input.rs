//! Encode follows the overlay both ways: it falls back to raw frames while the overlay is
//! silent (blurring off), and goes back to the overlay's frames when they return; the stream
//! never stalls and never repeats or reorders a frame across either switch.

use mm_e2e::vision::get_json;
use mm_e2e::{serial, MjpegReader, Pipeline};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

const CONFIG: &str = "[capture]\nsource = \"synthetic\"\nwidth = 320\nheight = 240\nfps = 15\n\
                      [encode]\nfallback_after_ms = 500\n\
                      [privacy]\nblur_unknown_faces = false";

/// Reads the stream until encode's health reports `input`, checking every frame follows the
/// previous one; returns how many frames came meanwhile.
async fn read_until_encode_reads(
    pipeline: &Pipeline,
    reader: &mut MjpegReader,
    last_sequence: &mut u64,
    input: &str,
) -> usize {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut frames = 0;
    let mut next_poll = Instant::now();
    loop {
        let part = reader
            .next_part(Duration::from_secs(2))
            .await
            .expect("the stream stalled");
        assert!(
            part.sequence() > *last_sequence,
            "frame {} after {last_sequence}",
            part.sequence()
        );
        *last_sequence = part.sequence();
        frames += 1;
        if Instant::now() >= next_poll {
            let (_, health) = get_json(pipeline, "/api/health").await;
            if health["nodes"]["encode"]["input"] == input {
                return frames;
            }
            assert!(
                Instant::now() < deadline,
                "encode never read {input}: {health}"
            );
            next_poll = Instant::now() + Duration::from_millis(200);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encode_falls_back_to_raw_frames_and_returns_to_the_overlays() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("encode-input")
        .config(CONFIG)
        .nodes("capture,overlay,encode,api", "composited")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    let mut reader = MjpegReader::open(&pipeline.url("/stream")).await.unwrap();
    let mut last = 0;
    read_until_encode_reads(&pipeline, &mut reader, &mut last, "frames/composited").await;

    let overlay = Pid::from_raw(pipeline.node_pid("overlay") as i32);
    kill(overlay, Signal::SIGSTOP).unwrap();
    read_until_encode_reads(&pipeline, &mut reader, &mut last, "frames/raw").await;
    // On raw frames the stream runs at the camera's rate.
    let started = Instant::now();
    let on_raw = read_until_encode_reads(&pipeline, &mut reader, &mut last, "frames/raw").await;
    let more = {
        let mut count = on_raw;
        while started.elapsed() < Duration::from_secs(2) {
            count += read_until_encode_reads(&pipeline, &mut reader, &mut last, "frames/raw").await;
        }
        count
    };
    assert!(more >= 15, "only {more} raw frames in 2 s");

    kill(overlay, Signal::SIGCONT).unwrap();
    read_until_encode_reads(&pipeline, &mut reader, &mut last, "frames/composited").await;
    let (_, health) = get_json(&pipeline, "/api/health").await;
    assert_eq!(health["nodes"]["overlay"]["restarts"], 0, "{health}");
    assert_eq!(health["status"], "ok", "{health}");
}
