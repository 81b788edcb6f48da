"""Reliability fixtures: a PostgreSQL the test can take away (a proxy it cuts), a feed server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine, make_url

from app.core import config as config_module
from app.core import db as db_module
from tests.support.feedserver import FeedServer, serving
from tests.support.tcpproxy import CuttableProxy


@dataclass
class ProxiedDatabase:
    proxy: CuttableProxy
    url: str  # DATABASE_URL through the proxy
    direct: Engine  # the test's own view of the database, never cut


@pytest.fixture
def proxied_db(
    db: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ProxiedDatabase]:
    """An empty database whose process-wide engine (get_engine) goes through a cuttable proxy."""
    url = make_url(database_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", proxied)
    monkeypatch.setenv("WATCHFLOOR_DB_POOL_TIMEOUT", "2")
    config_module.get_settings.cache_clear()
    db_module.reset_engine()
    yield ProxiedDatabase(proxy, proxied, db)
    proxy.close()
    config_module.get_settings.cache_clear()
    db_module.reset_engine()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with serving("127.0.0.1") as server:
        yield server
