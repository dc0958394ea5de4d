//! `mm-inference detect` on the public-domain test photos: the real binary, the real models.

use mm_e2e::vision::{detect_reports, numbers};
use mm_e2e::{bin_dir, media, model_dir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `mm-inference detect --json [--embeddings]` and returns one JSON object per image.
fn detect(images: &[&str], embeddings: bool) -> Vec<Value> {
    detect_with(images, embeddings, "cpu")
}

/// `detect` with `inference.preprocess` set to `preprocess` (`cpu` or `graph`).
fn detect_with(images: &[&str], embeddings: bool, preprocess: &str) -> Vec<Value> {
    let paths: Vec<PathBuf> = images.iter().map(|name| media(name)).collect();
    let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let args: &[&str] = if embeddings { &["--embeddings"] } else { &[] };
    detect_reports(&paths, args, &[("MM_INFERENCE_PREPROCESS", preprocess)])
}

fn embedding(report: &Value) -> Vec<f64> {
    numbers(&report["faces"][0]["embedding"])
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn every_portrait_has_exactly_one_face_and_the_crowd_at_least_twelve() {
    let portraits = [
        "obama.jpg",
        "obama2.jpg",
        "obama3.jpg",
        "biden.jpg",
        "astronaut.png",
        "grace_hopper.jpg",
    ];
    let mut images = portraits.to_vec();
    images.push("city.jpg");
    let reports = detect(&images, false);
    assert_eq!(reports.len(), images.len());
    for (report, name) in reports.iter().zip(&images) {
        assert!(report["image"].as_str().unwrap().ends_with(name));
        let faces = report["faces"].as_array().unwrap();
        if *name == "city.jpg" {
            assert!(faces.len() >= 12, "city.jpg: {} faces", faces.len());
        } else {
            assert_eq!(faces.len(), 1, "{name}: {report}");
        }
        for face in faces {
            let b: Vec<f64> = face["box"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            assert!(b[0] < b[2] && b[1] < b[3], "{name}: box {b:?}");
            assert!(b[2] <= report["width"].as_f64().unwrap() + 1.0);
            // The landmarks lie in the box: eyes above the mouth.
            let landmarks = face["landmarks"].as_array().unwrap();
            assert_eq!(landmarks.len(), 5);
            let y = |i: usize| landmarks[i][1].as_f64().unwrap();
            assert!(y(0) < y(3) && y(1) < y(4), "{name}: eyes below the mouth");
        }
    }
}

#[test]
fn the_three_obama_photos_match_each_other_and_not_biden() {
    let reports = detect(
        &["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"],
        true,
    );
    let embeddings: Vec<Vec<f64>> = reports.iter().map(embedding).collect();
    assert!(embeddings.iter().all(|e| e.len() == 128));
    for i in 0..3 {
        for j in i + 1..3 {
            let d = distance(&embeddings[i], &embeddings[j]);
            assert!(d < 0.6, "obama {i} vs {j}: {d}");
        }
        let d = distance(&embeddings[i], &embeddings[3]);
        assert!(d > 0.6, "obama {i} vs biden: {d}");
    }
}

#[test]
fn the_hand_in_the_official_portrait_is_found() {
    let report = &detect(&["obama.jpg"], false)[0];
    let hands = report["hands"].as_array().unwrap();
    let best = hands
        .iter()
        .filter_map(|h| h["presence"].as_f64())
        .fold(0.0, f64::max);
    assert!(best >= 0.5, "hand presence {best}: {report}");
    let hand = &hands[0];
    assert_eq!(hand["landmarks"].as_array().unwrap().len(), 21);
    assert!(hand["gesture"].is_string() && hand["gesture_score"].is_number());
    assert!(["left", "right"].contains(&hand["handedness"].as_str().unwrap()));
}

#[test]
fn a_missing_or_broken_image_is_a_clear_error() {
    let broken = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(broken.path(), b"not an image").unwrap();
    let output = Command::new(bin_dir().join("mm-inference"))
        .args(["detect", "--json", "/nonexistent.jpg"])
        .arg(broken.path())
        .arg(media("grace_hopper.jpg"))
        .env("MM_INFERENCE_MODEL_DIR", model_dir())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent.jpg"), "{stderr}");
    assert!(stderr.contains("2 of 3 images failed"), "{stderr}");
    // The good image is still reported.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 1);
}

fn boxes(report: &Value, kind: &str) -> Vec<[f64; 4]> {
    report[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let b = item["box"].as_array().unwrap();
            [0, 1, 2, 3].map(|i| b[i].as_f64().unwrap())
        })
        .collect()
}

fn iou(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let area = |r: &[f64; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    w * h / (area(a) + area(b) - w * h)
}

/// The frame-input models (pre-processing inside the graph, reading the frame bytes in place,
/// as the GPU path does) find what the CPU pre-processing finds.
#[test]
fn preprocessing_in_the_graph_finds_the_same_faces_hands_and_persons() {
    let images = [
        "obama.jpg",
        "biden.jpg",
        "grace_hopper.jpg",
        "astronaut.png",
        "city.jpg",
    ];
    let on_cpu = detect_with(&images, false, "cpu");
    let in_graph = detect_with(&images, false, "graph");
    for ((cpu, graph), name) in on_cpu.iter().zip(&in_graph).zip(images) {
        for kind in ["faces", "hands"] {
            let (expected, got) = (boxes(cpu, kind), boxes(graph, kind));
            if name == "city.jpg" && kind == "faces" {
                // Tiny faces near the threshold may come and go; the crowd stays a crowd.
                assert!(got.len() >= 12, "{name}: {} faces in the graph", got.len());
                continue;
            }
            assert_eq!(got.len(), expected.len(), "{name} {kind}: {cpu} vs {graph}");
            for (e, g) in expected.iter().zip(&got) {
                assert!(iou(e, g) > 0.8, "{name} {kind}: {e:?} vs {g:?}");
            }
        }
        let (expected, got) = (boxes(cpu, "persons"), boxes(graph, "persons"));
        let matched = expected
            .iter()
            .filter(|e| got.iter().any(|g| iou(e, g) > 0.7))
            .count();
        assert!(
            matched * 10 >= expected.len() * 8,
            "{name} persons: {expected:?} vs {got:?}"
        );
    }
}
