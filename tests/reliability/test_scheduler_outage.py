"""The scheduler through a database outage: a failing poll job does not stop it, and the
singleton advisory lock, lost with its connection, is taken again when the database is back."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app.collector import scheduler
from app.core import config as config_module
from app.core.config import Settings
from tests.collector.builders import item, rss2
from tests.collector.conftest import add_feeds, articles
from tests.reliability.conftest import ProxiedDatabase
from tests.support.feedserver import FeedServer, Reply


def _eventually(check: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def _lock_holders(proxied: ProxiedDatabase) -> list[str]:
    with proxied.direct.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                    "AND a.datname = current_database()"
                )
            ).scalars()
        )


def test_singleton_lock_lost_with_its_connection_is_taken_again(
    proxied_db: ProxiedDatabase,
) -> None:
    guard = scheduler.SingletonGuard(Settings())
    try:
        assert guard.is_leader() is True
        assert _lock_holders(proxied_db) == ["watchfloor-scheduler-lock"]

        proxied_db.proxy.cut()
        assert guard.is_leader() is False  # the ping notices the dead connection
        assert guard.is_leader() is False  # and no new one can be made
        # The server ended the dead session, and with it the lock: nobody holds it.
        assert _eventually(lambda: _lock_holders(proxied_db) == [], 30)

        proxied_db.proxy.restore()
        assert _eventually(guard.is_leader, 30)
        assert _lock_holders(proxied_db) == ["watchfloor-scheduler-lock"]
    finally:
        guard.release()


def test_poll_job_failing_during_an_outage_does_not_stop_the_scheduler(
    proxied_db: ProxiedDatabase,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("WATCHFLOOR_ALLOW_PRIVATE_FEEDS", "127.0.0.1")
    monkeypatch.setenv("WATCHFLOOR_POLL_TICK_SECONDS", "5")  # the smallest tick allowed
    monkeypatch.setenv("WATCHFLOOR_POLL_JITTER_SECONDS", "0")
    config_module.get_settings.cache_clear()
    feed_server.routes["/feed"] = Reply(200, rss2([item(1), item(2)]))
    add_feeds(proxied_db.direct, [feed_server.url("/feed")])
    caplog.set_level(logging.WARNING)

    proxied_db.proxy.cut()
    scheduler.start_background()  # the first tick runs at once, into the outage
    try:
        assert _eventually(lambda: scheduler.scheduler_status()["last_tick_at"] is not None, 30)
        assert _eventually(
            lambda: any(r.getMessage() == "scheduled job failed" for r in caplog.records), 30
        )
        assert scheduler.scheduler_status()["running"]

        proxied_db.proxy.restore()
        assert _eventually(lambda: len(articles(proxied_db.direct)) == 2, 45)
        assert scheduler.scheduler_status()["running"]
        assert scheduler._guard is not None and scheduler._guard.is_leader()
    finally:
        scheduler.stop_background()
        config_module.get_settings.cache_clear()
    assert len(articles(proxied_db.direct)) == 2
