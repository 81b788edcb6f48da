"""The sync contract on the embedded SQLite default: the counter table and triggers."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, select

from app.api.main import create_app
from app.core import db as db_module
from app.core.config import Settings
from app.core.migrate import upgrade_to_head
from app.core.models import Article, Event, Source
from app.extraction import extract_pending
from tests.support.live import live_server
from tests.sync.test_changes import JUNE_2, MAY_26, add_article, launch, rewrite


@pytest.mark.sqlite
def test_changes_tombstones_and_text_search_on_sqlite(sqlite_settings: Settings) -> None:
    engine = db_module.get_engine()
    upgrade_to_head(engine)
    with Session(engine, expire_on_commit=False) as session:
        source = Source(name="Yonhap", kind="wire", reliability="A")
        session.add(source)
        session.flush()
        add_article(session, source, launch("Jongju", "May 26"), MAY_26)
        moving_id = add_article(session, source, launch("Sinpo", "June 2"), JUNE_2).id
        extract_pending(session)
        session.commit()
        seqs = dict(session.exec(select(Event.location_id, Event.change_seq)).all())
        assert len(seqs) == 2 and None not in seqs.values()
    with live_server(create_app(Settings())) as base, httpx.Client(base_url=base) as client:
        first = client.get("/events", params={"updated_since": "2000-01-01"}).json()
        assert [e["location"]["id"] for e in first["items"]] == list(seqs)  # change order
        # `q` reads the articles' text too ("Joint Chiefs" is in no event's title or summary)
        assert len(client.get("/events", params={"q": "joint chiefs"}).json()["items"]) == 2
        with Session(engine, expire_on_commit=False) as session:
            rewrite(session, session.get_one(Article, moving_id), launch("Jongju", "May 26"))
            extract_pending(session)
            session.commit()
        later = client.get(first["resume"]).json()
        assert [e["location"]["id"] for e in later["items"]] == ["kp-jongju"]
        deleted = client.get("/events/deleted").json()["items"]
        assert [(d["replaced_by"] is not None) for d in deleted] == [True]
        assert client.get(later["resume"]).json()["items"] == []  # nothing changed since
