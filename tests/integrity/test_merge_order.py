"""Defect 9 of issue 17: the events do not depend on the order articles are merged in.

The same corpus (the benchmark's generated feeds, many publishers reporting overlapping
happenings) is extracted once in publication order and again in shuffled batches, as the
collector's hand-off delivers them; the two event sets must be identical.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.collector.parse import ParseLimits, parse_feed
from app.collector.store import store_entries
from app.core.models import Source
from app.extraction import extract_pending

ROOT = Path(__file__).resolve().parents[2]
FEEDS, ENTRIES = 40, 30
NOW = dt.datetime(2026, 5, 28, 12, tzinfo=dt.UTC)


def _corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("feed_corpus", ROOT / "scripts/feed_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _store_corpus(session: Session) -> list[int]:
    corpus = _corpus_module()
    limits = ParseLimits(500, 1000, 200_000)
    ids: list[int] = []
    for index, body in enumerate(corpus.generate_corpus(FEEDS, ENTRIES)):
        source = Source(name=f"Publisher {index}", kind="specialist", reliability="BCD"[index % 3])
        session.add(source)
        session.flush()
        parsed = parse_feed(body, headers={}, final_url=None, fetched_at=NOW, settings=limits)
        stored = store_entries(
            session, source_id=source.id or 0, feed_id=None, entries=parsed.entries, now=NOW
        )
        ids += stored.new_ids
    session.commit()
    return ids


def _events(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(
        sa.text(
            "SELECT e.key, e.category, e.event_date, e.date_precision, e.location_id, "
            "e.severity, e.claim_status, e.corroboration, e.title, e.figures::text, "
            "e.actors::text, e.weapons::text, "
            "(SELECT string_agg(m.article_id::text, ',' ORDER BY m.article_id) "
            " FROM event_mentions m WHERE m.event_id = e.id) AS articles "
            "FROM events e ORDER BY e.key"
        )
    ).all()
    return [tuple(row) for row in rows]


def _reset(session: Session) -> None:
    session.execute(sa.text("DELETE FROM event_mentions"))
    session.execute(sa.text("DELETE FROM events"))
    session.execute(sa.text("UPDATE articles SET extracted_at = NULL"))
    session.commit()


@pytest.mark.parametrize("seed", [1, 2])
def test_shuffled_batches_give_the_same_events(db: Engine, seed: int) -> None:
    with Session(db, expire_on_commit=False) as session:
        ids = _store_corpus(session)
        extract_pending(session)  # publication order, one pass
        session.commit()
        expected = _events(session)
        assert len(expected) > 50  # the corpus has many merged happenings
        _reset(session)
        shuffled = list(ids)
        random.Random(seed).shuffle(shuffled)
        for start in range(0, len(shuffled), 40):
            extract_pending(session, article_ids=shuffled[start : start + 40])
            session.commit()
        assert _events(session) == expected
