"""The embedded SQLite default: the same outbox and delivery in one process (the documented
single-process fallback: no SKIP LOCKED, no NOTIFY; the worker polls)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import get_engine
from app.core.migrate import upgrade_to_head
from app.core.models import WebhookDelivery
from app.extraction import extract_pending
from app.notify.dispatcher import Dispatcher
from tests.extraction.test_store import JCS_LAUNCH, add_article, add_source
from tests.notify.conftest import fast_settings, subscribe, wait_until

pytestmark = pytest.mark.sqlite


def test_an_event_reaches_a_verifying_receiver_on_sqlite(
    sqlite_settings: Settings, make_receiver: Any
) -> None:
    engine = get_engine()
    assert engine.dialect.name == "sqlite"
    upgrade_to_head(engine)
    receiver = make_receiver()
    subscribe(engine, receiver.url, secret=receiver.secret)
    worker = Dispatcher(fast_settings(), engine)
    worker.start()
    try:
        with Session(engine) as session:
            source = add_source(session, "Yonhap")
            add_article(session, source, JCS_LAUNCH, dt.datetime(2026, 5, 26, 6, tzinfo=dt.UTC))
            extract_pending(session)
            session.commit()
        assert wait_until(lambda: len(receiver.accepted()) == 1, 20)
    finally:
        worker.stop()
    assert receiver.rejected() == []
    with Session(engine) as session:
        assert list(session.scalars(sa.select(WebhookDelivery.status))) == ["delivered"]
