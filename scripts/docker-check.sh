#!/usr/bin/env bash
# Builds the x86 image (docker/Dockerfile) and runs it as docker/compose.yml says, then checks
# what an operator relies on: the image's health check turns `healthy`; every node the
# supervisor starts is alive and inference runs on its models; /stream sends JPEG frames; the
# processes run as the image's user (uid 10001), not root. The container and its volumes are
# removed at the end, whatever happened.
#
#   scripts/docker-check.sh [--no-build]
#
#   MM_DOCKER_CHECK_PORT   the API's port on the host (default 15002; host networking)
#
# Needs a Docker engine: Debian's docker.io is installed and its dockerd started when none
# answers (root). Base images come from Docker Hub, or, where it cannot be reached, are made
# locally by scripts/docker-base.sh. Not part of scripts/test.sh: CI's machines have no
# Docker engine, and a cold image build takes about 14 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/docker.sh
source scripts/lib/docker.sh

build=1
case "${1:-}" in
  --no-build) build=0 ;;
  "") ;;
  *) echo "docker-check: unknown argument $1 (see the header)" >&2; exit 2 ;;
esac
port="${MM_DOCKER_CHECK_PORT:-15002}"
project=mmoment-check
compose=(docker-compose -p "$project" -f docker/compose.yml)
started=$SECONDS
step() { printf 'docker-check [%4ds] %s\n' "$((SECONDS - started))" "$*"; }

docker_engine
if ((build)); then
  for base in $(docker_base_images); do
    docker image inspect "$base" >/dev/null 2>&1 || docker pull -q "$base" >/dev/null 2>&1 ||
      { step "$base cannot be pulled: making it locally"; bash scripts/docker-base.sh; }
  done
  step "building mmoment-edge:latest (docker/Dockerfile)"
  docker_build -q -f docker/Dockerfile -t mmoment-edge:latest . >/dev/null
fi
step "image: $(docker image inspect -f '{{.Size}}' mmoment-edge:latest | awk '{printf "%.0f MB", $1/1e6}')"

cleanup() { MM_API_PORT="$port" "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
MM_API_PORT="$port" "${compose[@]}" up -d --no-build
container="$("${compose[@]}" ps -q mmoment)"
fail() {
  echo "docker-check: FAILED: $*" >&2
  docker logs --tail 40 "$container" >&2 || true
  exit 1
}

step "waiting for the image's health check"
health=""
for _ in $(seq 90); do
  health="$(docker inspect -f '{{.State.Health.Status}}' "$container")"
  [ "$health" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$container")" = true ] || fail "the container stopped"
  sleep 2
done
[ "$health" = healthy ] || fail "health check is '$health' after 180 s"
step "health check: healthy"

uid="$(docker exec "$container" id -u)"
[ "$uid" = 10001 ] || fail "the container runs as uid $uid, not the image's user 10001"
ps_users="$(docker top "$container" -o pid,user | awk 'NR > 1 {print $2}' | sort -u | tr '\n' ' ')"
case "$ps_users" in *root*) fail "a process runs as root: $ps_users" ;; esac
step "user: uid $uid; process owners: $ps_users"

# Inference loads its models and the ONNX Runtime library lazily: give it a few seconds.
sleep 5
health_json="$(curl -fsS "http://127.0.0.1:$port/api/health")" || fail "GET /api/health"
python3 - "$health_json" <<'PY' || fail "GET /api/health: $health_json"
import json, sys
health = json.loads(sys.argv[1])
assert health["status"] in ("ok", "degraded"), health["status"]
nodes = health["nodes"]
for name in ("capture", "inference", "overlay", "encode", "h264", "media", "api", "solana", "biometric"):
    assert name in nodes, f"node {name} did not report"
    assert nodes[name]["alive"], f"node {name} is not alive: {nodes[name]}"
assert nodes["inference"]["fps"] > 0, f"inference runs no frames: {nodes['inference']}"
print(f"docker-check: /api/health {health['status']} ({health['reason']}), source {health['source']}, "
      f"{health['fps']:.1f} fps, nodes alive: {', '.join(sorted(nodes))}")
PY

jpegs="$(curl -s --max-time 3 "http://127.0.0.1:$port/stream" | LC_ALL=C grep -a -o $'\xff\xd8\xff' | wc -l || true)"
[ "${jpegs:-0}" -gt 0 ] || fail "/stream sent no JPEG in 3 s"
step "/stream: $jpegs JPEG frames in 3 s"
step "passed"
