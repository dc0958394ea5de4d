#!/usr/bin/env bash
# Makes the two base images docker/Dockerfile starts from on a machine that cannot reach
# Docker Hub, as their official images are made:
#   debian:bookworm-slim           debootstrap (minbase) from the Debian mirror, docs and
#                                  locales left out as in the slim image, `docker import`ed
#   rust:<version>-slim-bookworm   docker/base/rust-slim.Dockerfile on top of it (rustup from
#                                  static.rust-lang.org, checked by its SHA-256); the version is
#                                  docker/Dockerfile's RUST_VERSION
# An image that is already there (pulled or made before) is kept: nothing is redone.
#
# Behind a TLS-inspecting proxy (this machine's kind: its CA in /usr/local/share/ca-certificates)
# the images must trust what this machine trusts, or nothing inside them can reach PyPI,
# crates.io or npm: the local CAs go into the Debian image (Debian's ca-certificates adds them
# to the system bundle when it is installed) with the variables that point pip, Node, curl and
# OpenSSL at that bundle. Without local CAs nothing is added.
#
#   MM_DEBIAN_MIRROR   the mirror debootstrap reads (default http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/docker.sh
source scripts/lib/docker.sh
docker_engine

{ read -r debian_image; read -r rust_image; } < <(docker_base_images)
rust_version="${rust_image#rust:}"
rust_version="${rust_version%-slim-bookworm}"
mirror="${MM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

have() { docker image inspect "$1" >/dev/null 2>&1; }

if ! have "$debian_image"; then
  # shellcheck source=lib/apt.sh
  source scripts/lib/apt.sh
  apt_install debootstrap
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  echo "docker-base: debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
  # What the slim image leaves out (docs, man pages, locales) and keeps out on later installs.
  cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
  env_changes=()
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    bundle=/etc/ssl/certs/ca-certificates.crt
    for variable in SSL_CERT_FILE CURL_CA_BUNDLE PIP_CERT REQUESTS_CA_BUNDLE NODE_EXTRA_CA_CERTS; do
      env_changes+=(--change "ENV $variable=$bundle")
    done
    echo "docker-base: the image trusts this machine's local CAs: $(cd /usr/local/share/ca-certificates && echo *.crt)"
  fi
  printf 'APT::Install-Recommends "false";\n' > "$rootfs/etc/apt/apt.conf.d/docker-no-recommends"
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
         "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" --numeric-owner -c . |
    docker import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      "${env_changes[@]}" - "$debian_image" >/dev/null
  echo "docker-base: made $debian_image"
fi

if ! have "$rust_image"; then
  echo "docker-base: building $rust_image"
  docker_build --build-arg "RUST_VERSION=$rust_version" -t "$rust_image" \
    -f docker/base/rust-slim.Dockerfile docker/base
  echo "docker-base: made $rust_image"
fi
