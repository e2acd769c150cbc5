#!/usr/bin/env bash
# Fuzzes the production build from its own /openapi.json with Schemathesis (pinned in
# scripts/fuzz/requirements.txt, installed into .venv-fuzz/): builds, starts
# `node dist/src/server.js` and the workers with NODE_ENV=production on loopback against
# a throwaway FerretDB and redis-server (src/dev/fuzz-target.ts), then runs the fuzzer as
# an anonymous reader, a commenter, a moderator and the admin, each for FUZZ_SECONDS
# (default 40). Fails on any 5xx, any status code, content type or body the document does
# not describe, documented constraints the service does not enforce (or enforces beyond
# the document), and any undocumented method not answered 405 with Allow. Stops
# everything it started, also on failure. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SECONDS_PER_ROLE="${FUZZ_SECONDS:-40}"
VENV=.venv-fuzz
REQUIREMENTS=scripts/fuzz/requirements.txt
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection,positive_data_acceptance,missing_required_header,unsupported_method,allow_header_conformance

# A venv of its own, rebuilt whenever the pinned list changes.
if ! cmp -s "$REQUIREMENTS" "$VENV/installed-requirements.txt"; then
  echo "fuzz: installing Schemathesis into $VENV…"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || { echo "fuzz: python3 -m venv failed; install python3-venv (scripts/install.sh does)" >&2; exit 1; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$VENV/installed-requirements.txt"
fi

npm run --silent build >/dev/null

WORK="$(mktemp -d)"
# Its own process group, so that the API, the workers and the databases stop together.
LOG_LEVEL="${FUZZ_LOG_LEVEL:-warn}" setsid node dist/src/dev/fuzz-target.js "$WORK/target.json" >"$WORK/target.log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 1 360); do
  [ -s "$WORK/target.json" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if [ ! -s "$WORK/target.json" ]; then
  echo "fuzz: the production build did not come up; it printed:" >&2
  tail -n 40 "$WORK/target.log" >&2
  exit 1
fi
field() { node -e 'const t=require(process.argv[1]);const v=t[process.argv[2]];console.log(Array.isArray(v)?v.join("\n"):v)' "$WORK/target.json" "$1"; }
BASE="$(field baseUrl)"
[[ "$BASE" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || { echo "fuzz: refusing a target that is not loopback: $BASE" >&2; exit 1; }

# The seeded ids, as dictionaries the fuzzer draws path parameters from most of the time
# (made-up ids only ever reach the 404 of a lookup).
config_for() {
  local site="$1" file="$WORK/schemathesis-$1.toml"
  {
    cat scripts/fuzz/schemathesis.toml
    printf '\n[dictionaries.site]\nvalues = ["%s"]\n' "$site"
    printf '\n[dictionaries.comment]\nvalues = [%s]\n' "$(field commentIds | sed 's/.*/"&"/' | paste -sd, -)"
    printf '\n[dictionaries.sub]\nvalues = ["%s"]\n' "$(field commenterSub)"
    printf '\n[dictionaries.thread]\nvalues = ["%s"]\n' "$(field thread)"
    printf '\n[parameters]\n'
    printf '"path.site" = { dictionary = "site", probability = 0.9 }\n'
    printf '"path.id" = { dictionary = "comment", probability = 0.8 }\n'
    printf '"path.sub" = { dictionary = "sub", probability = 0.5 }\n'
    printf '"query.thread" = { dictionary = "thread", probability = 0.5 }\n'
    printf '"query.key" = { dictionary = "thread", probability = 0.5 }\n'
  } >"$file"
  echo "$file"
}

failed=()
fuzz() {
  local role="$1" site="$2"; shift 2
  local config; config="$(config_for "$site")"
  local report="$WORK/schemathesis-$role.log" seed="${FUZZ_SEED:-$RANDOM}"
  # From the scratch directory, where Schemathesis keeps its cache (.schemathesis/). Its
  # report goes to a file and is printed whole only on failure: CI's log keeps the tests'
  # output, and a passing fuzz run is one line per role.
  if (cd "$WORK" && "$ROOT/$VENV/bin/schemathesis" --no-color --config-file "$config" run "$BASE/openapi.json" \
      --url "$BASE" --checks "$CHECKS" --max-time "$SECONDS_PER_ROLE" --max-examples 30 --workers 1 \
      --generation-database none --seed "$seed" "$@") >"$report" 2>&1; then
    echo "fuzz: $role ok (seed $seed)"
  else
    failed+=("$role")
    echo "fuzz: $role FAILED (seed $seed); Schemathesis reported:" >&2
    cat "$report" >&2
  fi
}

fuzz anonymous "$(field site)"
fuzz commenter "$(field site)" -H "Authorization: Bearer $(field commenterToken)"
fuzz moderator "$(field site)" -H "Authorization: Bearer $(field moderatorToken)"
# Last, and on a site of its own: the admin's fuzzed PUTs replace a site's whole configuration.
fuzz admin "$(field adminSite)" -H "Authorization: Bearer $(field adminKey)"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: failures as ${failed[*]}" >&2
  echo "--- the service printed:" >&2
  tail -n 40 "$WORK/target.log" >&2
  exit 1
fi
echo "fuzz: ok (anonymous, commenter, moderator, admin; ${SECONDS_PER_ROLE} s each)"
