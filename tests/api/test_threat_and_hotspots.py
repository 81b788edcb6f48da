"""GET /threat-level, /threat-level/history and /hotspots over HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from geojson_validator import validate_geometries, validate_structure
from loguru import logger
from sqlmodel import Session

from app.assessment.methodology import METHODOLOGY_VERSION
from tests.api.factories import DANDONG, DMZ, JONGJU, make_event

logger.disable("geojson_validator")


@pytest.fixture
def week(write: Session) -> dict[str, int]:
    ids = {
        "launch": make_event(
            write,
            category="missile_test",
            severity=4,
            claim_status="confirmed",
            title="Missiles fired from Jongju",
            corroboration=3,
            **JONGJU,
        ).id,
        "talks": make_event(
            write,
            category="border_maritime",
            title="DMZ talks",
            event_date=dt.date(2026, 5, 21),
            **DMZ,
        ).id,
        "smuggling": make_event(
            write,
            category="border_maritime",
            title="Smuggling crackdown",
            event_date=dt.date(2026, 5, 21),
            **DANDONG,
        ).id,
        "cyber": make_event(write, category="cyber", severity=3, title="Crypto theft").id,
    }
    write.commit()
    return ids


def test_threat_level_as_of(client: httpx.Client, week: dict[str, int]) -> None:
    response = client.get("/threat-level", params={"at": "2026-05-28T12:00:00Z"})
    assert response.status_code == 200
    body = response.json()
    assert body["window"] == {"from": "2026-05-22", "to": "2026-05-28"}
    assert body["computed_at"] == "2026-05-28T12:00:00Z"
    assert body["methodology_version"] == METHODOLOGY_VERSION
    assert body["level"] in ("Low", "Guarded", "Elevated", "High", "Severe")
    assert 0 <= body["score"] <= 100
    assert body["trend"] == "rising"  # the previous week held only the two border events
    assert body["event_count"] == 2
    assert [d["id"] for d in body["drivers"]] == [week["launch"], week["cyber"]]
    assert set(body["drivers"][0]) == {
        "id",
        "title",
        "category",
        "event_date",
        "claim_status",
        "severity",
        "share",
    }
    again = client.get("/threat-level", params={"at": "2026-05-28T12:00:00Z"})
    assert again.content == response.content
    assert again.headers["etag"] == response.headers["etag"]


def test_threat_level_defaults_to_now(client: httpx.Client, week: dict[str, int]) -> None:
    body = client.get("/threat-level").json()
    today = dt.datetime.now(dt.UTC).date()
    assert body["window"]["to"] == today.isoformat()
    assert body["computed_at"].endswith(":00Z")
    assert body["level"] == "Low" and body["drivers"] == []


@pytest.mark.parametrize("at", ["soon", "2026-02-30", "0001-01-01", "9999-12-31T00:00:00Z"])
def test_threat_level_bad_at(client: httpx.Client, db, at: str) -> None:
    response = client.get("/threat-level", params={"at": at})
    assert response.status_code == 400
    assert "`at`" in response.json()["detail"]


def test_threat_history(client: httpx.Client, week: dict[str, int]) -> None:
    body = client.get(
        "/threat-level/history", params={"from": "2026-05-20", "to": "2026-05-28"}
    ).json()
    assert [p["date"] for p in body["points"]] == [f"2026-05-{d}" for d in range(20, 29)]
    assert body["points"][0]["score"] == 0
    assert (
        body["points"][-1]["score"]
        == client.get("/threat-level", params={"at": "2026-05-28T23:59:59Z"}).json()["score"]
    )
    assert len(client.get("/threat-level/history").json()["points"]) == 30


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"from": "2026-05-28", "to": "2026-05-01"}, "inverted"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "at most 366 days"),
        ({"from": "nope"}, "`from` must be a date"),
    ],
)
def test_threat_history_errors(client: httpx.Client, db, query: dict, needle: str) -> None:
    response = client.get("/threat-level/history", params=query)
    assert response.status_code == 400 and needle in response.json()["detail"]


def test_hotspots_geojson(client: httpx.Client, week: dict[str, int]) -> None:
    response = client.get("/hotspots", params={"from": "2026-05-21", "to": "2026-05-28"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert validate_structure(collection, check_crs=True) == {}
    report = validate_geometries(collection)
    assert (report["invalid"], report["problematic"]) == ({}, {})
    assert collection["omitted_events"] == 1
    assert collection["window"] == {"from": "2026-05-21T00:00:00Z", "to": "2026-05-29T00:00:00Z"}
    features = {f["id"]: f for f in collection["features"]}
    assert set(features) == {"jongju", "dmz", "dandong"}
    jongju = features["jongju"]
    assert jongju["geometry"] == {"type": "Point", "coordinates": [125.2103, 39.6933]}
    props = jongju["properties"]
    assert props["label"] == "Jongju" and props["intensity"] == 4
    assert props["event_ids"] == [week["launch"]]
    assert props["first_seen"] == "2026-05-26T06:00:00Z"
    keys = {frozenset(f["properties"]) for f in collection["features"]}
    assert len(keys) == 1  # every feature carries every key


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "border_maritime"}, {"dmz", "dandong"}),
        ({"category": "missile_test,border_maritime"}, {"jongju", "dmz", "dandong"}),
        ({"min_intensity": "3"}, {"jongju"}),
        ({"bbox": "124,39.5,126,40.5"}, {"jongju", "dandong"}),
        ({"bbox": "127,38,128,39"}, {"dmz"}),
        ({"from": "2026-05-26"}, {"jongju"}),
        ({"to": "2026-05-21", "from": "2026-05-21"}, {"dmz", "dandong"}),
    ],
)
def test_hotspot_filters(
    client: httpx.Client, week: dict[str, int], query: dict, expected: set[str]
) -> None:
    query = {"from": "2026-05-21", "to": "2026-05-28", **query}
    features = client.get("/hotspots", params=query).json()["features"]
    assert {f["id"] for f in features} == expected


def test_hotspots_default_window_is_the_last_week(client: httpx.Client, write: Session) -> None:
    today = dt.datetime.now(dt.UTC).date()
    make_event(write, category="missile_test", event_date=today - dt.timedelta(days=2), **JONGJU)
    make_event(write, category="border_maritime", event_date=today - dt.timedelta(days=30), **DMZ)
    write.commit()
    features = client.get("/hotspots").json()["features"]
    assert [f["id"] for f in features] == ["jongju"]


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"bbox": "1,2,3"}, "4 numbers"),
        ({"bbox": "124,91,125,92"}, "latitudes"),
        ({"bbox": "124,40,125,39"}, "minimum latitude"),
        ({"category": "weather"}, "unknown category"),
        ({"from": "2026-05-28", "to": "2026-05-01"}, "inverted"),
        ({"min_intensity": "0"}, "min_intensity"),
        ({"min_intensity": "9"}, "min_intensity"),
    ],
)
def test_hotspot_errors(client: httpx.Client, db, query: dict, needle: str) -> None:
    response = client.get("/hotspots", params=query)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert needle in response.json()["detail"]


def test_computed_answers_are_reused_until_an_event_arrives(make_client, write: Session) -> None:
    event = make_event(write, category="missile_test", severity=2, **JONGJU)
    write.commit()
    query = {"from": "2026-05-21", "to": "2026-05-28"}
    with make_client(response_cache_seconds=600) as client:
        first = client.get("/hotspots", params=query).json()
        assert client.get("/hotspots", params=query).json() == first  # reused
        # Any edit draws a new change number (even one that leaves updated_at alone), so the
        # data version moves and the answer is recomputed at once, not after the TTL.
        event.severity = 5
        write.add(event)
        write.commit()
        edited = client.get("/hotspots", params=query).json()
        jongju = edited["features"][0]
        assert jongju["properties"]["intensity"] > first["features"][0]["properties"]["intensity"]
        make_event(write, category="border_maritime", **DMZ)  # a new event invalidates at once
        write.commit()
        fresh = client.get("/hotspots", params=query).json()
        assert len(fresh["features"]) == 2
    with make_client(response_cache_seconds=0) as client:
        before = client.get("/threat-level", params={"at": "2026-05-28"}).json()["score"]
        event.severity = 1
        write.add(event)
        write.commit()
        after = client.get("/threat-level", params={"at": "2026-05-28"}).json()["score"]
        assert after < before
