#!/usr/bin/env bash
# Builds FerretDB 1.24.2 (a MongoDB-compatible server on SQLite) from the Go module proxy.
# Used when no MONGODB_URI is set and mongodb-memory-server cannot download mongod.
# A plain `go install …@v1.24.2` builds a binary that panics at start, because the module
# ships without build/version/version.txt; so we build from a copy of the module with it.
set -euo pipefail
VERSION=v1.24.2
DEST_DIR="${FERRETDB_HOME:-$HOME/.cache/kommentarer/ferretdb-$VERSION}"
BIN="$DEST_DIR/ferretdb"
if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { echo "FerretDB needs Go to build; install Go or set MONGODB_URI" >&2; exit 1; }
mkdir -p "$DEST_DIR"
src=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$src" ] || { echo "could not download FerretDB $VERSION" >&2; exit 1; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work"
echo "$VERSION" > "$work/build/version/version.txt"
echo "building FerretDB $VERSION (first run only, about two minutes)…" >&2
(cd "$work" && GOFLAGS=-mod=mod go build -o "$BIN" ./cmd/ferretdb) >&2
"$BIN" --version >/dev/null
echo "$BIN"
