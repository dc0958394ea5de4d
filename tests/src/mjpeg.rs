//! A `/stream` client: splits `multipart/x-mixed-replace` into parts.

use bytes::{Buf, Bytes, BytesMut};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;

/// One part of the stream.
#[derive(Debug, Clone)]
pub struct Part {
    /// Part headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// The JPEG.
    pub body: Bytes,
}

impl Part {
    /// A numeric header.
    pub fn number(&self, name: &str) -> u64 {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("part without {name}: {:?}", self.headers))
            .parse()
            .unwrap_or_else(|_| panic!("{name} is not a number: {:?}", self.headers))
    }

    /// `X-Frame-Sequence`.
    pub fn sequence(&self) -> u64 {
        self.number("x-frame-sequence")
    }

    /// `X-Capture-Timestamp-Ns` (CLOCK_MONOTONIC).
    pub fn capture_ns(&self) -> u64 {
        self.number("x-capture-timestamp-ns")
    }
}

/// Reads parts from an open `/stream` response.
pub struct MjpegReader {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<Bytes>>,
    buffer: BytesMut,
    /// The response's Content-Type.
    pub content_type: String,
}

impl MjpegReader {
    /// Opens `url` (a `/stream`).
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let response = reqwest::get(url).await?;
        anyhow::ensure!(
            response.status().is_success(),
            "GET {url}: {}",
            response.status()
        );
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            body: response.bytes_stream().boxed(),
            buffer: BytesMut::new(),
            content_type,
        })
    }

    /// The next part, or an error when none arrives within `timeout`.
    pub async fn next_part(&mut self, timeout: Duration) -> anyhow::Result<Part> {
        tokio::time::timeout(timeout, self.read_part())
            .await
            .map_err(|_| anyhow::anyhow!("no frame within {timeout:?}"))?
    }

    async fn read_part(&mut self) -> anyhow::Result<Part> {
        let head_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end;
            }
            self.fill().await?;
        };
        let head = String::from_utf8(self.buffer[..head_end].to_vec())?;
        let mut lines = head.split("\r\n").filter(|line| !line.is_empty());
        let boundary = lines.next().unwrap_or_default();
        anyhow::ensure!(
            boundary == "--frame",
            "part starts with {boundary:?}, not --frame"
        );
        let headers: HashMap<String, String> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .ok_or_else(|| anyhow::anyhow!("part without Content-Length"))?
            .parse()?;
        let total = head_end + 4 + length + 2;
        while self.buffer.len() < total {
            self.fill().await?;
        }
        self.buffer.advance(head_end + 4);
        let body = self.buffer.split_to(length).freeze();
        anyhow::ensure!(
            &self.buffer[..2] == b"\r\n",
            "part body not followed by CRLF"
        );
        self.buffer.advance(2);
        Ok(Part { headers, body })
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        match self.body.next().await {
            Some(chunk) => {
                self.buffer.extend_from_slice(&chunk?);
                Ok(())
            }
            None => anyhow::bail!("stream ended"),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
