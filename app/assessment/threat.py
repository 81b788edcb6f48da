"""The threat level: a reproducible 0-100 score over a window of days (rules in methodology.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.scoring import (
    EventRecord,
    Weighable,
    Weigher,
    load_events,
    load_events_by_id,
    load_weights,
)


@dataclass(frozen=True)
class Driver:
    event: EventRecord
    weight: float
    share: float  # of the window's load, 0-1


@dataclass(frozen=True)
class ThreatLevel:
    level: str
    score: float
    trend: str
    previous_score: float
    first_day: dt.date  # window, inclusive
    last_day: dt.date
    as_of: dt.datetime
    load: float
    baseline: float
    event_count: int
    drivers: list[Driver] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    methodology_version: str = m.METHODOLOGY_VERSION


@dataclass(frozen=True)
class _Window:
    load: float
    baseline: float
    score: float
    weighted: list[tuple[Weighable, float]]


@dataclass(frozen=True)
class KnownSpan:
    """The instants [since, until) at which exactly the same events are known (None: no bound).

    A level depends on its instant only through which events were known then and its `as_of`,
    so within one window of days the level at any instant of the span is the level at another
    with `as_of` replaced. A live answer is reused across minutes on this ground."""

    since: dt.datetime | None
    until: dt.datetime | None

    def holds(self, instant: dt.datetime) -> bool:
        return (self.since is None or self.since <= instant) and (
            self.until is None or instant < self.until
        )


EventsByDay = dict[dt.date, list[Weighable]]
# The full records of the given event ids (a window weighed from WeightRecords names its
# drivers with these).
RecordsById = Callable[[Sequence[int]], Mapping[int, EventRecord]]


def by_day(events: Sequence[Weighable]) -> EventsByDay:
    days: EventsByDay = defaultdict(list)
    for event in events:
        days[event.event_date].append(event)
    return dict(days)


def _weigh(
    events: EventsByDay,
    first_day: dt.date,
    last_day: dt.date,
    known_by: dt.datetime,
    weigh: Weigher,
) -> list[tuple[Weighable, float]]:
    weighted = []
    day = first_day
    while day <= last_day:
        for event in events.get(day, ()):
            if event.known_at(known_by):
                weighted.append((event, weigh(event, last_day)))
        day += dt.timedelta(days=1)
    return weighted


def _window(
    events: EventsByDay,
    first_day: dt.date,
    last_day: dt.date,
    known_by: dt.datetime,
    weigh: Weigher,
) -> _Window:
    length = (last_day - first_day).days + 1
    weighted = _weigh(events, first_day, last_day, known_by, weigh)
    load = sum(weight for _, weight in weighted)
    baseline_loads = []
    for k in range(1, m.BASELINE_WINDOWS + 1):
        b_last = last_day - dt.timedelta(days=length * k)
        b_first = b_last - dt.timedelta(days=length - 1)
        baseline_loads.append(sum(w for _, w in _weigh(events, b_first, b_last, known_by, weigh)))
    baseline = sum(baseline_loads) / len(baseline_loads)
    score = max(0.0, min(100.0, m.absolute_score(load) + m.escalation_points(load, baseline)))
    return _Window(load=load, baseline=baseline, score=round(score, 1), weighted=weighted)


def span_needed(first_day: dt.date, last_day: dt.date) -> tuple[dt.date, dt.date]:
    """The days of events a window, its previous window and their baselines read."""
    length = (last_day - first_day).days + 1
    return first_day - dt.timedelta(days=length * (m.BASELINE_WINDOWS + 1)), last_day


def assess_window(
    events: EventsByDay,
    first_day: dt.date,
    last_day: dt.date,
    *,
    known_by: dt.datetime,
    weigh: Weigher | None = None,
    records: RecordsById | None = None,
) -> ThreatLevel:
    """Score the window from preloaded events (they must cover `span_needed`): EventRecords,
    or WeightRecords with `records` to name the drivers. `weigh`: share one across windows."""
    weigh = weigh or Weigher()
    length = (last_day - first_day).days + 1
    current = _window(events, first_day, last_day, known_by, weigh)
    shift = dt.timedelta(days=length)
    previous = _window(events, first_day - shift, last_day - shift, known_by, weigh)
    ranked = sorted(current.weighted, key=lambda pair: (-pair[1], -pair[0].id))
    top = ranked[: m.DRIVER_COUNT]
    full = records([e.id for e, _ in top]) if records else {e.id: e for e, _ in top}
    drivers = [
        Driver(
            event=full[event.id],  # type: ignore[arg-type]  # EventRecords without `records`
            weight=weight,
            share=weight / current.load if current.load else 0.0,
        )
        for event, weight in top
    ]
    return ThreatLevel(
        level=m.level_for(current.score),
        score=current.score,
        trend=m.trend_for(current.score, previous.score),
        previous_score=previous.score,
        first_day=first_day,
        last_day=last_day,
        as_of=known_by,
        load=round(current.load, 3),
        baseline=round(current.baseline, 3),
        event_count=len(current.weighted),
        drivers=drivers,
        event_ids=[event.id for event, _ in ranked],
    )


def window_ending(at: dt.datetime, days: int = m.WINDOW_DAYS) -> tuple[dt.date, dt.date]:
    last_day = at.astimezone(dt.UTC).date()
    return last_day - dt.timedelta(days=days - 1), last_day


def compute_threat_level(session: Session, *, at: dt.datetime) -> ThreatLevel:
    """The level as of `at`: the WINDOW_DAYS days ending on its day, events known by then."""
    first_day, last_day = window_ending(at)
    return compute_threat_for_period(session, first_day, last_day, known_by=at)


def compute_threat_level_and_span(
    session: Session, *, at: dt.datetime
) -> tuple[ThreatLevel, KnownSpan]:
    """`compute_threat_level(session, at=at)` and the instants around `at` at which it holds
    (with `as_of` replaced): until the next first report among the events it reads."""
    first_day, last_day = window_ending(at)
    threat, events = _assess_period(session, first_day, last_day, known_by=at)
    return threat, known_span(events, at)


def known_span(events: EventsByDay, at: dt.datetime) -> KnownSpan:
    """From the last first report at or before `at` to the first one after it."""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    for day_events in events.values():
        for event in day_events:
            reported = event.first_reported_at
            if reported is None:
                continue  # known at every instant
            if reported <= at:
                if since is None or reported > since:
                    since = reported
            elif until is None or reported < until:
                until = reported
    return KnownSpan(since, until)


def compute_threat_for_period(
    session: Session, first_day: dt.date, last_day: dt.date, *, known_by: dt.datetime
) -> ThreatLevel:
    return _assess_period(session, first_day, last_day, known_by=known_by)[0]


class _DriverGone(LookupError):
    """A driver was deleted between reading the span and reading the drivers."""


def _assess_period(
    session: Session, first_day: dt.date, last_day: dt.date, *, known_by: dt.datetime
) -> tuple[ThreatLevel, EventsByDay]:
    """Weighed from the span's WeightRecords (a third of the columns, no text: a 42-day span
    at a million events is ~86,000 rows), the drivers then read whole by id."""
    span_first, span_last = span_needed(first_day, last_day)

    def records(ids: Sequence[int]) -> Mapping[int, EventRecord]:
        found = load_events_by_id(session, ids)
        if len(found) < len(set(ids)):
            raise _DriverGone
        return found

    events = by_day(load_weights(session, span_first, span_last))
    try:
        threat = assess_window(events, first_day, last_day, known_by=known_by, records=records)
    except _DriverGone:  # the span changed meanwhile: read it whole, once
        events = by_day(load_events(session, span_first, span_last))
        threat = assess_window(events, first_day, last_day, known_by=known_by)
    return threat, events


def threat_history(session: Session, first_day: dt.date, last_day: dt.date) -> list[ThreatLevel]:
    """One level per day: each as of the end of that day (events known by then)."""
    window_first, _ = window_ending(dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC))
    span_first, _ = span_needed(window_first, first_day)
    events = by_day(load_events(session, span_first, last_day))
    weigh = Weigher()
    points = []
    day = first_day
    while day <= last_day:
        end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        w_first, w_last = window_ending(end_of_day - dt.timedelta(microseconds=1))
        points.append(assess_window(events, w_first, w_last, known_by=end_of_day, weigh=weigh))
        day += dt.timedelta(days=1)
    return points
