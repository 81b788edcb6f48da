"""Events as a function of the stored views (issue 17, defect 9): what happens to ids, keys,
mentions and tombstones when an article that comes earlier in the canonical order arrives
after later ones and the merge is replayed."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict

import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from app.core import db as db_module
from app.core.config import Settings
from app.core.migrate import alembic_config, upgrade_to_head
from app.core.models import Article, Event, EventMention, EventTombstone, MentionView, Source
from app.extraction import extract_pending

_serial = itertools.count(1)
MAY_26 = dt.datetime(2026, 5, 26, 6, 0, tzinfo=dt.UTC)


def launch(place: str, day: str) -> tuple[str, str]:
    return (
        f"North Korea fires ballistic missile from {place}, JCS says",
        f"North Korea fired a short-range ballistic missile from {place} on {day}, "
        "South Korea's Joint Chiefs of Staff said.",
    )


def add_article(
    session: Session, source: Source, story: tuple[str, str], published: dt.datetime
) -> Article:
    n = next(_serial)
    article = Article(
        source_id=source.id,  # type: ignore[arg-type]
        guid=f"recluster-{n}",
        guid_hash=hashlib.sha256(f"recluster-{n}".encode()).hexdigest(),
        url=f"https://example.org/recluster/{n}",
        canonical_url=f"https://example.org/recluster/{n}",
        title=story[0],
        text=story[1],
        published_at=published,
        content_hash=hashlib.sha256(story[1].encode()).hexdigest(),
    )
    session.add(article)
    session.flush()
    return article


def state(session: Session) -> list[tuple[object, ...]]:
    session.expire_all()
    mentions: dict[int, list[int]] = defaultdict(list)
    for event_id, article_id in session.execute(
        sa.select(EventMention.event_id, EventMention.article_id)
    ):
        mentions[event_id].append(article_id)
    return sorted(
        (e.key, e.event_date, e.location_id, e.corroboration, tuple(sorted(mentions[e.id])))  # type: ignore[index]
        for e in session.exec(select(Event)).all()
    )


def test_an_earlier_article_that_joins_two_events_keeps_one_id_and_tombstones_the_other(
    session: Session,
) -> None:
    """Two launches from Jongju two days apart are two events; a report of one on the day
    between, published before both, makes them one happening (each day is within a day of
    it): the merged event keeps the older event's id and takes its key from its first view,
    and the other event leaves a tombstone naming it."""
    yonhap = Source(name="Yonhap", kind="wire", reliability="A")
    nk_news = Source(name="NK News", kind="specialist", reliability="B")
    session.add_all([yonhap, nk_news])
    session.flush()
    first = add_article(session, yonhap, launch("Jongju", "May 26"), MAY_26 + dt.timedelta(hours=4))
    second = add_article(session, yonhap, launch("Jongju", "May 28"), MAY_26 + dt.timedelta(days=2))
    extract_pending(session)
    session.commit()
    before = {e.event_date: e.id for e in session.exec(select(Event)).all()}
    assert sorted(before) == [dt.date(2026, 5, 26), dt.date(2026, 5, 28)]

    between = add_article(session, nk_news, launch("Jongju", "May 27"), MAY_26)
    assert extract_pending(session, article_ids=[between.id]) == 1  # type: ignore[list-item]
    session.commit()
    [event] = session.exec(select(Event)).all()
    assert event.id == before[dt.date(2026, 5, 26)]
    assert event.key == "missile_test:2026-05-27:kp-jongju"  # its first view's, published first
    assert event.event_date == dt.date(2026, 5, 28)  # of equally precise days, the later
    assert event.corroboration == 2
    [stone] = session.exec(select(EventTombstone)).all()
    assert (stone.id, stone.replaced_by) == (before[dt.date(2026, 5, 28)], event.id)
    mentioned = {m.article_id for m in session.exec(select(EventMention)).all()}
    assert mentioned == {first.id, second.id, between.id}
    views = session.exec(select(MentionView)).all()
    assert sorted(v.article_id for v in views) == sorted(mentioned)
    assert {v.event_id for v in views} == {event.id}

    # The same articles extracted in one pass, oldest first, give the same events.
    merged = state(session)
    session.execute(sa.delete(Event))
    session.execute(sa.update(Article).values(extracted_at=None))
    session.flush()
    extract_pending(session)
    assert state(session) == merged


def test_a_database_with_events_from_before_views_is_rebuilt_by_the_migration(
    sqlite_settings: Settings,
) -> None:
    """Events stored before `mention_views` existed have no views to be merged with: the
    migration rebuilds them from their articles, keeping each key's id."""
    engine = db_module.get_engine()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "query_0003")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO sources (id, name, kind, reliability, created_at, updated_at) "
                "VALUES (1, 'Yonhap', 'wire', 'A', :now, :now)"
            ),
            {"now": MAY_26},
        )
        title, text = launch("Jongju", "May 26")
        connection.execute(
            sa.text(
                "INSERT INTO articles (id, source_id, guid, guid_hash, url, canonical_url, title, "
                "text, published_at, published_inferred, fetched_at, updated_at, content_hash, "
                "extracted_at) VALUES (1, 1, 'g', 'h', 'https://example.org/1', "
                "'https://example.org/1', :title, :text, :at, 0, :at, :at, 'c', :at)"
            ),
            {"title": title, "text": text, "at": MAY_26},
        )
        connection.execute(
            sa.text(
                "INSERT INTO events (id, key, category, title, event_date, date_precision, "
                "actors, weapons, figures, severity, claim_status, confidence, corroboration, "
                "created_at, updated_at) VALUES (7, 'missile_test:2026-05-26:kp-jongju', "
                "'missile_test', 'Missile test', '2026-05-26', 'day', '[]', '[]', '{}', 3, "
                "'confirmed', 0.9, 1, :at, :at)"
            ),
            {"at": MAY_26},
        )
    upgrade_to_head(engine)
    with Session(engine) as session:
        [event] = session.exec(select(Event)).all()
        assert (event.id, event.location_id) == (7, "kp-jongju")
        [view] = session.exec(select(MentionView)).all()
        assert (view.event_id, view.article_id, view.family) == (7, 1, "launch")
        [mention] = session.exec(select(EventMention)).all()
        assert (mention.event_id, mention.article_id) == (7, 1)
