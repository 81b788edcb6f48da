"""APScheduler 3 in `watchfloor serve` (BackgroundScheduler) and `watchfloor collector`
(BlockingScheduler).

Jobs are defined here, in memory, with fixed ids: the poll tick (safe in every process: feeds
are claimed with row locks) and the weekly assessment, which runs only in the process holding
the singleton lock. On PostgreSQL that lock is a session-level `pg_try_advisory_lock` on a
dedicated connection outside the pool, held for the life of the process and pinged each tick;
processes without it stand by and retry. On SQLite one process per database file runs the
scheduler, guarded by an OS file lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import threading
from typing import Any

import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from filelock import FileLock, Timeout
from sqlalchemy.pool import NullPool

from app import notify
from app.collector.claim import CollectorBusyError, sqlite_lock_path
from app.collector.parsepool import shutdown_parse_pool
from app.core.config import Settings, get_settings
from app.core.db import get_engine, session_scope
from app.core.isotime import iso_z

logger = logging.getLogger(__name__)

# "wf" + "sched" as a constant bigint: the singleton lock of scheduled jobs.
SINGLETON_LOCK_KEY = 0x7766_7363_6865_64
POLL_JOB_ID = "collector.poll"
WEEKLY_JOB_ID = "assessment.weekly"
MISFIRE_GRACE_SECONDS = 120

_scheduler: BaseScheduler | None = None
_guard: SingletonGuard | None = None
_state: dict[str, Any] = {"last_tick_at": None, "last_summary": None}


class SingletonGuard:
    """Who runs the once-per-deployment jobs. Never raises: a lost lock is re-tried."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: sa.Connection | None = None
        self._engine: sa.Engine | None = None
        self._file_lock: FileLock | None = None
        self._lock = threading.Lock()

    def is_leader(self) -> bool:
        with self._lock:
            try:
                return self._check()
            except Exception as exc:
                logger.warning("singleton lock check failed", extra={"error": repr(exc)[:300]})
                self._drop()
                return False

    def _check(self) -> bool:
        engine = get_engine()
        if engine.dialect.name != "postgresql":
            return self._check_file_lock(engine)
        if self._conn is not None:
            self._conn.execute(sa.text("SELECT 1"))  # ping: a dead connection lost the lock
            return True
        self._engine = self._engine or sa.create_engine(
            engine.url,
            poolclass=NullPool,
            connect_args={
                "application_name": f"{self.settings.application_name}-scheduler-lock",
                "connect_timeout": 5,
            },
        )
        conn = self._engine.connect()
        granted = conn.execute(
            sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": SINGLETON_LOCK_KEY}
        ).scalar_one()
        conn.commit()  # never idle in a transaction; the session-level lock stays
        if granted:
            self._conn = conn
            logger.info("scheduler singleton lock acquired")
            return True
        conn.close()
        return False

    def _check_file_lock(self, engine: sa.Engine) -> bool:
        if self._file_lock is not None:
            return True
        path = sqlite_lock_path(engine)
        if path is None:
            return True
        lock = FileLock(str(path.with_name(path.name + ".scheduler")))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return False
        self._file_lock = lock
        return True

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def release(self) -> None:
        with self._lock:
            self._drop()
            if self._engine is not None:
                self._engine.dispose()
            if self._file_lock is not None:
                self._file_lock.release()
                self._file_lock = None


def poll_tick() -> None:
    """The poll job: heartbeat, leadership check, one collection pass."""
    from app.collector.pipeline import run_collection_pass

    _state["last_tick_at"] = dt.datetime.now(dt.UTC)
    if _guard is not None:
        _guard.is_leader()  # keeps the lock alive, or takes it over from a dead leader
    try:
        summary = run_collection_pass(get_settings())
    except CollectorBusyError as exc:
        logger.info("collection skipped", extra={"reason": str(exc)})
        return
    _state["last_summary"] = summary.as_dict()


def weekly_assessment() -> None:
    """Build last week's assessment, once per deployment (the singleton lock holder)."""
    if _guard is not None and not _guard.is_leader():
        logger.info("weekly assessment left to the lock holder")
        return
    from app.runtime import weekly_assessment_job  # the wiring (imports assessment)

    weekly_assessment_job()()


def scheduler_status() -> dict[str, Any]:
    """For health checks: is a scheduler running, when did it last tick, who leads."""
    last = _state["last_tick_at"]
    return {
        "running": bool(_scheduler and _scheduler.running),
        "last_tick_at": iso_z(last),
        "last_summary": _state["last_summary"],
    }


def _cron(expression: str) -> CronTrigger:
    """'mon 00:30' -> every Monday at 00:30 UTC."""
    day, _, clock = expression.strip().partition(" ")
    hour, _, minute = clock.partition(":")
    return CronTrigger(day_of_week=day, hour=int(hour), minute=int(minute or 0), timezone=dt.UTC)


def _on_job_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        logger.warning("scheduled job missed", extra={"job": event.job_id})
    elif event.exception is not None:
        logger.error(
            "scheduled job failed",
            extra={"job": event.job_id, "error": repr(event.exception)[:500]},
        )


def configure(scheduler: BaseScheduler, settings: Settings) -> BaseScheduler:
    scheduler.add_listener(_on_job_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    scheduler.add_job(
        poll_tick,
        IntervalTrigger(
            seconds=settings.poll_tick_seconds,
            jitter=settings.poll_jitter_seconds or None,
            timezone=dt.UTC,
        ),
        id=POLL_JOB_ID,
        name="collect due feeds",
        replace_existing=True,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    scheduler.add_job(
        weekly_assessment,
        _cron(settings.weekly_assessment_cron),
        id=WEEKLY_JOB_ID,
        name="weekly assessment",
        replace_existing=True,
    )
    return scheduler


def _options(settings: Settings) -> dict[str, Any]:
    return {
        "jobstores": {"default": MemoryJobStore()},
        "executors": {"default": ThreadPoolExecutor(2)},
        "job_defaults": {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
        "timezone": dt.UTC,
    }


def _seed_feeds_if_empty() -> None:
    """First start: load the feeds file so there is something to collect."""
    from app.collector.feedsfile import feeds_table_empty, load_feeds_file

    try:
        with session_scope() as session:
            if feeds_table_empty(session):
                result = load_feeds_file(session)
                logger.info("feeds file loaded", extra=result.as_dict())
    except Exception as exc:
        logger.warning("could not load the feeds file", extra={"error": repr(exc)[:300]})


def start_background() -> None:
    """`serve`: start the scheduler in this process's threads."""
    global _scheduler, _guard
    if _scheduler is not None and _scheduler.running:
        return
    settings = get_settings()
    _seed_feeds_if_empty()
    _guard = SingletonGuard(settings)
    _guard.is_leader()
    _scheduler = configure(BackgroundScheduler(**_options(settings)), settings)
    _scheduler.start()
    notify.start_dispatcher()  # webhook deliveries, beside the jobs
    logger.info("background scheduler started")


def stop_background() -> None:
    global _scheduler, _guard
    if _scheduler is not None and _scheduler.running:
        _scheduler.shutdown(wait=True)
    _scheduler = None
    notify.stop_dispatcher()
    if _guard is not None:
        _guard.release()
        _guard = None
    shutdown_parse_pool()


def run_blocking() -> None:
    """`collector`: run the scheduler in the foreground until SIGTERM or SIGINT."""
    global _scheduler, _guard
    settings = get_settings()
    _seed_feeds_if_empty()
    _guard = SingletonGuard(settings)
    leader = _guard.is_leader()
    logger.info("collector starting", extra={"singleton_lock": leader})
    scheduler = configure(BlockingScheduler(**_options(settings)), settings)
    _scheduler = scheduler

    def _stop(signum: int, _frame: Any) -> None:
        logger.info("collector stopping", extra={"signal": signum})
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    notify.start_dispatcher()  # webhook deliveries, beside the jobs
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        notify.stop_dispatcher()
        _guard.release()
        _guard = None
        _scheduler = None
        shutdown_parse_pool()
