//! `mm-bench ... --quick` runs end to end and writes the documented JSON shape. (Speed is
//! recorded in docs/BENCHMARKS.md, never asserted here.)

use mm_e2e::{bin_dir, serial};
use std::process::Command;

fn run_bench(args: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let output = Command::new(bin_dir().join("mm-bench"))
        .args(args)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run mm-bench");
    assert!(
        output.status.success(),
        "mm-bench {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.starts_with("| "), "no markdown table: {table}");
    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_quick_compares_every_transport_at_every_size() {
    let _serial = serial().await;
    let results = run_bench(&["transport", "--quick"]);
    let results = results.as_array().unwrap();
    for size in ["640x480", "1280x720", "1920x1080", "3840x2160"] {
        for variant in [
            "zero_copy",
            "copy_into_loan",
            "unix_socket",
            "gstreamer_shm",
        ] {
            let row = results
                .iter()
                .find(|r| r["size"] == size && r["variant"] == variant)
                .unwrap_or_else(|| panic!("no {variant} at {size}"));
            assert!(row["latency"]["count"].as_u64().unwrap() > 0);
            assert!(row["latency"]["p99_ms"].as_f64().unwrap() > 0.0);
            assert!(row["p99_ratio_to_zero_copy"].is_number());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_quick_measures_every_viewer_count() {
    let _serial = serial().await;
    let runs = run_bench(&["pipeline", "--quick"]);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 6);
    for run in runs {
        assert!(
            run["capture_to_wire"]["count"].as_u64().unwrap() > 0,
            "{run}"
        );
        assert!(run["fps_per_viewer_mean"].as_f64().unwrap() > 0.0, "{run}");
        for node in ["capture", "encode", "api"] {
            assert!(run["cpu_percent"][node].is_number(), "{run}");
            assert!(run["skipped"][node].is_u64(), "{run}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_quick_measures_ours_and_the_reference_at_both_sizes() {
    let _serial = serial().await;
    let runs = run_bench(&["media", "--quick"]);
    let runs = runs.as_array().unwrap();
    let modes: Vec<&str> = runs.iter().map(|r| r["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["1280x720@30", "1920x1080@30"]);
    for run in runs {
        for key in [
            "fps",
            "cpu_ms_per_frame",
            "reference_fps",
            "reference_cpu_ms_per_frame",
        ] {
            assert!(run[key].as_f64().unwrap() > 0.0, "{key}: {run}");
        }
        assert!(
            run["capture_to_unit"]["count"].as_u64().unwrap() > 0,
            "{run}"
        );
        assert!(run["ratio"].is_number(), "{run}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn solana_quick_measures_notice_times_and_transaction_building() {
    let _serial = serial().await;
    let results = run_bench(&["solana", "--quick"]);
    let modes: Vec<&str> = results["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["websocket", "polling"]);
    for run in results["notices"].as_array().unwrap() {
        assert_eq!(run["send_to_event"]["count"], 3, "{run}");
        assert!(
            run["send_to_event"]["p50_ms"].as_f64().unwrap() > 0.0,
            "{run}"
        );
    }
    assert!(results["check_in_route"]["count"].as_u64().unwrap() > 0);
    assert!(results["prepare_alone"]["p50_ms"].as_f64().unwrap() > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_quick_measures_sign_in_and_sealing() {
    let _serial = serial().await;
    let results = run_bench(&["security", "--quick"]);
    for key in [
        "connect_http",
        "sign_in_http",
        "connect_in_process",
        "seal_store",
        "open_store",
    ] {
        assert_eq!(results[key]["count"], 10, "{key}: {results}");
    }
    assert_eq!(results["seal_crypto"]["count"], 100, "{results}");
    assert!(results["open_crypto"]["p50_ms"].as_f64().unwrap() > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_quick_reports_viewers_requests_and_the_frame_path() {
    let _serial = serial().await;
    let run = run_bench(&[
        "load",
        "--quick",
        "--mode",
        "640x360@15",
        "--viewers",
        "5",
        "--rate",
        "20",
    ]);
    assert_eq!(run["mode"], "640x360@15");
    assert_eq!(run["viewers"]["viewers"], 5);
    assert!(run["viewers"]["fps_mean"].as_f64().unwrap() > 0.0, "{run}");
    assert_eq!(run["requests"]["sent"], 100, "{run}");
    assert!(run["requests"]["per_route"]["/api/health"]["count"].as_u64() > Some(0));
    for node in [
        "capture",
        "inference",
        "overlay",
        "encode",
        "h264",
        "media",
        "api",
    ] {
        assert!(run["skipped"][node].is_u64(), "{node}: {run}");
        assert!(run["cpu_percent"][node].is_number(), "{node}: {run}");
    }
    assert!(run["rtmp_frames_sent"].as_u64().unwrap() > 0, "{run}");
}
