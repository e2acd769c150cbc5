#!/usr/bin/env bash
# Builds Mailpit 1.33.1 (an SMTP server that keeps what it receives and shows it over an HTTP
# API) from the Go module proxy, for the tests' mail. Used when SMTP_TEST_URL is not set.
# Prints the binary's path on stdout; progress goes to stderr.
# CGO is off as in Mailpit's own release builds: its SQLite is pure Go (modernc.org/sqlite),
# so the binary is static and no C compiler is needed (a CGO build works too).
# The version is set by -ldflags as upstream does; plain `go install` reports "dev".
set -euo pipefail
VERSION=v1.33.1
DEST_DIR="${MAILPIT_HOME:-$HOME/.cache/kommentarer/mailpit-$VERSION}"
BIN="$DEST_DIR/mailpit"
# --no-release-check: `version` otherwise asks GitHub for the latest release and exits 1 offline.
runs() { "$BIN" version --no-release-check 2>/dev/null | grep -q "$VERSION"; }
if [ -x "$BIN" ] && runs; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { echo "Mailpit needs Go to build; install Go or set SMTP_TEST_URL" >&2; exit 1; }
mkdir -p "$DEST_DIR"
echo "building Mailpit $VERSION (first run only, about a minute)…" >&2
GOBIN="$DEST_DIR" CGO_ENABLED=0 go install \
  -ldflags "-s -w -X github.com/axllent/mailpit/config.Version=$VERSION" \
  "github.com/axllent/mailpit@$VERSION" >&2
runs || { echo "Mailpit $VERSION was built but does not run: $BIN" >&2; exit 1; }
echo "$BIN"
