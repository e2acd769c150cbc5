#!/usr/bin/env bash
# Installs what is missing on a fresh machine, from the project's own files:
# npm packages (from package-lock.json), curl, redis-server (Debian package) unless REDIS_URL is
# set, chromium (Debian package) for the browser tests, python3-venv (Debian package) for the
# OpenAPI fuzzer, FerretDB (built from the Go module proxy) unless MONGODB_URI is set, and
# Mailpit (also built from the Go module proxy) unless SMTP_TEST_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages…"
  npm ci --no-audit --no-fund
fi

# curl for the quick start's requests (and its check in scripts/smoke-quickstart.sh).
if ! command -v curl >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing curl…"
  apt-get install -y curl >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y curl >/dev/null; }
fi

if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing redis-server…"
    apt-get install -y redis-server >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y redis-server >/dev/null; }
  else
    echo "redis-server is missing: install it (e.g. apt-get install redis-server) or set REDIS_URL" >&2
    exit 1
  fi
fi

# The browser tests (test/e2e) drive Debian's Chromium; browser downloads are not used.
# The emoji font only makes their screenshots show emoji instead of empty boxes.
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium…"
    apt-get install -y chromium fonts-noto-color-emoji >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y chromium fonts-noto-color-emoji >/dev/null; }
  else
    echo "chromium is missing: install it (e.g. apt-get install chromium) or set CHROMIUM_PATH" >&2
    exit 1
  fi
elif [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y fonts-noto-color-emoji >/dev/null 2>&1 || true
fi

# Python 3 with venv for the OpenAPI fuzzer (scripts/fuzz-openapi.sh installs Schemathesis
# into .venv-fuzz/ from PyPI itself); Debian splits venv into python3-venv.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing python3-venv (for the OpenAPI fuzzer)…"
    apt-get install -y python3 python3-venv >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y python3 python3-venv >/dev/null; }
  else
    echo "python3 with venv is missing: install it (e.g. apt-get install python3-venv)" >&2
    exit 1
  fi
fi

# mongodb-memory-server is tried first at run time; FerretDB is the fallback where mongod
# cannot be downloaded. Building it now keeps the first start quick.
if [ -z "${MONGODB_URI:-}" ] && command -v go >/dev/null; then
  bash scripts/install-ferretdb.sh >/dev/null
fi

# The tests' mail goes to Mailpit (an SMTP server with an HTTP API to read what it got),
# started by the jest global setup; building it now keeps the first test run quick.
if [ -z "${SMTP_TEST_URL:-}" ] && command -v go >/dev/null; then
  bash scripts/install-mailpit.sh >/dev/null
fi

# The benchmarks run FerretDB on PostgreSQL, where it uses indexes (its SQLite backend
# scans whole collections); Debian's package provides the server binaries.
if [ "${INSTALL_POSTGRESQL:-0}" = 1 ] && [ ! -d /usr/lib/postgresql ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing postgresql (for the benchmarks)…"
  apt-get install -y postgresql >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y postgresql >/dev/null; }
fi

# The read benchmark drives the API with wrk (a C load generator: a Node one would be the
# bottleneck before a bare node:http server is).
if [ "${INSTALL_POSTGRESQL:-0}" = 1 ] && ! command -v wrk >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing wrk (for the benchmarks)…"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
