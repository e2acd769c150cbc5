#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, then type-check,
# lint and every test against real MongoDB-compatible and Redis servers, then the OpenAPI
# fuzzer against the production build (scripts/fuzz-openapi.sh), then the README's quick
# start run as a newcomer would (scripts/smoke-quickstart.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
npm test
bash scripts/fuzz-openapi.sh
bash scripts/smoke-quickstart.sh
