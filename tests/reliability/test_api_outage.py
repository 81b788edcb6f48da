"""The API while PostgreSQL is away (a proxy the test cuts) and after it is back.

Every read endpoint answers 503 problem+json with Retry-After (never a 500, never a trace);
endpoints that need no database keep working; the pool recovers on its own after restore.
"""

from __future__ import annotations

import re

import httpx
import pytest

from app.api.main import create_app
from tests.reliability.conftest import ProxiedDatabase
from tests.support.live import live_server

# The endpoints downstream systems poll: each must say 503, not fail differently.
NAMED = ["/threat-level", "/hotspots", "/events", "/ogc/collections/events/items"]
ARTICLE = {
    "id": "a1",
    "title": "North Korea fires ballistic missile into East Sea",
    "text": "North Korea fired a ballistic missile from Pyongyang into the East Sea on "
    "Tuesday, South Korea's Joint Chiefs of Staff said.",
    "published": "2026-05-26T04:30:00Z",
    "source": "Yonhap",
}


def _read_paths(openapi: dict) -> list[str]:
    """Every GET path of the OpenAPI document: each OGC collection, other parameters 1."""
    paths = []
    for path, operations in openapi["paths"].items():
        if "get" not in operations:
            continue
        for collection in ("events", "hotspots") if "{collectionId}" in path else ("",):
            concrete = path.replace("{collectionId}", collection)
            paths.append(re.sub(r"\{[^}]+\}", "1", concrete))
    return sorted(set(paths))


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers.get("retry-after", "").isdigit()
    body = response.json()
    assert body["status"] == 503 and body["detail"]
    assert "Traceback" not in response.text and "psycopg" not in response.text


def test_every_read_endpoint_is_503_while_the_database_is_away(
    proxied_db: ProxiedDatabase,
) -> None:
    with live_server(create_app()) as base, httpx.Client(base_url=base, timeout=30) as client:
        paths = _read_paths(client.get("/openapi.json").json())
        assert set(NAMED) <= set(paths)
        before = {p: client.get(p).status_code for p in paths}
        assert all(status < 500 for status in before.values()), before

        proxied_db.proxy.cut()
        during = {}
        for path in paths:
            response = client.get(path)
            during[path] = response.status_code
            assert response.status_code != 500, (path, response.text[:300])
            if response.status_code == 503:
                _assert_unavailable(response)
        for path in NAMED:
            _assert_unavailable(client.get(path))
        # What needs no database keeps answering.
        assert client.get("/healthz").status_code == 200
        extracted = client.post("/extract", json=ARTICLE)
        assert extracted.status_code == 200, extracted.text[:300]
        assert extracted.json()["events"][0]["category"] == "missile_test"
        _assert_unavailable(client.get("/readyz"))
        served_without_db = sorted(p for p, s in during.items() if s < 500)
        # A layer's queryables are its declaration (no rows): the only event path served.
        data_paths = [p for p in served_without_db if not p.endswith("/queryables")]
        assert all("/events" not in p and "/hotspots" not in p for p in data_paths)
        assert during["/ogc/collections/events/queryables"] == 200

        proxied_db.proxy.restore()
        after = {p: client.get(p).status_code for p in paths}
        assert after == before
        assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("path", NAMED)
def test_a_cut_in_the_middle_of_keepalive_connections_recovers(
    proxied_db: ProxiedDatabase, path: str
) -> None:
    """Pooled connections die with the cut; pool_pre_ping replaces them after restore."""
    with live_server(create_app()) as base, httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(3):
            assert client.get(path).status_code == 200
        proxied_db.proxy.cut()
        proxied_db.proxy.restore()
        assert client.get(path).status_code == 200
