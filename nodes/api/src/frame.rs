//! A JPEG frame as the API holds it: out of shared memory, framed once as a multipart part.

use bytes::{BufMut, Bytes, BytesMut};
use mm_shm_schema::JpegHeader;

/// The multipart boundary of `/stream`.
pub const BOUNDARY: &str = "frame";

/// One encoded frame, shared by every viewer (cloning it clones a reference).
#[derive(Debug, Clone)]
pub struct JpegFrame {
    /// The frame's header as encode published it.
    pub header: JpegHeader,
    /// The complete multipart part: boundary, headers, JPEG, CRLF.
    pub part: Bytes,
    /// Where the JPEG starts within `part`.
    jpeg_offset: usize,
}

impl JpegFrame {
    /// Frames `jpeg` as a part of `multipart/x-mixed-replace; boundary=frame`: headers
    /// `Content-Type`, `Content-Length`, `X-Frame-Sequence`, `X-Capture-Timestamp-Ns` and
    /// `X-Encode-Timestamp-Ns` (CLOCK_MONOTONIC of the camera host).
    ///
    /// This is the one copy of the JPEG out of shared memory: warp needs owned, `Send` bytes,
    /// and the sample must go back to the publisher. Every viewer then shares this buffer.
    pub fn new(header: JpegHeader, jpeg: &[u8]) -> Self {
        let head = format!(
            "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nX-Frame-Sequence: {}\r\nX-Capture-Timestamp-Ns: {}\r\nX-Encode-Timestamp-Ns: {}\r\n\r\n",
            jpeg.len(),
            header.frame.sequence,
            header.frame.capture_ns,
            header.encode_ns,
        );
        let mut part = BytesMut::with_capacity(head.len() + jpeg.len() + 2);
        part.put_slice(head.as_bytes());
        part.put_slice(jpeg);
        part.put_slice(b"\r\n");
        Self {
            header,
            part: part.freeze(),
            jpeg_offset: head.len(),
        }
    }

    /// The JPEG bytes.
    pub fn jpeg(&self) -> &[u8] {
        &self.part[self.jpeg_offset..self.part.len() - 2]
    }

    /// The frame's sequence number.
    pub fn sequence(&self) -> u64 {
        self.header.frame.sequence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_carries_the_jpeg_and_its_headers() {
        let mut header = JpegHeader::default();
        header.frame.sequence = 77;
        header.frame.capture_ns = 123_456;
        header.encode_ns = 123_999;
        let jpeg = [0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9];
        let frame = JpegFrame::new(header, &jpeg);
        let text = String::from_utf8_lossy(&frame.part);
        assert!(text.starts_with("--frame\r\nContent-Type: image/jpeg\r\n"));
        assert!(text.contains("\r\nContent-Length: 7\r\n"));
        assert!(text.contains("\r\nX-Frame-Sequence: 77\r\n"));
        assert!(text.contains("\r\nX-Capture-Timestamp-Ns: 123456\r\n"));
        assert!(text.contains("\r\nX-Encode-Timestamp-Ns: 123999\r\n"));
        let body_start = frame
            .part
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap()
            + 4;
        assert_eq!(&frame.part[body_start..body_start + 7], &jpeg);
        assert_eq!(&frame.part[frame.part.len() - 2..], b"\r\n");
        assert_eq!(frame.jpeg(), &jpeg);
        assert_eq!(frame.sequence(), 77);
    }
}
