"""Claiming due feeds so that several collectors never fetch the same feed at once.

PostgreSQL: one UPDATE over a `FOR UPDATE SKIP LOCKED` subquery moves `next_check_at` to
now + lease and returns the feeds; the write is the lease (a crashed collector's feeds become
due again when it runs out). SQLite has no row locks: one collector per database file, held
by an OS file lock beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from filelock import FileLock, Timeout
from sqlalchemy.engine import Engine, make_url

from app.core.models import Feed

FEEDS = Feed.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ClaimedFeed:
    id: int
    source_id: int
    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    poll_interval_seconds: int
    error_count: int


def _due_ids(now: dt.datetime, limit: int, *, skip_locked: bool) -> sa.Select:
    query = (
        sa.select(FEEDS.c.id)
        .where(FEEDS.c.enabled.is_(True))
        .where(sa.or_(FEEDS.c.next_check_at.is_(None), FEEDS.c.next_check_at <= now))
        .order_by(FEEDS.c.next_check_at.asc().nulls_first(), FEEDS.c.id)
        .limit(limit)
    )
    return query.with_for_update(skip_locked=True) if skip_locked else query


def claim_due_feeds(engine: Engine, *, limit: int, lease_seconds: int) -> list[ClaimedFeed]:
    """Claim up to `limit` due feeds in one short transaction (committed before any fetch)."""
    now = dt.datetime.now(dt.UTC)
    skip_locked = engine.dialect.name == "postgresql"
    stmt = (
        sa.update(FEEDS)
        .where(FEEDS.c.id.in_(_due_ids(now, limit, skip_locked=skip_locked).scalar_subquery()))
        .values(next_check_at=now + dt.timedelta(seconds=lease_seconds), last_check_at=now)
        .returning(
            FEEDS.c.id,
            FEEDS.c.source_id,
            FEEDS.c.url,
            FEEDS.c.etag,
            FEEDS.c.last_modified,
            FEEDS.c.body_hash,
            FEEDS.c.poll_interval_seconds,
            FEEDS.c.error_count,
        )
    )
    with engine.begin() as conn:
        rows = conn.execute(stmt).all()
    claimed = [ClaimedFeed(*row) for row in rows]
    claimed.sort(key=lambda f: f.id)
    return claimed


def sqlite_lock_path(engine: Engine) -> Path | None:
    url = make_url(str(engine.url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).with_name(Path(url.database).name + ".collector.lock")


class CollectorBusyError(Exception):
    """Another collector holds this SQLite database's lock."""


@contextmanager
def collector_lock(engine: Engine, *, wait_seconds: float = 0) -> Iterator[None]:
    """On SQLite, hold the OS file lock for the duration; on PostgreSQL, nothing to hold."""
    path = sqlite_lock_path(engine)
    if path is None:
        yield
        return
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout as exc:
        raise CollectorBusyError(f"another collector holds {path}") from exc
    try:
        yield
    finally:
        lock.release()
