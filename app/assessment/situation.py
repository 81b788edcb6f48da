"""The situation over a period: ONE definition, used by every surface.

`assess_situation(session, first_day, last_day, as_of=...)` answers "what was the situation over
the days first_day..last_day, as known at the instant as_of": the threat level (level, score,
trend, drivers, event count) and the hotspots. /threat-level (the window ending on `at`, known
at `at`), /threat-level/history (one such window per day), /hotspots, the OGC hotspots layer and
the report (its period, with an explicit as_of) all call it, so for the same window and as_of
they cannot disagree. The rules (which events belong to a window, what is known when, how they
weigh) are in methodology.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.area import Area
from app.assessment.hotspots import HotspotResult, map_hotspots
from app.assessment.scoring import (
    EventRecord,
    Revisions,
    TextGone,
    Weigher,
    as_known,
    event_days,
    late_report_day,
    load_events,
    load_revisions,
    with_texts,
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
    load: float  # the window's summed weight, scaled to a week
    baseline: float
    event_count: int
    drivers: list[Driver] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    methodology_version: str = m.METHODOLOGY_VERSION


class ClientGoneError(Exception):
    """The client that asked has gone: the work is abandoned."""


@dataclass(frozen=True)
class KnownSpan:
    """The instants [since, until) at which exactly the same events (and the same mentions of
    them) are known (None: no bound). Within one window of days the answer at any instant of
    the span is the answer at another with `as_of` replaced: a live answer is reused across
    minutes on this ground."""

    since: dt.datetime | None
    until: dt.datetime | None

    def holds(self, instant: dt.datetime) -> bool:
        return (self.since is None or self.since <= instant) and (
            self.until is None or instant < self.until
        )


@dataclass(frozen=True)
class Situation:
    threat: ThreatLevel
    hotspots: HotspotResult
    # The window's events as known at as_of, heaviest first (weight with recency), ties by
    # newest id: the report's developments and summary count read exactly these.
    ranked: list[tuple[EventRecord, float]]
    known: KnownSpan
    events: SpanEvents = field(repr=False, compare=False)  # what the windows were read from


class SpanEvents:
    """The events loaded for a span of days, indexed for "which belong to this window".

    Day-precision events are indexed by day; the few imprecise ones (a span of days) are
    checked one by one."""

    def __init__(self, events: Sequence[EventRecord], revisions: Revisions | None = None) -> None:
        self.events = list(events)
        self.revisions = revisions or {}
        self._by_day: dict[dt.date, list[EventRecord]] = defaultdict(list)
        self._spanning: list[tuple[dt.date, dt.date, EventRecord]] = []
        self._late: list[tuple[dt.date, dt.date, EventRecord]] = []  # (reported, end, event)
        for event in self.events:
            start, end = event_days(event)
            if start == end:
                self._by_day[start].append(event)
            else:
                self._spanning.append((start, end, event))
            reported = late_report_day(event)
            if reported is not None:
                self._late.append((reported, end, event))

    def members(
        self, first_day: dt.date, last_day: dt.date, as_of: dt.datetime
    ) -> list[EventRecord]:
        """The events belonging to first_day..last_day, as known at `as_of`."""
        found: list[EventRecord] = []
        for event in self.candidates(first_day, last_day):
            known = as_known(event, as_of, self.revisions)
            if known is not None:
                found.append(known)
        return found

    def candidates(self, first_day: dt.date, last_day: dt.date) -> list[EventRecord]:
        """The events that belong to first_day..last_day once known (`members` at any instant
        is these, as known then, in this order)."""
        found: list[EventRecord] = []
        day = first_day
        while day <= last_day:
            found.extend(self._by_day.get(day, ()))
            day += dt.timedelta(days=1)
        found.extend(
            event for start, end, event in self._spanning if start <= last_day and end >= first_day
        )
        earliest = first_day - dt.timedelta(days=m.LATE_REPORT_DAYS)
        # Reported in the window, having happened shortly before it (not already in it).
        found.extend(
            event
            for reported, end, event in self._late
            if first_day <= reported <= last_day and earliest <= end < first_day
        )
        return found

    def change_instants(self, event: EventRecord) -> list[dt.datetime]:
        """The instants at which `as_known(event, ...)` changes: its first report, its last
        report and the publication of each of its revisions (each compared with `<=`)."""
        instants = [t for t in (event.first_reported_at, event.last_reported_at) if t is not None]
        instants += [s.published_at for s in self.revisions.get(event.id, ())]
        return instants

    def known_span(self, at: dt.datetime) -> KnownSpan:
        """From the last report (first report or later mention) at or before `at` to the
        first one after it."""
        since: dt.datetime | None = None
        until: dt.datetime | None = None
        for event in self.events:
            instants = [event.first_reported_at] if event.first_reported_at else []
            instants += [s.published_at for s in self.revisions.get(event.id, ())]
            if event.last_reported_at is not None and event.id not in self.revisions:
                instants.append(event.last_reported_at)
            for reported in instants:
                if reported <= at:
                    if since is None or reported > since:
                        since = reported
                elif until is None or reported < until:
                    until = reported
        return KnownSpan(since, until)


# --- the threat level ---------------------------------------------------------------------------


def span_needed(first_day: dt.date, last_day: dt.date) -> tuple[dt.date, dt.date]:
    """The days a window, its previous window and their baselines read (load_events extends
    them back by the longest imprecise date)."""
    length = (last_day - first_day).days + 1
    return first_day - dt.timedelta(days=length * (m.BASELINE_WINDOWS + 1)), last_day


def window_ending(at: dt.datetime, days: int = m.WINDOW_DAYS) -> tuple[dt.date, dt.date]:
    last_day = at.astimezone(dt.UTC).date()
    return last_day - dt.timedelta(days=days - 1), last_day


@dataclass(frozen=True)
class _Window:
    load: float  # scaled to a week
    baseline: float
    score: float
    weighted: list[tuple[EventRecord, float]]


Weighed = tuple[list[tuple[EventRecord, float]], float]  # members and weights, their sum


def _weighed(
    events: SpanEvents, first_day: dt.date, last_day: dt.date, as_of: dt.datetime, weigh: Weigher
) -> Weighed:
    if isinstance(events, RememberedWindows):
        return events.weighed(first_day, last_day, as_of, weigh)
    weighted = [(e, weigh(e, last_day)) for e in events.members(first_day, last_day, as_of)]
    return weighted, sum(weight for _, weight in weighted)


class RememberedWindows(SpanEvents):
    """SpanEvents that remember each window's weighed members per state of knowledge: the
    daily history weighs the same 7-day windows again and again (each day's window, its
    previous one and their baselines: ten per point, each window in up to ten points), at
    instants that differ but mostly know the same reports. A window's members at `as_of`
    depend only on how many of its candidates' change instants (`change_instants`) are at or
    before `as_of`, counted per day of the window: that is the key, and the value is the same
    list and the same sum, in the same order, as computed afresh."""

    def __init__(self, events: Sequence[EventRecord], revisions: Revisions | None = None) -> None:
        super().__init__(events, revisions)
        self._day_instants: dict[dt.date, list[dt.datetime]] = {}
        self._windows: dict[
            tuple[dt.date, dt.date], tuple[list[EventRecord], list[dt.datetime], dict[Any, Weighed]]
        ] = {}

    def weighed(
        self, first_day: dt.date, last_day: dt.date, as_of: dt.datetime, weigh: Weigher
    ) -> Weighed:
        window = self._windows.get((first_day, last_day))
        if window is None:
            candidates = self.candidates(first_day, last_day)
            on_days = {
                id(e) for day in _days(first_day, last_day) for e in self._by_day.get(day, ())
            }
            # Events of several days or reported late: few, their instants kept per window.
            others = sorted(
                t for e in candidates if id(e) not in on_days for t in self.change_instants(e)
            )
            window = self._windows[(first_day, last_day)] = (candidates, others, {})
        candidates, others, by_state = window
        state = (
            tuple(
                bisect_right(self._instants_of(day), as_of) for day in _days(first_day, last_day)
            ),
            bisect_right(others, as_of),
        )
        found = by_state.get(state)
        if found is None:
            known = (as_known(e, as_of, self.revisions) for e in candidates)
            weighted = [(e, weigh(e, last_day)) for e in known if e is not None]
            found = by_state[state] = (weighted, sum(weight for _, weight in weighted))
        return found

    def _instants_of(self, day: dt.date) -> list[dt.datetime]:
        instants = self._day_instants.get(day)
        if instants is None:
            events = self._by_day.get(day, ())
            instants = sorted(t for e in events for t in self.change_instants(e))
            self._day_instants[day] = instants
        return instants


def _days(first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    return [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def _week_scale(first_day: dt.date, last_day: dt.date) -> float:
    return m.WINDOW_DAYS / ((last_day - first_day).days + 1)


def _window(
    events: SpanEvents, first_day: dt.date, last_day: dt.date, as_of: dt.datetime, weigh: Weigher
) -> _Window:
    length = (last_day - first_day).days + 1
    scale = _week_scale(first_day, last_day)
    weighted, total = _weighed(events, first_day, last_day, as_of, weigh)
    load = scale * total
    baseline_loads = []
    for k in range(1, m.BASELINE_WINDOWS + 1):
        b_last = last_day - dt.timedelta(days=length * k)
        b_first = b_last - dt.timedelta(days=length - 1)
        baseline_loads.append(scale * _weighed(events, b_first, b_last, as_of, weigh)[1])
    baseline = sum(baseline_loads) / len(baseline_loads)
    score = max(0.0, min(100.0, m.absolute_score(load) + m.escalation_points(load, baseline)))
    return _Window(load=load, baseline=baseline, score=round(score, 1), weighted=weighted)


def rank(weighted: list[tuple[EventRecord, float]]) -> list[tuple[EventRecord, float]]:
    return sorted(weighted, key=lambda pair: (-pair[1], -pair[0].id))


def assess_threat(
    events: SpanEvents,
    first_day: dt.date,
    last_day: dt.date,
    *,
    as_of: dt.datetime,
    weigh: Weigher | None = None,
) -> tuple[ThreatLevel, list[tuple[EventRecord, float]]]:
    """The threat level of the window from preloaded events (covering `span_needed`), and the
    window's events ranked. Drivers carry the records as loaded (with or without text)."""
    weigh = weigh or Weigher()
    length = (last_day - first_day).days + 1
    current = _window(events, first_day, last_day, as_of, weigh)
    shift = dt.timedelta(days=length)
    previous = _window(events, first_day - shift, last_day - shift, as_of, weigh)
    ranked = rank(current.weighted)
    raw_load = sum(w for _, w in ranked)
    drivers = [
        Driver(event=event, weight=weight, share=weight / raw_load if raw_load else 0.0)
        for event, weight in ranked[: m.DRIVER_COUNT]
    ]
    threat = ThreatLevel(
        level=m.level_for(current.score),
        score=current.score,
        trend=m.trend_for(current.score, previous.score),
        previous_score=previous.score,
        first_day=first_day,
        last_day=last_day,
        as_of=as_of,
        load=round(current.load, 3),
        baseline=round(current.baseline, 3),
        event_count=len(ranked),
        drivers=drivers,
        event_ids=[event.id for event, _ in ranked],
    )
    return threat, ranked


def load_span(
    session: Session, span_first: dt.date, span_last: dt.date, *, earliest_as_of: dt.datetime
) -> SpanEvents:
    """The events (without text) that may belong to windows within span_first..span_last
    (see `span_needed`), with the mentions of those reported again after `earliest_as_of`."""
    events = load_events(session, span_first, span_last, texts=False)
    return SpanEvents(events, load_revisions(session, events, earliest_as_of))


def _named_drivers(session: Session, threat: ThreatLevel, *, strict: bool) -> ThreatLevel:
    records = with_texts(session, [d.event for d in threat.drivers], strict=strict)
    drivers = [
        Driver(event=record, weight=d.weight, share=d.share)
        for record, d in zip(records, threat.drivers, strict=True)
    ]
    return dataclasses.replace(threat, drivers=drivers)


# --- the one entry point ------------------------------------------------------------------------


def assess_situation(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    *,
    as_of: dt.datetime,
    area: Area | None = None,
    categories: Sequence[str] | None = None,
    texts: bool = False,
    hotspots: bool = True,
) -> Situation:
    """The situation over first_day..last_day (inclusive, UTC days) as known at `as_of`.

    `area`: where hotspots are drawn (default: the configured area of interest). `categories`:
    hotspots from these categories' events only (the level always weighs every event).
    `texts`: every ranked event with its title and summary (the report); otherwise only the
    drivers'. Hotspots need none. `hotspots=False`: none drawn (an empty `HotspotResult`),
    for answers that read only the level: grouping the window by place is about a third of
    the computation."""
    area = area if area is not None else Area.from_settings()
    # Read without text, then the texts of the few events named; an event deleted in between
    # (another connection) sends the computation back to one more read of the span.
    for strict in (True, False):
        events = load_span(session, *span_needed(first_day, last_day), earliest_as_of=as_of)
        threat, ranked = assess_threat(events, first_day, last_day, as_of=as_of)
        try:
            threat = _named_drivers(session, threat, strict=strict)
            if texts:
                records = with_texts(session, [e for e, _ in ranked], strict=strict)
                ranked = [(record, w) for record, (_, w) in zip(records, ranked, strict=True)]
        except TextGone:
            continue
        break
    drawn = HotspotResult(hotspots=[], omitted_events=0)
    if hotspots:
        chosen = set(categories or ())
        weigh = Weigher()
        on_map = [(e, weigh.base(e)) for e, _ in ranked if not chosen or e.category in chosen]
        drawn = map_hotspots(on_map, area, first_day, last_day)
    return Situation(
        threat=threat,
        hotspots=drawn,
        ranked=ranked,
        known=events.known_span(as_of),
        events=events,
    )


def threat_history(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    *,
    stop: Callable[[], bool] | None = None,
) -> list[ThreatLevel]:
    """One level per day: the WINDOW_DAYS days ending that day, as known at the end of it
    (the same as `assess_situation(...).threat` for that window and instant, without drivers'
    texts). `stop` is asked between days; when it says so, the work ends with ClientGoneError
    (the client that asked has gone)."""
    window_first, _ = window_ending(dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC))
    earliest = dt.datetime.combine(first_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    span_first, _ = span_needed(window_first, first_day)
    loaded = load_span(session, span_first, last_day, earliest_as_of=earliest)
    events = RememberedWindows(loaded.events, loaded.revisions)
    weigh = Weigher()
    points = []
    day = first_day
    while day <= last_day:
        if stop is not None and stop():
            raise ClientGoneError
        end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        w_first, w_last = window_ending(end_of_day - dt.timedelta(microseconds=1))
        threat, _ = assess_threat(events, w_first, w_last, as_of=end_of_day, weigh=weigh)
        points.append(threat)
        day += dt.timedelta(days=1)
    return points
