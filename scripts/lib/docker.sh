# Sourced by the scripts that drive Docker.
#   docker_engine        makes sure a Docker engine answers: installs Debian's docker.io when
#                        there is none and starts its dockerd when it is not running (as root,
#                        without systemd: the log goes to .cache/dockerd.log)
#   docker_build ARG...  `docker build`, with the classic builder when the client has no
#                        BuildKit (the buildx plugin), as Debian's docker.io client has not
#   docker_base_images   prints the two images docker/Dockerfile starts from: Debian, then
#                        Rust at the Dockerfile's RUST_VERSION

docker_engine() {
  docker info >/dev/null 2>&1 && return 0
  # shellcheck source=apt.sh
  source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
  apt_install docker.io
  docker info >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$(basename "$0"): no Docker engine answers and only root can start one (or add this user to the docker group)" >&2
    return 1
  fi
  local log
  log="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.cache/dockerd.log"
  mkdir -p "$(dirname "$log")"
  echo "$(basename "$0"): starting dockerd (log: $log)"
  nohup dockerd >"$log" 2>&1 &
  local tries
  for tries in $(seq 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "$(basename "$0"): dockerd did not come up in 30 s; see $log" >&2
  return 1
}

docker_build() {
  if docker buildx version >/dev/null 2>&1; then
    docker build "$@"
  else
    DOCKER_BUILDKIT=0 docker build "$@"
  fi
}

docker_base_images() {
  local dockerfile version
  dockerfile="$(dirname "${BASH_SOURCE[0]}")/../../docker/Dockerfile"
  version="$(sed -n 's/^ARG RUST_VERSION=//p' "$dockerfile")"
  [ -n "$version" ] || { echo "$(basename "$0"): no ARG RUST_VERSION in docker/Dockerfile" >&2; return 1; }
  printf '%s\n' debian:bookworm-slim "rust:${version}-slim-bookworm"
}
