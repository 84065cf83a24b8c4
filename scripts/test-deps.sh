#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine: Node.js
# packages from the committed lockfiles, staticcheck, and the Debian packages
# that integration tests start (they run them on random loopback ports).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=()
for cmd in node:nodejs npm:npm python3:python3 curl:curl; do
  command -v "${cmd%%:*}" >/dev/null 2>&1 || apt_pkgs+=("${cmd##*:}")
done
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  echo "test-deps: installing ${apt_pkgs[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi

# staticcheck, pinned.
GOBIN="$(go env GOPATH)/bin"
if [ ! -x "$GOBIN/staticcheck" ]; then
  echo "test-deps: installing staticcheck" >&2
  go install honnef.co/go/tools/cmd/staticcheck@2026.2.2
fi

# npm packages used by integration tests (real clients and providers).
for lock in $(git ls-files '*package-lock.json'); do
  dir=$(dirname "$lock")
  if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules" ]; then
    echo "test-deps: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
