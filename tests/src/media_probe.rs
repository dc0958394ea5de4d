//! The real parts the media tests check against: Debian's `ffmpeg -listen 1` as an RTMP
//! ingest, and `ffprobe` for what it (or a recording) holds.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `ffmpeg -listen 1` RTMP ingest that copies what it receives into an FLV file.
/// It takes one client; when that client leaves, it finishes the file and exits.
pub struct RtmpIngest {
    child: Child,
    /// The file it writes.
    pub output: PathBuf,
}

impl RtmpIngest {
    /// Listens on `rtmp://127.0.0.1:<port>/live/<anything>`, writing to `output`.
    pub fn listen(port: u16, output: &Path) -> Self {
        let child = Command::new("ffmpeg")
            .args([
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-listen",
                "1",
                "-i",
            ])
            .arg(format!("rtmp://127.0.0.1:{port}/live/test-key"))
            // Each packet written as it comes: a test may read the file while it grows.
            .args(["-c", "copy", "-flush_packets", "1", "-f", "flv"])
            .arg(output)
            .stdin(Stdio::null())
            .spawn()
            .expect("ffmpeg (installed by scripts/setup.sh)");
        Self {
            child,
            output: output.to_owned(),
        }
    }

    /// Kills it at once (SIGKILL), as a crashed server would go.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to `timeout` for it to exit by itself (its client left); false if it did not.
    pub fn wait_exit(&mut self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        false
    }
}

impl Drop for RtmpIngest {
    fn drop(&mut self) {
        self.kill();
    }
}

/// ffprobe's JSON for `path` with `args` (e.g. `-show_streams`).
pub fn ffprobe(path: &Path, args: &[&str]) -> serde_json::Value {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-of", "json"])
        .args(args)
        .arg(path)
        .output()
        .expect("ffprobe (installed by scripts/setup.sh)");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "ffprobe of {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The streams' codec names and types, e.g. `[("h264", "video"), ("aac", "audio")]`.
pub fn codecs(path: &Path) -> Vec<(String, String)> {
    ffprobe(path, &["-show_streams"])["streams"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            (
                s["codec_name"].as_str().unwrap_or("").to_owned(),
                s["codec_type"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// (width, height) of the first video stream.
pub fn video_size(path: &Path) -> (u64, u64) {
    let probe = ffprobe(path, &["-select_streams", "v:0", "-show_streams"]);
    let stream = &probe["streams"][0];
    (
        stream["width"].as_u64().unwrap_or(0),
        stream["height"].as_u64().unwrap_or(0),
    )
}

/// Every video packet as (presentation time in seconds, keyframe).
pub fn video_packets(path: &Path) -> Vec<(f64, bool)> {
    let probe = ffprobe(
        path,
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time,flags",
        ],
    );
    probe["packets"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let pts = p["pts_time"].as_str()?.parse().ok()?;
            let key = p["flags"].as_str().is_some_and(|f| f.starts_with('K'));
            Some((pts, key))
        })
        .collect()
}

/// The container's duration in seconds, as a player shows it.
pub fn duration_s(path: &Path) -> f64 {
    ffprobe(path, &["-show_entries", "format=duration"])["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0)
}

/// Decodes every video frame of `path` with the ffmpeg CLI; the number decoded (errors fail).
pub fn decoded_frames(path: &Path) -> usize {
    let probe = ffprobe(
        path,
        &[
            "-select_streams",
            "v:0",
            "-count_frames",
            "-show_entries",
            "stream=nb_read_frames",
        ],
    );
    probe["streams"][0]["nb_read_frames"]
        .as_str()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
