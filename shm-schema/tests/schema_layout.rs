//! Pins the size, alignment and field offsets of every shared-memory message, so that a layout
//! change is a deliberate act that also bumps SCHEMA_VERSION.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use iceoryx2::prelude::ZeroCopySend;
use mm_shm_schema::{FrameHeader, JpegHeader, NodeStatus, SCHEMA_VERSION};
use std::mem::{align_of, offset_of, size_of};

#[test]
fn frame_header_layout_is_pinned() {
    assert_eq!(size_of::<FrameHeader>(), 104);
    assert_eq!(align_of::<FrameHeader>(), 8);
    assert_eq!(offset_of!(FrameHeader, sequence), 0);
    assert_eq!(offset_of!(FrameHeader, capture_ns), 8);
    assert_eq!(offset_of!(FrameHeader, stage_ns), 16);
    assert_eq!(offset_of!(FrameHeader, width), 80);
    assert_eq!(offset_of!(FrameHeader, height), 84);
    assert_eq!(offset_of!(FrameHeader, stride), 88);
    assert_eq!(offset_of!(FrameHeader, pixel_format), 92);
    assert_eq!(offset_of!(FrameHeader, source_kind), 96);
}

#[test]
fn jpeg_header_layout_is_pinned() {
    assert_eq!(size_of::<JpegHeader>(), 120);
    assert_eq!(align_of::<JpegHeader>(), 8);
    assert_eq!(offset_of!(JpegHeader, frame), 0);
    assert_eq!(offset_of!(JpegHeader, encode_ns), 104);
    assert_eq!(offset_of!(JpegHeader, jpeg_len), 112);
    assert_eq!(offset_of!(JpegHeader, quality), 116);
}

#[test]
fn node_status_layout_is_pinned() {
    assert_eq!(size_of::<NodeStatus>(), 336);
    assert_eq!(align_of::<NodeStatus>(), 8);
    assert_eq!(offset_of!(NodeStatus, node), 0);
    assert_eq!(offset_of!(NodeStatus, detail), 32);
    assert_eq!(offset_of!(NodeStatus, input), 96);
    assert_eq!(offset_of!(NodeStatus, last_error), 128);
    assert_eq!(offset_of!(NodeStatus, started_ns), 288);
    assert_eq!(offset_of!(NodeStatus, fps), 320);
    assert_eq!(offset_of!(NodeStatus, restarts), 332);
}

#[test]
fn every_type_name_carries_the_schema_version() {
    let version = format!("mm.v{SCHEMA_VERSION}.");
    // SAFETY: type_name only returns the static name given in the derive attribute.
    let names = unsafe {
        [
            FrameHeader::type_name(),
            JpegHeader::type_name(),
            NodeStatus::type_name(),
            mm_shm_schema::Detections::type_name(),
            mm_shm_schema::GalleryRevision::type_name(),
            mm_shm_schema::GalleryEntryRequest::type_name(),
            mm_shm_schema::GalleryEntryResponse::type_name(),
            mm_shm_schema::OverlayPolicy::type_name(),
            mm_shm_schema::BestFaceRequest::type_name(),
            mm_shm_schema::BestFaceResponse::type_name(),
        ]
    };
    for name in names {
        assert!(name.starts_with(&version), "{name} lacks {version}");
    }
}

#[test]
fn vision_message_layouts_are_pinned() {
    use mm_shm_schema::{
        BestFaceRequest, BestFaceResponse, Detections, FaceDetection, GalleryEntryRequest,
        GalleryEntryResponse, GalleryRevision, HandDetection, OverlayPolicy, PersonDetection,
        VisionTimings,
    };
    assert_eq!(size_of::<FaceDetection>(), 160);
    assert_eq!(offset_of!(FaceDetection, landmarks), 24);
    assert_eq!(offset_of!(FaceDetection, identity), 64);
    assert_eq!(offset_of!(FaceDetection, display_name), 128);
    assert_eq!(size_of::<HandDetection>(), 284);
    assert_eq!(offset_of!(HandDetection, landmarks), 24);
    assert_eq!(offset_of!(HandDetection, handedness), 276);
    assert_eq!(size_of::<PersonDetection>(), 20);
    assert_eq!(size_of::<VisionTimings>(), 32);
    assert_eq!(size_of::<Detections>(), 4416);
    assert_eq!(align_of::<Detections>(), 8);
    assert_eq!(offset_of!(Detections, timings), 48);
    assert_eq!(offset_of!(Detections, faces), 80);
    assert_eq!(offset_of!(Detections, hands), 80 + 16 * 160);
    assert_eq!(size_of::<GalleryRevision>(), 16);
    assert_eq!(size_of::<GalleryEntryRequest>(), 48);
    assert_eq!(size_of::<GalleryEntryResponse>(), 672);
    assert_eq!(offset_of!(GalleryEntryResponse, sealed_embedding), 144);
    assert_eq!(size_of::<OverlayPolicy>(), 2064);
    assert_eq!(offset_of!(OverlayPolicy, labelled), 16);
    assert_eq!(size_of::<BestFaceRequest>(), 40);
    assert_eq!(size_of::<BestFaceResponse>(), 736);
    assert_eq!(offset_of!(BestFaceResponse, sealed_embedding), 208);
}
