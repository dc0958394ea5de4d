//! GPU execution providers (feature `cuda`) and the fallback without them.

use mm_runtime::config::ExecutionProvider;
use ort::session::builder::SessionBuilder;

/// Adds the configured execution provider to `builder`. ONNX Runtime falls back to the CPU
/// by itself when a registered GPU provider cannot start (no GPU, no CUDA libraries).
#[cfg(feature = "cuda")]
pub(crate) fn with_provider(
    builder: SessionBuilder,
    provider: ExecutionProvider,
) -> ort::Result<SessionBuilder> {
    use ort::ep;
    let providers = match provider {
        ExecutionProvider::Cpu => return Ok(builder),
        ExecutionProvider::Cuda => vec![ep::CUDA::default().build()],
        ExecutionProvider::Tensorrt => {
            vec![ep::TensorRT::default().build(), ep::CUDA::default().build()]
        }
    };
    Ok(builder.with_execution_providers(providers)?)
}

/// Without the `cuda` feature every model runs on the CPU; asking for a GPU provider is
/// reported once.
#[cfg(not(feature = "cuda"))]
pub(crate) fn with_provider(
    builder: SessionBuilder,
    provider: ExecutionProvider,
) -> ort::Result<SessionBuilder> {
    static WARNED: std::sync::Once = std::sync::Once::new();
    if provider != ExecutionProvider::Cpu {
        WARNED.call_once(|| {
            tracing::warn!(
                ?provider,
                "built without the `cuda` feature: models run on the CPU"
            );
        });
    }
    Ok(builder)
}
