"""Hotspots: the window's events grouped by place, for /hotspots, OGC API and the report.

`map_hotspots` takes the events of one window as known at one instant (app.assessment.situation
decides which: every surface gets them from `assess_situation`) and their weights. Events are
grouped by their gazetteer place (`location_id`), else by their coordinates rounded to
COORDINATE_KEY_DECIMALS. A group is drawn when its point lies in the area of interest and one of
its events makes a hotspot on its own (methodology.makes_hotspot); every other event of the
window is listed in `omitted` with the reason. Intensity (1-5) comes from the group's summed
event weight, without recency (methodology.py). Ordering: intensity, then weight, then id.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from app.assessment import methodology as m
from app.assessment.area import Area
from app.assessment.scoring import EventRecord, day_bounds, event_days, start_of_day

if TYPE_CHECKING:
    from sqlmodel import Session


@dataclass(frozen=True)
class Hotspot:
    id: str  # stable across requests: the gazetteer place id (or a coordinate key)
    label: str
    detail: str  # one sentence naming what happened there
    lat: float
    lon: float
    precision: str  # site | city | province | sea | border | country
    intensity: int  # 1-5
    event_count: int
    categories: list[str]
    first_seen: dt.datetime  # UTC
    last_seen: dt.datetime  # UTC
    event_ids: list[int] = field(default_factory=list)
    weight: float = 0.0  # summed event weight behind `intensity`


@dataclass(frozen=True)
class Omitted:
    """An event of the window that is not on the map, and why."""

    event_id: int
    reason: str  # NO_POINT | OUTSIDE_AREA | NOT_ON_ITS_OWN


NO_POINT = "no point"
OUTSIDE_AREA = "outside the area of interest"
NOT_ON_ITS_OWN = "does not make a hotspot on its own"


@dataclass(frozen=True)
class HotspotResult:
    hotspots: list[Hotspot]
    omitted_events: int  # events of the window not drawn (no point, elsewhere, not on their own)
    omitted: list[Omitted] = field(default_factory=list)


def place_key(event: EventRecord) -> str | None:
    if event.location_id:
        return event.location_id
    if event.lat is None or event.lon is None:
        return None
    digits = m.COORDINATE_KEY_DECIMALS
    return f"pt:{round(event.lat, digits):.{digits}f},{round(event.lon, digits):.{digits}f}"


def _most_common(values: list[str | None], default: str) -> str:
    present = [v for v in values if v]
    if not present:
        return default
    counts = Counter(present)
    # Ties go to the alphabetically first value, so labels never flip between requests.
    return min(counts, key=lambda value: (-counts[value], value))


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _counted(count: int, noun: tuple[str, str]) -> str:
    if count == 1:
        article = "an" if noun[0][0] in "aeiou" else "a"
        return f"{article} {noun[0]}"
    number = _NUMBERS[count] if count < len(_NUMBERS) else str(count)
    return f"{number} {noun[1]}"


def _day(day: dt.date) -> str:
    return f"{day:%B} {day.day}"


def _when(event: EventRecord) -> str:
    start, end = event_days(event)
    if start == end:
        return _day(start)
    if event.date_precision == "month":
        return f"{start:%B}"
    return f"{_day(start)}-{end.day if end.month == start.month else _day(end)}"


def _dates(events: list[EventRecord]) -> str:
    days = sorted({event_days(e)[0] for e in events})
    if len(days) > 3:
        return f"between {_day(days[0])} and {_day(max(event_days(e)[1] for e in events))}"
    whens = list(dict.fromkeys(_when(e) for e in sorted(events, key=lambda e: e.event_date)))
    return _joined(whens)


def _joined(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def hotspot_detail(label: str, ranked: list[tuple[EventRecord, float]]) -> str:
    """One sentence saying what happened at the place across all its events, composed from
    them (categories, counts, dates, claim status): "Two missile launches (May 25 and May 26)
    and a border or maritime incident (May 21), all confirmed by an independent authority."
    The place is the hotspot's label. Never a quoted or cut sentence."""
    by_category: dict[str, list[tuple[EventRecord, float]]] = {}
    for event, weight in ranked:
        by_category.setdefault(event.category, []).append((event, weight))
    ordered = sorted(by_category.items(), key=lambda kv: (-sum(w for _, w in kv[1]), kv[0]))
    phrases = []
    for category, pairs in ordered:
        noun = m.CATEGORY_NOUNS.get(category, (category.replace("_", " ") + " event",) * 2)
        events = [e for e, _ in pairs]
        phrases.append(f"{_counted(len(events), noun)} ({_dates(events)})")
    sentence = _joined(phrases)
    claims = {event.claim_status for event, _ in ranked}
    if claims == {"confirmed"}:
        many = len(ranked) > 1
        sentence += ", all confirmed" if many else ", confirmed"
        sentence += " by an independent authority"
    elif claims == {"claimed"}:
        sentence += ", claimed by state media only"
    return sentence[0].upper() + sentence[1:] + "."


def _event_seen(event: EventRecord) -> tuple[dt.datetime, dt.datetime]:
    first = event.first_reported_at or start_of_day(event.event_date)
    last = event.last_reported_at or first
    return first, max(first, last)


Ranked = list[tuple[EventRecord, float]]  # heaviest first, ties by newest id


def _ranked(weighted: list[tuple[EventRecord, float]]) -> Ranked:
    return sorted(weighted, key=lambda pair: (-pair[1], -pair[0].id))


def build_hotspot(key: str, ranked: Ranked) -> Hotspot:
    events = [event for event, _ in ranked]
    total = sum(weight for _, weight in ranked)
    seen = [_event_seen(event) for event in events]
    label = _most_common([e.location_name for e in events], default=key)
    return Hotspot(
        id=key,
        label=label,
        detail=hotspot_detail(label, ranked),
        lat=round(sum(e.lat for e in events if e.lat is not None) / len(events), 5),
        lon=round(sum(e.lon for e in events if e.lon is not None) / len(events), 5),
        precision=_most_common([e.location_precision for e in events], default="site"),
        intensity=m.intensity_for(total),
        event_count=len(events),
        categories=sorted({e.category for e in events}),
        first_seen=min(first for first, _ in seen),
        last_seen=max(last for _, last in seen),
        event_ids=[e.id for e in events],
        weight=round(total, 3),
    )


@cache
def map_anchors() -> dict[str, tuple[float, float]]:
    """Where the map draws a whole sea's activity (data/map_anchors.toml), by gazetteer id."""
    text = resources.files("app.assessment").joinpath("data", "map_anchors.toml").read_text("utf-8")
    return {key: (float(v["lat"]), float(v["lon"])) for key, v in tomllib.loads(text).items()}


def _anchored(event: EventRecord) -> EventRecord:
    anchor = map_anchors().get(event.location_id or "")
    if anchor is None:
        return event
    return event._replace(lat=anchor[0], lon=anchor[1])


def placements(event: EventRecord) -> list[tuple[str | None, EventRecord]]:
    """Where an event is drawn: its place, and a launch's impact area (a sea) too. The level
    counts the event once; the map shows both where it was fired from and where it came down.
    A sea is drawn at its map anchor, off the coast where the activity is."""
    event = _anchored(event)
    found = [(place_key(event), event)]
    impact = event.impact
    if isinstance(impact, dict) and impact.get("lat") is not None and impact.get("lon") is not None:
        key = str(impact.get("id") or "") or None
        at_sea = event._replace(
            location_id=key,
            location_name=str(impact.get("name") or key or ""),
            location_precision="sea",
            lat=float(impact["lat"]),
            lon=float(impact["lon"]),
        )
        impact_key = place_key(at_sea)
        if impact_key != found[0][0]:
            found.append((impact_key, _anchored(at_sea)))
    return found


def map_hotspots(
    weighted: Sequence[tuple[EventRecord, float]],
    area: Area,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> HotspotResult:
    """Hotspots of a window's events, `weighted` by their weight without recency."""
    groups: dict[str, list[tuple[EventRecord, float]]] = {}
    reasons: dict[int, str] = {}  # why an event is not drawn (the first placement's reason)
    for event, weight in weighted:
        for key, placed in placements(event):
            if key is None or placed.lat is None or placed.lon is None:
                reasons.setdefault(event.id, NO_POINT)
            elif not area.contains(placed.lon, placed.lat):
                reasons.setdefault(event.id, OUTSIDE_AREA)
            else:
                groups.setdefault(key, []).append((placed, weight))
    hotspots = []
    drawn: set[int] = set()
    for key, pairs in groups.items():
        if not any(m.makes_hotspot(e.category, e.location_precision) for e, _ in pairs):
            for e, _ in pairs:
                reasons.setdefault(e.id, NOT_ON_ITS_OWN)
            continue
        hotspots.append(build_hotspot(key, _ranked(pairs)))
        drawn.update(e.id for e, _ in pairs)
    omitted = [Omitted(i, reason) for i, reason in sorted(reasons.items()) if i not in drawn]
    for event, _ in weighted:  # placed inside the area, at a place no event made a hotspot
        if event.id not in drawn and event.id not in reasons:
            omitted.append(Omitted(event.id, NOT_ON_ITS_OWN))
    omitted.sort(key=lambda o: o.event_id)
    hotspots.sort(key=lambda h: (-h.intensity, -h.weight, h.id))
    return HotspotResult(hotspots=hotspots, omitted_events=len(omitted), omitted=omitted)


def compute_hotspots(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    categories: Sequence[str] | None = None,
    as_of: dt.datetime | None = None,
    area: Area | None = None,
) -> HotspotResult:
    """The hotspots of the days overlapping [start, end), as known at `as_of` (default: `end`,
    as /threat-level answers for the window ending then): `assess_situation(...).hotspots`."""
    from app.assessment.situation import assess_situation

    first_day, last_day = day_bounds(start, end)
    situation = assess_situation(
        session,
        first_day,
        last_day,
        as_of=as_of or end,
        area=area,
        categories=categories,
    )
    return situation.hotspots
