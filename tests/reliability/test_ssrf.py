"""SSRF through the admin API: feed URLs that point inside are refused before anything connects.

Every socket connect made in this process is recorded and must go to loopback (the test server
and PostgreSQL): validation never sends a packet to a private or metadata address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.api.main import create_app
from app.core import config as config_module
from app.core.config import Settings
from tests.support.live import live_server

KEY = "reliability-admin-key-0123456789"
ADMIN = {"Authorization": f"Bearer {KEY}"}

METADATA_AND_LINK_LOCAL = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.1.1/feed",
    "http://[::ffff:169.254.169.254]/",
    "http://0251.0376.0251.0376/",  # 169.254.169.254 in octal
    "http://2852039166/",  # 169.254.169.254 as one number
    "http://[fe80::1]/feed",
    "http://100.100.100.200/",
    "http://[fd00:ec2::254]/",
    "http://0.0.0.0/feed",
]
INTERNAL = [
    "http://127.0.0.1/feed",
    "http://localhost/feed",
    "http://LOCALHOST./feed",
    "http://[::1]/feed",
    "http://[::ffff:127.0.0.1]/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://127.1/",
    "http://10.0.0.1/feed",
    "http://172.16.0.1/feed",
    "http://192.168.1.1/feed",
    "http://[fc00::1]/feed",
]
NOT_HTTP = [
    "ftp://example.org/feed",
    "file:///etc/passwd",
    "gopher://example.org/",
    "javascript:alert(1)",
    "http://user:secret@example.org/feed",
    "http://user@example.org/feed",
    "http:///feed",
    "http://example.org:99999/feed",
    "//example.org/feed",
]


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every Python-level socket connect of this process, refused unless it is loopback."""
    seen: list[Any] = []
    original = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        seen.append(address)
        internet = self.family in (socket.AF_INET, socket.AF_INET6)
        if internet and not ipaddress.ip_address(address[0]).is_loopback:
            raise AssertionError(f"a test tried to connect to {address}")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield seen


def _api(monkeypatch: pytest.MonkeyPatch, allow_private: str) -> Any:
    # The admin API validates with the process settings, as the collector fetches with them.
    monkeypatch.setenv("WATCHFLOOR_ALLOW_PRIVATE_FEEDS", allow_private)
    config_module.get_settings.cache_clear()
    return live_server(create_app(Settings(api_keys=KEY)))


def _feed_count(db: Engine) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM feeds")).scalar_one())


def _assert_refused(response: httpx.Response, url: str) -> None:
    assert response.status_code in (400, 422), (url, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert "url" in detail.lower(), (url, detail)
    assert "secret" not in response.text  # the password in a URL is never echoed


def test_internal_metadata_and_odd_urls_are_refused_and_nothing_is_stored(
    db: Engine, connects: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _api(monkeypatch, "") as base, httpx.Client(base_url=base, timeout=30) as client:
        for url in METADATA_AND_LINK_LOCAL + INTERNAL + NOT_HTTP:
            response = client.post(
                "/admin/feeds", json={"url": url, "source": "Probe"}, headers=ADMIN
            )
            _assert_refused(response, url)
        details = {
            url: client.post(
                "/admin/feeds", json={"url": url, "source": "P"}, headers=ADMIN
            ).json()["detail"]
            for url in ("http://2130706433/", "http://169.254.169.254/", "ftp://example.org/")
        }
    config_module.get_settings.cache_clear()
    assert "127.0.0.1 is a loopback address" in details["http://2130706433/"]
    assert "metadata" in details["http://169.254.169.254/"]
    assert "http or https" in details["ftp://example.org/"]
    assert _feed_count(db) == 0
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sources")).scalar_one() == 0


def test_metadata_and_link_local_stay_refused_when_private_feeds_are_allowed(
    db: Engine, connects: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _api(monkeypatch, "true") as base, httpx.Client(base_url=base, timeout=30) as client:
        for url in METADATA_AND_LINK_LOCAL:
            response = client.post(
                "/admin/feeds", json={"url": url, "source": "Probe"}, headers=ADMIN
            )
            _assert_refused(response, url)
        allowed = client.post(
            "/admin/feeds", json={"url": "http://2130706433/feed", "source": "Local"}, headers=ADMIN
        )
        assert allowed.status_code == 201, allowed.text  # the setting allows loopback
        feed_id = allowed.json()["id"]
        for url in METADATA_AND_LINK_LOCAL:  # nor can an existing feed be pointed there
            response = client.patch(f"/admin/feeds/{feed_id}", json={"url": url}, headers=ADMIN)
            _assert_refused(response, url)
    config_module.get_settings.cache_clear()
    with db.connect() as conn:
        urls = conn.execute(sa.text("SELECT url FROM feeds")).scalars().all()
    assert urls == ["http://2130706433/feed"]


def test_a_listed_loopback_address_does_not_open_the_others(
    db: Engine, connects: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        _api(monkeypatch, "127.0.0.2") as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        ok = client.post(
            "/admin/feeds", json={"url": "http://127.0.0.2/feed", "source": "L"}, headers=ADMIN
        )
        refused = client.post(
            "/admin/feeds", json={"url": "http://127.0.0.3/feed", "source": "L"}, headers=ADMIN
        )
    config_module.get_settings.cache_clear()
    assert ok.status_code == 201, ok.text
    _assert_refused(refused, "http://127.0.0.3/feed")
    assert "127.0.0.3" in refused.json()["detail"]
    assert _feed_count(db) == 1
