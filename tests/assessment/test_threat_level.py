"""Threat level rules (app/assessment/methodology.py) against stored events in PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.threat import compute_threat_for_period, compute_threat_level, threat_history
from tests.api.factories import JONGJU, make_event

AT = dt.datetime(2026, 5, 28, 23, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "Low"),
        (19.9, "Low"),
        (20, "Guarded"),
        (39.9, "Guarded"),
        (40, "Elevated"),
        (59.9, "Elevated"),
        (60, "High"),
        (79.9, "High"),
        (80, "Severe"),
        (100, "Severe"),
    ],
)
def test_level_boundaries(score: float, level: str) -> None:
    assert m.level_for(score) == level


def test_weights_order_claims_severity_and_corroboration() -> None:
    assert m.claim_weight("confirmed") > m.claim_weight("reported") > m.claim_weight("claimed")
    points = [m.severity_points(s) for s in range(1, 6)]
    assert points == sorted(points) and len(set(points)) == 5
    assert m.corroboration_factor(1) == 1.0 < m.corroboration_factor(2) < m.corroboration_factor(4)
    assert m.corroboration_factor(10_000) == m.CORROBORATION_CAP
    assert m.recency_factor(m.RECENCY_HALF_LIFE_DAYS) == pytest.approx(0.5)
    assert m.escalation_points(10, 0) == 0  # no baseline, no comparison
    assert m.escalation_points(20, 10) == m.ESCALATION_POINTS
    assert m.escalation_points(1000, 1) == m.ESCALATION_POINTS  # clipped


def test_empty_window_is_low(session: Session) -> None:
    threat = compute_threat_level(session, at=AT)
    assert (threat.level, threat.score, threat.trend, threat.drivers) == ("Low", 0.0, "steady", [])
    assert (threat.first_day, threat.last_day) == (dt.date(2026, 5, 22), dt.date(2026, 5, 28))


def test_a_nuclear_test_alone_reaches_high(session: Session) -> None:
    make_event(
        session,
        category="nuclear",
        severity=5,
        claim_status="confirmed",
        confidence=1.0,
        event_date=dt.date(2026, 5, 28),
    )
    session.commit()
    assert compute_threat_level(session, at=AT).level == "High"


def test_confirmed_outweighs_claimed(session: Session) -> None:
    confirmed = make_event(session, severity=4, claim_status="confirmed", **JONGJU)
    claimed = make_event(session, severity=4, claim_status="claimed", **JONGJU)
    session.commit()
    threat = compute_threat_level(session, at=AT)
    shares = {d.event.id: d.share for d in threat.drivers}
    assert shares[confirmed.id] > shares[claimed.id]
    assert sum(shares.values()) == pytest.approx(1.0)
    assert threat.drivers[0].event.id == confirmed.id


def test_busy_week_with_a_confirmed_launch_is_high(session: Session) -> None:
    """A week like the seed's: one confirmed launch, its claimed companion, a dozen lesser
    diplomatic, policy and border events."""
    make_event(
        session,
        category="missile_test",
        severity=4,
        claim_status="confirmed",
        corroboration=2,
        event_date=dt.date(2026, 5, 26),
        **JONGJU,
    )
    make_event(
        session,
        category="missile_test",
        severity=3,
        claim_status="claimed",
        event_date=dt.date(2026, 5, 26),
        **JONGJU,
    )
    for i in range(10):
        make_event(
            session,
            category=("diplomacy", "defense_policy", "border_maritime")[i % 3],
            severity=2,
            event_date=dt.date(2026, 5, 21) + dt.timedelta(days=i % 8),
        )
    make_event(session, category="arms_transfer", severity=3, event_date=dt.date(2026, 5, 21))
    session.commit()
    threat = compute_threat_for_period(
        session, dt.date(2026, 5, 21), dt.date(2026, 5, 28), known_by=AT
    )
    assert threat.level == "High", threat
    assert threat.drivers[0].event.category == "missile_test"


def test_few_minor_events_stay_low(session: Session) -> None:
    for _ in range(3):
        make_event(session, severity=1, event_date=dt.date(2026, 5, 27))
    session.commit()
    assert compute_threat_level(session, at=AT).level == "Low"


def test_reproducible_and_as_of(session: Session) -> None:
    make_event(session, severity=3, event_date=dt.date(2026, 5, 25))
    late = make_event(
        session,
        severity=5,
        claim_status="confirmed",
        event_date=dt.date(2026, 5, 25),
        first_reported_at=dt.datetime(2026, 5, 30, tzinfo=dt.UTC),
    )
    session.commit()
    first = compute_threat_level(session, at=AT)
    again = compute_threat_level(session, at=AT)
    assert first == again
    assert late.id not in first.event_ids  # reported after `at`: unknown then
    later = compute_threat_level(session, at=dt.datetime(2026, 5, 30, 12, tzinfo=dt.UTC))
    assert late.id in later.event_ids
    assert later.score > first.score


def test_trend_and_baseline(session: Session) -> None:
    # Calm baseline weeks, then a heavy week.
    for week in range(1, 5):
        make_event(session, severity=2, event_date=dt.date(2026, 5, 25) - dt.timedelta(weeks=week))
    for _ in range(4):
        make_event(session, severity=4, claim_status="confirmed", event_date=dt.date(2026, 5, 27))
    session.commit()
    threat = compute_threat_level(session, at=AT)
    assert threat.trend == "rising"
    assert threat.baseline > 0
    assert threat.score > m.absolute_score(threat.load)  # escalation added on top
    quiet = compute_threat_level(session, at=AT + dt.timedelta(days=7))
    assert quiet.trend == "falling"


def test_history_matches_point_queries(session: Session) -> None:
    for day in (20, 23, 26):
        make_event(session, severity=3, event_date=dt.date(2026, 5, day))
    session.commit()
    points = threat_history(session, dt.date(2026, 5, 19), dt.date(2026, 5, 28))
    assert [p.last_day for p in points] == [dt.date(2026, 5, d) for d in range(19, 29)]
    for point in points:
        end_of_day = dt.datetime.combine(
            point.last_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
        )
        single = compute_threat_level(session, at=end_of_day - dt.timedelta(microseconds=1))
        assert single.score == point.score


def test_the_level_without_hotspots_is_the_same_level(session: Session) -> None:
    """/threat-level asks for no hotspots (`hotspots=False`): the level, drivers and what is
    known when are those of the full situation; no place is grouped."""
    from app.assessment.situation import assess_situation

    make_event(session, category="missile_test", severity=4, claim_status="confirmed", **JONGJU)
    make_event(session, category="artillery", severity=3, event_date=dt.date(2026, 5, 26))
    session.commit()
    first, last = dt.date(2026, 5, 22), dt.date(2026, 5, 28)
    full = assess_situation(session, first, last, as_of=AT)
    level_only = assess_situation(session, first, last, as_of=AT, hotspots=False)
    assert full.hotspots.hotspots  # the launch at Jongju is drawn
    assert level_only.hotspots.hotspots == [] and level_only.hotspots.omitted_events == 0
    assert level_only.threat == full.threat
    assert level_only.known == full.known
    assert level_only.ranked == full.ranked
