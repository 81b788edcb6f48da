"""Collector fixtures: a feed server on loopback, settings that allow it, feed helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector import Collector, PassSummary
from app.collector.feedsfile import SourceSpec, upsert_sources
from app.core.config import Settings
from app.core.db import session_scope
from tests.support.feedserver import FeedServer, serving


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with serving("127.0.0.1") as server:
        yield server


def collector_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "allow_private_feeds": "127.0.0.1",
        "fetch_timeout_seconds": 3.0,
        "fetch_connect_timeout_seconds": 2.0,
        "fetch_concurrency": 4,
        "fetch_per_host": 4,
        "poll_jitter_seconds": 0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return collector_settings()


class Recorder:
    """Stands in for `app.extraction.extract_pending`: records what it was handed."""

    def __init__(self) -> None:
        self.calls: list[list[int] | None] = []

    def __call__(self, session: Any, *, article_ids: Any = None, limit: Any = None) -> int:
        self.calls.append(None if article_ids is None else list(article_ids))
        return 0 if article_ids is None else len(article_ids)

    @property
    def handed(self) -> list[int]:
        return [i for call in self.calls if call for i in call]


def add_feeds(
    engine: Engine,
    urls: list[str],
    *,
    source: str = "Test Source",
    settings: Settings | None = None,
) -> list[int]:
    spec = SourceSpec(source, "specialist", "B", None, tuple(urls))
    with session_scope(engine) as session:
        upsert_sources(session, [spec])
    return [feed_id(engine, url) for url in urls]


def feed_id(engine: Engine, url: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(sa.text("SELECT id FROM feeds WHERE url = :u"), {"u": url}).scalar_one()
        )


def make_due(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE feeds SET next_check_at = :t"),
            {"t": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)},
        )


def collect(settings: Settings, engine: Engine, *, extractor: Any = None) -> PassSummary:
    with Collector(settings, engine=engine, extractor=extractor) as collector:
        return collector.run_pass()


def feed_row(engine: Engine, fid: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM feeds WHERE id = :i"), {"i": fid}).one()


def runs(engine: Engine, fid: int) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT * FROM collection_runs WHERE feed_id = :i ORDER BY id"), {"i": fid}
            )
        )


def articles(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT * FROM articles ORDER BY id")))
