"""Several collectors, crashes and the SQLite default."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector import Collector
from app.core import db as db_module
from app.core.config import Settings
from app.core.migrate import upgrade_to_head
from tests.collector.builders import item, rss2
from tests.collector.conftest import add_feeds, articles, collector_settings
from tests.support.feedserver import FeedServer, Reply, conditional

ROOT = Path(__file__).resolve().parents[2]


def _feeds(server: FeedServer, count: int, per_feed: int, *, delay: float = 0.0) -> list[str]:
    paths = []
    for f in range(count):
        body = rss2([item(f * 1000 + i, host=f"feed{f}.example") for i in range(per_feed)])
        server.routes[f"/f{f}"] = Reply(200, body, delay=delay)
        paths.append(f"/f{f}")
    return paths


def test_two_collectors_never_fetch_the_same_feed(
    db: Engine, database_url: str, feed_server: FeedServer
) -> None:
    paths = _feeds(feed_server, 40, 5, delay=0.05)
    add_feeds(db, [feed_server.url(p) for p in paths])
    settings = collector_settings(poll_batch_size=3, fetch_concurrency=3)
    summaries = []
    barrier = threading.Barrier(2)

    def run() -> None:
        with Collector(settings, engine=db, extractor=None) as collector:
            barrier.wait()
            summaries.append(collector.run_pass())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    counts = Counter(r.path for r in feed_server.requests)
    assert set(counts) == set(paths) and max(counts.values()) == 1
    assert all(s.feeds_ok > 0 for s in summaries)  # both did part of the work
    assert sum(s.feeds_ok for s in summaries) == 40
    assert sum(s.new_articles for s in summaries) == len(articles(db)) == 200
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM collection_runs")).scalar_one() == 40


def _cli_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        WATCHFLOOR_ALLOW_PRIVATE_FEEDS="127.0.0.1",
        WATCHFLOOR_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def test_restart_after_sigkill_mid_pass_loses_and_duplicates_nothing(
    db: Engine, database_url: str, feed_server: FeedServer
) -> None:
    paths = _feeds(feed_server, 8, 4)
    stalled = Reply(200, rss2([item(7000 + i, host="stalled.example") for i in range(4)]), delay=60)
    feed_server.routes["/stalled"] = stalled
    add_feeds(db, [feed_server.url(p) for p in [*paths, "/stalled"]])
    env = _cli_env(
        database_url,
        WATCHFLOOR_POLL_LEASE_SECONDS="3",
        WATCHFLOOR_FETCH_TIMEOUT_SECONDS="50",
        WATCHFLOOR_FETCH_CONCURRENCY="3",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "collect", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if feed_server.seen("/stalled") and len(articles(db)) >= 8:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the collector never reached the stalled feed")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    before = len(articles(db))
    assert before < 36  # the stalled feed's entries were not stored
    feed_server.routes["/stalled"] = Reply(200, stalled.body)
    time.sleep(3.5)  # the killed collector's lease runs out
    done = subprocess.run(
        [sys.executable, "-m", "app", "collect", "--once", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = articles(db)
    assert len(rows) == 36 == len({r.guid_hash for r in rows})
    assert json.loads(done.stdout.strip().splitlines()[-1])["new_articles"] == 36 - before
    with db.connect() as conn:
        leased = conn.execute(
            sa.text("SELECT count(*) FROM feeds WHERE last_success_at IS NULL")
        ).scalar_one()
    assert leased == 0


def test_collect_once_on_sqlite(
    sqlite_settings: Settings, tmp_path: Path, feed_server: FeedServer
) -> None:
    upgrade_to_head(db_module.get_engine())
    feed_server.routes["/feed"] = conditional(
        rss2([item(1), item(2)]), '"e1"', "Tue, 26 May 2026 00:00:00 GMT"
    )
    feeds_file = tmp_path / "feeds.toml"
    feeds_file.write_text(
        f'[[sources]]\nname = "Local"\nkind = "wire"\nreliability = "B"\n'
        f'feeds = ["{feed_server.url("/feed")}"]\n'
    )
    env = _cli_env(
        "", WATCHFLOOR_DATA_DIR=str(sqlite_settings.data_dir), WATCHFLOOR_FEEDS_FILE=str(feeds_file)
    )
    env.pop("DATABASE_URL")
    first = subprocess.run(
        [sys.executable, "-m", "app", "collect", "--once", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout.strip().splitlines()[-1])
    assert data["feeds_ok"] == 1 and data["new_articles"] == 2
    engine = db_module.get_engine()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE feeds SET next_check_at = '2000-01-01 00:00:00'"))
    second = subprocess.run(
        [sys.executable, "-m", "app", "collect", "--once", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    again = json.loads(second.stdout.strip().splitlines()[-1])
    assert again["feeds_not_modified"] == 1 and again["new_articles"] == 0
    assert feed_server.seen("/feed")[-1].headers["if-none-match"] == '"e1"'
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one() == 2


def test_collect_once_without_a_database_exits_non_zero(tmp_path: Path) -> None:
    env = _cli_env("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    done = subprocess.run(
        [sys.executable, "-m", "app", "collect", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "database unavailable" in done.stderr
