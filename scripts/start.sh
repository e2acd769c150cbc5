#!/usr/bin/env bash
# First look on a fresh machine: installs what is missing, then starts API, workers and
# (unless MONGODB_URI / REDIS_URL are set) embedded databases with a demo site.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec npm start
