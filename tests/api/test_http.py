"""Cross-cutting HTTP behaviour: ETags and 304, headers, body size, rate limits, CORS, OpenAPI."""

from __future__ import annotations

import gzip

import httpx
import pytest
from sqlmodel import Session

from tests.api.factories import JONGJU, make_event

CACHED_GETS = [
    "/events",
    "/events?format=csv",
    "/events?format=geojson",
    "/hotspots",
    "/threat-level?at=2026-05-28",
    "/threat-level/history?from=2026-05-01&to=2026-05-28",
    "/articles",
    "/sources",
    "/annex",
    "/annex?format=markdown",
]


@pytest.mark.parametrize("path", CACHED_GETS)
def test_etag_and_304(client: httpx.Client, db, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age=" in first.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    listed = client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    stale = client.get(path, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_etag_changes_with_the_data(client: httpx.Client, write: Session) -> None:
    before = client.get("/events").headers["etag"]
    make_event(write, **JONGJU)
    write.commit()
    after = client.get("/events", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["etag"] != before


def test_security_headers_everywhere(client: httpx.Client, db) -> None:
    for path in ("/events", "/nowhere", "/events?limit=0"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["content-security-policy"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers
    assert docs.headers["x-content-type-options"] == "nosniff"


def test_cors_off_unless_configured(client: httpx.Client, make_client, db) -> None:
    origin = {"Origin": "https://maps.example"}
    assert "access-control-allow-origin" not in client.get("/hotspots", headers=origin).headers
    with make_client(cors_origins="https://maps.example") as cors:
        response = cors.get("/hotspots", headers=origin)
        assert response.headers["access-control-allow-origin"] == "https://maps.example"
        other = cors.get("/hotspots", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_gzip(client: httpx.Client, write: Session) -> None:
    for i in range(40):
        make_event(write, title=f"A fairly long event title number {i} for compression")
    write.commit()
    raw = client.get("/events", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.json()["items"]  # httpx decodes it
    assert gzip.compress(b"x")  # gzip module available for the check above


def test_body_size_limit(make_client, admin: dict[str, str], db) -> None:
    with make_client(max_request_body_bytes=2048) as client:
        big = {"from": "2026-05-21", "to": "2026-05-28", "pad": "x" * 5000}
        response = client.post("/assessments", json=big, headers=admin)
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "larger than 2048 bytes" in response.json()["detail"]

        def chunks():  # no Content-Length: counted while streaming
            for _ in range(10):
                yield b"x" * 1000

        streamed = client.post(
            "/admin/feeds", content=chunks(), headers={**admin, "Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        small = client.post("/admin/feeds", json={"url": "ftp://x"}, headers=admin)
        assert small.status_code == 400


def test_rate_limit_on_expensive_endpoints(make_client, db) -> None:
    with make_client(rate_limit_per_minute=3) as client:
        statuses = [client.get("/annex").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/annex")
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert "too many requests" in limited.json()["detail"]
        assert client.post("/admin/collect").status_code == 429  # same budget per client
        # Cheap endpoints are never limited.
        assert all(client.get("/events").status_code == 200 for _ in range(10))


def test_rate_limit_off_by_default(client: httpx.Client, db) -> None:
    assert all(client.get("/annex").status_code == 200 for _ in range(15))


def test_openapi_is_complete(client: httpx.Client, db) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/threat-level",
        "/threat-level/history",
        "/hotspots",
        "/events",
        "/events/{event_id}",
        "/articles",
        "/articles/{article_id}",
        "/sources",
        "/annex",
        "/assessments",
        "/assessments/latest",
        "/assessments/{assessment_id}",
        "/admin/feeds",
        "/admin/feeds/{feed_id}",
        "/admin/collect",
    ):
        assert path in paths, path
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert "getThreatLevel" in operation_ids and "listEvents" in operation_ids
    threat = paths["/threat-level"]["get"]["responses"]["200"]["content"]["application/json"]
    assert threat["schema"]["$ref"].endswith("/ThreatLevelOut")
    assert spec["components"]["schemas"]["ThreatLevelOut"]["example"]["level"] == "High"
    assert (
        "example"
        in paths["/hotspots"]["get"]["responses"]["200"]["content"]["application/geo+json"]
    )
