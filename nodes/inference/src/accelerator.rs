//! GPU execution providers (feature `cuda`).

use mm_runtime::config::ExecutionProvider;
use ort::session::builder::SessionBuilder;

/// Adds the GPU execution providers `provider` names to `builder`. Fails when ONNX Runtime
/// cannot register CUDA (a CPU-only library, missing CUDA libraries): ONNX Runtime would
/// otherwise fall back to the CPU silently, and the engine would go on handing CUDA-tagged
/// frames to a CPU session.
#[cfg(feature = "cuda")]
pub(crate) fn with_gpu_provider(
    builder: SessionBuilder,
    provider: ExecutionProvider,
) -> ort::Result<SessionBuilder> {
    use ort::ep;
    let providers = match provider {
        ExecutionProvider::Cpu => return Ok(builder),
        ExecutionProvider::Cuda => vec![ep::CUDA::default().build().error_on_failure()],
        // CUDA runs the operators TensorRT does not take, and everything when TensorRT's
        // libraries are missing (ort then logs why TensorRT did not register).
        ExecutionProvider::Tensorrt => vec![
            ep::TensorRT::default().build(),
            ep::CUDA::default().build().error_on_failure(),
        ],
    };
    Ok(builder.with_execution_providers(providers)?)
}

/// Without the `cuda` feature there is no GPU provider to add.
#[cfg(not(feature = "cuda"))]
pub(crate) fn with_gpu_provider(
    _builder: SessionBuilder,
    _provider: ExecutionProvider,
) -> ort::Result<SessionBuilder> {
    Err(ort::Error::new("built without the `cuda` feature"))
}
