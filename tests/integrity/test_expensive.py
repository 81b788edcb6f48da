"""Defect 5 of issue 17: bounded work per request on the endpoints whose cost grows with the
window: a cap on the window (a clear 400), a per-client limit on computed answers in flight,
work that stops when the client leaves, and a daily history computed once per day and reused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.api.http import ComputedRequestGuard, client_gone
from app.assessment.history import DailyThreatMemo
from app.assessment.situation import ClientGoneError, threat_history
from tests.api.factories import DANDONG, JONGJU, make_event

FIRST, LAST = dt.date(2026, 3, 1), dt.date(2026, 5, 31)


def test_a_ten_year_hotspot_window_is_a_clear_400(client: httpx.Client) -> None:
    response = client.get("/hotspots", params={"from": "2016-01-01", "to": "2026-01-01"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "400 days" in response.json()["detail"]
    assert client.get("/hotspots", params={"from": "2025-06-01", "to": "2026-01-01"}).is_success


def test_the_hotspots_layer_is_bounded_like_hotspots(client: httpx.Client, write: Session) -> None:
    today = dt.datetime.now(dt.UTC).date()
    make_event(write, category="missile_test", event_date=today - dt.timedelta(days=3), **JONGJU)
    make_event(write, category="sanctions", event_date=today - dt.timedelta(days=900), **DANDONG)
    write.commit()
    ten_years = {"datetime": "2016-01-01T00:00:00Z/2026-01-01T00:00:00Z"}
    for path in ("/export/hotspots.geojson", "/ogc/collections/hotspots/items"):
        refused = client.get(path, params=ten_years)
        assert refused.status_code == 400, path
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "400 days" in refused.json()["detail"]
    # Without `datetime` the layer covers the last 400 days: the old event draws nothing.
    layer = client.get("/export/hotspots.geojson").json()
    categories = [f["properties"]["categories"] for f in layer["features"]]
    assert categories == [["missile_test"]]


def _summary(points: list[Any]) -> list[tuple[Any, ...]]:
    return [(p.last_day, p.level, p.score, p.trend, p.event_count) for p in points]


def test_history_days_are_computed_once_and_reused(write: Session) -> None:
    for n in range(40):
        day = FIRST + dt.timedelta(days=2 * n)
        make_event(write, event_date=day, category="missile_test", severity=1 + n % 5)
    write.commit()
    memo = DailyThreatMemo()
    days = (LAST - FIRST).days + 1
    first = memo.history(write, FIRST, LAST)
    assert memo.stats.computed == days and memo.stats.hits == 0
    assert _summary(first) == _summary(threat_history(write, FIRST, LAST))
    again = memo.history(write, FIRST, LAST)
    assert memo.stats.computed == days and memo.stats.hits == days  # nothing computed again
    assert _summary(again) == _summary(first)
    # A new event three days before the end changes only the days whose windows read it.
    make_event(write, event_date=LAST - dt.timedelta(days=3), category="nuclear", severity=5)
    write.commit()
    changed = memo.history(write, FIRST, LAST)
    assert memo.stats.computed == days + 4
    assert _summary(changed) == _summary(threat_history(write, FIRST, LAST))
    assert _summary(changed)[:-4] == _summary(first)[:-4]
    assert _summary(changed)[-1] != _summary(first)[-1]


def test_history_stops_when_asked(write: Session) -> None:
    make_event(write, event_date=FIRST)
    write.commit()
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(ClientGoneError):
        threat_history(write, FIRST, LAST, stop=stop)
    assert len(calls) == 4  # stopped at the fourth day, not at the ninety-second


def _scope(client: str = "203.0.113.7") -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/threat-level/history",
        "headers": [],
        "client": (client, 1234),
        "query_string": b"",
    }


async def _ok(send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def test_computed_answers_in_flight_are_bounded_per_client() -> None:
    release = asyncio.Event()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await _ok(send)

    guard = ComputedRequestGuard(slow_app, per_client=2)

    async def call(client: str) -> int:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await guard(_scope(client), receive, send)
        return int(sent[0]["status"])

    async def scenario() -> list[int]:
        held = [asyncio.create_task(call("203.0.113.7")) for _ in range(2)]
        await asyncio.sleep(0.05)
        third = await call("203.0.113.7")  # the same client: refused at once
        other = asyncio.create_task(call("198.51.100.1"))  # another client: let through
        await asyncio.sleep(0.05)
        release.set()
        return [third, *(await asyncio.gather(*held, other))]

    assert asyncio.run(scenario()) == [429, 200, 200, 200]


def test_work_stops_when_the_client_disconnects() -> None:
    progress: list[int] = []

    def compute() -> None:
        for n in range(1000):  # about 10 s unless stopped
            if client_gone():
                return
            progress.append(n)
            time.sleep(0.01)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.to_thread(compute)
        await _ok(send)

    async def scenario() -> float:
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.sleep(0.3)  # the client goes away after 0.3 s
            return {"type": "http.disconnect"}

        async def send(_: dict[str, Any]) -> None:
            return None

        started = time.monotonic()
        await ComputedRequestGuard(app, per_client=2)(_scope(), receive, send)
        return time.monotonic() - started

    elapsed = asyncio.run(scenario())
    assert elapsed < 2 and len(progress) < 200
    assert threading.active_count() < 50


def test_work_after_the_response_does_not_hold_the_clients_slot() -> None:
    background = asyncio.Event()

    async def app_with_background(scope: Any, receive: Any, send: Any) -> None:
        await _ok(send)
        await background.wait()  # e.g. a cached answer renewed after it was sent

    guard = ComputedRequestGuard(app_with_background, per_client=2)

    async def call() -> tuple[int, asyncio.Task[None]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        task = asyncio.create_task(guard(_scope(), receive, send))
        await asyncio.sleep(0.05)
        return int(sent[0]["status"]), task

    async def scenario() -> list[int]:
        results = [await call() for _ in range(3)]
        background.set()
        await asyncio.gather(*(task for _, task in results))
        return [status for status, _ in results]

    assert asyncio.run(scenario()) == [200, 200, 200]
