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
exec .venv/bin/watchfloor serve "$@"
