"""Admin API: key checks (missing, wrong, revoked, none configured) and feed management."""

from __future__ import annotations

import hashlib
import logging
import threading

import httpx
import pytest
from sqlmodel import Session

from tests.api.conftest import ADMIN_KEY
from tests.api.factories import make_feed, make_source

FEED = {
    "url": "https://www.nknews.org/feed/",
    "source": "NK News",
    "kind": "specialist",
    "reliability": "B",
}
ADMIN_CALLS = [
    ("POST", "/admin/feeds", FEED),
    ("PATCH", "/admin/feeds/1", {"enabled": False}),
    ("DELETE", "/admin/feeds/1", None),
    ("POST", "/admin/collect", None),
    ("POST", "/assessments", {"from": "2026-05-21", "to": "2026-05-28"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_missing_and_wrong_keys(
    client: httpx.Client,
    db,
    method: str,
    path: str,
    body: dict | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    for headers, needle in (
        ({}, "an admin key is required"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "an admin key is required"),
        ({"Authorization": "Bearer"}, "an admin key is required"),
        ({"Authorization": "Bearer wrong-key-secret"}, "not valid"),
        ({"Authorization": f"Bearer {ADMIN_KEY}x"}, "not valid"),
    ):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")
        assert needle in response.json()["detail"]
    assert "wrong-key-secret" not in caplog.text
    assert ADMIN_KEY not in caplog.text


def test_revoked_key_and_hashed_keys(make_client, db) -> None:
    other = "second-key-abcdef"
    digest = hashlib.sha256(other.encode()).hexdigest()
    with make_client(api_keys=f"{ADMIN_KEY},sha256:{digest}") as client:
        for key in (ADMIN_KEY, other):
            response = client.post(
                "/admin/feeds",
                json={**FEED, "url": f"https://a.example/{key}"},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert response.status_code == 201, response.text
    # ADMIN_KEY removed from the settings: refused from then on.
    with make_client(api_keys=f"sha256:{digest}") as client:
        revoked = client.post("/admin/collect", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert revoked.status_code == 401
        ok = client.patch(
            "/admin/feeds/1", json={"enabled": False}, headers={"Authorization": f"Bearer {other}"}
        )
        assert ok.status_code == 200


def test_no_keys_configured_is_403(make_client, db) -> None:
    with make_client(api_keys="") as client:
        response = client.post("/admin/collect", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert response.status_code == 403
        assert "disabled" in response.json()["detail"]
        assert (
            client.post("/assessments", json={"from": "2026-05-21", "to": "2026-05-21"}).status_code
            == 403
        )


def test_feed_lifecycle(client: httpx.Client, admin: dict[str, str], write: Session) -> None:
    created = client.post("/admin/feeds", json={**FEED, "title": "NK News feed"}, headers=admin)
    assert created.status_code == 201, created.text
    feed = created.json()
    assert (feed["url"], feed["publisher"], feed["enabled"]) == (FEED["url"], "NK News", True)
    assert feed["title"] == "NK News feed" and feed["next_check_at"].endswith("Z")
    assert created.headers["cache-control"] == "no-store"
    sources = client.get("/sources").json()["sources"]
    assert [(s["publisher"], s["kind"], s["reliability"]) for s in sources] == [
        ("NK News", "specialist", "B")
    ]
    assert [f["id"] for f in sources[0]["feeds"]] == [feed["id"]]

    duplicate = client.post("/admin/feeds", json=FEED, headers=admin)
    assert duplicate.status_code == 409

    second = client.post(
        "/admin/feeds",
        json={**FEED, "url": "https://www.nknews.org/pro/feed/", "kind": "wire"},
        headers=admin,
    ).json()
    assert second["source_id"] == feed["source_id"]  # the existing source is reused

    paused = client.patch(f"/admin/feeds/{feed['id']}", json={"enabled": False}, headers=admin)
    assert paused.status_code == 200
    assert (paused.json()["enabled"], paused.json()["disabled_reason"]) == (
        False,
        "paused by an operator",
    )
    resumed = client.patch(
        f"/admin/feeds/{feed['id']}",
        json={"enabled": True, "url": "https://nknews.org/rss"},
        headers=admin,
    ).json()
    assert (resumed["enabled"], resumed["disabled_reason"], resumed["url"]) == (
        True,
        None,
        "https://nknews.org/rss",
    )
    taken = client.patch(f"/admin/feeds/{feed['id']}", json={"url": second["url"]}, headers=admin)
    assert taken.status_code == 409

    deleted = client.delete(f"/admin/feeds/{feed['id']}", headers=admin)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.delete(f"/admin/feeds/{feed['id']}", headers=admin).status_code == 404
    assert client.patch("/admin/feeds/999", json={"title": "x"}, headers=admin).status_code == 404
    remaining = client.get("/sources").json()["sources"][0]["feeds"]
    assert [f["id"] for f in remaining] == [second["id"]]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({**FEED, "url": "ftp://example.org/feed"}, "feed URL refused"),
        ({**FEED, "url": "javascript:alert(1)"}, "feed URL refused"),
        ({**FEED, "url": "http://"}, "feed URL refused"),
        ({**FEED, "url": "https://a.example/\x00"}, "control characters"),
        ({**FEED, "kind": "blog"}, "kind"),
        ({**FEED, "reliability": "Z"}, "reliability"),
        ({**FEED, "unexpected": 1}, "unexpected"),
        ({"source": "NK News"}, "url"),
        ({**FEED, "source": ""}, "source"),
    ],
)
def test_feed_validation(
    client: httpx.Client, admin: dict[str, str], db, body: dict, needle: str
) -> None:
    response = client.post("/admin/feeds", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert needle in response.json()["detail"]


def test_patch_validation(client: httpx.Client, admin: dict[str, str], write: Session) -> None:
    feed = make_feed(write, make_source(write))
    write.commit()
    for body in ({"enabled": "maybe"}, {"url": "gopher://x"}, {"nope": 1}):
        response = client.patch(f"/admin/feeds/{feed.id}", json=body, headers=admin)
        assert response.status_code == 400, body
    not_json = client.patch(
        f"/admin/feeds/{feed.id}",
        content=b"{",
        headers={**admin, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400


def test_the_collectors_address_policy_checks_admin_feed_urls(
    client: httpx.Client, admin: dict[str, str], db
) -> None:
    """Wired in app/runtime.py (`feed_url_validator`): the same check as the collector's."""
    response = client.post(
        "/admin/feeds", json={**FEED, "url": "http://127.0.0.1/feed"}, headers=admin
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("feed URL refused:") and "loopback" in detail


def test_collect_runs_a_pass_in_the_background(
    client: httpx.Client, admin: dict[str, str], db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.api.routes import admin as admin_routes

    started, release = threading.Event(), threading.Event()

    def run_collection_pass() -> None:
        started.set()
        release.wait(10)

    monkeypatch.setattr(admin_routes, "collection_pass", lambda: run_collection_pass)
    first = client.post("/admin/collect", headers=admin)
    assert first.status_code == 202 and first.json()["status"] == "started"
    assert started.wait(5)
    busy = client.post("/admin/collect", headers=admin)
    assert busy.status_code == 409
    release.set()
