//! `mm-shm` against a live pipeline, as an operator runs it.

use mm_e2e::{bin_dir, serial, Pipeline};
use nix::sys::signal::Signal;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn mm_shm(camera: &str, args: &[&str]) -> Output {
    Command::new(bin_dir().join("mm-shm"))
        .arg("--camera")
        .arg(camera)
        .args(args)
        .output()
        .expect("run mm-shm")
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "mm-shm failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mm_shm_inspects_a_running_pipeline() {
    let _serial = serial().await;
    let pipeline = Pipeline::builder("shmcli")
        .config("[capture]\nsource = \"synthetic\"\nwidth = 640\nheight = 360\nfps = 30")
        .start();
    pipeline.wait_for_health(200, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let camera = pipeline.camera().to_owned();

    let list: serde_json::Value =
        serde_json::from_str(&stdout_of(&mm_shm(&camera, &["list", "--json"]))).unwrap();
    let services = list["services"].as_array().unwrap();
    let raw = services
        .iter()
        .find(|s| {
            s["name"] == format!("mm/{camera}/frames/raw") && s["pattern"] == "publish_subscribe"
        })
        .unwrap_or_else(|| panic!("no frames/raw in {list}"));
    assert_eq!(raw["header"][0], "mm.v2.FrameHeader");
    assert_eq!(raw["publishers"], 1);
    assert!(raw["subscribers"].as_u64().unwrap() >= 1, "{raw}");
    let nodes = list["nodes"].as_array().unwrap();
    for node in ["mm-capture", "mm-encode", "mm-api"] {
        assert!(
            nodes
                .iter()
                .any(|n| n["name"] == node && n["state"] == "alive"),
            "{node} not alive in {list}"
        );
    }
    let table = stdout_of(&mm_shm(&camera, &["list"]));
    assert!(
        table.contains("frames/jpeg") && table.contains("mm.v2.JpegHeader"),
        "{table}"
    );
    // `mm-shm list | head -0`: a reader gone before the output ends the tool quietly.
    let mut child = Command::new(bin_dir().join("mm-shm"))
        .args(["--camera", &camera, "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let closed = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&closed.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        closed.status.signal(),
        Some(Signal::SIGPIPE as i32),
        "{closed:?}"
    );

    let hz = stdout_of(&mm_shm(&camera, &["hz", "frames/jpeg", "--seconds", "2"]));
    let rate: f64 = hz
        .lines()
        .last()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no rate in {hz:?}"));
    assert!((20.0..=40.0).contains(&rate), "{hz}");

    let latency = stdout_of(&mm_shm(
        &camera,
        &["latency", "frames/jpeg", "--seconds", "1"],
    ));
    assert!(
        latency.contains("now−capture p50") && latency.contains("capture→encode"),
        "{latency}"
    );

    let top: serde_json::Value =
        serde_json::from_str(&stdout_of(&mm_shm(&camera, &["top", "--once", "--json"]))).unwrap();
    let raw_row = top["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == format!("mm/{camera}/frames/raw"))
        .unwrap_or_else(|| panic!("{top}"));
    assert!(raw_row["rate_hz"].as_f64().unwrap() > 20.0, "{top}");
    assert!(raw_row["skipped_by"]["encode"].is_u64(), "{top}");
    let capture = top["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "capture")
        .unwrap_or_else(|| panic!("{top}"));
    assert!(capture["cpu_percent"].as_f64().unwrap() > 0.0, "{top}");
    assert!(capture["rss_mib"].as_f64().unwrap() > 1.0, "{top}");

    let dir = tempfile::tempdir().unwrap();
    let png_path = dir.path().join("raw.png");
    stdout_of(&mm_shm(
        &camera,
        &["dump", "frames/raw", "--out", png_path.to_str().unwrap()],
    ));
    let png = std::fs::read(&png_path).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (640, 360));
    let jpg_path = dir.path().join("jpeg.jpg");
    stdout_of(&mm_shm(
        &camera,
        &["dump", "frames/jpeg", "--out", jpg_path.to_str().unwrap()],
    ));
    let image = mm_codec::decode_rgb(&std::fs::read(&jpg_path).unwrap()).unwrap();
    assert_eq!((image.width, image.height), (640, 360));

    let unknown = mm_shm(&camera, &["hz", "frames/nope"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown service"));

    stdout_of(&mm_shm(&camera, &["cleanup"]));
}

#[test]
fn mm_shm_says_so_when_nothing_runs() {
    let output = mm_shm(&format!("idle-{}", std::process::id()), &["list"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nothing is running"), "{stderr}");
}
