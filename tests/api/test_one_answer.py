"""One answer per period: the report, /threat-level, /hotspots and the OGC hotspots layer give
the same level, score, event count and hotspots for the same window and as_of.

Events are generated (seeded) and inserted directly: day-, week- and month-precision dates,
late reports, later corroboration (mentions published after the window), places inside and
outside the area of interest, visits that make no hotspot. The assertions are relationships
between the surfaces, so they hold whatever extraction yields.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import httpx
from sqlmodel import Session

from tests.api.factories import (
    DANDONG,
    DMZ,
    JONGJU,
    PYONGYANG,
    make_article,
    make_event,
    make_mention,
    make_source,
)

FAR = {  # outside the area of interest
    "location_id": "washington",
    "location_name": "Washington",
    "location_precision": "city",
    "lat": 38.8951,
    "lon": -77.0364,
}
YELLOW_SEA = {
    "location_id": "yellow_sea",
    "location_name": "Yellow Sea",
    "location_precision": "sea",
    "lat": 37.5,
    "lon": 124.0,
}
PLACES = [JONGJU, DMZ, DANDONG, PYONGYANG, FAR, YELLOW_SEA, {}]
CATEGORIES = [
    "missile_test",
    "artillery",
    "border_maritime",
    "military_exercise",
    "defense_policy",
    "diplomacy",
    "cyber",
    "nuclear",
]
FIRST_DAY = dt.date(2026, 3, 2)  # a Monday
DAYS = 84


def _utc(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def generate(write: Session, seed: int) -> None:
    rng = random.Random(seed)
    sources = [make_source(write) for _ in range(3)]
    for _ in range(90):
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        precision = rng.choice(["day"] * 6 + ["week", "month", "unknown"])
        if precision == "week":
            day -= dt.timedelta(days=day.weekday())
        elif precision == "month":
            day = day.replace(day=1)
        delay = rng.choice([0, 0, 0, 1, 2, 5, 9, 20])  # days until the first report
        first = _utc(day + dt.timedelta(days=delay), rng.randrange(24))
        later = first + dt.timedelta(days=rng.choice([0, 0, 1, 6, 15]))
        event = make_event(
            write,
            category=rng.choice(CATEGORIES),
            severity=rng.randint(1, 5),
            claim_status=rng.choice(["claimed", "reported", "confirmed"]),
            confidence=round(rng.uniform(0.4, 1.0), 2),
            corroboration=2 if later > first else 1,
            event_date=day,
            date_precision=precision,
            first_reported_at=first,
            last_reported_at=later,
            **rng.choice(PLACES),
        )
        make_mention(
            write,
            event,
            make_article(write, sources[0], published_at=first),
            claim_status="reported",
        )
        if later > first:
            article = make_article(write, sources[1], published_at=later)
            make_mention(write, event, article, claim_status=event.claim_status)
    write.commit()


def answers(
    client: httpx.Client, admin: dict[str, str], first: dt.date, last: dt.date, as_of: str
) -> dict[str, Any]:
    report = client.post(
        "/assessments",
        json={"from": first.isoformat(), "to": last.isoformat(), "as_of": as_of},
        headers=admin,
    )
    assert report.status_code == 201, report.text
    doc = report.json()
    threat = client.get(
        "/threat-level",
        params={"from": first.isoformat(), "at": f"{last.isoformat()}T23:59:59Z", "as_of": as_of},
    ).json()
    layer = client.get(
        "/hotspots", params={"from": first.isoformat(), "to": last.isoformat(), "as_of": as_of}
    ).json()
    cited = {
        i
        for s in doc["key_developments"]
        for i in [x["id"] for x in s["items"]] + s["more_event_ids"]
    }
    return {
        "report": (
            doc["threat_level"]["level"],
            doc["threat_level"]["score"],
            doc["threat_level"]["event_count"],
        ),
        "report_cited": len(cited),
        "report_hotspots": sorted(
            (h["id"], h["intensity"], h["lat"], h["lng"]) for h in doc["hotspots"]
        ),
        "structured": sorted((h["label"], h["intensity"]) for h in doc["structured"]["hotspots"]),
        "threat": (threat["level"], threat["score"], threat["event_count"]),
        "threat_window": (threat["window"]["from"], threat["window"]["to"]),
        "layer": (
            layer["threat_level"]["level"],
            layer["threat_level"]["score"],
            layer["threat_level"]["event_count"],
        ),
        "layer_hotspots": sorted(
            (
                f["id"],
                f["properties"]["intensity"],
                f["geometry"]["coordinates"][1],
                f["geometry"]["coordinates"][0],
            )
            for f in layer["features"]
        ),
        "layer_labels": sorted(
            (f["properties"]["label"], f["properties"]["intensity"]) for f in layer["features"]
        ),
    }


def ogc_hotspots(client: httpx.Client, first: dt.date, last: dt.date) -> list[tuple]:
    items = client.get(
        "/ogc/collections/hotspots/items",
        params={"datetime": f"{first.isoformat()}/{last.isoformat()}", "limit": 1000},
    ).json()
    return sorted(
        (
            f["id"],
            f["properties"]["intensity"],
            f["geometry"]["coordinates"][1],
            f["geometry"]["coordinates"][0],
        )
        for f in items["features"]
    )


def test_generated_weeks_get_one_answer_on_every_surface(
    client: httpx.Client, admin: dict[str, str], write: Session
) -> None:
    generate(write, seed=13)
    rng = random.Random(7)
    windows = []
    for week in range(2, 11):  # Monday..Sunday weeks, then ranges of other lengths
        first = FIRST_DAY + dt.timedelta(days=7 * week)
        windows.append((first, first + dt.timedelta(days=6)))
    for _ in range(4):
        first = FIRST_DAY + dt.timedelta(days=rng.randrange(14, DAYS - 10))
        windows.append((first, first + dt.timedelta(days=rng.choice([0, 3, 7, 13]))))
    seen_revisions = 0
    for first, last in windows:
        period_end = _utc(last + dt.timedelta(days=1), 0).isoformat().replace("+00:00", "Z")
        for as_of in (period_end, "2026-07-01T00:00:00Z"):
            got = answers(client, admin, first, last, as_of)
            where = (first, last, as_of, got)
            assert got["report"] == got["threat"] == got["layer"], where
            assert got["report"][2] == got["report_cited"], where  # summary count = level's
            assert got["report_hotspots"] == got["layer_hotspots"], where
            assert got["structured"] == got["layer_labels"], where
            assert got["threat_window"] == (first.isoformat(), last.isoformat()), where
            if as_of == period_end:
                assert ogc_hotspots(client, first, last) == got["layer_hotspots"], where
            else:
                period = answers(client, admin, first, last, period_end)
                seen_revisions += period["report"] != got["report"]
    assert seen_revisions > 0  # the generated data does revise some windows


def test_the_live_level_is_the_level_of_the_window_ending_now(
    client: httpx.Client, write: Session
) -> None:
    now = dt.datetime.now(dt.UTC)
    for days_ago in (0, 2, 5, 9):
        make_event(
            write,
            category="missile_test",
            severity=3,
            event_date=now.date() - dt.timedelta(days=days_ago),
            first_reported_at=now - dt.timedelta(days=days_ago, minutes=5),
            last_reported_at=now - dt.timedelta(days=days_ago, minutes=5),
            **JONGJU,
        )
    write.commit()
    live = client.get("/threat-level").json()
    at = live["computed_at"]
    explicit = client.get("/threat-level", params={"at": at}).json()
    layer = client.get("/hotspots", params={"from": live["window"]["from"], "to": at}).json()
    assert (live["level"], live["score"], live["event_count"]) == (
        explicit["level"],
        explicit["score"],
        explicit["event_count"],
    )
    assert live["event_count"] == 3
    assert layer["threat_level"] == {
        "level": live["level"],
        "score": live["score"],
        "event_count": live["event_count"],
    }
