"""`watchfloor demo`: the bundled corpus, loaded through the same parse and store path."""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from app.collector.feedsfile import SourceSpec, upsert_source
from app.collector.handoff import Extractor, hand_off
from app.collector.parse import parse_feed
from app.collector.store import store_entries
from app.core.config import Settings, get_settings
from app.core.db import get_engine, session_scope

logger = logging.getLogger(__name__)
_DEFAULT = object()


@dataclass(frozen=True)
class DemoFeed:
    path: Path
    source: SourceSpec
    url: str


@dataclass
class DemoSummary:
    feeds: int = 0
    entries: int = 0
    new_articles: int = 0
    updated_articles: int = 0
    extracted_articles: int = 0
    sources: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeds": self.feeds,
            "entries": self.entries,
            "new_articles": self.new_articles,
            "updated_articles": self.updated_articles,
            "extracted_articles": self.extracted_articles,
            "sources": self.sources,
        }


def demo_dir() -> Path:
    return Path(str(resources.files("app.collector") / "demo"))


@cache
def demo_manifest() -> dict[str, Any]:
    return tomllib.loads((demo_dir() / "manifest.toml").read_text(encoding="utf-8"))


def demo_period() -> tuple[dt.date, dt.date]:
    """The seed report's analysis period (first and last day, inclusive)."""
    period = demo_manifest()["period"]
    return dt.date.fromisoformat(period["from"]), dt.date.fromisoformat(period["to"])


@cache
def demo_feeds() -> tuple[DemoFeed, ...]:
    feeds = []
    for item in demo_manifest()["feeds"]:
        source = SourceSpec(
            name=item["source"],
            kind=item["kind"],
            reliability=item["reliability"],
            homepage=item.get("homepage"),
            feeds=(),
        )
        feeds.append(DemoFeed(demo_dir() / item["file"], source, item["url"]))
    return tuple(feeds)


def load_demo(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    extractor: Extractor | object | None = _DEFAULT,
) -> DemoSummary:
    """Load every demo feed (idempotent), then hand new or changed articles to extraction."""
    settings = settings or get_settings()
    engine = engine or get_engine()
    if extractor is _DEFAULT:
        from app.runtime import extractor_for  # the wiring (imports extraction)

        extract: Extractor | None = extractor_for()
    else:
        extract = extractor  # type: ignore[assignment]
    summary = DemoSummary()
    fetched_at = dt.datetime.now(dt.UTC)
    changed: list[int] = []
    for feed in demo_feeds():
        parsed = parse_feed(
            feed.path.read_bytes(),
            headers={"content-type": "application/xml; charset=utf-8"},
            final_url=feed.url,
            fetched_at=fetched_at,
            settings=settings,
        )
        with session_scope(engine) as session:
            source_id = upsert_source(session, feed.source, now=fetched_at)
            stored = store_entries(
                session, source_id=source_id, feed_id=None, entries=parsed.entries, now=fetched_at
            )
        summary.feeds += 1
        summary.entries += len(parsed.entries)
        summary.new_articles += len(stored.new_ids)
        summary.updated_articles += len(stored.updated_ids)
        summary.sources.append(feed.source.name)
        changed += stored.changed_ids
    summary.extracted_articles = hand_off(engine, extract, changed)  # type: ignore[arg-type]
    # Articles loaded before extraction existed (or after it failed) are caught up too.
    summary.extracted_articles += hand_off(engine, extract, None)  # type: ignore[arg-type]
    logger.info("demo corpus loaded", extra=summary.as_dict())
    return summary
