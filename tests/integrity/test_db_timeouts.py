"""Defect 6 of issue 17: a database that stops answering never hangs the API.

The proxy below keeps every connection open and forwards nothing (a black hole). Requests that
hold a pooled connection fail within the statement deadline, new connections within the
connect timeout, and /readyz answers 503 within its own deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from app.api.main import create_app
from app.core.config import Settings
from tests.reliability.conftest import ProxiedDatabase, proxied_db
from tests.support.live import live_server

__all__ = ["proxied_db"]

STATEMENT_MS = 1000
READYZ_SECONDS = 1.0


@pytest.fixture
def api(proxied_db: ProxiedDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("WATCHFLOOR_DB_STATEMENT_TIMEOUT_MS", str(STATEMENT_MS))
    monkeypatch.setenv("WATCHFLOOR_DB_CONNECT_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("WATCHFLOOR_READYZ_TIMEOUT_SECONDS", str(READYZ_SECONDS))
    from app.core import config, db

    config.get_settings.cache_clear()
    db.reset_engine()
    settings = Settings()
    with live_server(create_app(settings)) as base, httpx.Client(base_url=base, timeout=60) as c:
        yield c


def test_requests_and_readyz_answer_while_the_database_is_a_black_hole(
    api: httpx.Client, proxied_db: ProxiedDatabase
) -> None:
    assert api.get("/events").status_code == 200  # the pool holds live connections now
    assert api.get("/readyz").status_code == 200
    proxied_db.proxy.black_hole()
    started = time.monotonic()
    response = api.get("/events")
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert elapsed < STATEMENT_MS / 1000 + 6  # statement deadline + grace, never minutes
    started = time.monotonic()
    ready = api.get("/readyz")
    assert ready.status_code == 503
    assert time.monotonic() - started < READYZ_SECONDS + 1
    proxied_db.proxy.restore()
    deadline = time.monotonic() + 20
    while api.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the API did not recover after the database came back"
        time.sleep(0.3)
    assert api.get("/events").status_code == 200
