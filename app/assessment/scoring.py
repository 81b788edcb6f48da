"""Loading events for a span of days and weighing them (rules in methodology.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col

from app.assessment import methodology as m
from app.core.db import chunked
from app.core.models import Article, Event, EventMention


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
    date_precision: str
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
    # A launch's impact area, as extraction's merge keeps it in `figures["impact_area"]`:
    # {"id": gazetteer id, "name", "lat", "lon"} of the sea (None: none known).
    impact: dict[str, Any] | None = None

    def known_at(self, instant: dt.datetime) -> bool:
        """Was the event reported by `instant`? Unknown report times count as known."""
        return self.first_reported_at is None or self.first_reported_at <= instant


LOAD_CHUNK_ROWS = 5_000
IMPACT_KEY = "impact_area"

_COLUMNS = tuple(
    Event.figures[IMPACT_KEY].label("impact") if name == "impact" else getattr(Event, name)
    for name in EventRecord._fields
)
_TEXTS = ("title", "summary")
_COLUMNS_WITHOUT_TEXT = tuple(sa.null().label(c.key) if c.key in _TEXTS else c for c in _COLUMNS)


# --- belonging (methodology: "Belonging") -------------------------------------------------------


def report_day(instant: dt.datetime) -> dt.date:
    """The calendar day an instant falls on where events are dated (Korean time)."""
    return (instant.astimezone(dt.UTC) + dt.timedelta(hours=m.REPORT_DAY_OFFSET_HOURS)).date()


def event_days(event: EventRecord) -> tuple[dt.date, dt.date]:
    """The first and last day the event may have happened on (inclusive)."""
    start = event.event_date
    precision = event.date_precision
    if precision == "day":  # nearly every event: a day is its own span (asked per weighing)
        return start, start
    if precision == "month":
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        end = following - dt.timedelta(days=1)
    else:
        end = start + dt.timedelta(days=m.PRECISION_SPAN_DAYS.get(precision, 1) - 1)
    if end > start and event.first_reported_at is not None:
        end = max(start, min(end, report_day(event.first_reported_at)))
    return start, end


def late_report_day(event: EventRecord) -> dt.date | None:
    """The UTC day an event was first reported on, when that is after every day it may have
    happened on (a late report), else None."""
    if event.first_reported_at is None:
        return None
    day = event.first_reported_at.astimezone(dt.UTC).date()
    return day if day > event_days(event)[1] else None


def belongs(event: EventRecord, first_day: dt.date, last_day: dt.date) -> bool:
    """Does the event belong to the window first_day..last_day (inclusive)?"""
    start, end = event_days(event)
    if start <= last_day and end >= first_day:
        return True
    reported = late_report_day(event)
    return (
        reported is not None
        and first_day <= reported <= last_day
        and end >= first_day - dt.timedelta(days=m.LATE_REPORT_DAYS)
    )


def latest_day_in(event: EventRecord, last_day: dt.date) -> dt.date:
    """The latest day in a window ending on `last_day` the event may have happened on: what
    its recency is counted from."""
    return min(event_days(event)[1], last_day)


# --- loading ------------------------------------------------------------------------------------


def load_events(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    categories: Sequence[str] | None = None,
    *,
    texts: bool = True,
) -> list[EventRecord]:
    """Every event that may belong to a window within first_day..last_day (inclusive): dated
    from MAX_REACH_DAYS before it to its end (see `belongs`). Oldest first, ties by id.
    `texts=False`: title and summary left None (most of a row's bytes), for callers that read
    them for a few events only (see `load_texts`)."""
    columns = _COLUMNS if texts else _COLUMNS_WITHOUT_TEXT
    query = (
        sa.select(*columns)
        .where(col(Event.event_date) >= load_span_bounds(first_day, last_day)[0])
        .where(col(Event.event_date) <= last_day)
        .order_by(col(Event.event_date), col(Event.id))
    )
    if categories:
        query = query.where(col(Event.category).in_(list(categories)))
    # Core rows, streamed in chunks: no ORM row processing, and the driver never holds the
    # whole span next to the records built from it (a busy span is tens of thousands of rows).
    # (Per statement: Connection.execution_options would change the session's connection.)
    result = session.connection().execute(query, execution_options={"yield_per": LOAD_CHUNK_ROWS})
    return [EventRecord(*row) for row in result]


def load_span_bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.date, dt.date]:
    """The event_date range `load_events(first_day, last_day)` reads (for fingerprints)."""
    return first_day - dt.timedelta(days=m.MAX_REACH_DAYS), last_day


def load_texts(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Title and summary of these events (those that still exist)."""
    found: dict[int, tuple[str, str | None]] = {}
    for chunk in chunked(list(ids)):
        rows = session.connection().execute(
            sa.select(col(Event.id), col(Event.title), col(Event.summary)).where(
                col(Event.id).in_(chunk)
            )
        )
        found.update((row.id, (row.title, row.summary)) for row in rows)
    return found


class TextGone(LookupError):
    """An event was deleted between reading its span and reading its text."""


def with_texts(
    session: Session, events: Sequence[EventRecord], *, strict: bool = False
) -> list[EventRecord]:
    """`events` with their title and summary. An event deleted meanwhile raises TextGone when
    `strict`, else keeps an empty title."""
    found = load_texts(session, [e.id for e in events]) if events else {}
    out = []
    for event in events:
        if event.id not in found and strict:
            raise TextGone(event.id)
        title, summary = found.get(event.id, (event.title or "", event.summary))
        out.append(event._replace(title=title, summary=summary))
    return out


# --- knowing (methodology: "Knowing") -----------------------------------------------------------

_CLAIM_RANK = {"claimed": 0, "reported": 1, "confirmed": 2}


class Support(NamedTuple):
    published_at: dt.datetime
    source_id: int
    claim_status: str
    story: str | None = None  # the article's canonical URL (one story from two sources: one)


Revisions = dict[int, list[Support]]  # event id -> its mentions, earliest first


def load_revisions(
    session: Session, events: Sequence[EventRecord], earliest_as_of: dt.datetime
) -> Revisions:
    """The mentions of the events whose support grew after `earliest_as_of` (reported again
    later): what their corroboration and claim status were at an earlier instant."""
    ids = [
        e.id
        for e in events
        if e.last_reported_at is not None
        and e.first_reported_at is not None
        and e.last_reported_at > earliest_as_of
        and e.last_reported_at > e.first_reported_at
    ]
    revisions: Revisions = {}
    connection = session.connection()
    for start in range(0, len(ids), LOAD_CHUNK_ROWS):
        chunk = ids[start : start + LOAD_CHUNK_ROWS]
        rows = connection.execute(
            sa.select(col(EventMention.event_id), col(Article.published_at), col(Article.source_id))
            .add_columns(col(EventMention.claim_status), col(Article.canonical_url))
            .join(Article, col(Article.id) == col(EventMention.article_id))
            .where(_among(col(EventMention.event_id), chunk, connection.dialect.name))
            .order_by(col(EventMention.event_id), col(Article.published_at), col(Article.id))
        )
        for event_id, published_at, source_id, claim_status, story in rows:
            revisions.setdefault(event_id, []).append(
                Support(published_at, source_id, claim_status, story)
            )
    return revisions


def _among(column: Any, ids: Sequence[int], dialect: str) -> Any:
    """`column IN ids`; on PostgreSQL as `= ANY(array)`, one parameter: thousands of IN
    placeholders cost the driver more to parse than the query costs the server."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam("ids", list(ids), type_=ARRAY(sa.Integer)))
    return column.in_(ids)


def as_known(event: EventRecord, as_of: dt.datetime, revisions: Revisions) -> EventRecord | None:
    """The event as it was known at `as_of`: None before its first report; its corroboration
    and claim status those of its mentions published by then."""
    if not event.known_at(as_of):
        return None
    if event.last_reported_at is None or event.last_reported_at <= as_of:
        return event
    support = [s for s in revisions.get(event.id, ()) if s.published_at <= as_of]
    if not support:
        return event
    from app.extraction.merge import distinct_publishers  # not loaded by API processes

    return event._replace(
        corroboration=distinct_publishers((s.source_id, s.story) for s in support),
        claim_status=max((s.claim_status for s in support), key=_CLAIM_RANK.__getitem__),
    )


def event_weight(event: EventRecord, reference_day: dt.date) -> float:
    """An event's weight, its recency measured in whole days from the latest day it may have
    happened on (up to `reference_day`, a window's last day) to `reference_day`."""
    age_days = (reference_day - latest_day_in(event, reference_day)).days
    return base_weight(event) * m.recency_factor(age_days)


def base_weight(event: EventRecord) -> float:
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

    def base(self, event: EventRecord) -> float:
        key = (event.severity, event.claim_status, event.corroboration, event.confidence)
        base = self._base.get(key)
        if base is None:
            base = self._base[key] = base_weight(event)
        return base

    def __call__(self, event: EventRecord, reference_day: dt.date) -> float:
        base = self.base(event)
        age_days = (reference_day - latest_day_in(event, reference_day)).days
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
