#!/usr/bin/env python3
"""API under load: requests/s and p50/p99 latency with wrk, on a large PostgreSQL events table.

Usage:
    python scripts/bench_api.py [--events 1000000] [--duration 10] [--connections 1,8,32]
                                [--database-url URL] [--keep] [--cases hotspots_7d,threat_level]

It creates a database of its own (dropped at the end unless --keep), fills it with --events
synthetic events spread over three years (SQL generate_series, so a million rows take seconds),
starts `python -m app api` as a separate process, drives it with wrk (Debian's `wrk`; bounded
duration, loopback only) at each concurrency, with and without If-None-Match, and reports the
API process's resident memory after the run. The last line of output is JSON.

Seeding a million events takes a while: `--keep` keeps the database and prints its URL, and
`--database-url URL` runs against it again (the seeded days are relative to the seeding day, so
reseed on another day). `--cases` runs only some of the cases, for short before/after rounds.
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

CREATE TEMP TABLE bench_places(i int, name text, lid text, prec text, lat float8, lon float8);
INSERT INTO bench_places VALUES
  (0, 'Jongju', 'jongju', 'city', 39.6667, 125.0667),
  (1, 'Yellow Sea', 'yellow-sea', 'sea', 37.5, 124.0),
  (2, 'Demilitarized Zone', 'dmz', 'border', 38.3, 127.2),
  (3, 'Sohae Satellite Launching Station', 'sohae', 'site', 39.6596, 124.7057),
  (4, 'Punggye-ri', 'punggye-ri', 'site', 41.28, 129.08),
  (5, 'East Sea', 'east-sea', 'sea', 39.5, 131.0),
  (6, 'Pyongyang', 'pyongyang', 'city', 39.0392, 125.7625),
  (7, 'Sinuiju', 'sinuiju', 'city', 40.1, 124.4),
  (8, 'Wonsan', 'wonsan', 'city', 39.1528, 127.4436),
  (9, 'Yeonpyeong Island', 'yeonpyeong', 'site', 37.6667, 125.7),
  (10, 'Kaesong', 'kaesong', 'city', 37.9708, 126.5544),
  (11, 'Hamhung', 'hamhung', 'city', 39.9183, 127.5364);

CREATE TEMP TABLE bench_cats(i int, category text, headline text, lead text);
INSERT INTO bench_cats VALUES
  (0, 'missile_test', 'North Korea fires ballistic missile from %s',
      'South Korea''s Joint Chiefs of Staff said a ballistic missile was launched from %s'),
  (1, 'artillery', 'Artillery rounds fired near %s',
      'The military detected dozens of artillery rounds fired near %s'),
  (2, 'diplomacy', 'Envoys meet over tensions around %s',
      'Officials held talks on the situation around %s, the ministry said'),
  (3, 'sanctions', 'New sanctions target shipping linked to %s',
      'The Treasury designated vessels and firms tied to trade through %s'),
  (4, 'military_exercise', 'Joint drills held near %s',
      'Allied forces staged a combined exercise near %s, the defense ministry said'),
  (5, 'border_maritime', 'Patrol boat crosses the line near %s',
      'A North Korean patrol boat briefly crossed the maritime boundary near %s'),
  (6, 'cyber', 'Hackers linked to Pyongyang steal cryptocurrency (%s)',
      'Investigators tied the theft to a North Korean hacking group (%s)'),
  (7, 'defense_policy', 'Seoul reviews defense posture after activity at %s',
      'The government announced a review of readiness after activity at %s');

-- Every 20th event (5 %) falls in the last 7 days, the rest spread over three years; event
-- days, places, categories, severities and claim statuses all vary with the row number.
INSERT INTO events (key, category, title, summary, event_date, date_precision, location_name,
    location_id, location_precision, lat, lon, actors, weapons, figures, severity, claim_status,
    confidence, corroboration, first_reported_at, last_reported_at, created_at, updated_at)
SELECT 'bench-' || g, c.category,
       format(c.headline, p.name) || ' (report ' || g || ')',
       format(c.lead, p.name) || ' on ' || to_char(d.day, 'FMMonth FMDD') || '; '
           || (ARRAY['officials gave no further details', 'the report could not be verified',
                     'a second outlet confirmed the account', 'state media claimed success'])
              [1 + (g % 4)] || '.',
       d.day, 'day',
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.name END,
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.lid END,
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.prec END,
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.lat END,
       CASE WHEN c.category = 'cyber' THEN NULL ELSE p.lon END,
       (ARRAY['["North Korea"]', '["North Korea","South Korea"]', '["United States","South Korea"]',
              '["North Korea","Japan"]'])[1 + (g % 4)]::jsonb,
       CASE WHEN c.category = 'missile_test' THEN '["ballistic missile"]' ELSE '[]' END::jsonb,
       '{}'::jsonb,
       1 + (g % 5), (ARRAY['claimed','reported','confirmed'])[1 + (g % 3)],
       0.4 + (g % 6) / 10.0, 1 + (g % 3),
       least(now() - interval '1 minute', d.day + make_interval(hours => (g % 20))),
       least(now() - interval '1 minute', d.day + make_interval(hours => (g % 20) + 2)),
       now(), now()
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (SELECT CASE WHEN g % 20 = 0 THEN CURRENT_DATE - ((g / 20) % 7)
                                ELSE CURRENT_DATE - ((g::bigint * 7919) % 1095)::int END AS day) d
JOIN bench_places p ON p.i = g % 12
JOIN bench_cats c ON c.i = (g / 12) % 8
-- Rows arrive in date order, as extraction stores them: ids and heap pages follow the days.
ORDER BY d.day, g;

-- One article and mention per 20 events, so /events/{id} has evidence to join.
INSERT INTO articles (source_id, guid, guid_hash, url, canonical_url, title, summary,
    published_at, published_inferred, fetched_at, updated_at, content_hash)
SELECT 1 + (e.id % 2), 'bench-article-' || e.id, md5('a' || e.id) || md5('b' || e.id),
       'https://example.org/news/' || e.id, 'https://example.org/news/' || e.id,
       e.title, e.summary, e.first_reported_at, false, now(), now(), md5(e.summary)
FROM events e WHERE e.id % 20 = 1;

INSERT INTO event_mentions (event_id, article_id, sentence, evidence, claim_status, created_at)
SELECT e.id, a.id, e.summary, '["reported"]'::jsonb, e.claim_status, now()
FROM events e JOIN articles a ON a.guid = 'bench-article-' || e.id;

ANALYZE;
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
    try:
        seed(url, events)
    except BaseException:
        drop_database(admin_url, url)  # a failed seed leaves nothing behind
        raise
    return url


def seed(url: str, events: int) -> None:
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


def drop_database(admin_url: str, url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def start_api(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "WATCHFLOOR_LOG_LEVEL": "WARNING"}
    command = ["api", "--port", str(port), "--no-migrate", "--workers", str(workers)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *command],
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


def deep_cursor_path(base: str, depth: int, step: int = 500) -> tuple[str, int]:
    """A server-issued cursor `depth` rows into the timeline, as a limit=100 page path.

    Follows the `next` links of /events (an absolute URL in the JSON body) with pages of `step`
    rows, then asks for 100 rows from there: the same query a client paging that deep sends.
    """
    path, skipped = f"/events?limit={step}", 0
    with httpx.Client(base_url=base, timeout=60) as client:
        while skipped < depth:
            body = client.get(path).json()
            nxt = body.get("next")
            if not nxt:
                break
            skipped += len(body["items"])
            path = nxt.removeprefix(base)
    return path.replace(f"limit={step}", "limit=100"), skipped


# The measured paths; the deep cursor case's path is found at run time (deep_cursor_path).
CASES = {
    "hotspots_7d": "/hotspots",
    "threat_level": "/threat-level",
    "events_first_page": "/events?limit=100",
    "events_deep_cursor": "",
    "ogc_events_items": "/ogc/collections/events/items?limit=100",
}

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


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's worker processes)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            children = (task / "children").read_text().split()
            queue += [int(child) for child in children]
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the API, summed over its processes (steadier than wall-clock
    figures when the machine is shared)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def rss_mb(pid: int) -> dict[str, float]:
    """Resident and peak resident size of the API, summed over its processes (MB)."""
    total = {"VmRSS": 0.0, "VmHWM": 0.0}
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in total:
                total[key] += int(value.split()[0]) / 1024
    return {"rss_mb": round(total["VmRSS"], 1), "peak_rss_mb": round(total["VmHWM"], 1)}


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
    parser.add_argument("--workers", type=int, default=1, help="`watchfloor api --workers N`")
    parser.add_argument(
        "--deep-rows", type=int, default=100_000, help="rows deep for the cursor case"
    )
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated subset of {', '.join(CASES)}"
    )
    args = parser.parse_args()
    chosen = [name.strip() for name in args.cases.split(",") if name.strip()]
    if unknown := sorted(set(chosen) - set(CASES)):
        parser.error(f"unknown cases: {', '.join(unknown)}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    url = args.database_url or create_database(args.admin_url, args.events)
    port = free_port()
    proc = start_api(url, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, object] = {
        "events": args.events,
        "workers": args.workers,
        "load_generator": "wrk 4.1",
        "load_average_before": os.getloadavg(),
        "cases": [],
    }
    try:
        deep_path = None
        if "events_deep_cursor" in chosen:
            deep_path, depth = deep_cursor_path(base, args.deep_rows)
            results["deep_cursor_rows"] = depth
            print(f"deep cursor: {depth} rows in ({deep_path})", flush=True)
        paths = {**CASES, "events_deep_cursor": deep_path or ""}
        for name in chosen:
            path = paths[name]
            warm = httpx.get(base + path, timeout=60)
            etag = warm.headers.get("etag")
            print(f"{name}: {path} -> {warm.status_code}, {len(warm.content)} bytes", flush=True)
            if warm.status_code != 200:
                raise SystemExit(f"{name} answered {warm.status_code}: {warm.text[:300]}")
            for conditional in (False, True):
                if conditional and not etag:
                    continue
                for connections in (int(c) for c in args.connections.split(",")):
                    cpu_before = cpu_seconds(proc.pid)
                    figures = run_wrk(
                        base + path, connections, args.duration, etag if conditional else None
                    )
                    cpu = cpu_seconds(proc.pid) - cpu_before
                    row = {
                        "case": name,
                        "status": warm.status_code,
                        "conditional": conditional,
                        "connections": connections,
                        **figures,
                        "api_cpu_s": round(cpu, 2),
                        "load_average": os.getloadavg()[0],
                    }
                    results["cases"].append(row)  # type: ignore[union-attr]
                    print(
                        f"{name:20s} cond={conditional!s:5s} c={connections:<3d} "
                        f"{figures['rps']:9.1f} req/s  p50 {figures['p50_ms']:7.2f} ms  "
                        f"p99 {figures['p99_ms']:7.2f} ms  non-2xx/3xx {figures['non_2xx_3xx']}  "
                        f"cpu {cpu:5.2f} s  rss {rss_mb(proc.pid)['rss_mb']} MB  "
                        f"load {row['load_average']:.2f}",
                        flush=True,
                    )
        results["api_memory"] = rss_mb(proc.pid)
        results["load_average_after"] = os.getloadavg()
        print(f"API process memory after the run: {results['api_memory']}")
        if url.startswith("postgresql"):
            results["plans"] = explain_plans(url, deep_path)
            for name, plan in results["plans"].items():  # type: ignore[union-attr]
                print(f"-- plan {name}:\n{plan}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        if not args.database_url and not args.keep:
            drop_database(args.admin_url, url)
        elif args.keep:
            print(f"kept the benchmark database: --database-url {url}", flush=True)
    print(json.dumps(results))
    return 0


def explain_plans(url: str, deep_path: str | None) -> dict[str, str]:
    """EXPLAIN ANALYZE of the queries behind the measured endpoints, as the app sends them."""
    from app.query.events import EventOrder, decode_position

    token = deep_path.rpartition("cursor=")[2] if deep_path else None
    day, row_id = decode_position(EventOrder.TIMELINE, token) if token else (None, None)
    timeline = "SELECT * FROM events {} ORDER BY event_date DESC, id DESC LIMIT 101"
    queries = {
        "data_version (every cached request)": (
            "SELECT (SELECT max(change_seq) FROM events), "
            "(SELECT max(change_seq) FROM event_tombstones)",
            {},
        ),
        "events_first_page": (timeline.format(""), {}),
        "events_deep_cursor": (
            timeline.format("WHERE (event_date, id) < (:day, :id)"),
            {"day": day, "id": row_id},
        ),
        "assessment_window (threat level: 42 days)": (
            "SELECT id, event_date, severity FROM events "
            "WHERE event_date >= CURRENT_DATE - 41 AND event_date <= CURRENT_DATE "
            "ORDER BY event_date, id",
            {},
        ),
        "ogc_number_matched (cached per data version)": ("SELECT count(*) FROM events", {}),
    }
    if deep_path is None:
        del queries["events_deep_cursor"]
    engine = sa.create_engine(url)
    plans = {}
    with engine.connect() as conn:
        for name, (sql, binds) in queries.items():
            rows = conn.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql), binds)
            plans[name] = "\n".join(row[0] for row in rows)
    engine.dispose()
    return plans


if __name__ == "__main__":
    sys.exit(main())
