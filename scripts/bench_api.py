#!/usr/bin/env python3
"""API under load: each request's rate as a ratio to /healthz's, measured in the same run.

Usage:
    python scripts/bench_api.py [--events 1000000] [--duration 5] [--connections 8]
                                [--database-url URL] [--keep] [--cases events_first_page,...]

It creates a database of its own (dropped at the end unless --keep), fills it with --events
synthetic events spread over three years (SQL generate_series), starts `python -m app api` as a
separate process and drives it with wrk (Debian's `wrk`; bounded duration, loopback only) at
each concurrency. Every case runs between two /healthz runs (the framework's floor: routing,
middleware, uvicorn) and is reported as its rate over the mean of those two: absolute rates on
a shared machine differ several-fold between runs, ratios within one run much less. Conditional
cases (`*_304`) send the `If-None-Match` of their first answer, and wrk counts the 304s.

The default cases are those issue #18 sets targets for: `/events?limit=100` (first page and a
cursor --deep-rows rows deep), OGC `events/items?limit=100` (first page, `bbox`, `datetime`),
and a 304 on `/hotspots` and on `/events`. `--cases` picks others (`hotspots_7d`,
`threat_level`). The last line of output is JSON; `ratios_to_healthz` holds the ratios.

Seeding a million events takes a minute or two: `--keep` keeps the database and prints its
URL, and `--database-url URL` runs against it again (the seeded days are relative to the
seeding day, so reseed on another day).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WATCHFLOOR_LOG_LEVEL": "WARNING",
        # wrk's connections all come from 127.0.0.1: one client to the per-client bound of
        # computed answers (/hotspots), which would answer most of them 429.
        "WATCHFLOOR_COMPUTED_PER_CLIENT": "1000",
    }
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


@dataclass(frozen=True)
class Case:
    """One measured request: its path (None: found at run time) and whether it is sent with
    the `If-None-Match` of its own first answer (a 304 under load)."""

    path: str | None
    conditional: bool = False


def _day(days_ago: int) -> str:
    return (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days_ago)).isoformat()


# The measured requests; each is reported as a ratio to /healthz (the framework's floor)
# measured in the same run. The deep cursor case's path is found at run time (deep_cursor_path).
CASES = {
    "events_first_page": Case("/events?limit=100"),
    "events_deep_cursor": Case(None),
    "ogc_items_first_page": Case("/ogc/collections/events/items?limit=100"),
    # Jongju and Pyongyang of the seeded places: a sixth of the events.
    "ogc_items_bbox": Case("/ogc/collections/events/items?limit=100&bbox=125,39,126,40"),
    "ogc_items_datetime": Case(
        f"/ogc/collections/events/items?limit=100&datetime={_day(30)}T00:00:00Z/{_day(0)}T23:59:59Z"
    ),
    "hotspots_304": Case("/hotspots", conditional=True),
    "events_304": Case("/events?limit=100", conditional=True),
    "hotspots_7d": Case("/hotspots"),
    "threat_level": Case("/threat-level"),
}
HEALTHZ = "/healthz"
# The cases whose ratios issue #18 sets targets for (>= 0.3x pages, >= 0.8x 304s).
DEFAULT_CASES = (
    "events_first_page",
    "events_deep_cursor",
    "ogc_items_first_page",
    "ogc_items_bbox",
    "ogc_items_datetime",
    "hotspots_304",
    "events_304",
)

WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def _to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


# Counts the answers by status, so a conditional case proves it measured 304s (a live answer's
# validator moves when its minute or data does).
STATUS_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) answered_304 = 0; answered_other = 0 end
function response(status, headers, body)
  if status == 304 then answered_304 = answered_304 + 1 else answered_other = answered_other + 1 end
end
function done(summary, latency, requests)
  local a, b = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("answered_304"); b = b + t:get("answered_other") end
  io.write(string.format("answered 304: %d other: %d\\n", a, b))
end
"""
WRK_STATUSES = re.compile(r"answered 304: (\d+) other: (\d+)")


WRK_COUNT = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m),")


def run_wrk(
    url: str,
    connections: int,
    duration: int,
    etag: str | None,
    stop: threading.Event | None = None,
) -> dict[str, float]:
    """wrk for `duration` seconds, or, with `stop`, until it is set (`duration` then bounds
    the run): wrk prints its figures when interrupted."""
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
    script = None
    if etag:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write(STATUS_SCRIPT)
        script.close()
        cmd += ["-H", f"If-None-Match: {etag}", "-s", script.name]
    try:
        if stop is None:
            out = subprocess.run(
                [*cmd, url], capture_output=True, text=True, timeout=duration + 30
            ).stdout
        else:
            wrk = subprocess.Popen([*cmd, url], stdout=subprocess.PIPE, text=True)
            while wrk.poll() is None and not stop.wait(0.1):
                pass
            if wrk.poll() is None:
                wrk.send_signal(signal.SIGINT)
            out = wrk.communicate(timeout=30)[0]
    finally:
        if script is not None:
            os.unlink(script.name)
    latencies = {p: _to_ms(v, u) for p, v, u in WRK_LATENCY.findall(out)}
    rps = WRK_RPS.search(out)
    errors = WRK_NON2XX.search(out)
    figures = {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": latencies.get("50", float("nan")),
        "p99_ms": latencies.get("99", float("nan")),
        "non_2xx_3xx": int(errors.group(1)) if errors else 0,
    }
    if counted := WRK_COUNT.search(out):
        figures["requests"] = int(counted.group(1))
        figures["seconds"] = round(_to_ms(counted.group(2), counted.group(3)) / 1000, 2)
    if statuses := WRK_STATUSES.search(out):
        figures["answered_304"] = int(statuses.group(1))
        figures["answered_other"] = int(statuses.group(2))
    return figures


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


def first_answer(base: str, path: str) -> httpx.Response:
    """The answer wrk will get (no Accept-Encoding: the identity body and its ETag)."""
    return httpx.get(base + path, timeout=60, headers={"Accept-Encoding": "identity"})


def answers_304(base: str, path: str, etag: str) -> bool:
    headers = {"Accept-Encoding": "identity", "If-None-Match": etag}
    return httpx.get(base + path, timeout=60, headers=headers).status_code == 304


def wait_for_quiet_minute(duration: int) -> None:
    """Start a conditional run where the current minute leaves room for it: a live answer (the
    default /hotspots window ends at the current minute) changes its validator every minute."""
    room = 60 - duration - 3
    if room <= 0:
        return
    while dt.datetime.now(dt.UTC).second > room:
        time.sleep(0.5)


NEW_EVENT_SQL = """
INSERT INTO events (key, category, title, summary, event_date, date_precision, location_name,
    location_id, location_precision, lat, lon, actors, weapons, figures, severity, claim_status,
    confidence, corroboration, first_reported_at, last_reported_at, created_at, updated_at)
SELECT 'bench-new-' || md5(clock_timestamp()::text), category, title, summary, CURRENT_DATE,
       date_precision, location_name, location_id, location_precision, lat, lon, actors,
       weapons, figures, severity, claim_status, confidence, corroboration,
       now() - interval '1 minute', now() - interval '1 minute', now(), now()
FROM events WHERE id = (SELECT max(id) FROM events)
"""


def wait_for_idle_api(pid: int, timeout: float = 60.0) -> None:
    """Until the API and its children (the recompute worker) use under a tenth of a core over
    half a second: a run starts once the previous run's recomputation is over."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - before < 0.05:
            return
        before = now


def p99_to_p50(figures: dict[str, float]) -> float:
    return figures["p99_ms"] / figures["p50_ms"] if figures["p50_ms"] else float("nan")


def counted_events(base: str, path: str) -> int:
    """The event count of the window `path` answers for (/threat-level's `event_count`,
    /hotspots' `threat_level.event_count`): it grows by one once the answer is recomputed
    with the new event (dated today, reported a minute ago)."""
    body = first_answer(base, path).json()
    return int(
        body["event_count"] if "event_count" in body else body["threat_level"]["event_count"]
    )


def measure_new_event(
    url: str, base: str, path: str, duration: int, pid: int, runs: int = 3
) -> dict[str, Any]:
    """`path` under wrk at 8 clients while a new event arrives (1.5 s in): its p50 and p99.
    With the previous answer served during the recompute, no request waits for it.

    The run lasts until the answer counts the new event (polled by one more client), and
    1.5 s more, at least `duration` seconds: it covers the whole recomputation and the switch
    to the new answer, however long the recomputation takes on a busy machine (`stale_s`:
    from the insert to the first answer with the new event).

    Each run is paired with a control run after it: the same path under the same load for as
    long, without a new event. A p99 is the slowest 1 % of a few thousand requests, so a
    second of other load on the machine moves it as much as a recomputation does: the
    control says what the machine gives without one. Both runs start with the API and its
    recompute worker idle. The figures are the medians over `runs` pairs."""
    engine = sa.create_engine(url)
    length = max(duration, 6)

    def watch(
        stop: threading.Event, before: int | None, timings: dict[str, float], seconds: float
    ) -> None:
        """Poll the answer every 0.5 s (in the control too, so both runs carry the same
        extra client); with `before`, insert the new event 1.5 s in and stop 1.5 s after
        the answer counts it, else stop after `seconds`."""
        try:
            started = time.monotonic()
            time.sleep(1.5)
            if before is not None:
                with engine.begin() as conn:
                    conn.execute(sa.text(NEW_EVENT_SQL))
                timings["inserted"] = time.monotonic()
            while time.monotonic() - started < min(seconds, 170):
                if before is not None and counted_events(base, path) > before:
                    timings["fresh"] = time.monotonic()
                    time.sleep(max(1.5, length - (time.monotonic() - started)))
                    return
                if before is None:
                    counted_events(base, path)
                time.sleep(0.5)
        finally:
            stop.set()

    def run(before: int | None, seconds: float) -> tuple[dict[str, float], dict[str, float]]:
        stop, timings = threading.Event(), {}
        watcher = threading.Thread(target=watch, args=(stop, before, timings, seconds))
        watcher.start()
        figures = run_wrk(base + path, 8, 180, None, stop)
        watcher.join()
        return figures, timings

    pairs = []
    try:
        for _ in range(runs):
            wait_for_idle_api(pid)
            before = counted_events(base, path)  # the window has an answer before the change
            wait_for_idle_api(pid)
            figures, timings = run(before, 170)
            wait_for_idle_api(pid)
            control, _ = run(None, figures.get("seconds", length))
            stale = timings["fresh"] - timings["inserted"] if "fresh" in timings else None
            pair = {
                **figures,
                "p99_to_p50": round(p99_to_p50(figures), 2),
                "stale_s": None if stale is None else round(stale, 2),
                "control": {**control, "p99_to_p50": round(p99_to_p50(control), 2)},
            }
            pairs.append(pair)
            print(
                f"{path} with a new event at 1.5 s: {figures['rps']:.1f} req/s over "
                f"{figures['seconds']:.1f} s, p50 {figures['p50_ms']:.2f} ms, p99 "
                f"{figures['p99_ms']:.2f} ms, p99/p50 {pair['p99_to_p50']:.2f}, new answer "
                f"after {'-' if stale is None else f'{stale:.1f}'} s; control (no new "
                f"event): p50 {control['p50_ms']:.2f} ms, p99 {control['p99_ms']:.2f} ms, "
                f"p99/p50 {pair['control']['p99_to_p50']:.2f}",
                flush=True,
            )
        wait_for_idle_api(pid)  # the next measurement starts without this recomputation
    finally:
        engine.dispose()
    ratio = statistics.median(pair["p99_to_p50"] for pair in pairs)
    control_ratio = statistics.median(pair["control"]["p99_to_p50"] for pair in pairs)
    print(
        f"{path} with a new event, median of {runs}: p99/p50 {ratio:.2f} (target < 3); "
        f"control {control_ratio:.2f}",
        flush=True,
    )
    return {
        "path": path,
        "p99_to_p50": ratio,
        "control_p99_to_p50": control_ratio,
        "p50_ms": statistics.median(pair["p50_ms"] for pair in pairs),
        "p99_ms": statistics.median(pair["p99_ms"] for pair in pairs),
        "runs": pairs,
    }


def timed_get(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.text[:300]}")
    return elapsed


def measure_history(url: str) -> dict[str, Any]:
    """A year of /threat-level/history against one /threat-level computation, both uncached:
    a fresh API process; each /threat-level has an `at` of its own (an answer for an `at` is
    computed in full and never kept), the history is the process's first over that year.
    Both warmed up first on days outside the measured ones (imports, statement caches)."""
    port = free_port()
    proc = start_api(url, port, 1)
    today = dt.datetime.now(dt.UTC).date()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            long_ago = today - dt.timedelta(days=800)
            timed_get(client, f"/threat-level?at={long_ago}T12:00:00Z")
            timed_get(client, f"/threat-level/history?from={long_ago}&to={long_ago}")
            level = sorted(
                timed_get(client, f"/threat-level?at={today}T00:0{minute}:00Z")
                for minute in range(1, 4)
            )
            first = today - dt.timedelta(days=364)
            history = timed_get(client, f"/threat-level/history?from={first}&to={today}")
            again = timed_get(client, f"/threat-level/history?from={first}&to={today}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    ratio = history / level[1]
    print(
        f"history: a year uncached {history:.2f} s, again {again:.2f} s; one /threat-level "
        f"(median of 3) {level[1]:.3f} s; ratio {ratio:.1f}x (target <= 10x)",
        flush=True,
    )
    return {
        "history_year_s": round(history, 3),
        "history_year_again_s": round(again, 3),
        "threat_level_s": round(level[1], 3),
        "history_year_to_threat_level": round(ratio, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", default="8")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--database-url", help="use this existing, seeded database instead")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--workers", type=int, default=1, help="`watchfloor api --workers N`")
    parser.add_argument(
        "--deep-rows", type=int, default=100_000, help="rows deep for the cursor case"
    )
    parser.add_argument(
        "--cases",
        default=",".join(DEFAULT_CASES),
        help=f"comma-separated subset of {', '.join(CASES)}",
    )
    parser.add_argument("--no-plans", action="store_true", help="skip the EXPLAIN ANALYZE dump")
    parser.add_argument(
        "--no-new-event",
        action="store_true",
        help="skip /threat-level and /hotspots under load while a new event arrives "
        "(it inserts one event into the database)",
    )
    parser.add_argument(
        "--new-event-runs",
        type=int,
        default=3,
        help="new-event runs per path (each after a control run without one); the median "
        "is reported",
    )
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="skip a year of /threat-level/history against one /threat-level (uncached)",
    )
    args = parser.parse_args()
    chosen = [name.strip() for name in args.cases.split(",") if name.strip()]
    if unknown := sorted(set(chosen) - set(CASES)):
        parser.error(f"unknown cases: {', '.join(unknown)}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    levels = [int(c) for c in args.connections.split(",")]

    url = args.database_url or create_database(args.admin_url, args.events)
    port = free_port()
    proc = start_api(url, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {
        "events": args.events,
        "workers": args.workers,
        "duration_s": args.duration,
        "load_generator": "wrk 4.1",
        "load_average_before": os.getloadavg(),
        "cases": [],
        "healthz": [],
    }

    def run(name: str, path: str, conditional: bool, connections: int) -> dict[str, Any]:
        etag = None
        if conditional:
            # The validator of now: a live answer's moves with its minute and with the data.
            wait_for_quiet_minute(args.duration)
            etag = first_answer(base, path).headers.get("etag")
            if not (etag and answers_304(base, path, etag)):
                raise SystemExit(f"{name}: no 304 for If-None-Match: {etag}")
        cpu_before = cpu_seconds(proc.pid)
        figures = run_wrk(base + path, connections, args.duration, etag)
        cpu = cpu_seconds(proc.pid) - cpu_before
        row = {
            "case": name,
            "conditional": etag is not None,
            "connections": connections,
            **figures,
            "api_cpu_s": round(cpu, 2),
            "load_average": os.getloadavg()[0],
        }
        statuses = (
            f"  304s {figures['answered_304']}/{figures['answered_304'] + figures['answered_other']}"
            if "answered_304" in figures
            else ""
        )
        print(
            f"{name:22s} c={connections:<3d} {figures['rps']:9.1f} req/s  "
            f"p50 {figures['p50_ms']:7.2f} ms  p99 {figures['p99_ms']:7.2f} ms  "
            f"non-2xx/3xx {figures['non_2xx_3xx']}{statuses}  cpu {cpu:5.2f} s  "
            f"load {row['load_average']:.2f}",
            flush=True,
        )
        return row

    try:
        deep_path = None
        if "events_deep_cursor" in chosen:
            deep_path, depth = deep_cursor_path(base, args.deep_rows)
            results["deep_cursor_rows"] = depth
            print(f"deep cursor: {depth} rows in ({deep_path})", flush=True)
        paths = {name: case.path or deep_path or "" for name, case in CASES.items()}
        targets: list[tuple[str, str, bool]] = []
        for name in chosen:
            path = paths[name]
            warm = first_answer(base, path)
            print(f"{name}: {path} -> {warm.status_code}, {len(warm.content)} bytes", flush=True)
            if warm.status_code != 200:
                raise SystemExit(f"{name} answered {warm.status_code}: {warm.text[:300]}")
            targets.append((name, path, CASES[name].conditional))

        # /healthz before, between and after the cases: each case's ratio is to the mean of
        # the /healthz runs on either side of it (the machine's load drifts during a run).
        ratios: dict[str, dict[str, float]] = {}
        for connections in levels:
            floor_before = run("healthz", HEALTHZ, False, connections)
            results["healthz"].append(floor_before)
            for name, path, conditional in targets:
                row = run(name, path, conditional, connections)
                floor_after = run("healthz", HEALTHZ, False, connections)
                results["healthz"].append(floor_after)
                floor = (floor_before["rps"] + floor_after["rps"]) / 2
                row["ratio_to_healthz"] = round(row["rps"] / floor, 3) if floor else 0.0
                results["cases"].append(row)
                ratios.setdefault(str(connections), {})[name] = row["ratio_to_healthz"]
                floor_before = floor_after
        results["ratios_to_healthz"] = ratios
        if not args.no_new_event:
            results["new_event"] = [
                measure_new_event(url, base, path, args.duration, proc.pid, args.new_event_runs)
                for path in ("/threat-level", "/hotspots")
            ]
        if not args.no_history:
            results["history"] = measure_history(url)
        results["api_memory"] = rss_mb(proc.pid)
        results["load_average_after"] = os.getloadavg()
        print()
        for connections, by_case in ratios.items():
            print(f"ratio to /healthz at {connections} clients (same run):")
            for name, ratio in by_case.items():
                print(f"  {name:22s} {ratio:6.3f}x")
        print(f"API process memory after the run: {results['api_memory']}")
        if url.startswith("postgresql") and not args.no_plans:
            results["plans"] = explain_plans(url, deep_path)
            for name, plan in results["plans"].items():
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
