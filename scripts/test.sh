#!/usr/bin/env bash
# Set up and run the whole test suite: venv, dependencies, PostgreSQL, lint, pytest.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '== %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {
  # Debian packages the suite uses: PostgreSQL (if absent), GDAL's ogrinfo (GIS client tests),
  # Chromium and its driver (the map page's browser test), promtool (checks /metrics).
  local missing=()
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  command -v ogrinfo >/dev/null || missing+=(gdal-bin)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  command -v promtool >/dev/null || missing+=(prometheus)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || log "could not install ${missing[*]}; tests that need them will say so"
}

pg_url_works() { "$PY" - "$1" <<'PYEOF' >/dev/null 2>&1
import sys, sqlalchemy as sa
sa.create_engine(sys.argv[1]).connect().close()
PYEOF
}

ensure_postgres() {
  export WATCHFLOOR_TEST_PG="${WATCHFLOOR_TEST_PG:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
  pg_url_works "$WATCHFLOOR_TEST_PG" && return 0
  if command -v pg_ctlcluster >/dev/null; then
    log "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
    for _ in $(seq 1 30); do pg_url_works "$WATCHFLOOR_TEST_PG" && return 0; sleep 1; done
    # A fresh Debian cluster asks for a password over TCP: give the test role one.
    local alt="postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres"
    as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
    if pg_url_works "$alt"; then export WATCHFLOOR_TEST_PG="$alt"; return 0; fi
  fi
  log "PostgreSQL is not reachable at $WATCHFLOOR_TEST_PG"; return 1
}

apt_install
if [ ! -x .venv/bin/python ]; then log "creating .venv"; python3 -m venv .venv; fi
PY=.venv/bin/python
log "installing watchfloor[dev]"
$PY -m pip install -q --upgrade pip >/dev/null
$PY -m pip install -q -e ".[dev]"
ensure_postgres

log "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

log "mypy"
.venv/bin/mypy app

log "pytest"
set +e
$PY -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then log "pytest collected no tests: that is a failure here"; exit 1; fi
exit "$status"
