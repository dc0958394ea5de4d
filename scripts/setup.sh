#!/usr/bin/env bash
# Installs what building, running and testing mmoment-edge needs on Debian, idempotently: only
# the packages that are missing are installed. Rust (cargo) and Python 3 must already be there.
#
#   scripts/setup.sh           everything (the README's commands call this)
#   scripts/setup.sh --build   only what building the nodes and fetching the models needs
set -euo pipefail

# Checked first: without Rust nothing here is of use, so nothing is installed.
if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found; install Rust (https://rustup.rs) first, then run this again" >&2
  exit 1
fi
if ! command -v python3 >/dev/null; then
  echo "setup: python3 not found; install Python 3 first, then run this again" >&2
  exit 1
fi

# What building the nodes and fetching the models needs (`--build`: only these, as the Docker
# images' build stage installs). clang/libclang + pkg-config: bindgen for FFmpeg and V4L2;
# nasm: mozjpeg's SIMD (without it mozjpeg silently builds a 7x slower encoder); libav*:
# FFmpeg for the file source and the H.264 encoder; libsqlite3-dev: the SQLite that rusqlite
# links (the API's sessions, the biometric key store and audit log).
BUILD_PACKAGES=(
  build-essential pkg-config clang libclang-dev nasm curl
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
  libavfilter-dev libavdevice-dev libsqlite3-dev
)
# What the benchmarks and tests need beside: GStreamer with its shm elements (plugins-bad):
# the external peer of `mm-bench transport`; DejaVu Sans: the font of mm-bench's PNG plots;
# ffmpeg (the CLI, with ffprobe): the real RTMP ingest of the media tests (`ffmpeg -listen 1`),
# ffprobe of what it received, and the reference system's JPEG-over-stdin path in
# `mm-bench media`; docker-compose and systemd (systemd-analyze): the deployment files are
# validated by the tests (`docker-compose config`, `systemd-analyze verify`; no Docker engine
# needed); prometheus (for promtool): the tests check every /metrics scrape with `promtool
# check metrics`; chromium: the browser the web page's test drives (through Playwright,
# scripts/test-tools.sh).
TEST_PACKAGES=(
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
  gstreamer1.0-plugins-bad fonts-dejavu-core ffmpeg docker-compose systemd prometheus chromium
)
PACKAGES=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
case "${1:-}" in
  --build) PACKAGES=("${BUILD_PACKAGES[@]}") ;;
  "") ;;
  *) echo "setup: unknown argument $1 (--build: only what building needs)" >&2; exit 2 ;;
esac

# shellcheck source=lib/apt.sh
source "$(dirname "$0")/lib/apt.sh"
apt_install "${PACKAGES[@]}"
# unzip, a working `python3 -m venv` and pip: scripts/fetch-models.sh and test-tools.sh.
# Checked as commands (a Python other than Debian's has venv and pip without Debian's
# packages): a package is installed only for what does not work.
need_commands unzip python3-venv python3-pip
