#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, then type-check,
# lint and build (npm run check), the OpenAPI fuzzer against the production build
# (scripts/fuzz-openapi.sh), the README's quick start run as a newcomer would
# (scripts/smoke-quickstart.sh), and last every test against real MongoDB-compatible and
# Redis servers (npm run test:jest), so that jest's summary is what the run ends with.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
npm run check
bash scripts/fuzz-openapi.sh
bash scripts/smoke-quickstart.sh
# The quick start's npm start rebuilt dist/ (the build empties it first): the tests again.
npm run build:test
npm run test:jest
