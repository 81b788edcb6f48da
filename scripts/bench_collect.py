#!/usr/bin/env python3
"""Ingestion and re-poll benchmark of the collector, over loopback, into PostgreSQL.

    python scripts/bench_collect.py [--feeds 100] [--entries 50] [--database-url URL]

Creates a scratch PostgreSQL database (dropped at the end) unless --database-url is given
(it must be empty and at the schema head), serves a generated corpus (scripts/feed_corpus.py)
from a separate process on 127.0.0.1, then measures in one run:
  1. parse-only: feedparser over the same bytes, sequentially, entries/second;
  2. end to end: one collection pass (fetch, parse, normalise, store, extraction seam if the
     extraction package provides one), entries/second, and the share of CPU in feedparser;
  3. re-poll, all 304: time per feed and wall time;
  4. re-poll, validators ignored (200, same body): the body-hash path;
  plus peak RSS of this process. Prints figures and a final JSON line. No assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ADMIN_URL = os.environ.get(
    "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ParseTimer:
    """Wraps the collector's feedparser call and sums the CPU time of its calls per thread."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        from app.collector import parse

        original = parse.run_feedparser

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.thread_time() - start
                with self._lock:
                    self.cpu += spent
                    self.calls += 1

        parse.run_feedparser = timed


def start_server(feeds: int, entries: int) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "feed_corpus.py"),
            "serve",
            "--feeds",
            str(feeds),
            "--entries",
            str(entries),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit("the corpus server did not start")
    return proc, int(line.split()[1])


def create_database() -> tuple[str, str]:
    name = f"wf_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(args: argparse.Namespace) -> dict[str, object]:
    scratch = None
    url = args.database_url
    if not url:
        scratch, url = create_database()
    os.environ["DATABASE_URL"] = url
    proc, port = start_server(args.feeds, args.entries)
    try:
        return measure(args, url, port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if scratch:
            from app.core.db import reset_engine

            reset_engine()
            drop_database(scratch)


def measure(args: argparse.Namespace, url: str, port: int) -> dict[str, object]:
    from app.collector import Collector
    from app.collector.feedsfile import SourceSpec, upsert_sources
    from app.collector.handoff import resolve_extractor
    from app.collector.parse import run_feedparser
    from app.core.config import Settings
    from app.core.db import get_engine, session_scope
    from app.core.migrate import upgrade_to_head

    settings = Settings(
        database_url=url,
        allow_private_feeds="127.0.0.1",
        fetch_concurrency=args.concurrency,
        fetch_per_host=args.concurrency,  # the whole corpus is one host here
        poll_batch_size=100,
        db_pool_size=args.concurrency + 2,
    )
    engine = get_engine()
    upgrade_to_head(engine)
    base = f"http://127.0.0.1:{port}"
    specs = [
        SourceSpec(
            f"Bench source {s}",
            "specialist",
            "B",
            None,
            tuple(f"{base}/feeds/{i}.xml" for i in range(s, args.feeds, 10)),
        )
        for s in range(min(10, args.feeds))
    ]
    with session_scope(engine) as session:
        upsert_sources(session, specs)
    total_entries = args.feeds * args.entries

    # 1. parse-only rate of the same bytes (fetched once, outside the timing)
    with httpx.Client() as client:
        bodies = [client.get(f"{base}/feeds/{i}.xml").content for i in range(args.feeds)]
    headers = {"content-type": "application/rss+xml; charset=UTF-8"}
    run_feedparser(bodies[0], headers, f"{base}/feeds/0.xml")  # warm-up
    start = time.perf_counter()
    parsed_entries = sum(
        len(run_feedparser(b, headers, f"{base}/feeds/{i}.xml").entries)
        for i, b in enumerate(bodies)
    )
    parse_seconds = time.perf_counter() - start
    parse_rate = parsed_entries / parse_seconds
    del bodies

    # 2. end to end
    timer = ParseTimer()
    timer.install()
    extractor = resolve_extractor() if not args.no_extraction else None
    with Collector(settings, engine=engine, extractor=extractor) as collector:
        cpu0, start = cpu_seconds(), time.perf_counter()
        summary = collector.run_pass()
        e2e_seconds = time.perf_counter() - start
        e2e_cpu = cpu_seconds() - cpu0
        rss_after_ingest = peak_rss_mb()
        e2e_rate = summary.new_articles / e2e_seconds

        def repoll() -> tuple[float, object]:
            with engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE feeds SET next_check_at = now() - interval '1 second'")
                )
            t0 = time.perf_counter()
            result = collector.run_pass()
            return time.perf_counter() - t0, result

        # 3. unchanged, all 304
        repoll_seconds, not_modified_pass = repoll()
        # 4. unchanged, validators ignored by the server: the body-hash path
        httpx.get(f"{base}/_control/validators/off")
        hash_seconds, hash_pass = repoll()
        httpx.get(f"{base}/_control/validators/on")

    return {
        "feeds": args.feeds,
        "entries_per_feed": args.entries,
        "entries": total_entries,
        "concurrency": args.concurrency,
        "extraction": extractor is not None,
        "parse_only_entries_per_s": round(parse_rate, 1),
        "end_to_end_entries_per_s": round(e2e_rate, 1),
        "end_to_end_over_parse_only": round(e2e_rate / parse_rate, 3),
        "end_to_end_seconds": round(e2e_seconds, 3),
        "new_articles": summary.new_articles,
        "feeds_failed": summary.feeds_failed,
        "feedparser_cpu_share": round(timer.cpu / e2e_cpu, 3) if e2e_cpu else None,
        "feedparser_cpu_seconds": round(timer.cpu, 3),
        "pass_cpu_seconds": round(e2e_cpu, 3),
        "repoll_304_seconds": round(repoll_seconds, 3),
        "repoll_304_ms_per_feed": round(1000 * repoll_seconds / args.feeds, 3),
        "repoll_304_not_modified": not_modified_pass.feeds_not_modified,  # type: ignore[attr-defined]
        "repoll_hash_seconds": round(hash_seconds, 3),
        "repoll_hash_ms_per_feed": round(1000 * hash_seconds / args.feeds, 3),
        "repoll_hash_unchanged": hash_pass.feeds_unchanged,  # type: ignore[attr-defined]
        "peak_rss_mb_after_ingest": round(rss_after_ingest, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=None, help="an empty database at schema head")
    parser.add_argument("--no-extraction", action="store_true", help="skip the extraction seam")
    args = parser.parse_args()
    os.environ.setdefault("WATCHFLOOR_LOG_LEVEL", "WARNING")
    result = run(args)
    print(f"corpus: {result['feeds']} feeds x {result['entries_per_feed']} entries over loopback")
    print(f"parse only (feedparser, sequential): {result['parse_only_entries_per_s']} entries/s")
    print(
        f"end to end (fetch+parse+normalise+store{'+extract' if result['extraction'] else ''}): "
        f"{result['end_to_end_entries_per_s']} entries/s in {result['end_to_end_seconds']} s "
        f"= {result['end_to_end_over_parse_only']:.0%} of parse-only"
    )
    print(f"feedparser share of the pass's CPU: {result['feedparser_cpu_share']:.0%}")
    print(
        f"re-poll, all 304: {result['repoll_304_seconds']} s wall, "
        f"{result['repoll_304_ms_per_feed']} ms/feed ({result['repoll_304_not_modified']} not modified)"
    )
    print(
        f"re-poll, 200 same body (hash path): {result['repoll_hash_seconds']} s wall, "
        f"{result['repoll_hash_ms_per_feed']} ms/feed ({result['repoll_hash_unchanged']} unchanged)"
    )
    print(f"peak RSS: {result['peak_rss_mb']} MB")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
