"""What a period's report covers: events dated in it, and events first reported in it."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.report import build_report
from tests.api.factories import make_event

FIRST, LAST = dt.date(2026, 5, 21), dt.date(2026, 5, 28)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def _cited(report: dict) -> set[int]:
    return {
        event_id
        for section in report["key_developments"]
        for event_id in [item["id"] for item in section["items"]] + section["more_event_ids"]
    }


def test_report_covers_events_reported_in_the_period_that_happened_shortly_before(
    session: Session,
) -> None:
    in_period = make_event(session, category="missile_test", event_date=dt.date(2026, 5, 26))
    late_news = make_event(
        session,
        category="arms_transfer",
        event_date=FIRST - dt.timedelta(days=7),
        first_reported_at=_at(FIRST),
        last_reported_at=_at(FIRST),
    )
    old_news = make_event(
        session,
        category="sanctions",
        event_date=FIRST - dt.timedelta(days=7),
        first_reported_at=_at(FIRST - dt.timedelta(days=6)),
        last_reported_at=_at(FIRST - dt.timedelta(days=6)),
    )
    old_revelation = make_event(
        session,
        category="cyber",
        event_date=FIRST - dt.timedelta(days=m.REPORT_LATE_REPORT_DAYS + 5),
        first_reported_at=_at(FIRST + dt.timedelta(days=1)),
        last_reported_at=_at(FIRST + dt.timedelta(days=1)),
    )
    session.commit()

    report = build_report(session, FIRST, LAST, max_annex_articles=100)
    cited = _cited(report)
    assert cited, report["key_developments"]
    assert {in_period.id, late_news.id} <= cited
    assert old_news.id not in cited  # reported before the period: last period's news
    assert old_revelation.id not in cited  # too old: belongs to its own period
