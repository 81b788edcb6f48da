"""Indicators computed from the events, each with its numbers and a status (thresholds in
methodology.py): launches this year against the same period last year, days since the last
launch, and the window's border incidents, nuclear developments, arms transfers and cyber
operations against the windows before it.

Every count uses the situation's rules: an event belongs to a span of days as it belongs to a
window, and only what was known at the report's as_of counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.scoring import EventRecord, load_events, load_revisions
from app.assessment.situation import SpanEvents
from app.core.models import Article


def _day(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _same_day_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # February 29
        return day.replace(year=day.year - 1, day=28)


def coverage_start(session: Session) -> dt.date | None:
    """The day collection's record begins: the earliest article's publish day."""
    first = session.scalar(sa.select(sa.func.min(Article.published_at)))
    return None if first is None else first.date()


def _ids(events: Sequence[EventRecord]) -> list[int]:
    return sorted(e.id for e in events)


def launches_year_to_date(
    year_events: SpanEvents,
    last_day: dt.date,
    as_of: dt.datetime,
    coverage: dt.date | None,
) -> dict[str, Any]:
    this_first = last_day.replace(month=1, day=1)
    last_first = this_first.replace(year=this_first.year - 1)
    last_last = _same_day_last_year(last_day)

    def launches(first: dt.date, last: dt.date) -> list[EventRecord]:
        return [
            e for e in year_events.members(first, last, as_of) if e.category in m.LAUNCH_CATEGORIES
        ]

    now = launches(this_first, last_day)
    before = launches(last_first, last_last)
    period = f"January 1 to {_day(last_day)}"
    compared = coverage is not None and coverage <= last_first
    if not compared:
        status = "no comparison"
        since = f"collection began {_day(coverage)}" if coverage else "nothing collected"
        text = (
            f"{_plural(len(now), 'launch', 'launches')} recorded from {period}; the same period "
            f"of {last_first.year} is not covered ({since})."
        )
    else:
        if len(now) >= max(1, len(before) * m.YEAR_ON_YEAR_ABOVE) and len(now) > len(before):
            status = "above last year"
        elif len(now) <= len(before) * m.YEAR_ON_YEAR_BELOW and len(now) < len(before):
            status = "below last year"
        else:
            status = "as last year"
        text = (
            f"{_plural(len(now), 'launch', 'launches')} recorded from {period}, against "
            f"{len(before)} in the same period of {last_first.year}."
        )
    return {
        "id": "launches_year_to_date",
        "name": "Launches this year",
        "value": len(now),
        "comparison": {
            "label": f"same period of {last_first.year}",
            "value": len(before) if compared else None,
        },
        "status": status,
        "text": text,
        "event_ids": _ids(now),
    }


def days_since_last_launch(
    year_events: SpanEvents, last_day: dt.date, as_of: dt.datetime
) -> dict[str, Any]:
    first = last_day - dt.timedelta(days=370)
    launches = [
        e for e in year_events.members(first, last_day, as_of) if e.category in m.LAUNCH_CATEGORIES
    ]
    if not launches:
        return {
            "id": "days_since_last_launch",
            "name": "Days since the last launch",
            "value": None,
            "comparison": None,
            "status": "none on record",
            "text": f"No launch recorded in the year up to {_day(last_day)}.",
            "event_ids": [],
        }
    latest_day = max(min(e.event_date, last_day) for e in launches)
    latest = [e for e in launches if min(e.event_date, last_day) == latest_day]
    days = (last_day - latest_day).days
    if days <= m.LAUNCH_ACTIVE_DAYS:
        status = "active"
    elif days > m.LAUNCH_QUIET_DAYS:
        status = "quiet"
    else:
        status = "recent"
    return {
        "id": "days_since_last_launch",
        "name": "Days since the last launch",
        "value": days,
        "comparison": None,
        "status": status,
        "text": (
            f"{_plural(days, 'day')} from the last recorded launch ({_day(latest_day)}) to "
            f"{_day(last_day)}."
        ),
        "event_ids": _ids(latest),
    }


def _window_count(
    *,
    ident: str,
    name: str,
    noun: tuple[str, str],
    select: Callable[[EventRecord], bool],
    span: SpanEvents,
    first_day: dt.date,
    last_day: dt.date,
    as_of: dt.datetime,
) -> dict[str, Any]:
    length = (last_day - first_day).days + 1
    now = [e for e in span.members(first_day, last_day, as_of) if select(e)]
    before = []
    for k in range(1, m.BASELINE_WINDOWS + 1):
        b_last = last_day - dt.timedelta(days=length * k)
        b_first = b_last - dt.timedelta(days=length - 1)
        before.append(sum(1 for e in span.members(b_first, b_last, as_of) if select(e)))
    usual = sum(before) / len(before)
    if len(now) >= max(usual * m.WINDOW_COUNT_FACTOR, usual + 1):
        status = "above usual"
    elif usual > 0 and len(now) <= usual / m.WINDOW_COUNT_FACTOR and len(now) < usual:
        status = "below usual"
    else:
        status = "as usual"
    label = f"mean of the {m.BASELINE_WINDOWS} periods of {length} days before"
    return {
        "id": ident,
        "name": name,
        "value": len(now),
        "comparison": {"label": label, "value": round(usual, 2)},
        "status": status,
        "text": (
            f"{_plural(len(now), *noun)} in the period, against {usual:g} a period on average "
            f"over the {m.BASELINE_WINDOWS} periods before."
        ),
        "event_ids": _ids(now),
    }


def _border_incident(event: EventRecord) -> bool:
    return (
        event.category in m.BORDER_CATEGORIES
        and (event.location_precision or "") in m.BORDER_PRECISIONS
    )


def compute_indicators(
    session: Session,
    span: SpanEvents,
    first_day: dt.date,
    last_day: dt.date,
    as_of: dt.datetime,
) -> list[dict[str, Any]]:
    """The report's indicators. `span`: the situation's events (the window and its baselines)."""
    year_first = (last_day.replace(month=1, day=1)).replace(year=last_day.year - 1)
    year_events = load_events(
        session, year_first, last_day, categories=m.LAUNCH_CATEGORIES, texts=False
    )
    year_span = SpanEvents(year_events, load_revisions(session, year_events, as_of))
    window: dict[str, Any] = {
        "span": span,
        "first_day": first_day,
        "last_day": last_day,
        "as_of": as_of,
    }
    return [
        launches_year_to_date(year_span, last_day, as_of, coverage_start(session)),
        days_since_last_launch(year_span, last_day, as_of),
        _window_count(
            ident="border_incidents",
            name="Border and maritime incidents",
            noun=("incident at a border or at sea", "incidents at a border or at sea"),
            select=_border_incident,
            **window,
        ),
        _window_count(
            ident="nuclear_developments",
            name="Nuclear developments",
            noun=("nuclear development", "nuclear developments"),
            select=lambda e: e.category in m.NUCLEAR_CATEGORIES,
            **window,
        ),
        _window_count(
            ident="arms_transfers",
            name="Arms and technology transfers",
            noun=("arms or technology transfer", "arms or technology transfers"),
            select=lambda e: e.category in m.ALIGNMENT_CATEGORIES,
            **window,
        ),
        _window_count(
            ident="cyber_operations",
            name="Cyber operations",
            noun=("cyber operation", "cyber operations"),
            select=lambda e: e.category in m.CYBER_CATEGORIES,
            **window,
        ),
    ]
