"""Hotspot grouping, labels, details and intensity against stored events."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from app.assessment.hotspots import compute_hotspots
from tests.api.factories import DMZ, JONGJU, make_event

START = dt.datetime(2026, 5, 21, tzinfo=dt.UTC)
END = dt.datetime(2026, 5, 29, tzinfo=dt.UTC)


def test_grouping_by_place_and_coordinates(session: Session) -> None:
    launch = make_event(
        session,
        category="missile_test",
        severity=4,
        claim_status="confirmed",
        title="North Korea fires ballistic missiles.",
        **JONGJU,
    )
    cruise = make_event(
        session,
        category="missile_test",
        severity=3,
        claim_status="claimed",
        title="KCNA claims AI-guided cruise missile test",
        event_date=dt.date(2026, 5, 27),
        **JONGJU,
    )
    talks = make_event(
        session,
        category="border_maritime",
        severity=2,
        title="Seoul and Washington discuss DMZ management",
        event_date=dt.date(2026, 5, 21),
        **DMZ,
    )
    # No gazetteer id: grouped by rounded coordinates, two nearby points together.
    a = make_event(
        session, category="artillery", lat=37.67, lon=125.69, location_name="off Yeonpyeong"
    )
    b = make_event(
        session, category="artillery", lat=37.71, lon=125.71, location_name="off Yeonpyeong"
    )
    make_event(session, category="cyber", severity=3)  # no point
    make_event(session, event_date=dt.date(2026, 5, 29), **JONGJU)  # outside the span
    session.commit()

    result = compute_hotspots(session, start=START, end=END)
    assert result.omitted_events == 1
    by_id = {h.id: h for h in result.hotspots}
    assert set(by_id) == {"jongju", "dmz", "pt:37.7,125.7"}
    jongju = by_id["jongju"]
    assert jongju.label == "Jongju"
    assert (jongju.lat, jongju.lon, jongju.precision) == (39.6933, 125.2103, "city")
    assert jongju.event_ids == [launch.id, cruise.id]  # heaviest first
    assert jongju.event_count == 2 and jongju.categories == ["missile_test"]
    assert jongju.detail == (
        "North Korea fires ballistic missiles (2026-05-26); "
        "KCNA claims AI-guided cruise missile test (2026-05-27)."
    )
    assert jongju.first_seen == dt.datetime(2026, 5, 26, 6, tzinfo=dt.UTC)
    assert jongju.last_seen == dt.datetime(2026, 5, 27, 6, tzinfo=dt.UTC)
    assert jongju.intensity == 4
    assert by_id["dmz"].intensity == 1 and by_id["dmz"].event_ids == [talks.id]
    assert sorted(by_id["pt:37.7,125.7"].event_ids) == sorted([a.id, b.id])
    assert result.hotspots[0].id == "jongju"  # ordered by intensity

    again = compute_hotspots(session, start=START, end=END)
    assert again == result

    only_border = compute_hotspots(session, start=START, end=END, categories=["border_maritime"])
    assert [h.id for h in only_border.hotspots] == ["dmz"]
    assert only_border.omitted_events == 0


def test_detail_names_the_rest(session: Session) -> None:
    for i in range(5):
        make_event(session, title=f"Statement {i}", **DMZ)
    session.commit()
    [hotspot] = compute_hotspots(session, start=START, end=END).hotspots
    assert hotspot.detail.endswith("; and 2 more events.")
    assert hotspot.detail.count("Statement") == 3


def test_intensity_grows_with_weight(session: Session) -> None:
    make_event(
        session,
        severity=5,
        claim_status="confirmed",
        confidence=1.0,
        event_date=dt.date(2026, 5, 28),
        **JONGJU,
    )
    make_event(session, severity=1, claim_status="claimed", **DMZ)
    session.commit()
    by_id = {h.id: h for h in compute_hotspots(session, start=START, end=END).hotspots}
    assert by_id["jongju"].intensity == 5
    assert by_id["dmz"].intensity == 1
