"""Parsing in worker processes: same results as in-thread, crashes stay one feed's error."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector import Collector
from app.collector.ahead import ExtractAhead
from app.collector.handoff import ExtractionQueue
from app.collector.parse import FeedParseError, ParsedFeed, ParseLimits, parse_feed
from app.collector.parsepool import (
    ParsePool,
    parse_workers_for,
    shared_parse_pool,
    shutdown_parse_pool,
)
from app.core.config import Settings
from tests.collector.builders import atom, item, rss1, rss2
from tests.collector.conftest import add_feeds, articles, collect, collector_settings, runs
from tests.collector.test_hostile import BILLION_LAUGHS
from tests.support.feedserver import FeedServer, Reply

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "app" / "collector" / "demo"
FETCHED_AT = dt.datetime(2026, 5, 28, 12, 0, tzinfo=dt.UTC)
HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
LIMITS = ParseLimits(max_entries_per_feed=500, max_title_chars=1000, max_text_chars=200_000)


def fixture_corpus() -> dict[str, bytes]:
    """Every kind of document the collector meets: real-world demo feeds, the three formats,
    duplicate GUIDs, missing and absurd dates, markup, malformed XML, a non-feed, a bomb."""
    corpus = {f"demo/{p.name}": p.read_bytes() for p in sorted(DEMO.glob("*.xml"))}
    markup = item(3, summary="<p>Strike near <b>Sinpo</b></p><script>alert(1)</script>")
    corpus.update(
        {
            "rss2": rss2([item(n) for n in range(1, 8)] + [markup]),
            "atom": atom([item(n) for n in range(1, 6)]),
            "rss1": rss1([item(n) for n in range(1, 6)]),
            "duplicate-guids": rss2([item(1), item(2, guid=item(1)["guid"]), item(3)]),
            "dates": rss2(
                [item(1, published="Mon, 01 Jan 0001 00:00:00 GMT"), item(2, published=None)]
            ),
            "malformed": rss2([item(1), item(2)]).replace(
                b"</channel></rss>", b"<broken>&undefined; </channel>"
            ),
            "html-page": b"<!doctype html><html><head><title>Home</title></head><body></body>",
            "bomb": BILLION_LAUGHS,
        }
    )
    return corpus


def parse_in_thread(body: bytes) -> ParsedFeed | str:
    try:
        return parse_feed(
            body,
            headers=HEADERS,
            final_url="https://example.org/feed",
            fetched_at=FETCHED_AT,
            settings=LIMITS,
        )
    except FeedParseError as exc:
        return f"{exc.kind}: {exc}"


def parse_in_pool(pool: ParsePool, body: bytes) -> ParsedFeed | str:
    try:
        return pool.parse(
            body,
            headers=HEADERS,
            final_url="https://example.org/feed",
            fetched_at=FETCHED_AT,
            limits=LIMITS,
        )
    except FeedParseError as exc:
        return f"{exc.kind}: {exc}"


@pytest.fixture(scope="module")
def pool() -> Any:
    pool = ParsePool(2, max_memory_mb=1024, max_tasks=100)
    yield pool
    pool.shutdown()


def test_processes_are_recycled_without_stranding_queued_tasks() -> None:
    # With max_tasks_per_child, Python 3.11-3.13 may never replace a process that leaves at
    # its limit while tasks are queued (CPython gh-115634): the queued tasks would hang.
    pool = ParsePool(1, max_tasks=2)
    try:
        first = pool.pids()
        results = [pool.submit_chunks(double, [n], chunk=1) for n in range(10)]
        done = threading.Event()
        answers: list[int] = []

        def collect_all() -> None:
            answers.extend(x for result in results for x in result())
            done.set()

        threading.Thread(target=collect_all, daemon=True).start()
        assert done.wait(120), "queued tasks stranded"
        assert answers == [2 * n for n in range(10)]
        assert pool.pids() != first  # replaced after two tasks
    finally:
        pool.shutdown()


def double(items: list[int]) -> list[int]:
    return [2 * n for n in items]


def test_pool_results_equal_the_in_thread_parse_on_the_fixture_corpus(pool: ParsePool) -> None:
    corpus = fixture_corpus()
    outcomes = {}
    for name, body in corpus.items():
        expected, got = parse_in_thread(body), parse_in_pool(pool, body)
        assert got == expected, name
        outcomes[name] = got
    # The corpus really covers entries, problems and refusals.
    assert sum(len(o.entries) for o in outcomes.values() if isinstance(o, ParsedFeed)) > 50
    assert outcomes["malformed"].problems  # type: ignore[union-attr]
    assert str(outcomes["html-page"]).startswith("not_a_feed")
    assert str(outcomes["bomb"]).startswith("unsafe_xml")
    assert 1 <= len(pool.pids()) <= 2 and os.getpid() not in pool.pids()  # really elsewhere


def test_a_pass_with_the_pool_stores_what_a_pass_in_thread_stores(
    db: Engine, feed_server: FeedServer
) -> None:
    docs = {k: v for k, v in fixture_corpus().items() if k.startswith("demo/") or k == "rss2"}
    for name, body in docs.items():
        feed_server.routes[f"/{name}"] = Reply(200, body)
    add_feeds(db, [feed_server.url(f"/{name}") for name in docs])
    settings = collector_settings(parse_workers=2)

    def stored() -> set[tuple[Any, ...]]:
        return {
            (a.guid_hash, a.canonical_url, a.title, a.summary, a.text, a.author, a.content_hash)
            + ((a.published_at,) if not a.published_inferred else ())
            for a in articles(db)
        }

    summary = collect(settings, db)
    assert summary.feeds_ok == len(docs) and summary.feeds_failed == 0
    with_pool = stored()
    with db.begin() as conn:
        conn.execute(sa.text("TRUNCATE articles, collection_runs RESTART IDENTITY CASCADE"))
        conn.execute(
            sa.text(
                "UPDATE feeds SET next_check_at = NULL, etag = NULL, "
                "last_modified = NULL, body_hash = NULL"
            )
        )
    in_thread = collector_settings(parse_workers=0)
    with Collector(in_thread, engine=db, extractor=None) as collector:
        assert collector.parse_pool is None
        assert collector.run_pass().feeds_ok == len(docs)
    in_thread_rows = stored()
    assert in_thread_rows - with_pool == set() and with_pool - in_thread_rows == set()
    assert len(with_pool) > 30


# --- other work in the pool: extraction -------------------------------------------------------
def pid_and_double(items: list[int]) -> list[tuple[int, int]]:
    """Runs in a pool process (module-level, so a spawned process can import it)."""
    return [(os.getpid(), 2 * n) for n in items]


def test_run_in_chunks_runs_in_the_pool_and_keeps_the_order(pool: ParsePool) -> None:
    results = pool.run_in_chunks(pid_and_double, list(range(100)))
    assert [value for _, value in results] == [2 * n for n in range(100)]
    pids = {pid for pid, _ in results}
    assert os.getpid() not in pids and pids <= set(pool.pids())


def test_submit_chunks_answers_later_in_order_and_here_when_the_pool_is_gone(
    pool: ParsePool,
) -> None:
    later = pool.submit_chunks(pid_and_double, list(range(50)))
    results = later()
    assert [value for _, value in results] == [2 * n for n in range(50)]
    assert os.getpid() not in {pid for pid, _ in results}
    gone = ParsePool(1)
    gone.shutdown()
    assert gone.submit_chunks(pid_and_double, [3])() == [(os.getpid(), 6)]


def test_run_in_chunks_runs_here_when_the_pool_is_gone() -> None:
    pool = ParsePool(1)
    pool.shutdown()
    assert pool.run_in_chunks(pid_and_double, [1, 2]) == [(os.getpid(), 2), (os.getpid(), 4)]


def place_tables_compiled(items: list[int]) -> list[int]:
    """Runs in a pool process: whether extraction's gazetteer table is compiled already."""
    from app.extraction import lexicon

    return [lexicon.place_matcher.cache_info().currsize for _ in items]


@pytest.mark.parametrize(
    ("warm_up", "compiled"), [("app.extraction:warm_up", 1), (None, 0), ("no.such:module", 0)]
)
def test_processes_run_their_warm_up_as_they_start(warm_up: str | None, compiled: int) -> None:
    pool = ParsePool(1, warm_up=warm_up)
    try:
        assert pool.run_in_chunks(place_tables_compiled, [0]) == [compiled]
        assert isinstance(parse_in_pool(pool, rss2([item(1)])), ParsedFeed)  # works either way
    finally:
        pool.shutdown()


def test_a_pass_extracts_in_the_pool_what_it_extracts_in_thread(
    db: Engine, feed_server: FeedServer
) -> None:
    docs = {k: v for k, v in fixture_corpus().items() if k.startswith("demo/")}
    for name, body in docs.items():
        feed_server.routes[f"/{name}"] = Reply(200, body)
    add_feeds(db, [feed_server.url(f"/{name}") for name in docs])

    def events() -> list[tuple[Any, ...]]:
        with db.connect() as conn:
            rows = conn.execute(
                sa.text(
                    # Not the key: it names the day of whichever mention came first, and
                    # which feed's articles come first depends on fetch timing.
                    "SELECT category, event_date, location_id, claim_status, severity, "
                    "confidence, corroboration FROM events ORDER BY 1, 2, 3, 4, 5, 6, 7"
                )
            )
            return [tuple(r) for r in rows]

    pool = ParsePool(2)
    try:
        with Collector(collector_settings(), engine=db, parse_pool=pool) as collector:
            # The extraction seam got the pool: its pure part runs there, a batch ahead.
            assert isinstance(collector.extractor, ExtractAhead)
            summary = collector.run_pass()
            # each feed's new articles were extracted as soon as they were stored, and the
            # hand-off took those results (what was stored is what extraction reads)
            assert collector.extractor.reused == summary.new_articles
    finally:
        pool.shutdown()
    assert summary.extracted_articles == summary.new_articles > 20
    in_pool = events()
    assert len(in_pool) >= 5
    with db.begin() as conn:
        conn.execute(sa.text("TRUNCATE articles, events, event_mentions, collection_runs CASCADE"))
        conn.execute(
            sa.text("UPDATE feeds SET next_check_at = NULL, etag = NULL, body_hash = NULL")
        )
    with Collector(collector_settings(), engine=db, parse_pool=None) as collector:
        assert not isinstance(collector.extractor, ExtractAhead)
        collector.run_pass()
    assert events() == in_pool


# --- worker crashes and memory -----------------------------------------------------------------
def crash_or_parse(
    body: bytes, headers: dict[str, str], final_url: str | None, fetched_at: Any, limits: Any
) -> ParsedFeed:
    """Runs in a parse process: dies on a marked body, hogs memory on another, else parses."""
    if b"<!-- crash -->" in body:
        os._exit(70)
    if b"<!-- hog -->" in body:
        hog = bytearray(4 * 1024**3)  # above the pool's address-space cap
        hog[0] = 1
    return parse_feed(
        body, headers=headers, final_url=final_url, fetched_at=fetched_at, settings=limits
    )


class CrashingPool(ParsePool):
    task = crash_or_parse


def test_a_crashing_parse_process_is_an_error_of_that_feed_only(
    db: Engine, feed_server: FeedServer
) -> None:
    crash = rss2([item(1, host="crash.example")], extra="<!-- crash -->")
    hog = rss2([item(2, host="hog.example")], extra="<!-- hog -->")
    feed_server.routes["/crash"] = Reply(200, crash)
    feed_server.routes["/hog"] = Reply(200, hog)
    healthy = [f"/ok{n}" for n in range(6)]
    for n, path in enumerate(healthy):
        feed_server.routes[path] = Reply(200, rss2([item(100 + n, host=f"ok{n}.example")]))
    ids = add_feeds(db, [feed_server.url(p) for p in ["/crash", "/hog", *healthy]])
    pool = CrashingPool(2, max_memory_mb=1024)
    try:
        with Collector(collector_settings(), engine=db, extractor=None, parse_pool=pool) as c:
            summary = c.run_pass()
        assert summary.feeds_ok == len(healthy) and summary.feeds_failed == 2
        [crash_run], [hog_run] = runs(db, ids[0]), runs(db, ids[1])
        assert crash_run.outcome == "error" and crash_run.error.startswith("parser_crashed")
        assert hog_run.outcome == "error" and hog_run.error.startswith("too_large")
        stored = {a.canonical_url for a in articles(db)}
        assert {f"https://ok{n}.example/2026/05/story-{100 + n}/" for n in range(6)} == stored
        # The replaced pool still parses.
        assert isinstance(parse_in_pool(pool, rss2([item(9)])), ParsedFeed)
    finally:
        pool.shutdown()


def crash_on_fast_path(
    body: bytes, headers: dict[str, str], final_url: str | None, fetched_at: Any, limits: Any
) -> ParsedFeed:
    """Runs in a parse process: dies whenever the native fast path would read the body."""
    if limits.fast_feed_parser:
        os._exit(71)
    return parse_feed(
        body, headers=headers, final_url=final_url, fetched_at=fetched_at, settings=limits
    )


class FastPathCrashingPool(ParsePool):
    task = crash_on_fast_path


def test_a_feed_whose_fast_parse_kills_the_process_is_read_by_feedparser() -> None:
    pool = FastPathCrashingPool(1)
    try:
        parsed = parse_in_pool(pool, rss2([item(1), item(2)]))
        assert isinstance(parsed, ParsedFeed), parsed
        assert [e.title for e in parsed.entries] == ["North Korea story 1", "North Korea story 2"]
    finally:
        pool.shutdown()


# --- one pool per process ----------------------------------------------------------------------
def test_the_pool_is_shared_across_passes_and_stops_on_shutdown(
    db: Engine, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Reply(200, rss2([item(1), item(2)]))
    add_feeds(db, [feed_server.url("/feed")])
    settings = collector_settings(parse_workers=2)
    shutdown_parse_pool()
    try:
        with Collector(settings, engine=db, extractor=None) as first:
            assert first.run_pass().new_articles == 2
        pool = shared_parse_pool(settings, "postgresql")
        assert pool is first.parse_pool and pool is not None
        pids = pool.pids()
        with Collector(settings, engine=db, extractor=None) as second:
            assert second.parse_pool is pool
            second.run_pass()
        assert pool.pids() == pids and len(pids) >= 1
    finally:
        shutdown_parse_pool()
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)


OWNER = """
import sys, time
from app.collector.parsepool import ParsePool
pool = ParsePool(2)
pool.warm()
print(" ".join(map(str, pool.pids())), flush=True)
time.sleep(60)
"""


def test_parse_processes_leave_when_their_collector_is_killed() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert pids and all(Path(f"/proc/{pid}").exists() for pid in pids)
    finally:
        owner.send_signal(signal.SIGKILL)  # no clean-up code runs in the owner
        owner.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(_gone(pid) for pid in pids):
        time.sleep(0.2)
    assert all(_gone(pid) for pid in pids)


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists() or _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_sqlite_and_zero_workers_parse_in_thread() -> None:
    assert parse_workers_for(Settings(parse_workers=4), "sqlite") == 0
    assert parse_workers_for(Settings(parse_workers=0), "postgresql") == 0
    assert parse_workers_for(Settings(parse_workers=3), "postgresql") == 3
    assert 1 <= parse_workers_for(Settings(), "postgresql") <= 2


def test_collect_on_sqlite_parses_in_thread(
    sqlite_settings: Settings, feed_server: FeedServer
) -> None:
    from app.core.db import get_engine
    from app.core.migrate import upgrade_to_head

    engine = get_engine()
    upgrade_to_head(engine)
    feed_server.routes["/feed"] = Reply(200, rss2([item(1)]))
    add_feeds(engine, [feed_server.url("/feed")])
    settings = collector_settings(database_url=str(engine.url))
    with Collector(settings, engine=engine, extractor=None) as collector:
        assert collector.parse_pool is None
        assert collector.run_pass().new_articles == 1


# --- the extraction hand-off -------------------------------------------------------------------
class SlowRecorder:
    """An extractor whose first call blocks until released, so later ids pile up."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, session: Any, *, article_ids: Any = None, limit: Any = None) -> int:
        self.calls.append(list(article_ids))
        self.started.set()
        self.release.wait(10)
        return len(article_ids)


@pytest.mark.parametrize(
    ("batch", "expected"), [(500, [[1], [2, 3, 4, 5, 6]]), (2, [[1], [2, 3], [4, 5], [6]])]
)
def test_articles_pile_up_into_batches_while_extraction_runs(
    db: Engine, batch: int, expected: list[list[int]]
) -> None:
    recorder = SlowRecorder()
    with ExtractionQueue(db, recorder, batch) as queue:
        queue.submit([1])
        assert recorder.started.wait(10)
        queue.submit([2, 3])
        queue.submit([4, 5, 6])
        recorder.release.set()
    assert recorder.calls == expected
    assert queue.extracted == 6 and queue.calls == len(expected)


class OrderedRecorder:
    """An extractor that extracts, of the ids it is given, the `limit` smallest still pending
    (the smallest id standing for the oldest article), as extract_pending does."""

    def __init__(self, pending: set[int]) -> None:
        self.pending = pending
        self.calls: list[tuple[list[int], int | None]] = []

    def __call__(self, session: Any, *, article_ids: Any = None, limit: Any = None) -> int:
        self.calls.append((list(article_ids), limit))
        taken = sorted(self.pending & set(article_ids))[:limit]
        self.pending -= set(taken)
        return len(taken)


def test_held_articles_are_handed_over_at_close_oldest_first(db: Engine) -> None:
    recorder = OrderedRecorder({1, 2, 3, 4, 5, 6, 7})
    with ExtractionQueue(db, recorder, 3, hold=100) as queue:
        queue.submit([5, 6, 7])
        queue.submit([1, 2])
        queue.submit([4, 3, 9])  # 9: extracted meanwhile by someone else
        assert recorder.calls == []  # nothing before close
    # three calls of at most three, each the oldest still pending; the last finds one
    assert [limit for _, limit in recorder.calls] == [3, 3, 3]
    assert recorder.pending == set() and queue.extracted == 7 and queue.calls == 3


def test_held_articles_are_handed_over_once_the_hold_is_full(db: Engine) -> None:
    recorder = OrderedRecorder(set(range(1, 11)))
    with ExtractionQueue(db, recorder, 4, hold=6) as queue:
        queue.submit([1, 2, 3])
        assert recorder.calls == []
        queue.submit([4, 5, 6, 7])  # 7 queued >= 6 held: handed over without waiting
        deadline = time.monotonic() + 10
        while not recorder.calls and time.monotonic() < deadline:
            time.sleep(0.01)
        assert recorder.calls
        queue.submit([8, 9, 10])
    assert recorder.pending == set() and queue.extracted == 10


def test_a_pass_hands_each_article_to_extraction_once(db: Engine, feed_server: FeedServer) -> None:
    for n in range(5):
        feed_server.routes[f"/f{n}"] = Reply(200, rss2([item(10 * n + k) for k in range(4)]))
    add_feeds(db, [feed_server.url(f"/f{n}") for n in range(5)])
    calls: list[list[int] | None] = []

    def record(session: Any, *, article_ids: Any = None, limit: Any = None) -> int:
        calls.append(None if article_ids is None else list(article_ids))
        return 0 if article_ids is None else len(article_ids)

    summary = collect(collector_settings(), db, extractor=record)
    handed = [i for call in calls if call for i in call]
    assert sorted(handed) == sorted(a.id for a in articles(db)) and len(handed) == 20
    assert calls[-1] is None and summary.extracted_articles == 20
