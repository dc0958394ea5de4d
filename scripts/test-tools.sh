#!/usr/bin/env bash
# Installs the Python tools the tests drive, pinned, in .cache/venv-test-tools (idempotently):
# openapi-spec-validator (is each server's /api/openapi.json a valid OpenAPI 3.1 document?),
# schemathesis (fuzzes every route against its document: no 5xx, every reply as documented)
# and Playwright (drives Debian's chromium, which scripts/setup.sh installs, through the web
# page; Playwright's own browser downloads are never used). Needs python3-venv.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.cache/venv-test-tools
PACKAGES=(schemathesis==4.32.5 openapi-spec-validator==0.9.0 playwright==1.65.2)

installed() {
  [ -x "$VENV/bin/python" ] || return 1
  local frozen
  frozen=$("$VENV/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null) || return 1
  local package
  for package in "${PACKAGES[@]}"; do
    grep -qixF "$package" <<<"$frozen" || return 1
  done
}

if installed; then
  exit 0
fi
echo "test-tools: installing ${PACKAGES[*]} in $VENV"
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "${PACKAGES[@]}"
installed
