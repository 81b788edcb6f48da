#!/usr/bin/env python3
"""Side by side with pygeoapi + PostGIS: the same rows, the same OGC query shapes, interleaved.

Usage:
    python scripts/bench_peer.py [--events 100000] [--duration 10] [--clients 1,8,32]
                                 [--shapes first_page,bbox,datetime,item,bbox_datetime]
                                 [--phases static,ingest] [--rounds 2] [--warmup 2]

One run sets up both sides on this machine and tears everything down at the end (also on an
error or Ctrl-C):

- installs what is missing, saying so: `wrk` and PostGIS (`postgresql-<major>-postgis-3`) with
  apt-get (as root, or through `sudo -n`), and pygeoapi 0.21.0 with geoalchemy2 and
  psycopg2-binary in a virtualenv of its own (`.bench/peer-venv`, gitignored), next to the same
  uvicorn and Starlette versions as ours, so the project's dependencies stay as they are;
- creates a scratch database and seeds it through the project's own schema and seeding
  (scripts/bench_api.py: `python -m app migrate`, then its generate_series SQL), then builds
  pygeoapi's table `ev` (PostGIS point, GIST, btree on event_date) from the same rows, with
  the same properties our OGC features carry;
- starts our API (`python -m app api`, one worker) and pygeoapi (its Starlette app under
  uvicorn, one worker) on free loopback ports, and checks that both answer the same
  `numberMatched` (and `numberReturned`) for every query shape before timing;
- runs `wrk -t1 -cN -d<duration>s --latency` after a warm-up, interleaved ours / theirs / ours /
  theirs, for every shape and client count: once on a static table, and once while a writer
  inserts an event every few milliseconds into both `events` and `ev` (a copy of a random
  seeded event, so each shape keeps its share of the rows; a count cached per data version
  cannot carry the comparison); after the writer stops, both sides must again agree on every
  count, which must have grown by exactly the rows written (no stale answers).

It prints one line per measurement and ends with one JSON line: the ratios ours/theirs of
requests per second per phase, shape and client count (mean over the rounds), the shapes below
the target ratio at the target client count, both servers' memory and the writer's rate.
Absolute rates vary 2-4x between runs on shared machines: read the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_api  # noqa: E402  (scripts/ is not a package: the seeding is reused from there)

PYGEOAPI_VERSION = "0.21.0"
# What pygeoapi's PostgreSQL provider needs and does not pull in itself; uvicorn and Starlette
# are pinned to the versions our API runs on (read from this interpreter), so both sides run
# on the same server stack (uvloop, httptools).
PEER_PACKAGES = ("geoalchemy2", "psycopg2-binary")
SAME_STACK = ("uvicorn", "starlette", "uvloop", "httptools")
DEFAULT_VENV = ROOT / ".bench" / "peer-venv"

TARGET_RATIO = 3.0  # issue 18, target 2: at least 3x on every shape ...
TARGET_CLIENTS = 8  # ... at 8 clients, on a static table and under ingest
PAGE_LIMIT = 100
# Three of the twelve seeded places (Jongju, Sohae, Pyongyang), no place on its edges.
BBOX = (124.5, 38.5, 126.0, 40.5)
DATETIME_DAYS = 30  # the datetime shape: the last 30 UTC days, today included
# The peninsula box (docs: gis.md): pygeoapi's configured extent.
PENINSULA = (124.0, 37.0, 131.0, 43.1)
SHAPES = ("first_page", "bbox", "datetime", "item", "bbox_datetime")
PHASES = ("static", "ingest")
# Our OGC event properties (app/api/geojson.py event_feature), served by pygeoapi from `ev`.
PEER_COLUMNS = (
    "title",
    "category",
    "event_date",
    "date_precision",
    "location_name",
    "location_precision",
    "severity",
    "claim_status",
    "confidence",
    "corroboration",
    "actors",
    "weapons",
    "first_reported_at",
    "last_reported_at",
)
WRK_TIMEOUT_S = 30  # pygeoapi's bbox at 32 clients queues for seconds: count it, don't drop it
READY_TIMEOUT_S = 60.0


# --- pure helpers (tests/core/test_bench_peer.py) ---------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int  # connect + read + write + timeout

    @property
    def clean(self) -> bool:
        return self.requests > 0 and self.non_2xx_3xx == 0 and self.socket_errors == 0


_LATENCY = re.compile(r"^\s+(50|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_REQUESTS = re.compile(r"^\s*(\d+) requests in ", re.M)
_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> WrkResult:
    """wrk 4.1's report (run with --latency) as numbers; a report without a rate is an error."""
    rps = _RPS.search(output)
    requests = _REQUESTS.search(output)
    if not rps or not requests:
        raise ValueError(f"not a wrk report: {output[:200]!r}")
    latency = {p: float(v) * _UNIT_MS[u] for p, v, u in _LATENCY.findall(output)}
    non2xx = _NON2XX.search(output)
    sockets = _SOCKET.search(output)
    return WrkResult(
        requests=int(requests.group(1)),
        rps=float(rps.group(1)),
        p50_ms=latency.get("50", float("nan")),
        p90_ms=latency.get("90", float("nan")),
        p99_ms=latency.get("99", float("nan")),
        non_2xx_3xx=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def wrk_command(url: str, clients: int, seconds: int) -> list[str]:
    """One wrk thread (the brief's `-t1`): the load generator takes one of the two cores."""
    return [
        "wrk",
        "-t1",
        f"-c{clients}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        f"{WRK_TIMEOUT_S}s",
        url,
    ]


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    name: str
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        parsed = make_url(url)
        return cls(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            name=parsed.database or "postgres",
            user=parsed.username or "postgres",
            password=parsed.password or "",
        )


def pygeoapi_config(database: Database, port: int, table: str = "ev") -> dict[str, Any]:
    """pygeoapi's configuration: one `events` collection on `table` through its PostgreSQL
    provider, pages of up to 1,000 items (ours: ogc_limit_max), compact JSON, errors-only log."""
    base = f"http://127.0.0.1:{port}"
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": base,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "pretty_print": False,
            "limits": {"default_items": PAGE_LIMIT, "max_items": 1000},
            # Only the HTML pages use the map; nothing fetches it here.
            "map": {"url": f"{base}/tiles/{{z}}/{{x}}/{{y}}.png", "attribution": "none"},
            "admin": False,
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "Watchfloor peer",
                "description": "pygeoapi on the benchmark's rows",
                "keywords": ["benchmark"],
                "terms_of_service": f"{base}/terms",
                "url": base,
            },
            # Read by pygeoapi's OpenAPI generator (KeyError without them); never fetched.
            "license": {"name": "CC-BY 4.0", "url": f"{base}/license"},
            "provider": {"name": "benchmark", "url": base},
            "contact": {"name": "benchmark"},
        },
        "resources": {
            "events": {
                "type": "collection",
                "title": "Events",
                "description": "The same events as Watchfloor's OGC collection",
                "keywords": ["events"],
                "extents": {
                    "spatial": {
                        "bbox": list(PENINSULA),
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    },
                    "temporal": {"begin": None, "end": None},
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": database.host,
                            "port": database.port,
                            "dbname": database.name,
                            "user": database.user,
                            "password": database.password,
                            "search_path": ["public"],
                        },
                        "id_field": "id",
                        "table": table,
                        "geom_field": "geom",
                        "time_field": "event_date",
                    }
                ],
            }
        },
    }


def shape_queries(today: dt.date, item_id: int) -> dict[str, str]:
    """Each shape as the path and query after `.../collections/events/items` (both sides)."""
    bbox = ",".join(f"{v:g}" for v in BBOX)
    first = today - dt.timedelta(days=DATETIME_DAYS - 1)
    interval = f"{first.isoformat()}T00:00:00Z/{today.isoformat()}T23:59:59Z"
    page = f"?limit={PAGE_LIMIT}"
    return {
        "first_page": page,
        "bbox": f"{page}&bbox={bbox}",
        "datetime": f"{page}&datetime={interval}",
        "item": f"/{item_id}",
        "bbox_datetime": f"{page}&bbox={bbox}&datetime={interval}",
    }


@dataclass(frozen=True)
class Measurement:
    phase: str
    shape: str
    clients: int
    side: str  # "ours" or "theirs"
    round: int
    result: WrkResult
    cpu_ms_per_request: float


def summarize(
    measurements: Sequence[Measurement],
    target: float = TARGET_RATIO,
    target_clients: int = TARGET_CLIENTS,
) -> dict[str, Any]:
    """Ratios ours/theirs of mean requests/s over the rounds, per phase, shape and clients
    (`ratios[phase][shape][clients]`), and the cells at `target_clients` below `target`."""
    rates: dict[tuple[str, str, int, str], list[float]] = {}
    for m in measurements:
        rates.setdefault((m.phase, m.shape, m.clients, m.side), []).append(m.result.rps)
    ratios: dict[str, dict[str, dict[str, float | None]]] = {}
    below: list[str] = []
    for phase, shape, clients, side in rates:
        if side != "ours":
            continue
        ours = statistics.fmean(rates[(phase, shape, clients, "ours")])
        theirs_runs = rates.get((phase, shape, clients, "theirs"))
        theirs = statistics.fmean(theirs_runs) if theirs_runs else 0.0
        ratio = round(ours / theirs, 2) if theirs > 0 else None
        ratios.setdefault(phase, {}).setdefault(shape, {})[str(clients)] = ratio
        if clients == target_clients and (ratio is None or ratio < target):
            below.append(f"{phase}/{shape}")
    return {
        "ratios": ratios,
        "target": {"ratio": target, "clients": target_clients},
        "below_target": below,
        "target_met": not below and bool(ratios),
    }


# --- installation -----------------------------------------------------------------------------


def say(message: str) -> None:
    print(message, flush=True)


def apt_install(*packages: str) -> None:
    """apt-get install, as root or through passwordless sudo; waits for another apt's lock."""
    # `env` after sudo: sudo resets the environment, and debconf must not ask questions.
    prefix = ["env", "DEBIAN_FRONTEND=noninteractive"]
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise SystemExit(f"need root or sudo to install {' '.join(packages)}")
        prefix = ["sudo", "-n", *prefix]
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    say(f"installing {' '.join(packages)} with apt-get")
    subprocess.run([*prefix, "apt-get", *lock, "update", "-qq"], check=True)
    subprocess.run([*prefix, "apt-get", *lock, "install", "-y", "-qq", *packages], check=True)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    say("wrk is absent")
    apt_install("wrk")


def ensure_postgis(admin_url: str) -> str:
    """PostGIS available to the server (the package matching its major version); its version."""
    engine = sa.create_engine(admin_url)
    query = sa.text(
        "SELECT (SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'), "
        "current_setting('server_version_num')::int / 10000"
    )
    try:
        with engine.connect() as conn:
            version, major = conn.execute(query).one()
            if version is None:
                say(f"PostGIS is absent from PostgreSQL {major}")
                apt_install(f"postgresql-{major}-postgis-3")
                version = conn.execute(query).one()[0]
    finally:
        engine.dispose()
    if version is None:
        raise SystemExit("PostGIS is still not available to the server")
    return str(version)


def peer_requirements() -> list[str]:
    same = [f"{name}=={importlib.metadata.version(name)}" for name in SAME_STACK]
    return [f"pygeoapi=={PYGEOAPI_VERSION}", *PEER_PACKAGES, *same]


_PEER_CHECK = (
    "import importlib.metadata as m, json, sys\n"
    "import pygeoapi.starlette_app  # noqa\n"
    "names = sys.argv[1:]\n"
    "print(json.dumps({n: m.version(n) for n in names}))\n"
)


def peer_versions(venv: Path) -> dict[str, str] | None:
    """The peer venv's versions of the packages that matter, or None if it cannot run."""
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    names = ["pygeoapi", "sqlalchemy", "geoalchemy2", "psycopg2-binary", *SAME_STACK]
    # Importing the Starlette app needs a config: a throwaway one (nothing connects at import).
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "config.yml"
        cfg.write_text(yaml.safe_dump(pygeoapi_config(Database.from_url("postgresql:///x"), 1)))
        (Path(tmp) / "openapi.yml").write_text("{}\n")
        env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg)}
        env["PYGEOAPI_OPENAPI"] = str(cfg.with_name("openapi.yml"))
        done = subprocess.run(
            [str(python), "-c", _PEER_CHECK, *names], capture_output=True, text=True, env=env
        )
    if done.returncode != 0:
        return None
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def ensure_peer_venv(venv: Path) -> dict[str, str]:
    """pygeoapi 0.21.0 in a venv of its own; installed (saying so) when absent or different."""
    wanted = peer_requirements()
    versions = peer_versions(venv)
    pinned = {r.split("==")[0]: r.split("==")[1] for r in wanted if "==" in r}
    if versions and all(versions.get(k) == v for k, v in pinned.items()):
        return versions
    say(f"installing {' '.join(wanted)} into {venv}")
    if not (venv / "bin" / "python").exists():
        # The base interpreter, not this venv's: the peer's packages never meet ours.
        base = getattr(sys, "_base_executable", None) or shutil.which("python3") or "python3"
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *wanted], check=True
    )
    versions = peer_versions(venv)
    if not versions:
        raise SystemExit(f"pygeoapi does not import from {venv}")
    return versions


# --- the scratch database ---------------------------------------------------------------------

_BUILD_PEER_TABLE = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    # Every event, those without a point too (geom NULL): both sides then count the same rows
    # (neither puts a point-less event in a bbox).
    f"""CREATE TABLE ev AS
        SELECT id, {", ".join(PEER_COLUMNS)},
               CASE WHEN lat IS NULL OR lon IS NULL THEN NULL
                    ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END::geometry(Point, 4326)
                 AS geom
        FROM events""",
    "ALTER TABLE ev ADD PRIMARY KEY (id)",
    "CREATE INDEX ev_geom ON ev USING gist (geom)",
    "CREATE INDEX ev_event_date ON ev (event_date)",
]


def build_peer_table(url: str) -> None:
    started = time.perf_counter()
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in _BUILD_PEER_TABLE:
            conn.execute(sa.text(statement))
        conn.execute(sa.text("VACUUM ANALYZE ev"))
        conn.execute(sa.text("VACUUM ANALYZE events"))
        rows = conn.execute(sa.text("SELECT count(*), count(geom) FROM ev")).one()
    engine.dispose()
    say(
        f"built ev: {rows[0]} rows, {rows[1]} with a point, in {time.perf_counter() - started:.1f}s"
    )


def middle_event_id(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row_id = conn.execute(
            sa.text(
                "SELECT id FROM events ORDER BY id OFFSET (SELECT count(*) / 2 FROM events) LIMIT 1"
            )
        ).scalar_one()
    engine.dispose()
    return int(row_id)


# --- the writer ---------------------------------------------------------------------------------

# The columns a copied event keeps (key and report times are new).
_COPIED = (
    "category, title, summary, event_date, date_precision, location_name, location_id, "
    "location_precision, lat, lon, actors, weapons, figures, severity, claim_status, "
    "confidence, corroboration"
)
_WRITE = sa.text(
    f"""
WITH new AS (
    INSERT INTO events (key, {_COPIED}, first_reported_at, last_reported_at, created_at,
        updated_at)
    SELECT :key, {_COPIED}, now(), now(), now(), now()
    FROM events WHERE id = (SELECT id FROM events WHERE id >= :template ORDER BY id LIMIT 1)
    RETURNING id, {", ".join(PEER_COLUMNS)}, lat, lon
)
INSERT INTO ev (id, {", ".join(PEER_COLUMNS)}, geom)
SELECT id, {", ".join(PEER_COLUMNS)},
       CASE WHEN lat IS NULL OR lon IS NULL THEN NULL
            ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END
FROM new
"""
)


@dataclass
class Writer:
    """Inserts one event every `interval_s` into both tables, one transaction each (an
    ingesting collector's trickle): both sides pay for fresh rows in every count.

    Each new event copies a random seeded one (place, day, category; a new key, reported
    now), so the table grows while every shape keeps selecting the same share of it."""

    url: str
    interval_s: float
    rows: int = 0
    seconds: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    error: BaseException | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="bench-writer", daemon=True)
        self._thread.start()

    def check(self) -> None:
        """Raise if the writer stopped writing: figures taken without it are not `ingest`."""
        if self.error is not None:
            raise RuntimeError(f"the writer failed: {self.error}") from self.error

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.check()

    def _run(self) -> None:
        rng = random.Random(18)
        token = secrets.token_hex(3)
        engine = sa.create_engine(self.url)
        started = time.perf_counter()
        try:
            with engine.connect() as conn:
                first, last = conn.execute(sa.text("SELECT min(id), max(id) FROM events")).one()
            while not self._stop.wait(self.interval_s):
                params = {
                    "key": f"peer-writer-{token}-{self.rows}",
                    "template": rng.randint(first, last),
                }
                with engine.begin() as conn:
                    if conn.execute(_WRITE, params).rowcount != 1:
                        raise RuntimeError(f"no row written for {params}")
                self.rows += 1
        except BaseException as exc:  # reported by check() and stop(), in the main thread
            self.error = exc
        finally:
            self.seconds += time.perf_counter() - started
            engine.dispose()


# --- the two servers --------------------------------------------------------------------------


def wait_ready(url: str, proc: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited with {proc.returncode} before answering")
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"{name} did not answer {url} within {READY_TIMEOUT_S:.0f}s")


def start_ours(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "WATCHFLOOR_LOG_LEVEL": "WARNING"}
    command = ["-m", "app", "api", "--port", str(port), "--no-migrate", "--workers", "1"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return proc


def start_theirs(
    venv: Path, workdir: Path, database: Database, port: int
) -> subprocess.Popen[bytes]:
    config, openapi = workdir / "config.yml", workdir / "openapi.yml"
    config.write_text(yaml.safe_dump(pygeoapi_config(database, port), sort_keys=False))
    env = {
        **os.environ,
        "PYGEOAPI_CONFIG": str(config),
        "PYGEOAPI_OPENAPI": str(openapi),
        "PYGEOAPI_URL": f"http://127.0.0.1:{port}",
    }
    pygeoapi = str(venv / "bin" / "pygeoapi")
    run_step([pygeoapi, "config", "validate", "-c", str(config)], env)
    run_step([pygeoapi, "openapi", "generate", str(config), "--output-file", str(openapi)], env)
    command = [
        str(venv / "bin" / "uvicorn"),
        "pygeoapi.starlette_app:APP",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with (workdir / "pygeoapi.log").open("wb") as out:
        return subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)


def run_step(command: list[str], env: Mapping[str, str]) -> None:
    """A set-up command whose output matters only when it fails."""
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@dataclass(frozen=True)
class Side:
    name: str
    items: str  # the items URL, without the query
    pid: int


def fetch(url: str) -> tuple[int, dict[str, Any], int]:
    response = httpx.get(url, timeout=120)
    try:
        body = response.json()
    except ValueError:
        body = {"text": response.text[:300]}
    return response.status_code, body, len(response.content)


def check_parity(sides: Sequence[Side], queries: Mapping[str, str]) -> dict[str, Any]:
    """Both sides answer 200 with the same numberMatched and numberReturned (the same id for
    `item`) for every shape; returns the counts and response sizes, else stops the run."""
    seen: dict[str, Any] = {}
    for shape, query in queries.items():
        answers = {side.name: fetch(side.items + query) for side in sides}
        for name, (status, body, _) in answers.items():
            if status != 200:
                raise SystemExit(f"{shape}: {name} answered {status}: {str(body)[:300]}")
        if shape == "item":
            key = {name: body.get("id") for name, (_, body, _) in answers.items()}
        else:
            key = {
                name: (body.get("numberMatched"), body.get("numberReturned"))
                for name, (_, body, _) in answers.items()
            }
        if len(set(key.values())) != 1:
            raise SystemExit(f"{shape}: the sides disagree: {key}")
        seen[shape] = {
            "matched_returned": next(iter(key.values())),
            "bytes": {name: size for name, (_, _, size) in answers.items()},
        }
        say(f"parity {shape:14s} {key}  bytes {seen[shape]['bytes']}")
    return seen


def run_wrk(url: str, clients: int, seconds: int) -> WrkResult:
    done = subprocess.run(
        wrk_command(url, clients, seconds), capture_output=True, text=True, timeout=seconds + 60
    )
    return parse_wrk(done.stdout)


def measure_once(
    phase: str, shape: str, query: str, side: Side, clients: int, round_: int, seconds: int
) -> Measurement:
    """One timed wrk run, with the server's own CPU per request (PostgreSQL's not counted)."""
    cpu = bench_api.cpu_seconds(side.pid)
    result = run_wrk(side.items + query, clients, seconds)
    cpu = bench_api.cpu_seconds(side.pid) - cpu
    per_request = 1000 * cpu / result.requests if result.requests else float("nan")
    say(
        f"{phase:6s} {shape:14s} c={clients:<3d} {side.name:6s} r{round_} "
        f"{result.rps:9.1f} req/s  p50 {result.p50_ms:8.2f} ms  p99 {result.p99_ms:8.2f} ms  "
        f"cpu {per_request:6.2f} ms/req  non-2xx {result.non_2xx_3xx} "
        f"socket-err {result.socket_errors}  load {os.getloadavg()[0]:.2f}"
        + ("" if result.clean else "  NOT CLEAN")
    )
    return Measurement(phase, shape, clients, side.name, round_, result, per_request)


def measure_phase(
    phase: str,
    sides: Sequence[Side],
    queries: Mapping[str, str],
    args: argparse.Namespace,
    writer: Writer | None = None,
) -> list[Measurement]:
    """Per client count and shape: a warm-up of each side, then ours, theirs, ours, theirs."""
    found = []
    for clients in args.client_counts:
        for shape, query in queries.items():
            for side in sides:
                if args.warmup:
                    run_wrk(side.items + query, clients, args.warmup)
            for round_ in range(1, args.rounds + 1):
                for side in sides:
                    found.append(
                        measure_once(phase, shape, query, side, clients, round_, args.duration)
                    )
                    if writer is not None:
                        writer.check()
    return found


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM tears down like Ctrl-C does (the finally blocks run); SIGINT raises
    KeyboardInterrupt even where the shell started us with it ignored (a background job)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000, help="rows to seed")
    parser.add_argument("--duration", type=int, default=10, help="seconds per timed wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before timing")
    parser.add_argument("--rounds", type=int, default=2, help="ours/theirs pairs per cell")
    parser.add_argument("--clients", default="1,8,32", help="wrk connections, comma-separated")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated subset")
    parser.add_argument("--phases", default=",".join(PHASES), help="static, ingest or both")
    parser.add_argument(
        "--write-interval-ms", type=float, default=5.0, help="the writer's pause between rows"
    )
    parser.add_argument("--admin-url", default=bench_api.DEFAULT_ADMIN)
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_VENV)
    args = parser.parse_args(argv)
    args.client_counts = [int(c) for c in args.clients.split(",") if c.strip()]
    args.shape_names = [s.strip() for s in args.shapes.split(",") if s.strip()]
    args.phase_names = [p.strip() for p in args.phases.split(",") if p.strip()]
    if unknown := sorted(set(args.shape_names) - set(SHAPES)):
        parser.error(f"unknown shapes: {', '.join(unknown)} (known: {', '.join(SHAPES)})")
    if unknown := sorted(set(args.phase_names) - set(PHASES)):
        parser.error(f"unknown phases: {', '.join(unknown)} (known: {', '.join(PHASES)})")
    if not args.client_counts or min(args.client_counts) < 1:
        parser.error("--clients needs positive counts")
    if min(args.duration, args.rounds) < 1 or args.warmup < 0 or args.events < 1:
        parser.error("--events, --duration and --rounds must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cells = len(args.client_counts) * len(args.shape_names) * len(args.phase_names)
    estimate = cells * 2 * (args.warmup + args.rounds * args.duration)
    say(f"{cells} cells, about {estimate / 60:.0f} min of wrk after setup")
    with terminate_as_interrupt():
        ensure_wrk()
        postgis = ensure_postgis(args.admin_url)
        versions = ensure_peer_venv(args.peer_venv)
        say(f"PostGIS {postgis}; peer: {versions}")
        results: dict[str, Any] = {
            "events": args.events,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "clients": args.client_counts,
            "load_generator": "wrk 4.1, -t1",
            "postgis": postgis,
            "peer": versions,
            "load_average_before": os.getloadavg(),
        }
        with scratch_database(args.admin_url, args.events) as url:
            build_peer_table(url)
            queries = {
                shape: query
                for shape, query in shape_queries(
                    dt.datetime.now(dt.UTC).date(), middle_event_id(url)
                ).items()
                if shape in args.shape_names
            }
            results["queries"] = queries
            with servers(url, args.peer_venv) as sides:
                measurements = run_phases(url, sides, queries, args, results)
        results["load_average_after"] = os.getloadavg()
    report(results, measurements)
    return 0


@contextmanager
def scratch_database(admin_url: str, events: int) -> Iterator[str]:
    """A database seeded by scripts/bench_api.py (migrations, then its generate_series SQL),
    dropped on the way out whatever happens."""
    url = bench_api.create_database(admin_url, events)  # drops it itself if seeding fails
    try:
        yield url
    finally:
        bench_api.drop_database(admin_url, url)
        say("dropped the scratch database")


@contextmanager
def servers(url: str, venv: Path) -> Iterator[list[Side]]:
    """Our API and pygeoapi on free loopback ports, one worker each, stopped on the way out;
    their logs are shown if anything fails."""
    ours = theirs = None
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        workdir = Path(tmp)
        try:
            our_port, their_port = bench_api.free_port(), bench_api.free_port()
            ours = start_ours(url, our_port, workdir / "ours.log")
            theirs = start_theirs(venv, workdir, Database.from_url(url), their_port)
            wait_ready(f"http://127.0.0.1:{our_port}/readyz", ours, "our API")
            wait_ready(f"http://127.0.0.1:{their_port}/collections/events", theirs, "pygeoapi")
            yield [
                Side("ours", f"http://127.0.0.1:{our_port}/ogc/collections/events/items", ours.pid),
                Side(
                    "theirs", f"http://127.0.0.1:{their_port}/collections/events/items", theirs.pid
                ),
            ]
        except BaseException:
            for log in sorted(workdir.glob("*.log")):
                tail = log.read_text(errors="replace")[-2000:]
                if tail.strip():
                    print(f"-- {log.name} (last lines):\n{tail}", file=sys.stderr)
            raise
        finally:
            stop_process(ours)
            stop_process(theirs)


@contextmanager
def writing(url: str, interval_s: float) -> Iterator[Writer]:
    writer = Writer(url, interval_s)
    writer.start()
    try:
        yield writer
    finally:
        writer.stop()


def run_phases(
    url: str,
    sides: Sequence[Side],
    queries: Mapping[str, str],
    args: argparse.Namespace,
    results: dict[str, Any],
) -> list[Measurement]:
    """The chosen phases in order; fills `results` with the parity checks, the writer's rate
    and both servers' memory."""
    results["parity_static"] = before = check_parity(sides, queries)
    measurements: list[Measurement] = []
    for phase in args.phase_names:
        if phase == "static":
            measurements += measure_phase(phase, sides, queries, args)
            continue
        with writing(url, args.write_interval_ms / 1000) as writer:
            measurements += measure_phase(phase, sides, queries, args, writer)
        results["writer"] = {
            "rows": writer.rows,
            "rows_per_s": round(writer.rows / writer.seconds, 1) if writer.seconds else 0.0,
        }
        say(f"writer: {results['writer']}")
        # The rows went into both tables: both sides must count every one of them now.
        results["parity_after_ingest"] = after = check_parity(sides, queries)
        check_counts_grew(before, after, writer.rows)
    results["memory_mb"] = {side.name: bench_api.rss_mb(side.pid) for side in sides}
    return measurements


def check_counts_grew(before: Mapping[str, Any], after: Mapping[str, Any], rows: int) -> None:
    """After the writer, the unfiltered count is the static one plus every row written: a side
    serving a stale count would have disagreed already; this catches a writer that wrote
    nothing the sides can see."""
    if "first_page" not in before:
        return
    was, now = (
        before["first_page"]["matched_returned"][0],
        after["first_page"]["matched_returned"][0],
    )
    if now != was + rows:
        raise SystemExit(f"after ingest numberMatched is {now}, expected {was} + {rows}")


def finite(value: float) -> float | None:
    """NaN (wrk printed no such figure) as JSON null: the last line stays strict JSON."""
    return None if value != value else round(value, 3)


def report(results: dict[str, Any], measurements: Sequence[Measurement]) -> None:
    results.update(summarize(measurements))
    results["runs"] = [
        {
            "phase": m.phase,
            "shape": m.shape,
            "clients": m.clients,
            "side": m.side,
            "round": m.round,
            "rps": m.result.rps,
            "p50_ms": finite(m.result.p50_ms),
            "p99_ms": finite(m.result.p99_ms),
            "cpu_ms_per_request": finite(m.cpu_ms_per_request),
            "clean": m.result.clean,
        }
        for m in measurements
    ]
    for phase, shapes in results["ratios"].items():
        for shape, by_clients in shapes.items():
            say(f"ratio ours/theirs {phase:6s} {shape:14s} {by_clients}")
    say(f"below {TARGET_RATIO:g}x at {TARGET_CLIENTS} clients: {results['below_target'] or 'none'}")
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: torn down", file=sys.stderr)
        sys.exit(130)
