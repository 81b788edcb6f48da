#!/usr/bin/env python3
"""Hostile feeds, one pass each: which bound held, how long it took, what was recorded.

Usage:
    python scripts/hostile_report.py [--admin-url URL] [--case NAME ...]

Creates a PostgreSQL database of its own (dropped at the end), starts the test feed servers on
loopback (127.0.0.1, and 127.0.0.2/.3 for the redirect case), and for each case runs one
collection pass over the hostile feed plus a healthy one, with the tables emptied in between.
Prints a Markdown table (case | bound that held | time | peak memory | what was recorded |
rows stored | healthy feed) and, last, one JSON line with the same numbers.

Each case runs twice. Time is the whole pass (both feeds) of the first run, untraced. Peak
memory is from the second run: the rise of Python's traced heap during the pass (tracemalloc;
it counts the bytes objects read, inflated and parsed, not C-level buffers).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import secrets
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.collector import Collector  # noqa: E402
from app.collector.feedsfile import SourceSpec, upsert_sources  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import make_engine, session_scope  # noqa: E402
from app.core.migrate import upgrade_to_head  # noqa: E402
from app.core.models import TABLES  # noqa: E402
from tests.collector.builders import BILLION_LAUGHS, item, rss2, xxe_document  # noqa: E402
from tests.support.feedserver import FeedServer, Reply, serving  # noqa: E402

DEFAULT_ADMIN = os.environ.get(
    "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CAP = 1024 * 1024
HEALTHY_URL = "https://healthy.example/2026/05/story-900/"


@dataclass
class Servers:
    main: FeedServer  # 127.0.0.1
    allowed: FeedServer  # 127.0.0.2
    forbidden: FeedServer  # 127.0.0.3


@dataclass
class Case:
    name: str
    bound: Callable[[Settings], str]  # the setting(s) that should hold, with their values
    setup: Callable[[Servers], str]  # installs the hostile route, returns the feed URL
    settings: dict[str, Any] = field(default_factory=dict)
    check: Callable[[Engine, Servers], str] | None = None  # a fact read back after the pass


def _route(path: str, reply: Reply) -> Callable[[Servers], str]:
    def setup(servers: Servers) -> str:
        servers.main.routes[path] = reply
        return servers.main.url(path)

    return setup


def _redirect_to_refused(servers: Servers) -> str:
    servers.forbidden.routes["/feed"] = Reply(200, rss2([item(1, host="forbidden.example")]))
    servers.allowed.routes["/moved"] = Reply(301, b"", {"Location": servers.forbidden.url("/feed")})
    return servers.allowed.url("/moved")


def _stored(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def _xxe_setup(servers: Servers) -> str:
    servers.main.routes["/secret"] = Reply(200, b"REMOTE-SECRET", content_type="text/plain")
    servers.main.routes["/xxe"] = Reply(200, xxe_document(servers.main.url("/secret")))
    return servers.main.url("/xxe")


def _charset_setup(servers: Servers) -> str:
    latin = rss2([item(1, title="Séoul café")]).decode("utf-8").encode("latin-1")
    servers.main.routes["/charset"] = Reply(200, latin, content_type="application/rss+xml")
    return servers.main.url("/charset")


SCRIPTED = (
    "<p>Launch &amp; detected.</p><script>alert('x')</script><style>p{color:red}</style>"
    '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">link</a>'
)
DATES = [
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    None,
    "not a date",
]


def _timeout(s: Settings) -> str:
    return f"WATCHFLOOR_FETCH_TIMEOUT_SECONDS={s.fetch_timeout_seconds:g}"


def _max_bytes(s: Settings) -> str:
    return f"WATCHFLOOR_FETCH_MAX_BYTES={s.fetch_max_bytes}"


DISTINCT_HOSTILE_GUIDS = (
    f"SELECT count(DISTINCT guid_hash) FROM articles WHERE canonical_url <> '{HEALTHY_URL}'"
)

CASES = [
    Case(
        "server drips 1 byte / 0.2 s",
        _timeout,
        _route("/drip", Reply(200, rss2([item(1)]), drip_interval=0.2)),
    ),
    Case("server never answers", _timeout, _route("/hang", Reply(200, b"x", delay=60))),
    Case(
        "3 MB body",
        _max_bytes,
        _route("/big", Reply(200, rss2([item(i, summary="x" * 10_000) for i in range(300)]))),
    ),
    Case(
        "gzip bomb (200 MiB inflated)",
        lambda s: f"{_max_bytes(s)} (counted after decompression)",
        _route(
            "/bomb.gz",
            Reply(
                200,
                gzip.compress(b"<rss>" + b"\0" * (200 * CAP), compresslevel=9),
                {"Content-Encoding": "gzip"},
            ),
        ),
    ),
    Case(
        "endless body",
        _max_bytes,
        _route("/endless", Reply(200, b"<item><title>again</title></item>" * 512, endless=True)),
    ),
    Case(
        "redirect loop",
        lambda s: f"WATCHFLOOR_FETCH_MAX_REDIRECTS={s.fetch_max_redirects}",
        _route("/loop", Reply(302, b"", {"Location": "/loop"})),
        check=lambda e, sv: f"{len(sv.main.seen('/loop'))} requests served",
    ),
    Case(
        "redirect 127.0.0.2 → 127.0.0.3",
        lambda s: f"WATCHFLOOR_ALLOW_PRIVATE_FEEDS={s.allow_private_feeds}",
        _redirect_to_refused,
        settings={"allow_private_feeds": "127.0.0.1,127.0.0.2"},
        check=lambda e, sv: f"{len(sv.forbidden.requests)} requests reached 127.0.0.3",
    ),
    Case(
        "XML entity bomb",
        lambda s: "DTD entity guard (parse)",
        _route("/lol", Reply(200, BILLION_LAUGHS)),
    ),
    Case(
        "XXE (external entity → local URL)",
        lambda s: "DTD entity guard (parse)",
        _xxe_setup,
        check=lambda e, sv: f"{len(sv.main.seen('/secret'))} requests for the entity's URL",
    ),
    Case(
        "latin-1 body, no charset",
        lambda s: "charset detection",
        _charset_setup,
        check=lambda e, sv: (
            "title " + repr(_stored(e, "SELECT title FROM articles WHERE title LIKE 'S%caf%'"))
        ),
    ),
    Case(
        "2 MB title",
        lambda s: f"WATCHFLOOR_MAX_TITLE_CHARS={s.max_title_chars}",
        _route("/title", Reply(200, rss2([item(1, title="T" * 2_000_000)]))),
        settings={"fetch_max_bytes": 4 * CAP},
        check=lambda e, sv: (
            f"longest stored title {_stored(e, 'SELECT max(length(title)) FROM articles')} chars"
        ),
    ),
    Case(
        "3000 entries",
        lambda s: f"WATCHFLOOR_MAX_ENTRIES_PER_FEED={s.max_entries_per_feed}",
        _route("/many", Reply(200, rss2([item(i) for i in range(3000)]))),
        settings={"max_entries_per_feed": 200},
    ),
    Case(
        "dates in year 1 / 9999 / none / junk",
        lambda s: "plausible-date window (1990 … now + 2 days)",
        _route(
            "/dates",
            Reply(200, rss2([item(n + 1, published=d) for n, d in enumerate(DATES)])),
        ),
        check=lambda e, sv: (
            f"{_stored(e, 'SELECT count(*) FROM articles WHERE published_inferred')}"
            " dated at fetch time; years stored "
            + str(
                _stored(
                    e,
                    "SELECT string_agg(DISTINCT extract(year FROM published_at)::text, ',') "
                    "FROM articles",
                )
            )
        ),
    ),
    Case(
        "scripts and handlers in summaries",
        lambda s: "HTML to text (parse)",
        _route("/scripts", Reply(200, rss2([item(1, summary=SCRIPTED)]))),
        check=lambda e, sv: (
            "rows with markup or 'alert': "
            + str(
                _stored(
                    e,
                    "SELECT count(*) FROM articles WHERE summary ~ '[<>]' OR text ~ '[<>]' "
                    "OR summary LIKE '%alert%' OR text LIKE '%alert%'",
                )
            )
        ),
    ),
    Case(
        "duplicate GUIDs in one document",
        lambda s: "dedupe per (source, GUID) and canonical URL",
        _route(
            "/dupes",
            Reply(
                200,
                rss2([item(1), item(1, title="Same GUID, other title"), item(2), item(2)]),
            ),
        ),
        check=lambda e, sv: (
            "4 entries, 2 GUIDs served; distinct GUIDs stored "
            + str(_stored(e, DISTINCT_HOSTILE_GUIDS))
        ),
    ),
]


def _settings(database_url: str, overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "allow_private_feeds": "127.0.0.1",
        "fetch_timeout_seconds": 3.0,
        "fetch_connect_timeout_seconds": 2.0,
        "fetch_max_bytes": CAP,
        "fetch_concurrency": 4,
        "poll_jitter_seconds": 0,
        "log_level": "ERROR",
    }
    values.update(overrides)
    return Settings(**values)


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


def _add_feeds(engine: Engine, urls: list[str]) -> None:
    with session_scope(engine) as session:
        upsert_sources(session, [SourceSpec("Hostile", "general", "F", None, tuple(urls))])


def _one_line(text: str | None, limit: int = 110) -> str:
    if not text:
        return "—"
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_case(case: Case, engine: Engine, servers: Servers, database_url: str) -> dict[str, Any]:
    result = _run_once(case, engine, servers, database_url)
    tracemalloc.start()
    try:
        result["peak_mib"] = _run_once(case, engine, servers, database_url)["peak_mib"]
    finally:
        tracemalloc.stop()
    return result


def _run_once(case: Case, engine: Engine, servers: Servers, database_url: str) -> dict[str, Any]:
    _truncate(engine)
    for server in (servers.main, servers.allowed, servers.forbidden):
        server.requests.clear()
    settings = _settings(database_url, case.settings)
    url = case.setup(servers)
    servers.main.routes["/healthy"] = Reply(200, rss2([item(900, host="healthy.example")]))
    _add_feeds(engine, [url, servers.main.url("/healthy")])
    tracing = tracemalloc.is_tracing()
    if tracing:
        tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0] if tracing else 0
    started = time.monotonic()
    with Collector(settings, engine=engine, extractor=None) as collector:
        collector.run_pass()
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] - baseline if tracing else 0
    with engine.connect() as conn:
        feed = conn.execute(
            sa.text("SELECT id, last_error, error_count FROM feeds WHERE url = :u"), {"u": url}
        ).one()
        run = conn.execute(
            sa.text("SELECT outcome, error FROM collection_runs WHERE feed_id = :f"),
            {"f": feed.id},
        ).one_or_none()
        rows = conn.execute(
            sa.text("SELECT count(*) FROM articles WHERE feed_id = :f"), {"f": feed.id}
        ).scalar_one()
        healthy = conn.execute(
            sa.text("SELECT count(*) FROM articles WHERE canonical_url = :u"), {"u": HEALTHY_URL}
        ).scalar_one()
    recorded = run.error if run is not None and run.error else feed.last_error
    outcome = run.outcome if run is not None else "no run recorded"
    note = case.check(engine, servers) if case.check else ""
    return {
        "case": case.name,
        "bound": case.bound(settings),
        "seconds": round(seconds, 2),
        "peak_mib": round(peak / 2**20, 1),
        "outcome": outcome,
        "recorded": recorded,
        "rows_stored": rows,
        "note": note,
        "healthy_feed_ok": healthy == 1,
    }


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| case | bound that held | time | peak memory Δ | what was recorded "
        "(run outcome: collection_runs.error / feeds.last_error) | rows stored | "
        "healthy feed in same pass |",
        "|---|---|---:|---:|---|---:|---|",
    ]
    for r in results:
        recorded = f"{r['outcome']}: {_one_line(r['recorded'])}"
        if r["note"]:
            recorded += f"; {_one_line(r['note'], 80)}"
        lines.append(
            f"| {r['case']} | {r['bound']} | {r['seconds']:.2f} s | {r['peak_mib']:.1f} MiB | "
            f"{recorded} | {r['rows_stored']} | {'stored' if r['healthy_feed_ok'] else 'MISSING'} |"
        )
    return "\n".join(lines)


def create_database(admin_url: str) -> str:
    name = f"wf_hostile_{secrets.token_hex(3)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--case", action="append", help="run only cases whose name contains this")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.case or any(n in c.name for n in args.case)]
    url = create_database(args.admin_url)
    engine = make_engine(Settings(database_url=url), role="hostile-report")
    # The collector logs each feed's trouble; the table below is the record here.
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    try:
        upgrade_to_head(engine)
        with (
            serving("127.0.0.1") as main_server,
            serving("127.0.0.2") as allowed,
            serving("127.0.0.3") as forbidden,
        ):
            servers = Servers(main_server, allowed, forbidden)
            results = []
            for case in cases:
                results.append(run_case(case, engine, servers, url))
                print(f"  {case.name}: {results[-1]['seconds']:.2f} s", file=sys.stderr)
    finally:
        engine.dispose()
        drop_database(args.admin_url, url)
    print(markdown(results))
    print(
        json.dumps(
            {
                "cases": results,
                "all_healthy_feeds_stored": all(r["healthy_feed_ok"] for r in results),
                "max_seconds": max(r["seconds"] for r in results),
                "max_peak_mib": max(r["peak_mib"] for r in results),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
