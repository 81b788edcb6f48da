"""SQLModel factories for API and assessment tests: sources, feeds, articles, events, mentions.

Each factory inserts one row with plausible defaults (override any field) and flushes, so ids
are known; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from sqlmodel import Session

from app.core.models import Article, Event, EventMention, Feed, Source

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


def make_source(session: Session, **fields: Any) -> Source:
    n = _n()
    values: dict[str, Any] = {"name": f"Publisher {n}", "kind": "specialist", "reliability": "B"}
    values.update(fields)
    source = Source(**values)
    session.add(source)
    session.flush()
    return source


def make_feed(session: Session, source: Source, **fields: Any) -> Feed:
    n = _n()
    values: dict[str, Any] = {"source_id": source.id, "url": f"http://127.0.0.1:9/feed-{n}.xml"}
    values.update(fields)
    feed = Feed(**values)
    session.add(feed)
    session.flush()
    return feed


def make_article(session: Session, source: Source, **fields: Any) -> Article:
    n = _n()
    values: dict[str, Any] = {
        "source_id": source.id,
        "guid": f"urn:test:{n}",
        "guid_hash": hashlib.sha256(f"urn:test:{n}".encode()).hexdigest(),
        "url": f"https://news.example/{n}",
        "canonical_url": f"https://news.example/{n}",
        "title": f"Article {n}",
        "summary": f"Summary of article {n}.",
        "text": f"Text of article {n}.",
        "published_at": utc(2026, 5, 26, 4, 30),
        "content_hash": hashlib.sha256(str(n).encode()).hexdigest(),
    }
    values.update(fields)
    article = Article(**values)
    session.add(article)
    session.flush()
    return article


def make_event(session: Session, **fields: Any) -> Event:
    n = _n()
    values: dict[str, Any] = {
        "key": f"test-event-{n}",
        "category": "diplomacy",
        "title": f"Event {n}",
        "summary": None,
        "event_date": dt.date(2026, 5, 26),
        "severity": 2,
        "claim_status": "reported",
        "confidence": 0.8,
        "corroboration": 1,
    }
    values.update(fields)
    if "first_reported_at" not in fields:
        day = values["event_date"]
        values["first_reported_at"] = dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC)
        values["last_reported_at"] = values["first_reported_at"]
    event = Event(**values)
    session.add(event)
    session.flush()
    return event


def make_mention(
    session: Session, event: Event, article: Article, sentence: str | None = None, **fields: Any
) -> EventMention:
    values: dict[str, Any] = {
        "event_id": event.id,
        "article_id": article.id,
        "sentence": sentence or f"{event.title}, the article said.",
        "evidence": [sentence or event.title],
        "claim_status": event.claim_status,
    }
    values.update(fields)
    mention = EventMention(**values)
    session.add(mention)
    session.flush()
    return mention


# Places used across tests (coordinates from the shared gazetteer reference).
JONGJU = {
    "location_id": "jongju",
    "location_name": "Jongju",
    "location_precision": "city",
    "lat": 39.6933,
    "lon": 125.2103,
}
DMZ = {
    "location_id": "dmz",
    "location_name": "Korean Demilitarized Zone",
    "location_precision": "border",
    "lat": 38.2092,
    "lon": 127.2175,
}
DANDONG = {
    "location_id": "dandong",
    "location_name": "Dandong",
    "location_precision": "border",
    "lat": 40.1292,
    "lon": 124.3947,
}
PYONGYANG = {
    "location_id": "pyongyang",
    "location_name": "Pyongyang",
    "location_precision": "city",
    "lat": 39.0339,
    "lon": 125.7543,
}
