#!/bin/sh
# The shop in one command, as root: set berth up on a fresh clone (npm ci,
# npm run build), build the images (build.sh), bring the stack up in the
# background with `berth up -d`, and print the URL to try.
#
# Usage:   sh examples/shop/up.sh [BERTH-GLOBAL-OPTION…]     e.g. --root /tmp/r
# Env:     BERTH   the berth command (default: node <this repo>/bin/berth.js)
# Stop it: berth down -f examples/shop/compose.yaml
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
repo=$(CDPATH='' cd -- "$here/../.." && pwd)

berth() {
  if [ -n "${BERTH:-}" ]; then
    # shellcheck disable=SC2086 # BERTH is a command line: split on purpose
    $BERTH "$@"
  else
    node "$repo/bin/berth.js" "$@"
  fi
}

if [ -z "${BERTH:-}" ] && [ ! -e "$repo/dist/src/cli/main.js" ]; then
  echo "up.sh: building berth first (npm ci && npm run build)" >&2
  (cd "$repo" && npm ci && npm run build) >&2
fi
if ! berth --help 2>/dev/null | grep -Eq '^ +up( |$)'; then
  echo "up.sh: this berth has no 'up' command yet; sh $here/build.sh builds the images, and README.md shows how to run each with berth run" >&2
  exit 1
fi
sh "$here/build.sh" "$@" >/dev/null
berth "$@" up -f "$here/compose.yaml" -d >&2
echo "The shop is up: http://127.0.0.1:8080/"
