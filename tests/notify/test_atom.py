"""/events.atom read by real clients: feedparser and GDAL's GeoRSS driver (ogrinfo)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.main import create_app
from app.core.config import Settings
from app.core.models import Event
from tests.api.factories import make_event
from tests.support.live import live_server

ATOM = "/events.atom"


@pytest.fixture
def client(db: Engine) -> Iterator[httpx.Client]:
    with live_server(create_app(Settings())) as base, httpx.Client(base_url=base) as c:
        yield c


@pytest.fixture
def events(db: Engine) -> list[int]:
    with Session(db, expire_on_commit=False) as session:
        made = [
            make_event(session, category="missile_test", title="Missile test: Jongju — 정주",
                       severity=4, claim_status="confirmed", event_date=dt.date(2026, 5, 26),
                       location_name="Jongju", location_id="kp-jongju", lat=39.69, lon=125.33),
            make_event(session, category="diplomacy", title="Talks in Beijing <& quotes \"'>",
                       summary="Envoys met.\x0b", event_date=dt.date(2026, 5, 25),
                       location_name="Beijing", lat=39.9, lon=116.4),
            make_event(session, category="sanctions", title="New sanctions (no place)",
                       event_date=dt.date(2026, 5, 24)),
        ]  # fmt: skip
        session.commit()
        return [e.id or 0 for e in made]


def test_feedparser_reads_every_event_with_its_point(
    client: httpx.Client, events: list[int]
) -> None:
    answer = client.get(ATOM)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.id for e in feed.entries] == [f"urn:watchfloor:event:{i}" for i in events]
    first, second, third = feed.entries
    assert first.title == "Missile test: Jongju — 정주"
    assert first.where["coordinates"] == (125.33, 39.69)  # GeoRSS lat lon -> GeoJSON lon, lat
    assert first.tags[0].term == "missile_test"
    assert first.link.endswith(f"/events/{events[0]}")
    assert second.title == "Talks in Beijing <& quotes \"'>"
    assert "where" not in third
    assert first.updated_parsed is not None
    assert feed.feed.updated == max(e.updated for e in feed.entries)


def test_the_filters_of_events_apply(client: httpx.Client, events: list[int]) -> None:
    feed = feedparser.parse(client.get(ATOM, params={"min_severity": 4}).content)
    assert [e.id for e in feed.entries] == [f"urn:watchfloor:event:{events[0]}"]
    feed = feedparser.parse(client.get(ATOM, params={"bbox": "110,35,120,45"}).content)
    assert [e.id for e in feed.entries] == [f"urn:watchfloor:event:{events[1]}"]
    paged = feedparser.parse(client.get(ATOM, params={"limit": 2}).content)
    assert len(paged.entries) == 2
    [next_link] = [link.href for link in paged.feed.links if link.rel == "next"]
    rest = feedparser.parse(httpx.get(next_link).content)
    assert [e.id for e in rest.entries] == [f"urn:watchfloor:event:{events[2]}"]
    bad = client.get(ATOM, params={"bbox": "1,2,3"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_etag_and_if_none_match_and_stable_ids(
    db: Engine, client: httpx.Client, events: list[int]
) -> None:
    first = client.get(ATOM)
    etag = first.headers["etag"]
    assert client.get(ATOM, headers={"If-None-Match": etag}).status_code == 304
    with Session(db) as session:
        session.execute(
            sa.update(Event)
            .where(Event.id == events[0])  # type: ignore[arg-type]
            .values(severity=5, updated_at=dt.datetime.now(dt.UTC))
        )
        session.commit()
    changed = client.get(ATOM, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    before, after = feedparser.parse(first.content), feedparser.parse(changed.content)
    assert [e.id for e in before.entries] == [e.id for e in after.entries]  # ids stay
    assert after.entries[0].updated > before.entries[0].updated


@pytest.mark.gdal
@pytest.mark.skipif(
    shutil.which("ogrinfo") is None,
    reason="ogrinfo not installed: apt-get install gdal-bin (scripts/test.sh does it)",
)
def test_ogrinfo_reads_the_feed_as_points(
    client: httpx.Client, events: list[int], tmp_path: Path
) -> None:
    path = tmp_path / "events.atom"
    path.write_bytes(client.get(ATOM).content)
    completed = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "ERROR" not in completed.stderr, completed.stderr
    output = completed.stdout
    points = re.findall(r"POINT \(([-\d.]+) ([-\d.]+)\)", output)
    assert [(float(x), float(y)) for x, y in points] == [(125.33, 39.69), (116.4, 39.9)]
    ids = re.findall(r"^\s+id \(String\) = (.*)$", output, re.M)
    assert ids == [f"urn:watchfloor:event:{i}" for i in events]
    summary = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout  # fmt: skip
    assert "using driver `GeoRSS' successful" in summary or "Geometry: Point" in summary
    assert re.search(r"^Geometry: Point$", summary, re.M)
    assert re.search(r"^Feature Count: 3$", summary, re.M)
    assert re.search(r"^updated: DateTime", summary, re.M)
    categories = re.findall(r"^\s+category_term \(String\) = (.*)$", output, re.M)
    assert categories == ["missile_test", "diplomacy", "sanctions"]
