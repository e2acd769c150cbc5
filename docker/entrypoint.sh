#!/bin/sh
# Chooses the role; exec so that SIGTERM reaches node for a graceful shutdown. Sites are
# seeded only from a file named in SITES_SEED_FILE: the image ships none.
case "${1:-api}" in
  api) exec node dist/src/server.js ;;
  worker) exec node dist/workers/worker.js ;;
  *) exec "$@" ;;
esac
