"""A database outage for real: the API's connection to PostgreSQL goes through a proxy we cut."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.api.main import create_app
from app.core import config as config_module
from app.core import db as db_module
from tests.support.live import live_server
from tests.support.tcpproxy import CuttableProxy


@pytest.fixture
def proxied_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CuttableProxy]:
    url = make_url(database_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", proxied)
    monkeypatch.setenv("WATCHFLOOR_DB_POOL_TIMEOUT", "2")
    config_module.get_settings.cache_clear()
    db_module.reset_engine()
    yield proxy
    proxy.close()
    config_module.get_settings.cache_clear()
    db_module.reset_engine()


def test_readyz_follows_the_database_down_and_back(proxied_database: CuttableProxy) -> None:
    with live_server(create_app()) as base:
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200

        proxied_database.cut()
        down = httpx.get(f"{base}/readyz", timeout=15)
        assert down.status_code == 503
        assert down.headers["content-type"].startswith("application/problem+json")
        assert down.headers.get("retry-after") == "5"
        assert httpx.get(f"{base}/healthz").status_code == 200  # the process stays up

        proxied_database.restore()
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
