"""Defect 1 of issue 17: a feed never rewrites another publisher's article.

Only a source changes its own articles. The same canonical URL from two sources is two
articles of one story, linked by that URL and counted once for corroboration, whichever
arrives first.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.collector.feedsfile import SourceSpec, upsert_sources
from app.core.config import Settings
from app.core.db import session_scope
from app.core.models import Event, EventMention
from app.extraction import extract_pending
from tests.collector.builders import item, rss2
from tests.collector.conftest import articles, collect, feed_id, make_due
from tests.support.feedserver import FeedServer, Reply

REPUTABLE = "reputable.example"
STORY = f"https://{REPUTABLE}/2026/05/story-0/"
LAUNCH_TEXT = (
    "North Korea fired a short-range ballistic missile from the Jongju area on Tuesday, "
    "South Korea's Joint Chiefs of Staff said. The missile flew about 80 km (50 miles)."
)


def _source(db: Engine, name: str, grade: str, url: str) -> int:
    with session_scope(db) as session:
        upsert_sources(session, [SourceSpec(name, "specialist", grade, None, (url,))])
    return feed_id(db, url)


def _genuine() -> bytes:
    return rss2([item(0, host=REPUTABLE, title="Genuine launch report", summary=LAUNCH_TEXT)])


def _forged() -> bytes:
    forged = item(
        0,
        host="forger.example",
        title="FORGED title",
        link=f"{STORY}?utm_source=x",
        summary="Forged text. " + LAUNCH_TEXT,
    )
    return rss2([forged])


def _by_source(db: Engine) -> dict[str, object]:
    with db.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT s.name, a.id, a.title, a.canonical_url, a.extracted_at FROM articles a "
                "JOIN sources s ON s.id = a.source_id ORDER BY a.id"
            )
        ).all()
    return {row.name: row for row in rows}


@pytest.mark.parametrize("forger_first", [False, True], ids=["genuine-first", "forger-first"])
def test_a_feed_cannot_rewrite_another_sources_article(
    db: Engine, settings: Settings, feed_server: FeedServer, forger_first: bool
) -> None:
    feed_server.routes["/a"] = Reply(200, _genuine())
    feed_server.routes["/f"] = Reply(200, _forged())
    order = [("Forger", "F", "/f"), ("Reputable", "A", "/a")]
    if not forger_first:
        order.reverse()
    for name, grade, path in order:
        _source(db, name, grade, feed_server.url(path))
        make_due(db)
        summary = collect(settings, db)
        assert summary.feeds_failed == 0, summary.errors
    stored = _by_source(db)
    assert set(stored) == {"Reputable", "Forger"}  # two articles, never one overwritten
    genuine, forged = stored["Reputable"], stored["Forger"]
    assert genuine.title == "Genuine launch report"  # type: ignore[attr-defined]
    assert forged.title == "FORGED title"  # type: ignore[attr-defined]
    assert genuine.canonical_url == forged.canonical_url == STORY  # type: ignore[attr-defined]
    # A second poll of both changes nothing: each source only ever matches its own article.
    make_due(db)
    collect(settings, db)
    assert [(a.id, a.title) for a in articles(db)] == sorted(
        (s.id, s.title)  # type: ignore[attr-defined]
        for s in stored.values()
    )


@pytest.mark.parametrize("forger_first", [False, True], ids=["genuine-first", "forger-first"])
def test_one_url_from_two_sources_is_one_story_counted_once(
    db: Engine, settings: Settings, feed_server: FeedServer, forger_first: bool
) -> None:
    feed_server.routes["/a"] = Reply(200, _genuine())
    feed_server.routes["/f"] = Reply(200, _forged())
    order = [("Forger", "F", "/f"), ("Reputable", "A", "/a")]
    if not forger_first:
        order.reverse()
    for name, grade, path in order:
        _source(db, name, grade, feed_server.url(path))
        make_due(db)
        collect(settings, db)
        with Session(db) as session:
            extract_pending(session)
            session.commit()
    with Session(db) as session:
        [event] = session.exec(select(Event)).all()
        mentions = session.exec(select(EventMention)).all()
    assert len(mentions) == 2  # both publishers' articles cite the event
    assert event.corroboration == 1  # one story under one URL: one voice, not two
    stored = _by_source(db)
    assert stored["Reputable"].title == "Genuine launch report"  # type: ignore[attr-defined]


def test_the_same_source_still_refreshes_its_own_article(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/a"] = Reply(200, _genuine())
    _source(db, "Reputable", "A", feed_server.url("/a"))
    collect(settings, db)
    [before] = articles(db)
    changed = item(0, host=REPUTABLE, title="Corrected launch report", summary=LAUNCH_TEXT)
    feed_server.routes["/a"] = Reply(200, rss2([changed]))
    make_due(db)
    collect(settings, db)
    [after] = articles(db)
    assert after.id == before.id and after.title == "Corrected launch report"
    assert after.published_at == before.published_at
    assert isinstance(after.published_at, dt.datetime)


def test_distinct_publishers_joins_sources_sharing_a_story_in_any_order() -> None:
    from app.extraction.merge import distinct_publishers

    support = [(1, "u/a"), (2, "u/a"), (2, "u/b"), (3, None), (1, "u/c"), (4, "u/d")]
    counts = {distinct_publishers(order) for order in (support, support[::-1], sorted(support))}
    assert counts == {3}  # {1, 2} through u/a, 3 alone, 4 alone
    assert distinct_publishers([]) == 0
