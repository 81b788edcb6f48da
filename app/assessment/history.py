"""The daily threat history, incremental: each day's level is computed once and reused.

A day's level (the window ending that day, as known at its end) depends only on the events
dated within the span that window reads (`span_needed`, extended back by `load_span_bounds`).
A per-day summary of the events table (count, sum of ids, latest `updated_at`, in one grouped
query) fingerprints that span; a day whose fingerprint is unchanged is answered from memory,
and only the days whose span gained, lost or changed an event are computed again (in runs of
consecutive days, one span load per run). On a live service that is today and the few days a
late report reaches back to, instead of a year of days at every request.

`stop` (a callable) is asked between days: a request whose client has gone stops computing.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.scoring import load_span_bounds
from app.assessment.situation import (
    ClientGoneError,
    ThreatLevel,
    span_needed,
    threat_history,
    window_ending,
)
from app.core.models import Event

__all__ = ["ClientGoneError", "DailyThreatMemo", "fingerprints", "threat_history_incremental"]

MEMO_DAYS = 20_000  # daily points kept per process (a few hundred bytes each)
ONE_DAY = dt.timedelta(days=1)
EVENTS: sa.Table = Event.__table__  # type: ignore[attr-defined]


@dataclass
class MemoStats:
    hits: int = 0
    computed: int = 0


class DailyThreatMemo:
    """Daily points by (day, fingerprint of the events its window reads), least recent out."""

    def __init__(self, capacity: int = MEMO_DAYS) -> None:
        self.capacity = capacity
        self._points: OrderedDict[tuple[dt.date, Any], ThreatLevel] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = MemoStats()

    def history(
        self,
        session: Session,
        first_day: dt.date,
        last_day: dt.date,
        *,
        stop: Callable[[], bool] | None = None,
    ) -> list[ThreatLevel]:
        """`threat_history(session, first_day, last_day)`, from memory where it still holds."""
        prints = fingerprints(session, first_day, last_day)
        points: dict[dt.date, ThreatLevel] = {}
        with self._lock:
            for day, fingerprint in prints.items():
                point = self._points.get((day, fingerprint))
                if point is not None:
                    self._points.move_to_end((day, fingerprint))
                    points[day] = point
        self.stats.hits += len(points)
        for run_first, run_last in _runs([day for day in prints if day not in points]):
            if stop is not None and stop():
                raise ClientGoneError
            computed = threat_history(session, run_first, run_last, stop=stop)
            self.stats.computed += len(computed)
            with self._lock:
                for point in computed:
                    # Drivers and ids are not part of a history point: not kept in memory.
                    slim = replace(point, drivers=[], event_ids=[])
                    points[point.last_day] = slim
                    self._points[(point.last_day, prints[point.last_day])] = slim
                while len(self._points) > self.capacity:
                    self._points.popitem(last=False)
        return [points[day] for day in sorted(points)]


def fingerprints(session: Session, first_day: dt.date, last_day: dt.date) -> dict[dt.date, Any]:
    """For each day, a value that changes whenever an event its point reads changes."""
    reads = {day: _read_span(day) for day in _days(first_day, last_day)}
    lowest = min(span[0] for span in reads.values())
    e = EVENTS.c
    rows = session.execute(
        sa.select(e.event_date, sa.func.count(), sa.func.sum(e.id), sa.func.max(e.updated_at))
        .where(e.event_date >= lowest, e.event_date <= last_day)
        .group_by(e.event_date)
    ).all()
    per_day = {row[0]: (row[1], row[2], row[3]) for row in rows}
    dated = sorted(per_day)
    out: dict[dt.date, Any] = {}
    for day, (span_first, span_last) in reads.items():
        inside = tuple(per_day[d] for d in dated if span_first <= d <= span_last)
        out[day] = (m.METHODOLOGY_VERSION, hash(inside), len(inside))
    return out


def _read_span(day: dt.date) -> tuple[dt.date, dt.date]:
    """The event dates the point of `day` reads (as `threat_history` loads them)."""
    end_of_day = dt.datetime.combine(day + ONE_DAY, dt.time(), tzinfo=dt.UTC)
    window = window_ending(end_of_day - dt.timedelta(microseconds=1))
    return load_span_bounds(*span_needed(*window))


def _days(first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    return [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days grouped: [(first, last), ...]."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + ONE_DAY == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


_shared = DailyThreatMemo()


def threat_history_incremental(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    *,
    stop: Callable[[], bool] | None = None,
) -> list[ThreatLevel]:
    """The process's memo of daily points (see the module)."""
    return _shared.history(session, first_day, last_day, stop=stop)
