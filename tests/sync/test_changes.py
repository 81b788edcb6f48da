"""The change sequence and the tombstones under the sync contract (app/core/changes.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.core.models import Article, Event, EventTombstone, Source
from app.extraction import extract_pending
from app.extraction.store import rebuild_events

_serial = itertools.count(1)
MAY_26 = dt.datetime(2026, 5, 26, 6, 0, tzinfo=dt.UTC)
JUNE_2 = dt.datetime(2026, 6, 2, 6, 0, tzinfo=dt.UTC)


def launch(place: str, day: str) -> tuple[str, str]:
    return (
        f"North Korea fires ballistic missile from {place}, JCS says",
        f"North Korea fired a short-range ballistic missile from {place} on {day}, "
        "South Korea's Joint Chiefs of Staff said.",
    )


SOCCER = ("North Korean soccer team wins title", "The women's club won 1-0 on Saturday.")


def add_article(
    session: Session, source: Source, story: tuple[str, str], published: dt.datetime
) -> Article:
    n = next(_serial)
    article = Article(
        source_id=source.id,  # type: ignore[arg-type]
        guid=f"sync-{n}",
        guid_hash=hashlib.sha256(f"sync-{n}".encode()).hexdigest(),
        url=f"https://example.org/sync/{n}",
        canonical_url=f"https://example.org/sync/{n}",
        title=story[0],
        text=story[1],
        published_at=published,
        content_hash=hashlib.sha256(story[1].encode()).hexdigest(),
    )
    session.add(article)
    session.flush()
    return article


def rewrite(session: Session, article: Article, story: tuple[str, str]) -> None:
    """What the collector does when an article's text changes: new text, extract again."""
    article.title, article.text = story
    article.content_hash = hashlib.sha256(story[1].encode()).hexdigest()
    article.extracted_at = None
    session.add(article)
    session.flush()


def seq_of(session: Session, event_id: int) -> int:
    value = session.scalar(sa.select(Event.change_seq).where(Event.id == event_id))
    assert value is not None
    return value


def test_every_insert_and_update_draws_a_larger_change_number(session: Session) -> None:
    source = Source(name="Yonhap", kind="wire", reliability="A")
    session.add(source)
    session.flush()
    add_article(session, source, launch("Jongju", "May 26"), MAY_26)
    extract_pending(session)
    session.commit()
    [event] = session.exec(select(Event)).all()
    first = seq_of(session, event.id)  # type: ignore[arg-type]
    # A change to an event dated weeks ago still comes after every earlier change.
    session.execute(sa.update(Event).where(Event.id == event.id).values(severity=5))
    session.commit()
    second = seq_of(session, event.id)  # type: ignore[arg-type]
    assert second > first
    other = Event(key="manual-1", category="cyber", title="t", event_date=dt.date(2020, 1, 1))
    session.add(other)
    session.commit()
    assert seq_of(session, other.id) > second  # type: ignore[arg-type]


def test_an_event_left_without_mentions_leaves_a_tombstone_naming_its_successor(
    session: Session,
) -> None:
    source = Source(name="Yonhap", kind="wire", reliability="A")
    session.add(source)
    session.flush()
    add_article(session, source, launch("Jongju", "May 26"), MAY_26)
    moving = add_article(session, source, launch("Sinpo", "June 2"), JUNE_2)
    extract_pending(session)
    session.commit()
    by_place = {e.location_id: e.id for e in session.exec(select(Event)).all()}
    assert set(by_place) == {"kp-jongju", "kp-sinpo"}, by_place
    # The second article now reports the Jongju launch: its event merges into that one.
    rewrite(session, moving, launch("Jongju", "May 26"))
    extract_pending(session)
    session.commit()
    [kept] = session.exec(select(Event)).all()
    assert kept.id == by_place["kp-jongju"] and kept.corroboration == 1
    [stone] = session.exec(select(EventTombstone)).all()
    assert (stone.id, stone.replaced_by) == (by_place["kp-sinpo"], by_place["kp-jongju"])
    assert stone.change_seq is not None and stone.change_seq > seq_of(session, kept.id)  # type: ignore[arg-type]
    # Re-written to no event at all: removed with no successor.
    rewrite(session, moving, SOCCER)
    only = session.exec(select(Article).where(Article.id != moving.id)).one()
    rewrite(session, only, SOCCER)
    extract_pending(session)
    session.commit()
    stones = {s.id: s.replaced_by for s in session.exec(select(EventTombstone)).all()}
    assert stones == {by_place["kp-sinpo"]: by_place["kp-jongju"], by_place["kp-jongju"]: None}


def test_a_rebuild_tombstones_the_events_no_rule_finds_any_more(session: Session) -> None:
    source = Source(name="Yonhap", kind="wire", reliability="A")
    session.add(source)
    session.flush()
    article = add_article(session, source, launch("Jongju", "May 26"), MAY_26)
    extract_pending(session)
    session.commit()
    [event_id] = session.exec(select(Event.id)).all()
    article.text, article.title = SOCCER[1], SOCCER[0]
    session.add(article)
    session.commit()
    rebuild_events(session)
    session.commit()
    assert session.exec(select(Event)).all() == []
    assert [s.id for s in session.exec(select(EventTombstone)).all()] == [event_id]


def test_writers_commit_in_change_order_on_postgresql(db: Engine) -> None:
    """The trigger serialises writers: a change numbered after one still in flight cannot be
    committed before it, so a poller that saw n never later finds an uncommitted n-1."""
    with Session(db) as setup:
        setup.add_all(
            [
                Event(key=f"w{i}", category="cyber", title=f"w{i}", event_date=dt.date(2026, 1, i))
                for i in (1, 2)
            ]
        )
        setup.commit()
        ids = [e.id for e in setup.exec(select(Event).order_by(Event.id)).all()]
    first = db.connect()
    first_tx = first.begin()
    first.execute(sa.update(Event).where(Event.id == ids[0]).values(severity=3))
    finished = threading.Event()

    def second_writer() -> None:
        with db.begin() as conn:
            conn.execute(sa.update(Event).where(Event.id == ids[1]).values(severity=4))
        finished.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)
    assert not finished.is_set(), "a second writer must wait for the first to commit"
    first_tx.commit()
    first.close()
    thread.join(timeout=30)
    assert finished.is_set()
    with Session(db) as check:
        assert seq_of(check, ids[1]) > seq_of(check, ids[0])  # type: ignore[arg-type]
