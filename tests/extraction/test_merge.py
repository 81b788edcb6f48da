"""The merge rules alone (app/extraction/merge.py): dates within their precision, places
within theirs, coasts, impact areas and the ties that keep merging order-independent."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extraction import merge
from app.extraction.lexicon import gazetteer
from app.extraction.merge import PlaceMatch

KM = 50.0


def place(place_id: str | None) -> tuple[str | None, str | None, float | None, float | None]:
    if place_id is None:
        return None, None, None, None
    pid, precision, lat, lon = merge.gazetteer_place(place_id)
    if precision == "country":
        return pid, precision, None, None  # a country is stored without a point
    return pid, precision, lat, lon


def agree(a: str | None, b: str | None, *, launch: bool = True) -> PlaceMatch | None:
    forward = merge.place_match(place(a), place(b), launch=launch, merge_km=KM)
    assert merge.place_match(place(b), place(a), launch=launch, merge_km=KM) == forward
    return forward


D = dt.date


@pytest.mark.parametrize(
    ("day", "precision", "span"),
    [
        (D(2026, 5, 26), "day", (D(2026, 5, 26), D(2026, 5, 26))),
        (D(2026, 5, 26), "unknown", (D(2026, 5, 26), D(2026, 5, 26))),
        (D(2026, 5, 25), "week", (D(2026, 5, 25), D(2026, 5, 31))),
        (D(2026, 2, 1), "month", (D(2026, 2, 1), D(2026, 2, 28))),
        (D(2026, 5, 1), "year", (D(2026, 1, 1), D(2026, 12, 31))),
    ],
)
def test_a_date_stands_for_the_days_of_its_precision(
    day: dt.date, precision: str, span: tuple[dt.date, dt.date]
) -> None:
    assert merge.date_span(day, precision) == span


def test_date_gap_is_zero_inside_a_span_and_counts_days_outside() -> None:
    last_week = merge.date_span(D(2026, 5, 25), "week")
    assert merge.date_gap(last_week, merge.date_span(D(2026, 5, 26), "day")) == 0
    assert merge.date_gap(last_week, merge.date_span(D(2026, 5, 31), "day")) == 0
    assert merge.date_gap(last_week, merge.date_span(D(2026, 6, 1), "day")) == 1
    assert merge.date_gap(last_week, merge.date_span(D(2026, 5, 22), "day")) == 3
    may = merge.date_span(D(2026, 5, 1), "month")
    assert merge.date_gap(may, merge.date_span(D(2026, 5, 31), "day")) == 0
    tuesday, thursday = (merge.date_span(D(2026, 5, d), "day") for d in (26, 28))
    assert merge.date_gap(tuesday, thursday) == merge.date_gap(thursday, tuesday) == 2


def test_the_finer_date_wins_and_of_two_days_the_later_whatever_the_order() -> None:
    week, day = (D(2026, 5, 25), "week"), (D(2026, 5, 26), "day")
    assert merge.finer_date(week, day) == merge.finer_date(day, week) == day
    utc, kst = (D(2026, 7, 3), "day"), (D(2026, 7, 4), "day")
    assert merge.finer_date(utc, kst) == merge.finer_date(kst, utc) == kst
    unknown = (D(2026, 5, 27), "unknown")
    assert merge.finer_date(unknown, day) == merge.finer_date(day, unknown) == day


def test_coasts_of_launch_areas_and_seas() -> None:
    west = ["kp-jongju", "kp-nampo", "kp-sohae-satellite-launching-station", "intl-yellow-sea"]
    east = ["kp-wonsan", "kp-hamhung", "kp-sinpo", "intl-sea-of-japan", "jp-eez"]
    assert {merge.coast(p) for p in west} == {merge.WEST}
    assert {merge.coast(p) for p in east} == {merge.EAST}
    assert merge.coast("kp-sunan") == merge.coast("kp-pyongyang") == merge.EITHER
    assert merge.coast("kr-seoul") == merge.WEST
    assert merge.coast("cn-beijing") is None and merge.coast("kp-north-korea") is None


def test_same_and_near_places_agree_far_ones_do_not() -> None:
    assert agree("kp-jongju", "kp-jongju") is PlaceMatch.SAME
    assert agree("kp-sunan", "kp-pyongyang-international-airport") is PlaceMatch.NEAR
    assert agree("kp-wonsan", "kp-nampo") is None
    assert agree("kp-jongju", "kp-hamhung") is None


def test_a_launch_site_and_the_sea_on_its_coast_are_one_launch() -> None:
    assert agree("kp-jongju", "intl-yellow-sea") is PlaceMatch.COAST
    assert agree("kp-wonsan", "intl-sea-of-japan") is PlaceMatch.COAST
    assert agree("kp-sunan", "intl-sea-of-japan") is PlaceMatch.COAST  # Pyongyang fires east
    assert agree("kp-sunan", "intl-yellow-sea") is PlaceMatch.COAST
    assert agree("intl-sea-of-japan", "jp-eez") is PlaceMatch.COAST  # two seas of one coast


def test_different_coasts_never_agree() -> None:
    assert agree("kp-jongju", "intl-sea-of-japan") is None
    assert agree("kp-wonsan", "intl-yellow-sea") is None
    assert agree("intl-yellow-sea", "intl-sea-of-japan") is None
    assert agree("intl-yellow-sea", "jp-eez") is None


def test_the_coast_rule_is_for_launches_only() -> None:
    """Drills "in the Yellow Sea" happen in that sea: a site far away is somewhere else."""
    assert agree("kp-jongju", "intl-yellow-sea", launch=False) is None


def test_a_country_holds_its_places_and_its_seas_not_other_countries() -> None:
    assert agree("kp-north-korea", "kp-sunan") is PlaceMatch.COARSE
    assert agree("kp-north-korea", "intl-yellow-sea") is PlaceMatch.COARSE
    assert agree("kp-north-korea", "kr-korean-demilitarized-zone") is PlaceMatch.COARSE
    assert agree("kr-south-korea", "kp-sunan") is None
    assert agree("kp-north-korea", "cn-beijing") is None
    assert agree("kp-north-korea", "cn-china") is None
    assert agree(None, "kp-jongju") is PlaceMatch.COARSE
    assert agree(None, None) is PlaceMatch.COARSE


def test_the_impact_area_is_a_sea_on_the_place_s_coast_chosen_by_value() -> None:
    yellow, east, eez = "intl-yellow-sea", "intl-sea-of-japan", "jp-eez"
    assert merge.impact_area("kp-jongju", [yellow]) == yellow
    assert merge.impact_area("kp-jongju", [east]) is None
    assert merge.impact_area("intl-yellow-sea", [yellow]) is None  # a sea is its own place
    assert merge.impact_area(None, [yellow]) is None
    assert merge.impact_area("cn-beijing", [yellow]) is None
    assert merge.impact_record(yellow) == {
        "id": yellow,
        "name": "Yellow Sea",
        "lat": gazetteer()["intl-yellow-sea"].lat,
        "lon": gazetteer()["intl-yellow-sea"].lon,
    }
    assert merge.impact_area("kp-wonsan", [eez, east]) == merge.impact_area(
        "kp-wonsan", [east, eez]
    )


def test_the_launch_family_takes_its_most_consequential_category() -> None:
    assert merge.family("artillery")[0] == "artillery"
    assert set(merge.family("missile_test")) == merge.LAUNCH_FAMILY
    assert merge.family("diplomacy") == ("diplomacy",)
    assert merge.precedes("missile_test", "artillery")
    assert merge.precedes("space_launch", "missile_test")
    assert not merge.precedes("artillery", "missile_test")
    assert not merge.precedes("diplomacy", "sanctions")
