"""When two mentions are one happening: the merge rules, as pure functions.

`store._EventIndex` asks these about an extracted mention and a stored event row; nothing
here touches the database. The rules (design.md, "Event model": one event per happening):

Categories. A mention merges with events of its own category, or of a close category of the
same launch (`LAUNCH_FAMILY`: a JCS "ballistic missile" is KCNA's "super-large rocket
launcher" or "satellite launch"). Across categories the places must positively agree (the
same place, near, or a launch site and the sea on its coast), never merely "no place" or "a
country". The merged event takes the family's most consequential category
(`CATEGORY_PRECEDENCE`: space_launch > missile_test > artillery, as rules.py ranks their
severity), whichever article came first.

Dates are spans: a day is itself, "last week" the seven days from its Monday, a month its
days, a year its days. Two mentions are compatible when their spans are at most
`extraction_merge_days` apart (default 1: a US-evening launch is the next day in Korea, and
a report can date by its own day). The merged event keeps the finest precision; two dates
of equal precision resolve to the later one (Korea is ahead of UTC and of the US), so the
result does not depend on which article came first.

Places, from the strongest agreement to the weakest (`PlaceMatch`):
  SAME    the same gazetteer entry;
  NEAR    two points within `extraction_merge_km`;
  COAST   for a launch, a launch site (or city, province) and the sea on its coast, or two
          seas of one coast (the Sea of Japan and Japan's EEZ): the site is the event's place,
          the sea its impact area;
  COARSE  one side has no place, or only a country that holds the other (a sea counts as
          held by the countries on its shores).
Two specific places further apart are different happenings, and so are a launch into the
East Sea and one into the Yellow Sea: two launches on one day from different coasts stay
two. Which coast a place is on: the sea table below, the Pyongyang-area launch sites (which
fire into either sea) and, for the rest of the peninsula, a spine line by longitude.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable
from enum import IntEnum
from functools import cache
from typing import Any

from app.extraction.lexicon import gazetteer

LAUNCH_FAMILY = frozenset({"missile_test", "space_launch", "artillery"})
CATEGORY_PRECEDENCE = {"space_launch": 0, "missile_test": 1, "artillery": 2}
# Finer first: "site over sea over country" (a city is finer than a sea, a province coarser).
PRECISION_RANK = {"site": 0, "city": 1, "sea": 2, "border": 2, "province": 3, "country": 4}
DATE_RANK = {"day": 0, "week": 1, "month": 2, "year": 3, "unknown": 4}
# How many days a span of each precision covers beyond its first day (a month: to its end).
WEEK_DAYS = 7
LONGEST_SPAN_DAYS = 366  # a year: how far back the store looks for a coarse event's start

# A launch's impact area lives in its event's `figures` (no migration), under this key, as
# {"id": gazetteer id, "name", "lat", "lon"} of the sea (`impact_record`).
IMPACT = "impact_area"

WEST, EAST, EITHER = "west", "east", "either"
SEA_COAST = {
    "intl-yellow-sea": WEST,
    "intl-sea-of-japan": EAST,
    "kp-yonghung-bay": EAST,
    "jp-eez": EAST,
    "intl-pacific": EAST,
}
# The countries on each coast's shores: a country-level place holds the seas off its coast.
COAST_COUNTRIES = {WEST: frozenset({"KP", "KR", "CN"}), EAST: frozenset({"KP", "KR", "JP", "RU"})}
# Launch areas inland of the capital and lines across the peninsula: launches from Pyongyang
# and Sunan fly east over the peninsula as often as they fall in the Yellow Sea.
EITHER_COAST = frozenset(
    {
        "kp-pyongyang",
        "kp-sunan",
        "kp-pyongyang-international-airport",
        "kr-korean-demilitarized-zone",
    }
)
# The peninsula's watershed, as a longitude: north of 38N (North Korea) it runs near 126.8E
# (Kaesong, Nampo and Jongju west of it; Wonsan, Hamhung, Sinpo east), south of it near
# 128.0E (Seoul and Incheon west; Gangneung, Pohang and Busan east).
SPINE_NORTH_LON, SPINE_SOUTH_LON, SPINE_SPLIT_LAT = 126.8, 128.0, 38.0
_PENINSULA = frozenset({"KP", "KR"})


class PlaceMatch(IntEnum):
    """How well two places agree; lower is stronger."""

    SAME = 0
    NEAR = 1
    COAST = 2
    COARSE = 3


@cache
def _place(place_id: str | None) -> Any:
    return gazetteer().get(place_id) if place_id else None


def gazetteer_place(
    place_id: str,
) -> tuple[str | None, str | None, float | None, float | None]:
    """(id, precision, lat, lon) of a gazetteer entry, as `place_match` takes places."""
    place = _place(place_id)
    if place is None:
        return place_id, None, None, None
    return place_id, place.precision, place.lat, place.lon


def countries(place_id: str | None) -> frozenset[str]:
    place = _place(place_id)
    return frozenset(place.country.split("|")) if place is not None else frozenset()


@cache
def coast(place_id: str | None) -> str | None:
    """West, east or either for a place on the peninsula or its seas; None elsewhere."""
    if place_id in SEA_COAST:
        return SEA_COAST[place_id]
    if place_id in EITHER_COAST:
        return EITHER
    place = _place(place_id)
    if place is None or place.precision in ("country", "sea"):
        return None
    if not _PENINSULA.intersection(place.country.split("|")):
        return None
    spine = SPINE_NORTH_LON if place.lat >= SPINE_SPLIT_LAT else SPINE_SOUTH_LON
    return WEST if place.lon < spine else EAST


def is_sea(place_id: str | None, precision: str | None) -> bool:
    return precision == "sea" or place_id in SEA_COAST


# --- dates -----------------------------------------------------------------------------------


def date_span(day: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date of this precision may stand for."""
    if precision == "week":
        return day, day + dt.timedelta(days=WEEK_DAYS - 1)
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if precision == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    return day, day  # day, and unknown (the publish day, as the extractor dates it)


def date_gap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> int:
    """Days between two spans (0 when they overlap)."""
    return max((a[0] - b[1]).days, (b[0] - a[1]).days, 0)


def finer_date(old: tuple[dt.date, str], new: tuple[dt.date, str]) -> tuple[dt.date, str]:
    """The finer of two (date, precision); of two equally precise, the later."""
    old_rank, new_rank = DATE_RANK.get(old[1], 9), DATE_RANK.get(new[1], 9)
    if new_rank != old_rank:
        return new if new_rank < old_rank else old
    return max(old, new)


# --- places ----------------------------------------------------------------------------------


KM_PER_DEGREE_LAT = 111.19  # a degree of latitude on the sphere `km` uses; never more


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def place_match(
    a: tuple[str | None, str | None, float | None, float | None],
    b: tuple[str | None, str | None, float | None, float | None],
    *,
    launch: bool,
    merge_km: float,
) -> PlaceMatch | None:
    """How two places (id, precision, lat, lon) agree, or None when they cannot be one
    happening's. `launch`: both are launches, so a site and a sea may be origin and impact."""
    a_id, a_precision, a_lat, a_lon = a
    b_id, b_precision, b_lat, b_lon = b
    if a_id is None or b_id is None:
        return PlaceMatch.COARSE
    if a_id == b_id:
        return PlaceMatch.SAME
    if a_precision == "country" or b_precision == "country":
        country, other = (a_id, b_id) if a_precision == "country" else (b_id, a_id)
        return PlaceMatch.COARSE if _holds(country, other) else None
    if (
        a_lat is not None
        and b_lat is not None
        and abs(a_lat - b_lat) * KM_PER_DEGREE_LAT <= merge_km  # most pairs end here, cheaply
        and a_lon is not None
        and b_lon is not None
        and km(a_lat, a_lon, b_lat, b_lon) <= merge_km
    ):
        return PlaceMatch.NEAR
    a_sea, b_sea = is_sea(a_id, a_precision), is_sea(b_id, b_precision)
    if launch and (a_sea or b_sea) and _same_coast(coast(a_id), coast(b_id), a_sea and b_sea):
        return PlaceMatch.COAST
    return None


def _holds(country_id: str, other_id: str) -> bool:
    """A country holds the places inside it and the seas off its shores."""
    mine = countries(country_id)
    if mine & countries(other_id):
        return True
    sea_coast = SEA_COAST.get(other_id)
    return sea_coast is not None and bool(mine & COAST_COUNTRIES[sea_coast])


def _same_coast(a: str | None, b: str | None, both_seas: bool) -> bool:
    if a is None or b is None:
        return False
    if both_seas:
        return a == b  # two seas of one coast; no sea is on "either" coast
    return a == b or EITHER in (a, b)


def impact_area(place_id: str | None, seas: list[str]) -> str | None:
    """Of the seas (gazetteer ids) a launch event's mentions named, its impact area: one on
    the coast of its place (or any, for an either-coast place), never the place itself; the
    first by id when several qualify, so that the choice does not depend on order."""
    if place_id is None or is_sea(place_id, None):
        return None
    place_coast = coast(place_id)
    if place_coast is None:
        return None
    fitting = [
        sea
        for sea in seas
        if sea != place_id and (place_coast == EITHER or SEA_COAST.get(sea) == place_coast)
    ]
    return min(fitting) if fitting else None


def impact_record(sea_id: str) -> dict[str, Any]:
    """What `figures["impact_area"]` holds: the sea's id, name and representative point."""
    place = _place(sea_id)
    if place is None:
        return {"id": sea_id, "name": sea_id, "lat": None, "lon": None}
    return {"id": sea_id, "name": place.name, "lat": place.lat, "lon": place.lon}


def precedes(new_category: str, old_category: str) -> bool:
    """Whether a merged launch event should take `new_category` instead of `old_category`."""
    return CATEGORY_PRECEDENCE.get(new_category, 9) < CATEGORY_PRECEDENCE.get(old_category, 9)


def family(category: str) -> tuple[str, ...]:
    """The categories a mention of `category` may merge with (itself first)."""
    if category in LAUNCH_FAMILY:
        return (category, *sorted(LAUNCH_FAMILY - {category}))
    return (category,)


# --- corroboration ---------------------------------------------------------------------------


def distinct_publishers(support: Iterable[tuple[int, str | None]]) -> int:
    """How many independent voices an event's mentions are, from (source id, story URL) pairs.

    Distinct sources count once each, except that sources which published one story under one
    canonical URL (a republication, or a feed linking another's article) are one voice: the
    groups of sources joined by shared URLs are counted, so the answer does not depend on
    which copy arrived first."""
    parent: dict[int, int] = {}

    def root(source: int) -> int:
        while parent[source] != source:
            parent[source] = parent[parent[source]]
            source = parent[source]
        return source

    first_of_story: dict[str, int] = {}
    for source, story in support:
        parent.setdefault(source, source)
        if story is None:
            continue
        other = first_of_story.setdefault(story, source)
        parent[root(source)] = root(other)
    return len({root(source) for source in parent})
