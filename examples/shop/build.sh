#!/bin/sh
# Build the shop's images with berth and print their names, one a line:
#
#   redis    berth base build: Debian's redis-server, distroless (redis/redis.yaml)
#   catalog  zero-config Node.js build (package.json, no Dockerfile); it also
#            makes berth's Node.js base, localhost/berth/node-base:latest
#   gateway  zero-config Node.js build
#   cart     Dockerfile build FROM that base, so it comes last; as root
#            (COPY and WORKDIR mount an overlay)
#
# Usage:   sh examples/shop/build.sh [BERTH-GLOBAL-OPTION…]     e.g. --root /tmp/r
# Env:     BERTH       the berth command (default: <this repo>/bin/berth.cjs)
#          REDIS_LOCK  the redis base's lock (default: redis/redis.yaml.lock, made
#                      on the first build and reused; delete it to take newer packages)
# Network: the Debian mirror of this machine's apt sources, for the .debs of the
# first builds; no npm (the services have no dependencies).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
lock=${REDIS_LOCK:-$here/redis/redis.yaml.lock}

berth() {
  if [ -n "${BERTH:-}" ]; then
    # shellcheck disable=SC2086 # BERTH is a command line: split on purpose
    $BERTH "$@"
  else
    "$here/../../bin/berth.cjs" "$@"
  fi
}

if [ "$(id -u)" != 0 ]; then
  echo "build.sh: the cart's Dockerfile build needs root (COPY mounts an overlay); run as root" >&2
  exit 1
fi

built=""
add() {
  echo "build.sh: $1 $2" >&2
  built="$built$1
"
}

digest=$(berth "$@" base build "$here/redis/redis.yaml" --lock "$lock" -t localhost/shop/redis:latest)
add localhost/shop/redis:latest "$digest"
for svc in catalog gateway cart; do
  digest=$(berth "$@" build -t "localhost/shop/$svc:latest" "$here/$svc")
  add "localhost/shop/$svc:latest" "$digest"
done
printf '%s' "$built"
