#!/bin/sh
# Chooses the role; exec so that SIGTERM reaches node for a graceful shutdown.
case "${1:-api}" in
  api) exec node dist/src/server.js ;;
  worker) exec node dist/workers/worker.js ;;
  *) exec "$@" ;;
esac
