"""OGC fixtures: seeded events, a live server with a request log, and the hotspot contract.

`compute_hotspots` is implemented by the assessment package. Until it lands (it raises
NotImplementedError), `hotspots_contract` installs a small, deterministic stand-in that groups
events by place; once the real one exists the same tests run against it unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Request
from sqlmodel import Session, select

from app.api.main import create_app
from app.assessment import hotspots as hotspots_module
from app.assessment.hotspots import Hotspot, HotspotResult
from app.core.config import Settings
from app.core.models import Event
from tests.support.live import live_server

# (key, category, date, place id, place name, lat, lon, severity, claim_status)
DEMO_EVENTS: tuple[
    tuple[str, str, str, str | None, str | None, float | None, float | None, int, str], ...
] = (
    ("e01", "missile_test", "2026-05-02", "sohae", "Sohae", 39.6596, 124.7057, 4, "confirmed"),
    ("e02", "space_launch", "2026-05-05", "sohae", "Sohae", 39.6596, 124.7057, 4, "reported"),
    (
        "e03",
        "missile_test",
        "2026-05-08",
        "sunan",
        "Pyongyang International Airport",
        39.2239,
        125.67,
        5,
        "confirmed",
    ),
    ("e04", "diplomacy", "2026-05-09", "pyongyang", "Pyongyang", 39.0339, 125.7543, 2, "reported"),
    ("e05", "nuclear", "2026-05-11", "punggye", "Punggye-ri", 41.2781, 129.0874, 5, "claimed"),
    (
        "e06",
        "military_exercise",
        "2026-05-13",
        "wonsan",
        "Wonsan Kalma",
        39.1677,
        127.4817,
        3,
        "reported",
    ),
    (
        "e07",
        "missile_test",
        "2026-05-15",
        "wonsan",
        "Wonsan Kalma",
        39.1677,
        127.4817,
        4,
        "confirmed",
    ),
    (
        "e08",
        "border_maritime",
        "2026-05-17",
        "yeonpyeong",
        "Yeonpyeong Island",
        37.6667,
        125.6964,
        3,
        "reported",
    ),
    ("e09", "cyber", "2026-05-18", None, None, None, None, 2, "reported"),
    (
        "e10",
        "missile_test",
        "2026-05-20",
        "sinpo",
        "Sinpo Shipyard",
        40.0368,
        128.1839,
        4,
        "claimed",
    ),
    ("e11", "diplomacy", "2026-05-22", "kaesong", "Kaesong", 37.9708, 126.5544, 1, "reported"),
    ("e12", "missile_test", "2026-05-25", "tonghae", "Tonghae", 40.85, 129.6667, 3, "reported"),
    ("e13", "arms_transfer", "2026-05-27", "rason", "Rason", 42.2556, 130.2831, 3, "reported"),
    # Second events at several places, so hotspots exist whatever threshold the real grouping uses.
    (
        "e14",
        "missile_test",
        "2026-05-10",
        "sunan",
        "Pyongyang International Airport",
        39.2239,
        125.67,
        4,
        "confirmed",
    ),
    (
        "e15",
        "missile_test",
        "2026-05-21",
        "sinpo",
        "Sinpo Shipyard",
        40.0368,
        128.1839,
        4,
        "reported",
    ),
    ("e16", "missile_test", "2026-05-26", "tonghae", "Tonghae", 40.85, 129.6667, 4, "confirmed"),
    ("e17", "nuclear", "2026-05-12", "punggye", "Punggye-ri", 41.2781, 129.0874, 5, "claimed"),
)


def make_event(
    key: str,
    category: str,
    day: str,
    place_id: str | None,
    place: str | None,
    lat: float | None,
    lon: float | None,
    severity: int = 3,
    claim_status: str = "reported",
) -> Event:
    reported = dt.datetime.fromisoformat(f"{day}T06:00:00+00:00")
    return Event(
        key=key,
        category=category,
        title=f"{category.replace('_', ' ')} at {place or 'an unknown place'}",
        event_date=dt.date.fromisoformat(day),
        location_id=place_id,
        location_name=place,
        location_precision="site" if place else None,
        lat=lat,
        lon=lon,
        severity=severity,
        claim_status=claim_status,
        confidence=0.8,
        actors=["North Korea"],
        weapons=[],
        first_reported_at=reported,
        last_reported_at=reported,
    )


def insert_events(engine: sa.Engine, rows: Sequence[tuple]) -> list[int]:
    with Session(engine) as session:
        events = [make_event(*row) for row in rows]
        session.add_all(events)
        session.commit()
        return [int(e.id) for e in events if e.id is not None]


@pytest.fixture
def demo(db: sa.Engine) -> list[int]:
    """The demo events in an otherwise empty database; their ids."""
    return insert_events(db, DEMO_EVENTS)


# --- the hotspot contract -------------------------------------------------------------------


def group_by_place(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    categories: Sequence[str] | None = None,
) -> HotspotResult:
    """Test-only stand-in for compute_hotspots: events with a point, grouped by place id."""
    statement = select(Event).where(
        Event.event_date >= start.date(), Event.event_date <= end.date()
    )
    if categories:
        statement = statement.where(Event.category.in_(list(categories)))
    groups: dict[str, list[Event]] = {}
    omitted = 0
    for event in session.exec(statement.order_by(Event.id)).all():
        if event.lat is None or event.lon is None:
            omitted += 1
            continue
        groups.setdefault(event.location_id or f"{event.lat:.4f},{event.lon:.4f}", []).append(event)
    hotspots = [_hotspot(place, events) for place, events in groups.items()]
    return HotspotResult(hotspots=hotspots, omitted_events=omitted)


def _hotspot(place: str, events: list[Event]) -> Hotspot:
    first = min(e.event_date for e in events)
    last = max(e.event_date for e in events)
    return Hotspot(
        id=place,
        label=events[0].location_name or place,
        detail=f"{len(events)} events",
        lat=float(events[0].lat or 0),
        lon=float(events[0].lon or 0),
        precision=events[0].location_precision or "site",
        intensity=min(5, max(e.severity for e in events)),
        event_count=len(events),
        categories=sorted({e.category for e in events}),
        first_seen=dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC),
        last_seen=dt.datetime.combine(last, dt.time.min, tzinfo=dt.UTC),
        event_ids=[int(e.id or 0) for e in events],
    )


@pytest.fixture(scope="session")
def hotspots_contract(engine: sa.Engine) -> Iterator[None]:
    """The real compute_hotspots if it is implemented, else the stand-in above."""
    with pytest.MonkeyPatch.context() as patch:
        try:
            with Session(engine) as session:
                now = dt.datetime.now(dt.UTC)
                hotspots_module.compute_hotspots(session, start=now - dt.timedelta(days=1), end=now)
        except NotImplementedError:
            patch.setattr(hotspots_module, "compute_hotspots", group_by_place)
        yield


# --- the live server ------------------------------------------------------------------------


@dataclass
class OgcServer:
    base: str
    app: FastAPI
    requests: list[str] = field(default_factory=list)  # path?query of every request seen
    settings: Settings = field(default_factory=Settings)  # what the app was built with

    @property
    def ogc(self) -> str:
        return f"{self.base}/ogc"

    def use_settings(self, **values: object) -> None:
        # The app's own settings: every endpoint reads them through one dependency.
        self.app.state.settings = Settings(**values)  # type: ignore[arg-type]

    def reset(self) -> None:
        self.app.state.settings = self.settings
        self.requests.clear()


@pytest.fixture(scope="session")
def server_instance(engine: sa.Engine, hotspots_contract: None) -> Iterator[OgcServer]:
    app = create_app()
    state = OgcServer(base="", app=app, settings=app.state.settings)

    @app.middleware("http")
    async def record(request: Request, call_next):  # type: ignore[no-untyped-def]
        query = request.url.query
        state.requests.append(request.url.path + (f"?{query}" if query else ""))
        return await call_next(request)

    with live_server(app) as base:
        state.base = base
        yield state


@pytest.fixture
def server(server_instance: OgcServer) -> Iterator[OgcServer]:
    server_instance.reset()
    yield server_instance
    server_instance.reset()
