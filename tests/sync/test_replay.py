"""The sync contract end to end: a poller keeps a copy of the events over HTTP while a
collector keeps changing them (new articles, re-written articles whose events merge away or
vanish, back-dated edits), and its copy equals the database at the end.

The poller resumes each time from the tokens its last poll ended with (`resume`): it never
re-reads everything, so a change it missed while paging would never come back.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.api.main import create_app
from app.core.config import Settings
from app.core.models import Article, Event, EventTombstone, Source
from app.extraction import extract_pending
from tests.support.live import live_server
from tests.sync.test_changes import SOCCER, add_article, launch, rewrite

PLACES = ("Jongju", "Sinpo", "Wonsan", "Hamhung", "Sohae", "Pyongyang")
ROUNDS = 30


class Poller:
    """A downstream copy: removals first, then changes, each resumed from its last token."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.copy: dict[int, dict[str, Any]] = {}
        self.changes_url = "/events?updated_since=2000-01-01&limit=4"
        self.deleted_url = "/events/deleted?limit=3"
        self.polls = 0
        self.changes_served = 0

    def poll(self) -> None:
        self.deleted_url = self._walk(self.deleted_url, self._remove)
        self.changes_url = self._walk(self.changes_url, self._upsert)
        self.polls += 1

    def _walk(self, url: str, apply: Any) -> str:
        while True:
            response = self.client.get(url)
            assert response.status_code == 200, response.text
            body = response.json()
            for item in body["items"]:
                apply(item)
            if body["next"] is None:
                return str(body["resume"])
            url = body["next"]

    def _remove(self, item: dict[str, Any]) -> None:
        self.copy.pop(item["id"], None)

    def _upsert(self, item: dict[str, Any]) -> None:
        self.copy[item["id"]] = item
        self.changes_served += 1


def collector(engine: Engine, stop: threading.Event, rounds: int, seed: int) -> None:
    """Real extraction over changing articles, one transaction per round."""
    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as session:
        sources = [Source(name=f"Publisher {i}", kind="wire", reliability="B") for i in range(3)]
        session.add_all(sources)
        session.commit()
        for _ in range(rounds):
            for _ in range(rng.randint(1, 2)):
                day = rng.randint(1, 28)
                published = dt.datetime(2026, 5, day, 9, tzinfo=dt.UTC)
                story = launch(rng.choice(PLACES), f"May {day}")
                add_article(session, rng.choice(sources), story, published)
            articles = session.exec(select(Article)).all()
            if len(articles) > 3 and rng.random() < 0.6:
                target = rng.choice(articles)
                day = target.published_at.day
                other = launch(rng.choice(PLACES), f"May {day}")
                rewrite(session, target, SOCCER if rng.random() < 0.5 else other)
            event_ids = session.exec(select(Event.id)).all()
            if event_ids and rng.random() < 0.5:
                # A back-dated edit: an old event changes, its date and updated_at stay.
                session.execute(
                    sa.update(Event)
                    .where(Event.id == rng.choice(event_ids))
                    .values(severity=rng.randint(1, 5))
                )
            extract_pending(session)
            session.commit()
            time.sleep(rng.random() * 0.03)
    stop.set()


def timeline(client: httpx.Client) -> dict[int, dict[str, Any]]:
    """The events as /events serves them now, read whole (no sync parameters)."""
    found: dict[int, dict[str, Any]] = {}
    url: str | None = "/events?limit=500"
    while url:
        body = client.get(url).json()
        found.update({item["id"]: item for item in body["items"]})
        url = body["next"]
    return found


def test_a_poller_ends_with_the_database_copy_while_a_collector_changes_events(
    db: Engine,
) -> None:
    stop = threading.Event()
    with (
        live_server(create_app(Settings())) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        poller = Poller(client)
        writer = threading.Thread(target=collector, args=(db, stop, ROUNDS, 7))
        writer.start()
        while not stop.is_set():
            poller.poll()
        writer.join(timeout=120)
        polls_during_changes = poller.polls
        poller.poll()  # once more, from the last tokens, after the collector stopped

        truth = timeline(client)
        assert truth, "the collector made events"
        assert poller.copy == truth
    with Session(db) as session:
        removed = session.scalar(sa.select(sa.func.count()).select_from(EventTombstone))
        stored = set(session.exec(select(Event.id)).all())
    assert removed, "the run removed or merged events, so deletions were synced too"
    assert set(truth) == stored
    assert polls_during_changes >= 3, "the poller paged while events were changing"
    assert poller.changes_served >= len(truth)
