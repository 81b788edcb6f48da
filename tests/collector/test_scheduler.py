"""The scheduler: jobs, the singleton lock, the background start and stop used by `serve`."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import Engine

from app.collector import scheduler
from app.core.config import Settings
from tests.collector.builders import item, rss2
from tests.collector.conftest import add_feeds, articles
from tests.support.feedserver import FeedServer, Reply


def test_only_one_process_holds_the_singleton_lock(db: Engine) -> None:
    first, second = scheduler.SingletonGuard(Settings()), scheduler.SingletonGuard(Settings())
    try:
        assert first.is_leader() is True
        assert second.is_leader() is False
        assert first.is_leader() is True  # the ping keeps it
        first.release()
        assert second.is_leader() is True  # a standby takes over
    finally:
        first.release()
        second.release()


def test_jobs_are_defined_with_fixed_ids_and_safe_defaults() -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    settings = Settings()
    sched = scheduler.configure(BackgroundScheduler(**scheduler._options(settings)), settings)
    sched.start(paused=True)  # job defaults are applied when the scheduler starts
    try:
        jobs = {job.id: job for job in sched.get_jobs()}
    finally:
        sched.shutdown(wait=False)
    assert set(jobs) == {scheduler.POLL_JOB_ID, scheduler.WEEKLY_JOB_ID}
    for job in jobs.values():
        assert job.coalesce and job.max_instances == 1
        assert job.misfire_grace_time == scheduler.MISFIRE_GRACE_SECONDS
    assert "day_of_week='mon'" in str(jobs[scheduler.WEEKLY_JOB_ID].trigger)


def test_background_scheduler_collects_at_start(
    db: Engine, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core import config

    monkeypatch.setenv("WATCHFLOOR_ALLOW_PRIVATE_FEEDS", "127.0.0.1")
    config.get_settings.cache_clear()
    feed_server.routes["/feed"] = Reply(200, rss2([item(1), item(2)]))
    add_feeds(db, [feed_server.url("/feed")])
    scheduler.start_background()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and scheduler.scheduler_status()["last_summary"] is None:
            time.sleep(0.1)
        status = scheduler.scheduler_status()
        assert status["running"] and status["last_tick_at"]
        assert status["last_summary"]["new_articles"] == 2
    finally:
        scheduler.stop_background()
        config.get_settings.cache_clear()
    assert not scheduler.scheduler_status()["running"]
    assert len(articles(db)) == 2
