"""Defects 8 and 10 of issue 17: feed URLs with control characters, the admin key before the
body, and forwarded headers trusted only from configured proxies."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import pytest

from app.api.main import create_app
from app.core.config import Settings
from tests.api.conftest import ADMIN_KEY
from tests.support.live import live_server

ClientFactory = Callable[..., AbstractContextManager[httpx.Client]]
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/feed\r\nX-Injected: 1",
        "http://93.184.216.34/fe\ted",
        "http://93.184.216.34/feed\n",
        "\rhttp://93.184.216.34/feed",
        "http://93.184.216.34/a b",
        "http://93.184.216.34/feed\x85",
    ],
    ids=["crlf", "tab", "trailing-lf", "leading-cr", "space", "nel"],
)
def test_feed_urls_with_control_characters_are_refused(
    make_client: ClientFactory, url: str
) -> None:
    with make_client() as client:  # a public literal: validated, never fetched
        response = client.post("/admin/feeds", json={"url": url, "source": "S"}, headers=ADMIN)
        assert response.status_code == 400, response.text
        assert "control" in response.json()["detail"] or "space" in response.json()["detail"]
        created = client.post(
            "/admin/feeds", json={"url": "http://93.184.216.34/ok", "source": "S"}, headers=ADMIN
        )
        assert created.status_code == 201
        feed_id = created.json()["id"]
        patched = client.patch(f"/admin/feeds/{feed_id}", json={"url": url}, headers=ADMIN)
        assert patched.status_code == 400
        assert client.get("/sources").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/admin/feeds", b"{not json"),
        ("POST", "/admin/feeds", b'{"unexpected": 1}'),
        ("PATCH", "/admin/feeds/1", b"[1, 2"),
        ("POST", "/assessments", b'{"from": "not a date"}'),
    ],
)
@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_the_admin_key_is_checked_before_the_body(
    client: httpx.Client, method: str, path: str, body: bytes, key: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    response = client.request(method, path, content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert "WWW-Authenticate" in response.headers
    assert "json" not in response.json()["detail"].lower()  # nothing about the body leaks


def test_forwarded_headers_are_ignored_from_untrusted_peers(db: object) -> None:
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    untrusted = Settings(forwarded_allow_ips="192.0.2.1")
    with live_server(create_app(untrusted)) as base:
        body = httpx.get(f"{base}/ogc", headers=forged).json()
        hrefs = [link["href"] for link in body["links"] if "/docs" not in link["href"]]
        assert hrefs and all(h.startswith(base) for h in hrefs), hrefs
    trusted = Settings(forwarded_allow_ips="127.0.0.1")
    with live_server(create_app(trusted)) as base:
        body = httpx.get(f"{base}/ogc", headers=forged).json()
        hrefs = [link["href"] for link in body["links"] if "/docs" not in link["href"]]
        assert hrefs and all(h.startswith("https://evil.example/") for h in hrefs), hrefs
