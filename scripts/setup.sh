#!/usr/bin/env bash
# Installs what building and running mmoment-edge needs on Debian, idempotently: only the
# packages that are missing are installed. Rust (cargo) must already be there.
set -euo pipefail

# clang/libclang + pkg-config: bindgen for FFmpeg and V4L2; nasm: mozjpeg's SIMD (without it
# mozjpeg silently builds a 7x slower encoder); libav*: FFmpeg for the file source;
# GStreamer with its shm elements (plugins-bad): the external peer of `mm-bench transport`;
# DejaVu Sans: the font of mm-bench's PNG plots; unzip: scripts/fetch-models.sh.
PACKAGES=(
  build-essential pkg-config clang libclang-dev nasm curl unzip
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
  libavfilter-dev libavdevice-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
  gstreamer1.0-plugins-bad fonts-dejavu-core
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found; install Rust (https://rustup.rs) first" >&2
  exit 1
fi
