"""/admin/subscriptions over real HTTP: key first, secret once, address policy at creation,
pause/resume/delete, the test ping, the delivery log and replay."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.api.main import create_app
from app.core.config import Settings
from app.notify.dispatcher import Dispatcher
from app.notify.filters import EVENT_TYPES
from tests.notify.conftest import fast_settings, wait_until
from tests.support.live import live_server

KEY = "test-admin-key-webhooks-0123"
ADMIN = {"Authorization": f"Bearer {KEY}"}


@contextmanager
def api(**overrides: Any) -> Iterator[httpx.Client]:
    settings = Settings(**{"api_keys": KEY, **overrides})
    with live_server(create_app(settings)) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


@pytest.fixture
def client(db: Engine) -> Iterator[httpx.Client]:
    with api(allow_private_feeds="true") as c:
        yield c


def test_the_key_is_checked_before_the_body_is_read(client: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        answer = client.post("/admin/subscriptions", content=b"{not json", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("application/problem+json")
    answer = client.post("/admin/subscriptions", content=b"{not json", headers=ADMIN)
    assert answer.status_code == 400 and "invalid body" in answer.json()["detail"]


def test_a_refused_address_is_refused_at_creation(db: Engine) -> None:
    with api(allow_private_feeds="") as client:  # the default: no private addresses
        for url in ("http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://[::1]/h"):
            answer = client.post("/admin/subscriptions", json={"url": url}, headers=ADMIN)
            assert answer.status_code == 400, url
            assert "target URL refused" in answer.json()["detail"]
        assert client.get("/admin/subscriptions", headers=ADMIN).json() == []
    with api(allow_private_feeds="true") as client:  # metadata and link-local: never
        answer = client.post(
            "/admin/subscriptions", json={"url": "http://169.254.169.254/x"}, headers=ADMIN
        )
        assert answer.status_code == 400 and "metadata" in answer.json()["detail"]
        answer = client.post(
            "/admin/subscriptions", json={"url": "file:///etc/passwd"}, headers=ADMIN
        )
        assert answer.status_code == 400


def test_bad_bodies_get_clear_problems(client: httpx.Client) -> None:
    cases = [
        {"url": "http://127.0.0.1/h", "event_types": ["event.exploded"]},
        {"url": "http://127.0.0.1/h", "filters": {"categories": ["nonsense"]}},
        {"url": "http://127.0.0.1/h", "filters": {"bbox": [10, 10, 0, 0]}},
        {"url": "http://127.0.0.1/h", "filters": {"min_severity": 9}},
        {"url": "http://127.0.0.1/h", "secret": "mine"},
    ]
    for body in cases:
        answer = client.post("/admin/subscriptions", json=body, headers=ADMIN)
        assert answer.status_code == 400, body
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_create_list_pause_resume_delete(client: httpx.Client) -> None:
    body = {
        "url": "http://127.0.0.1:9/hook",
        "event_types": ["event.created", "threat_level.changed"],
        "filters": {"min_severity": 3, "area_of_interest": True},
        "description": "ops pager",
    }
    created = client.post("/admin/subscriptions", json=body, headers=ADMIN)
    assert created.status_code == 201
    sub = created.json()
    assert sub["secret"].startswith("whsec_")
    assert sub["status"] == "active" and sub["filters"] == body["filters"]
    assert created.headers["location"].endswith(f"/admin/subscriptions/{sub['id']}")
    listed = client.get("/admin/subscriptions", headers=ADMIN).json()
    assert [s["id"] for s in listed] == [sub["id"]]
    assert "secret" not in listed[0]  # shown once only
    one = f"/admin/subscriptions/{sub['id']}"
    assert "secret" not in client.get(one, headers=ADMIN).json()

    paused = client.patch(one, json={"enabled": False}, headers=ADMIN).json()
    assert paused["status"] == "paused"
    resumed = client.patch(
        one, json={"enabled": True, "event_types": list(EVENT_TYPES)}, headers=ADMIN
    ).json()
    assert resumed["status"] == "active" and resumed["event_types"] == list(EVENT_TYPES)
    assert client.delete(one, headers=ADMIN).status_code == 204
    assert client.get(one, headers=ADMIN).status_code == 404


def test_the_test_ping_reaches_a_verifying_receiver(
    client: httpx.Client, make_receiver: Any
) -> None:
    sub = client.post(
        "/admin/subscriptions", json={"url": "http://127.0.0.1:9/x"}, headers=ADMIN
    ).json()
    receiver = make_receiver(sub["secret"])
    one = f"/admin/subscriptions/{sub['id']}"
    client.patch(one, json={"url": receiver.url}, headers=ADMIN)
    result = client.post(f"{one}/test", headers=ADMIN).json()
    assert result["delivered"] is True and result["status_code"] == 204
    assert receiver.accepted() == {result["msg_id"]: 1}
    log = client.get(f"{one}/deliveries", headers=ADMIN).json()["items"]
    assert [(a["msg_id"], a["type"], a["status_code"], a["outcome"]) for a in log] == [
        (result["msg_id"], "ping", 204, "ok")
    ]
    assert log[0]["duration_ms"] >= 0


def test_replay_sends_the_same_message_again_with_the_same_id(
    db: Engine, client: httpx.Client, make_receiver: Any
) -> None:
    sub = client.post(
        "/admin/subscriptions", json={"url": "http://127.0.0.1:9/x"}, headers=ADMIN
    ).json()
    receiver = make_receiver(sub["secret"])
    one = f"/admin/subscriptions/{sub['id']}"
    client.patch(one, json={"url": receiver.url}, headers=ADMIN)
    ping = client.post(f"{one}/test", headers=ADMIN).json()
    worker = Dispatcher(fast_settings(), db)
    worker.start()
    try:
        answer = client.post(f"{one}/replay", json={"msg_id": ping["msg_id"]}, headers=ADMIN)
        assert answer.status_code == 202 and answer.json() == {"queued": 1}
        assert wait_until(lambda: receiver.accepted()[ping["msg_id"]] == 2, 15)
        answer = client.post(f"{one}/replay", json={"since": "2000-01-01T00:00:00Z"}, headers=ADMIN)
        assert answer.json() == {"queued": 1}
        assert wait_until(lambda: receiver.accepted()[ping["msg_id"]] == 3, 15)
    finally:
        worker.stop()
    log = client.get(f"{one}/deliveries", headers=ADMIN).json()["items"]
    assert len(log) == 3 and {a["msg_id"] for a in log} == {ping["msg_id"]}
    missing = client.post(f"{one}/replay", json={"msg_id": "msg_nope"}, headers=ADMIN)
    assert missing.status_code == 404
    both = client.post(
        f"{one}/replay", json={"msg_id": "x", "since": "2026-01-01T00:00:00Z"}, headers=ADMIN
    )
    assert both.status_code == 400
