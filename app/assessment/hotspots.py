"""Hotspots: events grouped by place, for /hotspots, OGC API and the weekly report.

Contract used by the API and OGC layers: `compute_hotspots(session, start=, end=, categories=)`
returns a `HotspotResult`. An event belongs to the span when its day overlaps [start, end).
Events are grouped by their gazetteer place (`location_id`), else by their coordinates rounded
to COORDINATE_KEY_DECIMALS; events with no point are only counted (`omitted_events`).
Intensity (1-5) comes from the group's summed event weight, recency measured from the span's
last day (methodology.py). Ordering: intensity, then weight, then id, so output is stable.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.scoring import (
    EventRecord,
    Weigher,
    day_bounds,
    load_events,
    load_texts,
    start_of_day,
)


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
class HotspotResult:
    hotspots: list[Hotspot]
    omitted_events: int  # events in the window with no point (e.g. cyber thefts)


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


def _clause(title: str, day: dt.date) -> str:
    return f"{title.strip().rstrip('.;:')} ({day.isoformat()})"


def hotspot_detail(ranked: list[tuple[EventRecord, float]]) -> str:
    """One sentence naming what happened there: the heaviest event's own evidence sentence.

    The summary is a sentence quoted from an article, so the detail invents nothing; events
    without one fall back to their titles. Other events at the place are counted, not described.
    """
    lead = ranked[0][0]
    rest = len(ranked) - 1
    if lead.summary:
        sentence = lead.summary.strip().rstrip(".;: ")
        if rest:
            sentence += f" (and {rest} more event{'s' if rest > 1 else ''} here)"
        return sentence + "."
    named = ranked[: m.HOTSPOT_DETAIL_TITLES]
    clauses = [_clause(event.title, event.event_date) for event, _ in named]
    if len(ranked) > len(named):
        more = len(ranked) - len(named)
        clauses.append(f"and {more} more event{'s' if more > 1 else ''}")
    return "; ".join(clauses) + "."


def _event_seen(event: EventRecord) -> tuple[dt.datetime, dt.datetime]:
    first = event.first_reported_at or start_of_day(event.event_date)
    last = event.last_reported_at or first
    return first, max(first, last)


Ranked = list[tuple[EventRecord, float]]  # heaviest first, ties by newest id
# Title and summary of the given event ids (events loaded without text get those a detail names).
TextsById = Callable[[Sequence[int]], Mapping[int, tuple[str, str | None]]]


class TextGone(LookupError):
    """An event was deleted between reading the span and reading its text."""


def _ranked(weighted: list[tuple[EventRecord, float]]) -> Ranked:
    return sorted(weighted, key=lambda pair: (-pair[1], -pair[0].id))


def build_hotspot(key: str, ranked: Ranked) -> Hotspot:
    events = [event for event, _ in ranked]
    total = sum(weight for _, weight in ranked)
    seen = [_event_seen(event) for event in events]
    return Hotspot(
        id=key,
        label=_most_common([e.location_name for e in events], default=key),
        detail=hotspot_detail(ranked),
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


def group_hotspots(
    events: list[EventRecord], reference_day: dt.date, texts: TextsById | None = None
) -> HotspotResult:
    """Hotspots of `events`; with `texts`, events loaded without title and summary get those
    of the events each detail names (raises TextGone when one has been deleted)."""
    groups: dict[str, list[tuple[EventRecord, float]]] = {}
    omitted = 0
    weigh = Weigher()
    for event in events:
        key = place_key(event)
        if key is None or event.lat is None or event.lon is None:
            omitted += 1
            continue
        groups.setdefault(key, []).append((event, weigh(event, reference_day)))
    ranked = {key: _ranked(weighted) for key, weighted in groups.items()}
    if texts is not None:
        ranked = _with_texts(ranked, texts)
    hotspots = [build_hotspot(key, pairs) for key, pairs in ranked.items()]
    hotspots.sort(key=lambda h: (-h.intensity, -h.weight, h.id))
    return HotspotResult(hotspots=hotspots, omitted_events=omitted)


def _with_texts(ranked: dict[str, Ranked], texts: TextsById) -> dict[str, Ranked]:
    named = m.HOTSPOT_DETAIL_TITLES  # the detail quotes the lead's summary or these titles
    found = texts([event.id for pairs in ranked.values() for event, _ in pairs[:named]])
    filled = {}
    for key, pairs in ranked.items():
        head = []
        for event, weight in pairs[:named]:
            if event.id not in found:
                raise TextGone(event.id)
            title, summary = found[event.id]
            head.append((event._replace(title=title, summary=summary), weight))
        filled[key] = head + pairs[named:]
    return filled


def compute_hotspots(
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    categories: Sequence[str] | None = None,
) -> HotspotResult:
    first_day, last_day = day_bounds(start, end)
    # Without title and summary (most of a row's bytes), then the text of the few events the
    # details name; an event deleted in between sends it back to one whole read.
    events = load_events(session, first_day, last_day, categories, texts=False)
    try:
        return group_hotspots(events, last_day, texts=lambda ids: load_texts(session, ids))
    except TextGone:
        return group_hotspots(load_events(session, first_day, last_day, categories), last_day)
