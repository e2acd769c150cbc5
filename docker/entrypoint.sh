#!/bin/sh
# Chooses the role; exec so that SIGTERM reaches node for a graceful shutdown. Sites are
# seeded only from a file named in SITES_SEED_FILE: the image ships none. The API's heap
# cap (API_HEAP_MB) is explained in config/node-flags.ts.
case "${1:-api}" in
  api) exec node --max-old-space-size="${API_HEAP_MB:-256}" dist/src/server.js ;;
  worker) exec node dist/workers/worker.js ;;
  *) exec "$@" ;;
esac
