#!/usr/bin/env bash
# Builds solana-test-validator from agave 3.1.12 once, into .cache/solana/bin, and reuses it
# afterwards. The Solana tests run it as the real local runtime (JSON-RPC, websocket, SBF).
#
# It is built as its own cargo project (the published crate with its own Cargo.lock,
# --locked) in its own target directory, so its Solana crates never mix with the
# workspace's. 4.x needs a newer rustc than this machine has. A cold build takes about 25
# minutes on 2 cores and needs about 2.5 GB while it runs; the target directory is removed
# afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=3.1.12
ROOT=.cache/solana
BIN="$ROOT/bin/solana-test-validator"

if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q " $VERSION "; then
  echo "solana-validator: $BIN ($VERSION) is there"
  exit 0
fi

echo "solana-validator: building solana-test-validator $VERSION (about 25 minutes cold)"
mkdir -p "$ROOT"
cargo install agave-validator --version "=$VERSION" --locked --quiet \
  --bin solana-test-validator --root "$ROOT" --target-dir "$ROOT/target"
rm -rf "$ROOT/target"
"$BIN" --version
