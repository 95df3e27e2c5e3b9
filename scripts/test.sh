#!/usr/bin/env bash
# The one command that sets up and passes the tests: packages, build, lint,
# typecheck, unit and integration tests (integration tests need root; without
# it they skip and say why).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
