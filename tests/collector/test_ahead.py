"""Extraction one hand-off batch ahead (app/collector/ahead.py): the parse processes extract
the next batch while the collector merges the current one, and the events are those of
`extract_pending` alone, also when an article changes after its extraction started."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.collector.ahead import ExtractAhead
from app.collector.parsepool import ParsePool
from app.core.models import Article, Event, Source
from app.extraction import extract_all, extract_pending
from app.extraction.store import pending_inputs
from app.runtime import extractor_for

_serial = itertools.count(1)
TUESDAY = dt.datetime(2026, 5, 26, 6, 0, tzinfo=dt.UTC)
PLACES = ["Jongju", "Wonsan", "Sinpo", "Hamhung", "Sunan", "Kaechon"]


def launch(place: str) -> tuple[str, str]:
    return (
        f"North Korea fires ballistic missile from {place}, JCS says",
        f"North Korea fired a short-range ballistic missile from {place} on Tuesday, "
        "South Korea's Joint Chiefs of Staff said.",
    )


def add_articles(session: Session, count: int) -> list[int]:
    source = Source(name=f"Source {next(_serial)}", kind="wire", reliability="A")
    session.add(source)
    session.flush()
    ids = []
    for n in range(count):
        k = next(_serial)
        title, text = launch(PLACES[n % len(PLACES)])
        article = Article(
            source_id=source.id,  # type: ignore[arg-type]
            guid=f"ahead-{k}",
            guid_hash=hashlib.sha256(f"ahead-{k}".encode()).hexdigest(),
            url=f"https://example.org/ahead/{k}",
            canonical_url=f"https://example.org/ahead/{k}",
            title=title,
            text=text,
            published_at=TUESDAY + dt.timedelta(minutes=n),
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
        )
        session.add(article)
        session.flush()
        ids.append(article.id)  # type: ignore[arg-type]
    return ids


def events(session: Session) -> list[tuple[Any, ...]]:
    session.expire_all()
    return sorted(
        (e.key, e.corroboration, e.claim_status, e.confidence)
        for e in session.exec(select(Event)).all()
    )


@pytest.fixture(scope="module")
def pool() -> Iterator[ParsePool]:
    pool = ParsePool(2)
    yield pool
    pool.shutdown()


def test_the_next_batch_is_extracted_ahead_and_a_changed_article_again(
    db: Engine, pool: ParsePool
) -> None:
    with Session(db) as session:
        ids = add_articles(session, 12)
        first, second = ids[:6], ids[6:]
        ahead = ExtractAhead(
            pool,
            extract_pending=extract_pending,
            pending_inputs=pending_inputs,
            extract_all=extract_all,
        )
        ahead.next_ids = lambda: second
        assert ahead(session, article_ids=first) == 6
        assert ahead.reused == 0
        # changed after its extraction ahead started: extracted again, from the new text
        session.execute(
            sa.update(Article)
            .where(Article.id == second[0])  # type: ignore[arg-type]
            .values(title=launch("Musudan-ri")[0], text=launch("Musudan-ri")[1])
        )
        ahead.next_ids = lambda: []
        assert ahead(session, article_ids=second) == 6
        assert ahead.reused == 5
        with_ahead = events(session)
        session.rollback()

    with Session(db) as session:  # the same articles, extracted plainly
        ids = add_articles(session, 12)
        session.execute(
            sa.update(Article)
            .where(Article.id == ids[6])  # type: ignore[arg-type]
            .values(title=launch("Musudan-ri")[0], text=launch("Musudan-ri")[1])
        )
        extract_pending(session, article_ids=ids[:6])
        extract_pending(session, article_ids=ids[6:])
        plain = events(session)
        session.rollback()
    assert with_ahead == plain
    assert any("tonghae" in key for key, *_ in plain)  # Musudan-ri


def test_without_parse_processes_extraction_is_plain() -> None:
    assert extractor_for(None) is extract_pending
