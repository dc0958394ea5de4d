//! A node built against another schema version must refuse to open our services with a clear
//! error instead of misreading bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use iceoryx2::prelude::*;
use mm_bus::{iceoryx_config, Bus};
use mm_shm_schema::{streams, CameraId, Stream, STAGE_COUNT};

/// The same layout as `FrameHeader`, as a future schema version would name it.
#[derive(Debug, Default, Clone, Copy, ZeroCopySend)]
#[type_name("mm.v3.FrameHeader")]
#[repr(C)]
struct FutureFrameHeader {
    sequence: u64,
    capture_ns: u64,
    stage_ns: [u64; STAGE_COUNT],
    width: u32,
    height: u32,
    stride: u32,
    pixel_format: u32,
    source_kind: u32,
    reserved: u32,
}

#[tokio::test(flavor = "current_thread")]
async fn a_different_schema_version_is_refused() {
    let camera = CameraId::new(&format!("schema-{}", std::process::id())).unwrap();
    let bus = Bus::open(&camera, "mm-test-current").unwrap();
    let _publisher = bus.slice_publisher::<streams::FramesRaw>(64).unwrap();

    let node = NodeBuilder::new()
        .config(&iceoryx_config(&camera).unwrap())
        .create::<ipc::Service>()
        .unwrap();
    let name = ServiceName::new(&bus.names().of(Stream::FramesRaw)).unwrap();
    let result = node
        .service_builder(&name)
        .publish_subscribe::<[u8]>()
        .user_header::<FutureFrameHeader>()
        .open();
    let error = result.expect_err("a v3 header must not open a v2 service");
    let message = format!("{error:?}");
    assert!(message.contains("Incompatible"), "unclear error: {message}");
}

#[tokio::test(flavor = "current_thread")]
async fn frames_are_received_newest_first_and_skips_are_counted() {
    let camera = CameraId::new(&format!("newest-{}", std::process::id())).unwrap();
    let bus = Bus::open(&camera, "mm-test-newest").unwrap();
    let publisher = bus.slice_publisher::<streams::FramesRaw>(16).unwrap();
    let mut subscriber = bus.slice_subscriber::<streams::FramesRaw>().unwrap();

    let send = |sequence: u64| {
        let mut loaned = publisher.loan(16).unwrap();
        loaned.header_mut().sequence = sequence;
        loaned.payload_mut().fill(sequence as u8);
        publisher.send(loaned).unwrap();
    };
    send(1);
    assert_eq!(subscriber.next().await.unwrap().user_header().sequence, 1);

    // A slow subscriber sees only the newest of the frames sent meanwhile, and counts the rest.
    for sequence in 2..=6 {
        send(sequence);
    }
    let sample = subscriber.next().await.unwrap();
    assert_eq!(sample.user_header().sequence, 6);
    assert!(sample.payload().iter().all(|&b| b == 6));
    drop(sample);
    assert!(subscriber.try_next().unwrap().is_none());
    assert_eq!(subscriber.received(), 2);
    assert_eq!(subscriber.skipped(), 4);
}

#[tokio::test(flavor = "current_thread")]
async fn a_waiting_subscriber_is_woken_by_the_publisher() {
    let camera = CameraId::new(&format!("wake-{}", std::process::id())).unwrap();
    let bus = Bus::open(&camera, "mm-test-wake").unwrap();
    let publisher = bus.slice_publisher::<streams::FramesRaw>(8).unwrap();
    let mut subscriber = bus.slice_subscriber::<streams::FramesRaw>().unwrap();

    let send_later = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let mut loaned = publisher.loan(8).unwrap();
        loaned.header_mut().sequence = 42;
        publisher.send(loaned).unwrap();
    };
    let (sample, ()) = tokio::join!(subscriber.next(), send_later);
    assert_eq!(sample.unwrap().user_header().sequence, 42);
}
