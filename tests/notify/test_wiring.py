"""The scheduler processes run the delivery worker: an event committed while `serve`'s
scheduler runs reaches the receiver without anything else started."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.collector import scheduler
from app.core import config
from app.core.models import Feed, Source
from app.extraction import extract_pending
from app.notify import dispatcher
from tests.extraction.test_store import JCS_LAUNCH, add_article, add_source
from tests.notify.conftest import subscribe, wait_until


def test_start_background_runs_the_webhook_dispatcher(
    db: Engine, make_receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHFLOOR_ALLOW_PRIVATE_FEEDS", "127.0.0.1")
    config.get_settings.cache_clear()
    with Session(db) as session:  # one paused feed: nothing to collect, no feeds file loaded
        source = Source(name="Quiet", kind="wire", reliability="B")
        session.add(source)
        session.flush()
        session.add(Feed(source_id=source.id or 0, url="http://127.0.0.1:9/f", enabled=False))
        session.commit()
    receiver = make_receiver()
    subscribe(db, receiver.url, secret=receiver.secret)
    scheduler.start_background()
    try:
        assert dispatcher._dispatcher is not None
        with Session(db) as session:
            add_article(session, add_source(session, "Yonhap"), JCS_LAUNCH,
                        dt.datetime(2026, 5, 26, 6, tzinfo=dt.UTC))  # fmt: skip
            extract_pending(session)
            session.commit()
        assert wait_until(lambda: len(receiver.accepted()) == 1, 20)
    finally:
        scheduler.stop_background()
        config.get_settings.cache_clear()
    assert dispatcher._dispatcher is None
    assert receiver.rejected() == []
