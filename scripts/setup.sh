#!/usr/bin/env bash
# Set up a Debian machine for berth: system packages (as root, with apt-get),
# npm dependencies, and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# What berth drives and what its tests use as real peers.
PACKAGES=(docker.io docker-compose docker-registry skopeo runc crun conmon netavark aardvark-dns iptables tini umoci busybox-static apache2-utils ca-certificates curl iproute2 attr zstd openssl socat mmdebstrap)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]} (run as root to install them; tests that need them will be skipped)" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
