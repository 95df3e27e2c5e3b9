#!/usr/bin/env bash
# The main job: set berth up on this machine (Debian packages as root, npm ci,
# the build), build the shop's images with berth (build.sh), bring the stack up
# with `berth up -d` (the CLI starts berth's daemon, which keeps it healthy),
# wait until every replica is ready, and print the URL to try.
#
# Usage:   bash examples/shop/up.sh [BERTH-GLOBAL-OPTION…]     e.g. --root /tmp/r
# Env:     SHOP_READY_TIMEOUT  seconds to wait for every replica (default 300)
# Stop it: bin/berth.cjs down -f examples/shop/compose.yaml
set -euo pipefail

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
repo=$(CDPATH='' cd -- "$here/../.." && pwd)
berth() { "$repo/bin/berth.cjs" "$@"; }

if [ "$(id -u)" != 0 ]; then
  echo "up.sh: run as root: containers under runc, overlay mounts and the cart's Dockerfile build need it" >&2
  exit 1
fi
bash "$repo/scripts/setup.sh" >&2

echo "== building the images (the first build fetches Debian packages; later ones are cached)" >&2
sh "$here/build.sh" "$@" >/dev/null

echo "== berth up -d" >&2
berth "$@" up -f "$here/compose.yaml" -d >&2

echo "== waiting for every replica to be ready" >&2
deadline=$(( $(date +%s) + ${SHOP_READY_TIMEOUT:-300} ))
while :; do
  status=$(berth "$@" service ls -f "$here/compose.yaml" --format json)
  summary=$(node -e '
    const stacks = JSON.parse(process.argv[1]);
    const rows = stacks.flatMap((s) => s.services.map((v) => `${v.name} ${v.ready}/${v.desired ?? v.replicas.length}`));
    const done = stacks.every((s) => s.services.every((v) => v.ready === (v.desired ?? v.replicas.length)));
    console.log(`${done ? "ready" : "waiting"}: ${rows.join(", ")}`);
  ' "$status")
  echo "   $summary" >&2
  case $summary in ready:*) break ;; esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "up.sh: not every replica became ready; see: bin/berth.cjs service ls -f $here/compose.yaml, and berth events" >&2
    exit 1
  fi
  sleep 3
done

berth "$@" service ls -f "$here/compose.yaml" >&2
who=$(curl -fsS http://127.0.0.1:8080/api/whoami || true)
[ -n "$who" ] && echo "   the gateway answers: $who" >&2
echo "The shop is up: http://127.0.0.1:8080/"
