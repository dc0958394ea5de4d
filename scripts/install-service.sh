#!/usr/bin/env bash
# Installs mmoment-edge as a systemd service: the release binaries, the models, the config
# (kept when one is there), a system user, its state folder, and the unit. Run as root from a
# built checkout (scripts/launch.sh builds it, or cargo build with scripts/lib/binaries.sh's
# MM_BUILD_ARGS; scripts/fetch-models.sh):
#
#   sudo scripts/install-service.sh [--prefix /opt/mmoment] [--user mmoment]
#                                   [--state /var/lib/mmoment] [--no-start]
#
# `--render-unit DIR` only writes the filled-in unit into DIR (nothing else is touched), for
# `systemd-analyze verify` and for review.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=/opt/mmoment
SERVICE_USER=mmoment
STATE=/var/lib/mmoment
CONFIG=/etc/mmoment/mmoment.toml
START=1
RENDER_ONLY=""
# shellcheck source=lib/binaries.sh
source scripts/lib/binaries.sh
BINARIES=("${MM_BINARIES[@]}")

while (($#)); do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --user) SERVICE_USER="$2"; shift 2 ;;
    --state) STATE="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    --render-unit) RENDER_ONLY="$2"; shift 2 ;;
    *) echo "install-service: unknown option $1" >&2; exit 2 ;;
  esac
done

render_unit() { # render_unit OUT
  sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER@|$SERVICE_USER|g" \
      -e "s|@CONFIG@|$CONFIG|g" -e "s|@STATE@|$STATE|g" \
      scripts/systemd/mmoment-edge.service.in > "$1"
}

if [ -n "$RENDER_ONLY" ]; then
  mkdir -p "$RENDER_ONLY"
  render_unit "$RENDER_ONLY/mmoment-edge.service"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-service: run as root (sudo)" >&2
  exit 1
fi
for bin in "${BINARIES[@]}"; do
  [ -x "target/release/$bin" ] || {
    echo "install-service: target/release/$bin missing: cargo build ${MM_BUILD_ARGS[*]}" >&2
    exit 1
  }
done
[ -f .cache/models/SHA256SUMS ] || [ -d .cache/models/lib ] || {
  echo "install-service: no models in .cache/models: run scripts/fetch-models.sh" >&2
  exit 1
}

id -u "$SERVICE_USER" >/dev/null 2>&1 ||
  useradd --system --user-group --groups video --home-dir "$STATE" --shell /usr/sbin/nologin "$SERVICE_USER"
install -d -m 0755 "$PREFIX/bin" "$PREFIX/share/doc/mmoment-edge" "$(dirname "$CONFIG")"
install -m 0755 "${BINARIES[@]/#/target/release/}" "$PREFIX/bin/"
rm -rf "$PREFIX/models" && cp -a .cache/models "$PREFIX/models"
install -m 0644 README.md "$PREFIX/share/doc/mmoment-edge/README.md"
# An operator's config is never overwritten.
[ -f "$CONFIG" ] || install -m 0644 config/mmoment.toml "$CONFIG"
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0750 "$STATE" "$STATE/photos" "$STATE/videos" "$STATE/data"
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0700 "$STATE/keys"
render_unit /etc/systemd/system/mmoment-edge.service
systemctl daemon-reload
if ((START)); then
  systemctl enable --now mmoment-edge.service
  echo "install-service: started; systemctl status mmoment-edge; journalctl -u mmoment-edge -f"
else
  echo "install-service: installed; systemctl enable --now mmoment-edge to start it"
fi
