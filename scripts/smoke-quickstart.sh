#!/usr/bin/env bash
# The README's quick start, run the way a newcomer runs it: scripts/start.sh, then the
# quick start's requests (read, demo token, post, see it published, the pages). Uses a
# free port and a throwaway data directory; stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
PORT="${SMOKE_PORT:-$(free_port)}"
BASE="http://127.0.0.1:${PORT}"
DATA="$(mktemp -d)"
LOG="${DATA}/start.log"

# Its own process group, so that npm, node and the embedded databases all stop together.
PORT="$PORT" PUBLIC_URL="$BASE" DATA_DIR="$DATA" LOG_LEVEL=warn setsid bash scripts/start.sh >"$LOG" 2>&1 &
pid=$!

cleanup() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

fail() {
  echo "quick start: $1" >&2
  echo "--- scripts/start.sh printed:" >&2
  tail -n 40 "$LOG" >&2
  exit 1
}

for _ in $(seq 1 240); do
  curl -sf "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || fail "scripts/start.sh exited before the service was ready"
  sleep 0.5
done
curl -sf "$BASE/readyz" >/dev/null || fail "not ready after 120 s"

curl -sf "$BASE/api/v1/sites/demo/thread?key=/artikel/1" | grep -q '"status":"open"' || fail "reading the demo thread failed"
TOKEN="$(npm run -s demo:token -- anna "Anna Andersson")"
[[ "$TOKEN" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] || fail "npm run -s demo:token did not print a JWT alone"
status="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/v1/sites/demo/comments" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"thread":"/artikel/1","body":"Hej från snabbstarten!"}')"
[[ "$status" == 201 ]] || fail "posting answered $status, not 201"
published=""
for _ in $(seq 1 60); do
  if curl -sf "$BASE/api/v1/sites/demo/comments?thread=/artikel/1" | grep -q '"status":"published"'; then published=1; break; fi
  sleep 0.5
done
[[ -n "$published" ]] || fail "the comment was not published within 30 s"
for path in /demo /moderate /embed.js /count.js /openapi.json; do
  curl -sf -o /dev/null "$BASE$path" || fail "GET $path failed"
done
echo "quick start: ok (read, demo token, post, published, pages)"
