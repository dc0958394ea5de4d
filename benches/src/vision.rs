//! `mm-bench vision`: per-model latency and inference frames/s at 720p, against Python
//! onnxruntime on the same model and input; `/stream` latency with inference on and off.

use crate::percentiles::{summarize, Summary};
use crate::viewers::view;
use mm_e2e::{model_dir, Pipeline};
use mm_inference::image::{fill_nchw, fill_nhwc, Normalize, Resize, RgbView};
use mm_inference::{EmbedFaces, Engine, ModelFiles, Vision};
use mm_runtime::config::InferenceConfig;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WIDTH: usize = 1280;
const HEIGHT: usize = 720;

/// One model timed from Rust and from Python.
#[derive(Debug, Clone, Serialize)]
pub struct ModelTiming {
    /// Model file.
    pub model: String,
    /// Input shape.
    pub input: Vec<usize>,
    /// Rust (`ort`), median ms.
    pub rust_median_ms: f64,
    /// Rust, 90th percentile ms.
    pub rust_p90_ms: f64,
    /// Python onnxruntime, median ms.
    pub python_median_ms: f64,
    /// Python, 90th percentile ms.
    pub python_p90_ms: f64,
    /// The Python package's version.
    pub python_onnxruntime: String,
}

/// Everything `mm-bench vision` measures.
#[derive(Debug, Clone, Serialize)]
pub struct VisionResults {
    /// Threads per model.
    pub threads: usize,
    /// Per-model latency.
    pub models: Vec<ModelTiming>,
    /// Whole-frame inference (faces, hands, persons) on a 720p frame: frames per second.
    pub frames_per_second: f64,
    /// Its per-frame median, ms.
    pub frame_median_ms: f64,
    /// `/stream` capture → wire without inference/overlay (encode reads raw frames).
    pub stream_without_inference: Option<Summary>,
    /// The same with inference and overlay running, `latest` mode.
    pub stream_with_inference: Option<Summary>,
}

/// A 720p frame of the demo photo.
fn frame() -> anyhow::Result<Vec<u8>> {
    let jpeg = include_bytes!("../../assets/demo/obama.jpg");
    let photo = mm_codec::decode_rgb(jpeg)?;
    let view = RgbView::new(&photo.pixels, photo.width, photo.height)?;
    Ok(Resize::new()
        .resize(&view, WIDTH, HEIGHT)?
        .pixels()
        .to_vec())
}

/// A model file with the shape and values of its input.
type ModelInput = (PathBuf, Vec<usize>, Vec<f32>);

/// The input each model gets in the pipeline, built from the 720p frame (CenterFace at the
/// default 640 long side: 640x384).
fn inputs(frame: &RgbView<'_>, files: &ModelFiles) -> anyhow::Result<Vec<ModelInput>> {
    let mut resize = Resize::new();
    let mut make = |model: &Path,
                    w: usize,
                    h: usize,
                    nchw: bool,
                    normalize: Normalize|
     -> anyhow::Result<ModelInput> {
        let resized = resize.resize(frame, w, h)?;
        let mut tensor = Vec::new();
        let shape = if nchw {
            fill_nchw(&resized, normalize, &mut tensor);
            vec![1, 3, h, w]
        } else {
            fill_nhwc(&resized, normalize, &mut tensor);
            vec![1, h, w, 3]
        };
        Ok((model.to_owned(), shape, tensor))
    };
    Ok(vec![
        make(&files.face_detector, 640, 384, true, Normalize::RAW)?,
        make(&files.face_embedder, 150, 150, true, Normalize::RAW)?,
        make(&files.palm_detector, 192, 192, false, Normalize::UNIT)?,
        make(&files.hand_landmarker, 224, 224, false, Normalize::UNIT)?,
        make(&files.person_detector, 416, 416, true, Normalize::RAW)?,
    ])
}

fn median_p90(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let p90 = times[((times.len() - 1) as f64 * 0.9) as usize];
    (median, p90)
}

/// The Python of the checking environment `scripts/fetch-models.sh` made.
fn python() -> PathBuf {
    let downloads = std::env::var_os("MM_MODEL_DL")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/model-downloads"));
    downloads.join("venv-onnx/bin/python")
}

fn time_python(
    model: &Path,
    shape: &[usize],
    tensor: &[f32],
    runs: usize,
    threads: usize,
) -> anyhow::Result<(f64, f64, String)> {
    let file = tempfile::NamedTempFile::new()?;
    let bytes: Vec<u8> = tensor.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(file.path(), bytes)?;
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let output = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("python/ort_latency.py"))
        .arg(model)
        .arg(file.path())
        .arg(dims.join(","))
        .arg(runs.to_string())
        .arg(threads.to_string())
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "python: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    Ok((
        result["median_ms"].as_f64().unwrap_or(f64::NAN),
        result["p90_ms"].as_f64().unwrap_or(f64::NAN),
        result["onnxruntime"].as_str().unwrap_or("?").to_owned(),
    ))
}

/// Runs the whole benchmark.
pub async fn run(quick: bool, models_only: bool) -> anyhow::Result<VisionResults> {
    let runs = if quick { 5 } else { 30 };
    let config = InferenceConfig {
        model_dir: model_dir(),
        ..InferenceConfig::default()
    };
    let threads = config.threads as usize;
    let files = ModelFiles::of(&config, config.execution_provider);
    let pixels = frame()?;
    let view = RgbView::new(&pixels, WIDTH, HEIGHT)?;
    let engine = Engine::load(&files.onnxruntime, config.execution_provider, threads)?;
    let mut models = Vec::new();
    for (path, shape, tensor) in inputs(&view, &files)? {
        let mut model = engine.model(&path)?;
        for _ in 0..3 {
            model.run(&shape, &tensor, |_| Ok(()))?;
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            model.run(&shape, &tensor, |_| Ok(()))?;
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
        let (rust_median_ms, rust_p90_ms) = median_p90(times);
        let (python_median_ms, python_p90_ms, python_onnxruntime) =
            time_python(&path, &shape, &tensor, runs, threads)?;
        eprintln!(
            "{}: rust {rust_median_ms:.1} ms, python {python_median_ms:.1} ms",
            model.name()
        );
        models.push(ModelTiming {
            model: model.name().to_owned(),
            input: shape,
            rust_median_ms,
            rust_p90_ms,
            python_median_ms,
            python_p90_ms,
            python_onnxruntime,
        });
    }
    drop(engine);

    let mut vision = Vision::load(&config)?;
    let mut frame_times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        vision.process(&view, EmbedFaces::ToRecognise)?;
        frame_times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let (frame_median_ms, _) = median_p90(frame_times.clone());
    let frames_per_second = frame_times.len() as f64 / (frame_times.iter().sum::<f64>() / 1e3);
    drop(vision);

    let seconds = if quick { 3.0 } else { 15.0 };
    let (stream_without_inference, stream_with_inference) = if models_only {
        (None, None)
    } else {
        (
            stream_latency(false, seconds).await?,
            stream_latency(true, seconds).await?,
        )
    };
    Ok(VisionResults {
        threads,
        models,
        frames_per_second,
        frame_median_ms,
        stream_without_inference,
        stream_with_inference,
    })
}

/// `/stream` capture → wire at 720p30 with one viewer.
async fn stream_latency(with_inference: bool, seconds: f64) -> anyhow::Result<Option<Summary>> {
    eprintln!(
        "stream latency, inference {}",
        if with_inference { "on" } else { "off" }
    );
    let builder = Pipeline::builder(if with_inference {
        "bench-vision-on"
    } else {
        "bench-vision-off"
    })
    .config("[capture]\nsource = \"synthetic\"\nwidth = 1280\nheight = 720\nfps = 30");
    let pipeline = if with_inference {
        builder.vision()
    } else {
        builder
    }
    .start();
    pipeline.wait_for_health(200, Duration::from_secs(30)).await;
    // Let inference load its models and settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let measure_from = Instant::now() + Duration::from_secs(1);
    let until = measure_from + Duration::from_secs_f64(seconds);
    let log = view(pipeline.url("/stream"), until, measure_from).await?;
    Ok(summarize(&log.latencies))
}

/// The results as markdown.
pub fn markdown(results: &VisionResults) -> String {
    let mut out = format!(
        "Per-model latency at 720p input, {} threads each (median / p90 ms)\n\n| model | input | Rust ort | Python onnxruntime | Rust / Python |\n|---|---|---|---|---|\n",
        results.threads
    );
    for m in &results.models {
        out += &format!(
            "| {} | {:?} | {:.1} / {:.1} | {:.1} / {:.1} ({}) | {:.2} |\n",
            m.model,
            m.input,
            m.rust_median_ms,
            m.rust_p90_ms,
            m.python_median_ms,
            m.python_p90_ms,
            m.python_onnxruntime,
            m.rust_median_ms / m.python_median_ms
        );
    }
    out += &format!(
        "\nWhole frame (faces + hands + persons) at 1280x720: {:.2} frames/s, median {:.1} ms\n",
        results.frames_per_second, results.frame_median_ms
    );
    let cell = |s: &Option<Summary>| {
        s.as_ref().map_or("-".to_owned(), |s| {
            format!("{:.1} / {:.1} ms", s.p50_ms, s.p99_ms)
        })
    };
    out += &format!(
        "\n/stream capture → wire, 720p30, 1 viewer (p50 / p99): inference off {}, on (latest) {}\n",
        cell(&results.stream_without_inference),
        cell(&results.stream_with_inference)
    );
    out
}
