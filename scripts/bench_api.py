#!/usr/bin/env python3
"""API under load: requests/s and p50/p99 latency with wrk, on a large PostgreSQL events table.

Usage:
    python scripts/bench_api.py [--events 1000000] [--duration 10] [--connections 1,8,32]
                                [--database-url URL] [--keep]

It creates a database of its own (dropped at the end unless --keep), fills it with --events
synthetic events spread over three years (SQL generate_series, so a million rows take seconds),
starts `python -m app api` as a separate process, drives it with wrk (Debian's `wrk`; bounded
duration, loopback only) at each concurrency, with and without If-None-Match, and reports the
API process's resident memory after the run. The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_ADMIN = os.environ.get(
    "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

SEED_SQL = """
INSERT INTO sources (name, kind, reliability, created_at, updated_at)
VALUES ('Bench Wire', 'wire', 'B', now(), now()), ('Bench State Media', 'state_media', 'E', now(), now());

WITH places(i, name, lid, prec, lat, lon) AS (VALUES
  (0, 'Jongju', 'jongju', 'city', 39.6667, 125.0667),
  (1, 'Yellow Sea', 'yellow-sea', 'sea', 37.5, 124.0),
  (2, 'Demilitarized Zone', 'dmz', 'border', 38.3, 127.2),
  (3, 'Sohae Satellite Launching Station', 'sohae', 'site', 39.6596, 124.7057),
  (4, 'Punggye-ri', 'punggye-ri', 'site', 41.28, 129.08),
  (5, 'East Sea', 'east-sea', 'sea', 39.5, 131.0),
  (6, 'Pyongyang', 'pyongyang', 'city', 39.0392, 125.7625),
  (7, 'Sinuiju', 'sinuiju', 'city', 40.1, 124.4)
), cats(i, category) AS (VALUES
  (0, 'missile_test'), (1, 'artillery'), (2, 'diplomacy'), (3, 'sanctions'),
  (4, 'military_exercise'), (5, 'border_maritime'), (6, 'cyber'), (7, 'defense_policy')
)
INSERT INTO events (key, category, title, summary, event_date, date_precision, location_name,
    location_id, location_precision, lat, lon, actors, weapons, figures, severity, claim_status,
    confidence, corroboration, first_reported_at, last_reported_at, created_at, updated_at)
SELECT 'bench-' || g, c.category, 'Synthetic event ' || g, 'Benchmark row ' || g,
       (CURRENT_DATE - ((g * 7919) % 1095))::date, 'day',
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.name END,
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.lid END,
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.prec END,
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.lat END,
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.lon END,
       '["North Korea"]'::jsonb, '[]'::jsonb, '{}'::jsonb,
       1 + (g % 5), (ARRAY['claimed','reported','confirmed'])[1 + (g % 3)],
       0.5, 1 + (g % 3), now(), now(), now(), now()
FROM generate_series(1, :n) AS g
JOIN places p ON p.i = g % 8
JOIN cats c ON c.i = (g / 8) % 8;
ANALYZE events;
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_database(admin_url: str, events: int) -> str:
    name = f"wf_bench_{secrets.token_hex(3)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "app", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    started = time.perf_counter()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in filter(str.strip, SEED_SQL.split(";\n")):
            conn.execute(sa.text(statement), {"n": events} if ":n" in statement else {})
    engine.dispose()
    print(f"seeded {events} events in {time.perf_counter() - started:.1f}s", flush=True)
    return url


def drop_database(admin_url: str, url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def start_api(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "WATCHFLOOR_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "api", "--port", str(port), "--no-migrate"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the API did not become ready")


def deep_cursor_path(base: str, pages: int) -> str:
    """Follow `next` links `pages` times from the first page of limit=100."""
    path = "/events?limit=100"
    for _ in range(pages):
        body = httpx.get(base + path, timeout=30).json()
        nxt = body.get("next")
        if not nxt:
            break
        path = nxt.removeprefix(base)
    return path


WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def _to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, connections: int, duration: int, etag: str | None) -> dict[str, float]:
    threads = min(connections, 2)
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if etag:
        cmd += ["-H", f"If-None-Match: {etag}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=duration + 30).stdout
    latencies = {p: _to_ms(v, u) for p, v, u in WRK_LATENCY.findall(out)}
    rps = WRK_RPS.search(out)
    errors = WRK_NON2XX.search(out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": latencies.get("50", float("nan")),
        "p99_ms": latencies.get("99", float("nan")),
        "non_2xx_3xx": int(errors.group(1)) if errors else 0,
    }


def rss_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = int(value.split()[0]) / 1024
    return {
        "rss_mb": round(fields.get("VmRSS", 0), 1),
        "peak_rss_mb": round(fields.get("VmHWM", 0), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--database-url", help="use this existing, seeded database instead")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--deep-pages", type=int, default=200, help="pages deep for the cursor case"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    url = args.database_url or create_database(args.admin_url, args.events)
    port = free_port()
    proc = start_api(url, port)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, object] = {"events": args.events, "load_generator": "wrk 4.1", "cases": []}
    try:
        cases = {
            "hotspots_7d": "/hotspots",
            "threat_level": "/threat-level",
            "events_first_page": "/events?limit=100",
            "events_deep_cursor": deep_cursor_path(base, args.deep_pages),
            "ogc_events_items": "/ogc/collections/events/items?limit=100",
        }
        for name, path in cases.items():
            warm = httpx.get(base + path, timeout=60)
            etag = warm.headers.get("etag")
            for conditional in (False, True):
                if conditional and not etag:
                    continue
                for connections in (int(c) for c in args.connections.split(",")):
                    figures = run_wrk(
                        base + path, connections, args.duration, etag if conditional else None
                    )
                    row = {
                        "case": name,
                        "status": warm.status_code,
                        "conditional": conditional,
                        "connections": connections,
                        **figures,
                    }
                    results["cases"].append(row)  # type: ignore[union-attr]
                    print(
                        f"{name:20s} cond={conditional!s:5s} c={connections:<3d} "
                        f"{figures['rps']:9.1f} req/s  p50 {figures['p50_ms']:7.2f} ms  "
                        f"p99 {figures['p99_ms']:7.2f} ms  non-2xx/3xx {figures['non_2xx_3xx']}",
                        flush=True,
                    )
        results["api_memory"] = rss_mb(proc.pid)
        print(f"API process memory after the run: {results['api_memory']}")
        if url.startswith("postgresql"):
            results["plans"] = explain_plans(url)
            for name, plan in results["plans"].items():  # type: ignore[union-attr]
                print(f"-- plan {name}:\n{plan}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        if not args.database_url and not args.keep:
            drop_database(args.admin_url, url)
    print(json.dumps(results))
    return 0


def explain_plans(url: str) -> dict[str, str]:
    engine = sa.create_engine(url)
    queries = {
        "events_first_page": "SELECT * FROM events ORDER BY event_date DESC, id DESC LIMIT 101",
        "events_deep_cursor": (
            "SELECT * FROM events WHERE (event_date, id) < (CURRENT_DATE - 700, 500000) "
            "ORDER BY event_date DESC, id DESC LIMIT 101"
        ),
        "events_last_7_days": "SELECT * FROM events WHERE event_date >= CURRENT_DATE - 7",
    }
    plans = {}
    with engine.connect() as conn:
        for name, sql in queries.items():
            rows = conn.execute(sa.text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql))
            plans[name] = "\n".join(row[0] for row in rows)
    engine.dispose()
    return plans


if __name__ == "__main__":
    sys.exit(main())
