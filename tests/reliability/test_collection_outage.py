"""PostgreSQL goes away in the middle of a collection pass (a proxy the test cuts) and comes back.

Guarantees: the process does not die, nothing fetched is lost (the next pass stores what the
cut one could not), nothing is duplicated, the feeds whose store failed come due again when
their lease runs out, and the logs / the pass summary say what happened.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector import PassSummary, run_collection_pass
from app.core.config import Settings
from tests.collector.builders import item, rss2
from tests.collector.conftest import add_feeds, articles, collector_settings
from tests.reliability.conftest import ProxiedDatabase
from tests.support.feedserver import FeedServer, Reply

ROOT = Path(__file__).resolve().parents[2]
LEASE = 3
FAST_FEEDS, PER_FEED, SLOW_DELAY = 6, 5, 2.5


def _serve(server: FeedServer) -> tuple[list[str], list[str]]:
    """Six fast feeds and one slow one; returns (feed URLs, every served canonical URL)."""
    urls, served = [], []
    for f in range(FAST_FEEDS + 1):
        entries = [item(f * 100 + i, host=f"feed{f}.example") for i in range(PER_FEED)]
        slow = f == FAST_FEEDS
        server.routes[f"/f{f}"] = Reply(200, rss2(entries), delay=SLOW_DELAY if slow else 0)
        urls.append(server.url(f"/f{f}"))
        served += [e["link"] for e in entries]
    return urls, served


def _settings(**overrides: Any) -> Settings:
    return collector_settings(poll_lease_seconds=LEASE, fetch_concurrency=8, **overrides)


def _wait_mid_pass(server: FeedServer, direct: Engine, timeout: float = 30) -> None:
    """Until the fast feeds are stored and the slow feed's request is in flight."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.seen(f"/f{FAST_FEEDS}") and len(articles(direct)) == FAST_FEEDS * PER_FEED:
            return
        time.sleep(0.05)
    pytest.fail("the pass never reached the slow feed")


def _make_slow_feed_fast(server: FeedServer) -> None:
    reply = server.routes[f"/f{FAST_FEEDS}"]
    assert isinstance(reply, Reply)
    server.routes[f"/f{FAST_FEEDS}"] = Reply(200, reply.body)


def _assert_everything_stored_once(direct: Engine, served: list[str]) -> None:
    rows = articles(direct)
    counts = Counter(r.canonical_url for r in rows)
    assert sorted(counts) == sorted(served)
    assert max(counts.values()) == 1
    assert len({r.guid_hash for r in rows}) == len(rows) == len(served)
    with direct.connect() as conn:
        never_succeeded = conn.execute(
            sa.text("SELECT count(*) FROM feeds WHERE last_success_at IS NULL")
        ).scalar_one()
        runs = dict(
            conn.execute(
                sa.text("SELECT outcome, sum(new_items) FROM collection_runs GROUP BY outcome")
            ).all()
        )
    assert never_succeeded == 0
    assert runs.get("ok") == len(served)  # each article counted new once, in one ok run


def _slow_feed(direct: Engine) -> Any:
    with direct.connect() as conn:
        return conn.execute(
            sa.text("SELECT * FROM feeds WHERE url LIKE :u"), {"u": f"%/f{FAST_FEEDS}"}
        ).one()


def test_outage_mid_pass_in_process(
    proxied_db: ProxiedDatabase, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    urls, served = _serve(feed_server)
    add_feeds(proxied_db.direct, urls)
    settings = _settings()
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["summary"] = run_collection_pass(settings, extractor=None)
        except BaseException as exc:  # the assertion below reports it
            result["error"] = exc

    caplog.set_level(logging.INFO)
    thread = threading.Thread(target=run)
    thread.start()
    _wait_mid_pass(feed_server, proxied_db.direct)
    proxied_db.proxy.cut()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "error" not in result, repr(result.get("error"))
    first: PassSummary = result["summary"]
    assert first.new_articles == FAST_FEEDS * PER_FEED
    assert first.interrupted and "database" in first.interrupted
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("app."))

    # The slow feed was fetched but not stored: its claim lease makes it due again.
    slow = _slow_feed(proxied_db.direct)
    assert slow.last_success_at is None and slow.next_check_at is not None
    proxied_db.proxy.restore()
    _make_slow_feed_fast(feed_server)
    time.sleep(LEASE + 0.5)
    second = run_collection_pass(settings, extractor=None)
    assert second.interrupted is None
    assert second.feeds_ok == 1 and second.new_articles == PER_FEED
    _assert_everything_stored_once(proxied_db.direct, served)


def _cli(proxied: ProxiedDatabase, *args: str, **kw: Any) -> Any:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=proxied.url,
        WATCHFLOOR_ALLOW_PRIVATE_FEEDS="127.0.0.1",
        WATCHFLOOR_POLL_LEASE_SECONDS=str(LEASE),
        WATCHFLOOR_FETCH_CONCURRENCY="8",
        WATCHFLOOR_DB_POOL_TIMEOUT="2",
        WATCHFLOOR_LOG_LEVEL="INFO",
    )
    return (subprocess.Popen if kw.pop("background", False) else subprocess.run)(
        [sys.executable, "-m", "app", "collect", "--once", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_outage_mid_pass_cli(proxied_db: ProxiedDatabase, feed_server: FeedServer) -> None:
    urls, served = _serve(feed_server)
    add_feeds(proxied_db.direct, urls)
    proc = _cli(proxied_db, "--json", background=True)
    try:
        _wait_mid_pass(feed_server, proxied_db.direct)
        proxied_db.proxy.cut()
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in stderr, stderr[-3000:]
    assert proc.returncode == 1, stderr[-3000:]  # an interrupted pass is not a clean pass
    assert "database unavailable" in stderr
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["new_articles"] == FAST_FEEDS * PER_FEED and summary["interrupted"]

    proxied_db.proxy.restore()
    _make_slow_feed_fast(feed_server)
    time.sleep(LEASE + 0.5)
    done = _cli(proxied_db, "--json", timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["new_articles"] == PER_FEED
    _assert_everything_stored_once(proxied_db.direct, served)


def test_articles_stored_but_not_extracted_are_extracted_by_the_next_pass(
    proxied_db: ProxiedDatabase, feed_server: FeedServer
) -> None:
    """The outage starts exactly at the extraction seam: the articles are committed, their
    extraction is not; the next pass (no feed due) extracts them."""
    from app.extraction import extract_pending

    feed_server.routes["/feed"] = Reply(
        200,
        rss2(
            [
                item(
                    1,
                    title="North Korea fires ballistic missile into East Sea",
                    summary="North Korea fired a ballistic missile from Pyongyang into the "
                    "East Sea on Tuesday, South Korea's Joint Chiefs of Staff said.",
                ),
                item(2),
            ]
        ),
    )
    add_feeds(proxied_db.direct, [feed_server.url("/feed")])
    calls: list[Any] = []

    def extractor_meeting_an_outage(session: Any, **kw: Any) -> int:
        calls.append(kw.get("article_ids"))
        if len(calls) == 1:
            proxied_db.proxy.cut()
        return extract_pending(session, **kw)

    first = run_collection_pass(_settings(), extractor=extractor_meeting_an_outage)
    assert first.new_articles == 2 and first.extracted_articles == 0
    with proxied_db.direct.connect() as conn:
        pending = conn.execute(
            sa.text("SELECT count(*) FROM articles WHERE extracted_at IS NULL")
        ).scalar_one()
    assert pending == 2

    proxied_db.proxy.restore()
    second = run_collection_pass(_settings(), extractor=extract_pending)
    assert second.feeds_checked == 0 and second.extracted_articles == 2
    with proxied_db.direct.connect() as conn:
        pending = conn.execute(
            sa.text("SELECT count(*) FROM articles WHERE extracted_at IS NULL")
        ).scalar_one()
        events = conn.execute(sa.text("SELECT category FROM events")).scalars().all()
    assert pending == 0
    assert "missile_test" in events
