"""The threat level: a reproducible 0-100 score over a window of days (rules in methodology.py).

Every answer here is `assess_situation(...).threat` (app/assessment/situation.py): the same
window and as-of instant give the same level on every surface.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from app.assessment.situation import (
    Driver,
    KnownSpan,
    ThreatLevel,
    assess_situation,
    span_needed,
    threat_history,
    window_ending,
)

__all__ = [
    "Driver",
    "KnownSpan",
    "ThreatLevel",
    "compute_threat_for_period",
    "compute_threat_level",
    "compute_threat_level_and_span",
    "span_needed",
    "threat_history",
    "window_ending",
]


def compute_threat_level(
    session: Session, *, at: dt.datetime, first_day: dt.date | None = None
) -> ThreatLevel:
    """The level as of `at`: the WINDOW_DAYS days ending on its day (or first_day..that day),
    events known by then."""
    return compute_threat_level_and_span(session, at=at, first_day=first_day)[0]


def compute_threat_level_and_span(
    session: Session,
    *,
    at: dt.datetime,
    first_day: dt.date | None = None,
    as_of: dt.datetime | None = None,
) -> tuple[ThreatLevel, KnownSpan]:
    """The level of the window ending on `at`'s day as known at `as_of` (default `at`), and the
    instants around as_of at which it holds (with `as_of` replaced)."""
    default_first, last_day = window_ending(at)
    situation = assess_situation(
        session, first_day or default_first, last_day, as_of=as_of or at, hotspots=False
    )
    return situation.threat, situation.known


def compute_threat_for_period(
    session: Session, first_day: dt.date, last_day: dt.date, *, known_by: dt.datetime
) -> ThreatLevel:
    return assess_situation(session, first_day, last_day, as_of=known_by, hotspots=False).threat
