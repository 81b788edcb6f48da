"""Per-event aggregates (issue 18, target 3): corroboration, claim status and confidence are kept
on the event row (`events.fold`), so that an article arriving after the others updates its
event without reading the event's other views, with the results of a full merge."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from app.core.models import Article, Event, EventMention, Source
from app.extraction import extract_pending, rebuild_events
from app.extraction.store import backfill_folds

_serial = itertools.count(1)
TUESDAY = dt.datetime(2026, 5, 26, 6, 0, tzinfo=dt.UTC)

JCS = (
    "North Korea fires ballistic missile from Jongju, JCS says",
    "North Korea fired a short-range ballistic missile from the Jongju area on Tuesday, "
    "South Korea's Joint Chiefs of Staff said. The missile flew about 80 km (50 miles).",
)
KCNA = (
    "North Korea tests new tactical ballistic missile, state media says",
    "Kim Jong Un oversaw the test-fire of a new tactical ballistic missile from Jongju on "
    "Tuesday, the Korean Central News Agency said.",
)
REPORT = (
    "North Korea launches missile from Jongju",
    "North Korea launched a ballistic missile from Jongju on Tuesday, reports said. "
    "It was the third launch this month.",
)


def add_source(session: Session, name: str, reliability: str = "C") -> Source:
    source = Source(name=name, kind="specialist", reliability=reliability)
    session.add(source)
    session.flush()
    return source


def add_article(
    session: Session,
    source: Source,
    story: tuple[str, str],
    published: dt.datetime,
    url: str | None = None,
) -> Article:
    n = next(_serial)
    url = url or f"https://example.org/aggregates/{n}"
    article = Article(
        source_id=source.id,  # type: ignore[arg-type]
        guid=f"aggregates-{n}",
        guid_hash=hashlib.sha256(f"aggregates-{n}".encode()).hexdigest(),
        url=url,
        canonical_url=url,
        title=story[0],
        text=story[1],
        published_at=published,
        content_hash=hashlib.sha256(story[1].encode()).hexdigest(),
    )
    session.add(article)
    session.flush()
    return article


def state(session: Session) -> list[tuple[Any, ...]]:
    session.expire_all()
    mentions = {
        event_id: count
        for event_id, count in session.execute(
            sa.select(EventMention.event_id, sa.func.count()).group_by(EventMention.event_id)
        )
    }
    return sorted(
        (
            e.key,
            e.corroboration,
            e.claim_status,
            e.confidence,
            e.first_reported_at,
            e.last_reported_at,
            e.severity,
            tuple(e.actors),
            e.title,
            mentions.get(e.id, 0),
            _canonical(e.fold),
        )
        for e in session.exec(select(Event)).all()
    )


def _canonical(fold: dict[str, Any] | None) -> Any:
    if fold is None:
        return None
    return tuple(sorted((k, repr(v)) for k, v in fold.items()))


@contextmanager
def view_rows_read(session: Session) -> Iterator[list[int]]:
    """Rows each statement reading `mention_views` returned, while the block runs."""
    counts: list[int] = []
    engine = session.get_bind()

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM mention_views" in statement:
            counts.append(max(cursor.rowcount, 0))

    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield counts
    finally:
        sa.event.remove(engine, "after_cursor_execute", after)


def test_an_article_after_the_others_does_not_read_its_event_s_other_views(
    session: Session,
) -> None:
    """Forty reports of one launch, then one more published later: the merge of the last one
    reads none of the event's forty stored views, and yet counts its publisher, takes its
    confirmation and its time."""
    sources = [add_source(session, f"Outlet {n}") for n in range(8)]
    for n in range(40):
        add_article(session, sources[n % 8], REPORT, TUESDAY + dt.timedelta(minutes=n))
        extract_pending(session)
    [event] = session.exec(select(Event)).all()
    assert (event.corroboration, event.claim_status) == (8, "reported")
    wire = add_source(session, "Yonhap", "A")
    late = TUESDAY + dt.timedelta(hours=3)
    add_article(session, wire, JCS, late)
    with view_rows_read(session) as rows:
        assert extract_pending(session) == 1
    assert sum(rows) == 0, rows
    session.expire_all()
    [event] = session.exec(select(Event)).all()
    assert (event.corroboration, event.claim_status) == (9, "confirmed")
    assert event.last_reported_at == late
    assert event.fold is not None and event.fold["views"] == 41


def test_appending_gives_what_a_full_merge_gives(session: Session) -> None:
    """Articles extracted one at a time in publication order (every merge appends) end as
    the same events, aggregates included, as a rebuild that merges them all at once, and as
    the aggregates computed again from the views."""
    yonhap, kcna, nk_news = (
        add_source(session, "Yonhap", "A"),
        add_source(session, "KCNA", "E"),
        add_source(session, "NK News", "B"),
    )
    stories = [(kcna, KCNA), (nk_news, REPORT), (yonhap, JCS), (nk_news, JCS), (kcna, REPORT)]
    for n, (source, story) in enumerate(stories * 3):
        add_article(session, source, story, TUESDAY + dt.timedelta(minutes=7 * n))
        extract_pending(session)
    appended = state(session)
    assert appended[0][1:3] == (3, "confirmed")
    backfill_folds(session)
    assert state(session) == appended
    rebuild_events(session)
    assert state(session) == appended


def test_copies_of_one_story_from_two_sources_count_once_when_appended(session: Session) -> None:
    """Two sources carrying one story URL are one voice, also when the second copy arrives
    later and the first is only in the stored views."""
    a, b, c = add_source(session, "A"), add_source(session, "B"), add_source(session, "C")
    shared = "https://example.org/aggregates/shared-story"
    add_article(session, a, REPORT, TUESDAY, url=shared)
    add_article(session, c, KCNA, TUESDAY + dt.timedelta(minutes=5))
    extract_pending(session)
    add_article(session, b, JCS, TUESDAY + dt.timedelta(hours=1), url=shared)
    extract_pending(session)
    [event] = session.exec(select(Event)).all()
    assert event.corroboration == 2  # {A, B} by their shared story, and C
    appended = state(session)
    rebuild_events(session)
    assert state(session) == appended


def test_an_earlier_article_still_takes_the_full_merge(session: Session) -> None:
    """An article published before the stored ones cannot append: the replay merges it, with
    the same aggregates as when the articles arrive in order."""
    yonhap, nk_news = add_source(session, "Yonhap", "A"), add_source(session, "NK News", "B")
    add_article(session, nk_news, REPORT, TUESDAY + dt.timedelta(hours=2))
    extract_pending(session)
    add_article(session, yonhap, JCS, TUESDAY)
    with view_rows_read(session) as rows:
        extract_pending(session)
    assert sum(rows) >= 1  # the stored view was read: the replay ran
    out_of_order = state(session)
    rebuild_events(session)
    assert state(session) == out_of_order
    [event] = session.exec(select(Event)).all()
    assert (event.corroboration, event.claim_status) == (2, "confirmed")
