"""Loading events for a span of days and weighing them (rules in methodology.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from app.assessment import methodology as m
from app.core.models import Event


class EventRecord(NamedTuple):
    """The columns assessment needs, without the ORM overhead (history loads many).

    A tuple: built straight from a result row (a frozen dataclass costs a setattr per field,
    most of the load time of a 40-day span), and untracked by the cyclic collector once it
    holds only plain values, so tens of thousands of them cost no collection time.
    """

    id: int
    title: str
    summary: str | None
    category: str
    event_date: dt.date
    severity: int
    claim_status: str
    confidence: float
    corroboration: int
    location_id: str | None
    location_name: str | None
    location_precision: str | None
    lat: float | None
    lon: float | None
    first_reported_at: dt.datetime | None
    last_reported_at: dt.datetime | None

    def known_at(self, instant: dt.datetime) -> bool:
        """Was the event reported by `instant`? Unknown report times count as known."""
        return self.first_reported_at is None or self.first_reported_at <= instant


class WeightRecord(NamedTuple):
    """The columns an event's weight and report time need: what a threat level reads of every
    event of its span (the rest, see EventRecord, only for its few drivers)."""

    id: int
    event_date: dt.date
    severity: int
    claim_status: str
    confidence: float
    corroboration: int
    first_reported_at: dt.datetime | None

    def known_at(self, instant: dt.datetime) -> bool:
        """Was the event reported by `instant`? Unknown report times count as known."""
        return self.first_reported_at is None or self.first_reported_at <= instant


LOAD_CHUNK_ROWS = 5_000

_COLUMNS = (
    Event.id,
    Event.title,
    Event.summary,
    Event.category,
    Event.event_date,
    Event.severity,
    Event.claim_status,
    Event.confidence,
    Event.corroboration,
    Event.location_id,
    Event.location_name,
    Event.location_precision,
    Event.lat,
    Event.lon,
    Event.first_reported_at,
    Event.last_reported_at,
)


_WEIGHT_COLUMNS = tuple(getattr(Event, name) for name in WeightRecord._fields)
_TEXTS = ("title", "summary")
_COLUMNS_WITHOUT_TEXT = tuple(sa.null().label(c.key) if c.key in _TEXTS else c for c in _COLUMNS)


def load_events(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    categories: Sequence[str] | None = None,
    *,
    texts: bool = True,
) -> list[EventRecord]:
    """Events dated first_day..last_day (inclusive), oldest first, ties by id. `texts=False`:
    title and summary left None (most of a row's bytes), for callers that read them for a
    few events only (see `load_texts`)."""
    columns = _COLUMNS if texts else _COLUMNS_WITHOUT_TEXT
    return _load(session, columns, EventRecord, first_day, last_day, categories)


def load_texts(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Title and summary of these events (those that still exist)."""
    rows = session.connection().execute(
        sa.select(Event.id, Event.title, Event.summary).where(Event.id.in_(list(ids)))
    )
    return {row.id: (row.title, row.summary) for row in rows}


def load_weights(session: Session, first_day: dt.date, last_day: dt.date) -> list[WeightRecord]:
    """`load_events` with only what weighing reads: a third of the columns, no text."""
    return _load(session, _WEIGHT_COLUMNS, WeightRecord, first_day, last_day, None)


def load_events_by_id(session: Session, ids: Sequence[int]) -> dict[int, EventRecord]:
    rows = session.connection().execute(sa.select(*_COLUMNS).where(Event.id.in_(list(ids))))
    return {record.id: record for record in (EventRecord(*row) for row in rows)}


R = TypeVar("R", EventRecord, WeightRecord)


def _load(
    session: Session,
    columns: tuple[Any, ...],
    record: type[R],
    first_day: dt.date,
    last_day: dt.date,
    categories: Sequence[str] | None,
) -> list[R]:
    query = (
        sa.select(*columns)
        .where(Event.event_date >= first_day, Event.event_date <= last_day)
        .order_by(Event.event_date, Event.id)
    )
    if categories:
        query = query.where(Event.category.in_(list(categories)))
    # Core rows, streamed in chunks: no ORM row processing, and the driver never holds the
    # whole span next to the records built from it (a busy span is tens of thousands of rows).
    # (Per statement: Connection.execution_options would change the session's connection.)
    result = session.connection().execute(query, execution_options={"yield_per": LOAD_CHUNK_ROWS})
    return [record(*row) for row in result]


def load_report_events(
    session: Session, first_day: dt.date, last_day: dt.date
) -> list[EventRecord]:
    """Events dated in the period, plus those first reported in it that happened shortly before."""
    dated = load_events(session, first_day, last_day)
    start = start_of_day(first_day)
    end = start_of_day(last_day + dt.timedelta(days=1))
    late = [
        event
        for event in load_events(
            session,
            first_day - dt.timedelta(days=m.REPORT_LATE_REPORT_DAYS),
            first_day - dt.timedelta(days=1),
        )
        if event.first_reported_at is not None and start <= event.first_reported_at < end
    ]
    return late + dated


Weighable = EventRecord | WeightRecord


def event_weight(event: Weighable, reference_day: dt.date) -> float:
    """An event's weight, its recency measured in whole days before `reference_day`."""
    age_days = (reference_day - event.event_date).days
    return _base_weight(event) * m.recency_factor(age_days)


def _base_weight(event: Weighable) -> float:
    # The product in the methodology's order, without recency: multiplying this by the
    # recency factor is the same float as the five-factor product (left to right).
    return (
        m.severity_points(event.severity)
        * m.claim_weight(event.claim_status)
        * m.corroboration_factor(event.corroboration)
        * m.confidence_factor(event.confidence)
    )


class Weigher:
    """`event_weight`, its factors computed once per distinct input: a span holds tens of
    thousands of events but few distinct (severity, claim status, corroboration, confidence)
    and ages. The same floats as `event_weight`."""

    def __init__(self) -> None:
        self._base: dict[tuple[Any, ...], float] = {}
        self._recency: dict[int, float] = {}

    def __call__(self, event: Weighable, reference_day: dt.date) -> float:
        key = (event.severity, event.claim_status, event.corroboration, event.confidence)
        base = self._base.get(key)
        if base is None:
            base = self._base[key] = _base_weight(event)
        age_days = (reference_day - event.event_date).days
        recency = self._recency.get(age_days)
        if recency is None:
            recency = self._recency[age_days] = m.recency_factor(age_days)
        return base * recency


def day_bounds(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """The calendar days (UTC) overlapping the half-open span [start, end)."""
    first = start.astimezone(dt.UTC).date()
    last = (end.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).date()
    return first, max(first, last)


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
