#!/usr/bin/env bash
# Set up and run Watchfloor on a fresh machine: venv, install, load the demo corpus, serve.
# The database is the embedded SQLite file in ./var unless DATABASE_URL says otherwise.
# Usage: bash scripts/run.sh [--host H] [--port P]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e .
.venv/bin/watchfloor migrate
.venv/bin/watchfloor demo
# The address to open: the map of the seed week (/), the API docs (/docs).
host=127.0.0.1 port=8000 args=("$@")
for i in "${!args[@]}"; do
  case "${args[$i]}" in
    --host) host="${args[$((i + 1))]:-$host}" ;;
    --host=*) host="${args[$i]#--host=}" ;;
    --port) port="${args[$((i + 1))]:-$port}" ;;
    --port=*) port="${args[$i]#--port=}" ;;
  esac
done
printf '\nWatchfloor: open http://%s:%s/ for the map, http://%s:%s/docs for the API\n\n' \
  "$host" "$port" "$host" "$port"
exec .venv/bin/watchfloor serve "$@"
