"""Hotspot grouping, labels, details, intensity and the area of interest, on stored events."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.area import EVERYWHERE, Area
from app.assessment.hotspots import NO_POINT, NOT_ON_ITS_OWN, OUTSIDE_AREA, compute_hotspots
from app.core.config import DEFAULT_AREA_OF_INTEREST, parse_area
from tests.api.factories import DANDONG, DMZ, JONGJU, PYONGYANG, make_event

START = dt.datetime(2026, 5, 21, tzinfo=dt.UTC)
END = dt.datetime(2026, 5, 29, tzinfo=dt.UTC)
WASHINGTON = {
    "location_id": "washington",
    "location_name": "Washington",
    "location_precision": "city",
    "lat": 38.8951,
    "lon": -77.0364,
}
JINHAE = {
    "location_id": "jinhae",
    "location_name": "Jinhae",
    "location_precision": "city",
    "lat": 35.1333,
    "lon": 128.7,
}


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
    incident = make_event(
        session,
        category="border_maritime",
        severity=2,
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
    cyber = make_event(session, category="cyber", severity=3)  # no point
    make_event(session, category="missile_test", event_date=dt.date(2026, 5, 29), **JONGJU)
    session.commit()

    result = compute_hotspots(session, start=START, end=END)
    assert [(o.event_id, o.reason) for o in result.omitted] == [(cyber.id, NO_POINT)]
    assert result.omitted_events == 1
    by_id = {h.id: h for h in result.hotspots}
    assert set(by_id) == {"jongju", "dmz", "pt:37.7,125.7"}
    jongju = by_id["jongju"]
    assert jongju.label == "Jongju"
    assert (jongju.lat, jongju.lon, jongju.precision) == (39.6933, 125.2103, "city")
    assert jongju.event_ids == [launch.id, cruise.id]  # heaviest first
    assert jongju.event_count == 2 and jongju.categories == ["missile_test"]
    assert jongju.detail == "Two missile launches (May 26 and May 27)."
    assert jongju.first_seen == dt.datetime(2026, 5, 26, 6, tzinfo=dt.UTC)
    assert jongju.last_seen == dt.datetime(2026, 5, 27, 6, tzinfo=dt.UTC)
    assert jongju.intensity == 4
    assert by_id["dmz"].event_ids == [incident.id] and by_id["dmz"].intensity == 2
    assert sorted(by_id["pt:37.7,125.7"].event_ids) == sorted([a.id, b.id])
    assert result.hotspots[0].id == "jongju"  # ordered by intensity

    again = compute_hotspots(session, start=START, end=END)
    assert again == result

    only_border = compute_hotspots(session, start=START, end=END, categories=["border_maritime"])
    assert [h.id for h in only_border.hotspots] == ["dmz"]
    assert only_border.omitted_events == 0


def test_intensity_sums_every_event_at_the_place(session: Session) -> None:
    """Several launches from one coast read 4, not the 3 one of them makes."""
    for day in (24, 25, 26):
        make_event(
            session,
            category="missile_test",
            severity=3,
            claim_status="confirmed",
            confidence=0.9,
            event_date=dt.date(2026, 5, day),
            **JONGJU,
        )
    make_event(
        session,
        category="missile_test",
        severity=3,
        claim_status="confirmed",
        confidence=0.9,
        **DANDONG,
    )
    session.commit()
    by_id = {h.id: h for h in compute_hotspots(session, start=START, end=END).hotspots}
    assert by_id["dandong"].intensity == 3
    assert by_id["jongju"].intensity == 4
    assert by_id["jongju"].detail.startswith("Three missile launches (May 24, May 25 and May 26)")


def test_intensity_is_relative_to_the_window_not_to_the_clock(session: Session) -> None:
    make_event(
        session,
        category="missile_test",
        severity=4,
        claim_status="confirmed",
        event_date=dt.date(2026, 5, 21),
        **JONGJU,
    )
    session.commit()
    week = compute_hotspots(session, start=START, end=END)
    later = compute_hotspots(session, start=START - dt.timedelta(days=30), end=END)
    # The same event: the same weight whether the window ends the day after it or weeks later.
    assert [h.intensity for h in week.hotspots] == [h.intensity for h in later.hotspots] == [4]


def test_intensity_grows_with_weight(session: Session) -> None:
    make_event(
        session,
        category="nuclear",
        severity=5,
        claim_status="confirmed",
        confidence=1.0,
        event_date=dt.date(2026, 5, 28),
        **JONGJU,
    )
    make_event(session, category="border_maritime", severity=1, claim_status="claimed", **DMZ)
    session.commit()
    by_id = {h.id: h for h in compute_hotspots(session, start=START, end=END).hotspots}
    assert by_id["jongju"].intensity == 5
    assert by_id["dmz"].intensity == 1


def test_visits_talks_and_plans_do_not_make_hotspots_on_their_own(session: Session) -> None:
    visit = make_event(session, category="diplomacy", **PYONGYANG)
    plan = make_event(session, category="defense_policy", **JINHAE)
    fortify = make_event(session, category="defense_policy", severity=3, **DMZ)
    talks_at_the_border = make_event(session, category="diplomacy", **DANDONG)
    smuggling = make_event(session, category="border_maritime", **DANDONG)
    session.commit()
    result = compute_hotspots(session, start=START, end=END)
    by_id = {h.id: h for h in result.hotspots}
    assert set(by_id) == {"dmz", "dandong"}  # a defence measure at the border makes one
    assert by_id["dmz"].event_ids == [fortify.id]
    # A visit where something else happened adds to it.
    assert sorted(by_id["dandong"].event_ids) == sorted([talks_at_the_border.id, smuggling.id])
    assert {(o.event_id, o.reason) for o in result.omitted} == {
        (visit.id, NOT_ON_ITS_OWN),
        (plan.id, NOT_ON_ITS_OWN),
    }
    assert m.makes_hotspot("defense_policy", "border") and not m.makes_hotspot("diplomacy", "sea")


def test_area_of_interest_bounds_the_map(session: Session) -> None:
    drill = make_event(session, category="military_exercise", severity=3, **WASHINGTON)
    launch = make_event(session, category="missile_test", **JONGJU)
    session.commit()
    result = compute_hotspots(session, start=START, end=END)
    assert [h.id for h in result.hotspots] == ["jongju"]
    assert [(o.event_id, o.reason) for o in result.omitted] == [(drill.id, OUTSIDE_AREA)]
    everywhere = compute_hotspots(session, start=START, end=END, area=EVERYWHERE)
    assert {h.id for h in everywhere.hotspots} == {"jongju", "washington"}
    box = Area(parse_area("124,37,126,41"))
    assert [
        h.event_ids for h in compute_hotspots(session, start=START, end=END, area=box).hotspots
    ] == [[launch.id]]


def test_default_area_of_interest() -> None:
    area = Area(parse_area(DEFAULT_AREA_OF_INTEREST))
    inside = {
        "Yellow Sea test area": (124.5, 39.5),
        "Jongju": (125.07, 39.67),
        "DMZ": (127.2, 38.3),
        "Dandong crossing": (124.4, 40.1),
        "Changbai": (128.2, 41.4),
        "Hunchun": (130.4, 42.9),
        "Khasan": (130.7, 42.43),
        "Vladivostok": (131.9, 43.1),
        "East Sea impact area": (133.0, 40.0),
        "Jeju": (126.5, 33.4),
        "Busan": (129.07, 35.18),
    }
    outside = {
        "Beijing": (116.4, 39.9),
        "Washington": (-77.04, 38.9),
        "Qingdao": (120.4, 36.07),
        "Weihai": (122.1, 37.5),
        "Fukuoka": (130.4, 33.6),
        "Tokyo": (139.7, 35.7),
        "Shenyang": (123.43, 41.8),
    }
    assert [name for name, point in inside.items() if not area.contains(*point)] == []
    assert [name for name, point in outside.items() if area.contains(*point)] == []


def test_detail_is_one_whole_sentence(session: Session) -> None:
    for i in range(5):
        make_event(
            session,
            category="border_maritime",
            title=f"Statement {i}",
            summary='It aims to make management "more realistic."',
            event_date=dt.date(2026, 5, 21 + i),
            **DMZ,
        )
    make_event(session, category="diplomacy", claim_status="reported", **DMZ)
    session.commit()
    [hotspot] = compute_hotspots(session, start=START, end=END).hotspots
    assert hotspot.detail == (
        "Five border or maritime incidents (between May 21 and May 25) and a diplomatic "
        "meeting or statement (May 26)."
    )
    assert hotspot.detail.count(".") == 1 and not re.search(r'[.!?]["\u201d]?\.', hotspot.detail)


def test_week_precision_events_belong_to_every_window_they_overlap(session: Session) -> None:
    """ "Last week", reported on Monday June 1: dated Monday May 25, precision week."""
    launch = make_event(
        session,
        category="missile_test",
        severity=4,
        claim_status="confirmed",
        event_date=dt.date(2026, 5, 25),
        date_precision="week",
        first_reported_at=dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC),
        last_reported_at=dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC),
        **JONGJU,
    )
    session.commit()
    now = dt.datetime(2026, 6, 2, tzinfo=dt.UTC)
    seed_week = compute_hotspots(session, start=START, end=END, as_of=now)
    assert [h.event_ids for h in seed_week.hotspots] == [[launch.id]]
    assert seed_week.hotspots[0].detail.startswith("A missile launch (May 25-31), confirmed")
    friday_on = compute_hotspots(
        session, start=dt.datetime(2026, 5, 29, tzinfo=dt.UTC), end=now, as_of=now
    )
    assert [h.event_ids for h in friday_on.hotspots] == [[launch.id]]
    before = compute_hotspots(session, start=START - dt.timedelta(days=7), end=START, as_of=now)
    assert before.hotspots == []
    # Known at the end of the seed week? Not yet: it was reported on June 1.
    assert compute_hotspots(session, start=START, end=END).hotspots == []


def test_a_launch_is_drawn_at_its_site_and_its_impact_area_and_counted_once(
    session: Session,
) -> None:
    """Extraction's merge keeps a launch's sea in figures["impact_area"]."""
    launch = make_event(
        session,
        category="missile_test",
        severity=4,
        claim_status="confirmed",
        figures={
            "impact_area": {"id": "yellow_sea", "name": "Yellow Sea", "lat": 37.0, "lon": 124.0}
        },
        **JONGJU,
    )
    session.commit()
    result = compute_hotspots(session, start=START, end=END)
    by_id = {h.id: h for h in result.hotspots}
    assert set(by_id) == {"jongju", "yellow_sea"}
    assert by_id["yellow_sea"].event_ids == by_id["jongju"].event_ids == [launch.id]
    assert by_id["yellow_sea"].intensity == by_id["jongju"].intensity == 4
    assert by_id["yellow_sea"].detail == (
        "A missile launch (May 26), confirmed by an independent authority."
    )
    assert result.omitted == []
    from app.assessment.situation import assess_situation

    situation = assess_situation(
        session, START.date(), END.date() - dt.timedelta(days=1), as_of=END
    )
    assert situation.threat.event_count == 1
