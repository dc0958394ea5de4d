//! Asking for a GPU provider where none can start (a build without `cuda`, or the CPU-only
//! ONNX Runtime of this machine) leaves every model on the CPU with the same results, and a
//! frame tagged with a device address is then read from the host. `scripts/test.sh` runs this
//! file with and without `--features cuda`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use mm_inference::embedding::distance;
use mm_inference::geometry::iou;
use mm_inference::image::RgbView;
use mm_inference::oneshot::{read_image, StillImage};
use mm_inference::{EmbedFaces, FrameVision, Vision};
use mm_runtime::config::{ExecutionProvider, InferenceConfig, Preprocess};
use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A photo of `../shared/media`.
fn photo(name: &str) -> StillImage {
    let path = repository().join("../shared/media").join(name);
    read_image(&path).unwrap_or_else(|e| panic!("{e}: ../shared/media beside the repository"))
}

fn config(provider: ExecutionProvider, preprocess: Preprocess) -> InferenceConfig {
    let model_dir = std::env::var_os("MM_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository().join(".cache/models"));
    InferenceConfig {
        model_dir,
        execution_provider: provider,
        preprocess,
        ..InferenceConfig::default()
    }
}

fn assert_same_boxes(kind: &str, expected: &[[f32; 4]], got: &[[f32; 4]]) {
    assert_eq!(got.len(), expected.len(), "{kind}: {expected:?} vs {got:?}");
    for (e, g) in expected.iter().zip(got) {
        assert!(iou(e, g) > 0.8, "{kind}: {e:?} vs {g:?}");
    }
}

fn assert_same_detections(expected: &FrameVision, got: &FrameVision) {
    let faces = |frame: &FrameVision| frame.faces.iter().map(|f| f.bbox).collect::<Vec<_>>();
    let hands = |frame: &FrameVision| frame.hands.iter().map(|h| h.bbox).collect::<Vec<_>>();
    assert_same_boxes("faces", &faces(expected), &faces(got));
    assert_same_boxes("hands", &hands(expected), &hands(got));
}

#[test]
fn a_gpu_provider_that_cannot_start_leaves_the_models_on_the_cpu() {
    let still = photo("obama.jpg");
    let view = RgbView::new(&still.pixels, still.width, still.height).unwrap();

    let mut on_cpu = Vision::load(&config(ExecutionProvider::Cpu, Preprocess::Graph)).unwrap();
    assert!(!on_cpu.on_gpu());
    let expected = on_cpu.process(&view, EmbedFaces::All).unwrap();
    assert_eq!(expected.faces.len(), 1);

    for provider in [ExecutionProvider::Cuda, ExecutionProvider::Tensorrt] {
        let mut asked_gpu = Vision::load(&config(provider, Preprocess::Graph)).unwrap();
        assert_eq!(asked_gpu.provider(), ExecutionProvider::Cpu, "{provider:?}");
        assert!(!asked_gpu.on_gpu());
        // An address no CPU session may be handed: the frame models must read the host bytes.
        let tagged = view.with_device_address(0x7e57_0000);
        let got = asked_gpu.process(&tagged, EmbedFaces::All).unwrap();
        assert_same_detections(&expected, &got);
    }
}

#[test]
fn auto_preprocessing_follows_the_provider_the_models_got() {
    let still = photo("biden.jpg");
    let view = RgbView::new(&still.pixels, still.width, still.height).unwrap();

    let mut on_cpu = Vision::load(&config(ExecutionProvider::Cpu, Preprocess::Cpu)).unwrap();
    let expected = on_cpu.process(&view, EmbedFaces::All).unwrap();
    let mut asked_gpu = Vision::load(&config(ExecutionProvider::Cuda, Preprocess::Auto)).unwrap();
    let got = asked_gpu.process(&view, EmbedFaces::All).unwrap();
    assert_same_detections(&expected, &got);
    // The CPU path on both sides: the same pre-processing gives the same embedding.
    let embedding = |frame: &FrameVision| frame.faces[0].embedding.unwrap();
    let distance = distance(&embedding(&expected), &embedding(&got));
    assert!(distance < 1e-4, "embedding moved by {distance}");
}
