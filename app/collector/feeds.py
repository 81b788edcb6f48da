"""`FeedRepository`: the one place a feed is added, for the feeds-file loader and the admin API.

Flushes only; the caller's unit of work commits (the loader's `session_scope`, the admin
request's commit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from app.collector.store import dialect_insert
from app.core.config import get_settings
from app.core.models import Feed, Source

SOURCES: sa.Table = Source.__table__  # type: ignore[attr-defined]
FEEDS: sa.Table = Feed.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Added:
    feed_id: int
    created: bool  # False: a feed with this URL was already there (it is left as it was)


@dataclass
class FeedRepository:
    session: Session

    def add(
        self,
        source_id: int,
        url: str,
        *,
        title: str | None = None,
        now: dt.datetime | None = None,
    ) -> Added:
        """A new enabled feed, due at once, polled at three times the shortest interval until
        its entries say otherwise; an existing URL is not touched (one statement, so two
        writers adding one URL cannot both create it)."""
        now = now or dt.datetime.now(dt.UTC)
        statement = dialect_insert(self.session, FEEDS).values(
            source_id=source_id,
            url=url,
            title=title,
            enabled=True,
            poll_interval_seconds=get_settings().poll_interval_min_seconds * 3,
            next_check_at=now,
            error_count=0,
            created_at=now,
            updated_at=now,
        )
        inserted = self.session.execute(
            statement.on_conflict_do_nothing(index_elements=[FEEDS.c.url]).returning(FEEDS.c.id)
        ).first()
        if inserted is not None:
            return Added(int(inserted[0]), True)
        existing = self.session.execute(sa.select(FEEDS.c.id).where(FEEDS.c.url == url))
        return Added(int(existing.scalar_one()), False)

    def move(self, url: str, source_id: int, *, now: dt.datetime) -> None:
        """The feed at `url` belongs to `source_id` (the feeds file moved it)."""
        self.session.execute(
            sa.update(FEEDS)
            .where(FEEDS.c.url == url)
            .where(FEEDS.c.source_id != source_id)
            .values(source_id=source_id, updated_at=now)
        )

    def source_named(self, name: str, *, kind: str, reliability: str) -> Source:
        """The publisher called `name`, created with this kind and grade when new."""
        source = self.session.scalar(sa.select(Source).where(col(Source.name) == name))
        if source is None:
            source = Source(name=name, kind=kind, reliability=reliability)
            self.session.add(source)
            self.session.flush()
        return source
