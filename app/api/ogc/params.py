"""Query parameters of the OGC API, parsed by hand so every bad value is an OGC 400.

FastAPI's own validation would answer 422 and refuse a `limit` above the maximum; OGC API -
Features wants 400 with `code`/`description` for invalid or unknown parameters and a clamped
`limit`. Parsing here is framework-neutral: it takes the raw (name, value) pairs of a request.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.api.ogc.errors import invalid_parameter, unknown_parameter

QueryPairs = Sequence[tuple[str, str]]
FilterValue = str | int

# `f` is accepted (as pygeoapi-style clients send it) but only for the one encoding we serve.
FORMAT_PARAMETER = "f"
FORMAT_VALUES = frozenset({"json", "geojson", "application/geo+json", "application/json"})

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[Zz]|[+-]\d{2}:\d{2})?"
# GDAL 3.6 sends a Date field's bound as `2026-05-20T` (a date with a bare T): a whole day too.
_RFC3339 = re.compile(rf"^(?P<date>{_DATE})(?:[Tt ](?P<time>{_TIME})|[Tt])?$")
_OPEN = {"", ".."}


@dataclass(frozen=True)
class BBox:
    """A CRS84 box; west > east means it crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east

    def contains(self, lon: float, lat: float) -> bool:
        if not self.south <= lat <= self.north:
            return False
        if self.crosses_antimeridian:
            return lon >= self.west or lon <= self.east
        return self.west <= lon <= self.east


@dataclass(frozen=True)
class TimeInterval:
    """A closed interval; None on a side means open (`..` or empty)."""

    start: dt.datetime | None
    end: dt.datetime | None

    def intersects(self, first: dt.datetime, last: dt.datetime) -> bool:
        """Whether [first, last] meets this interval."""
        return (self.start is None or last >= self.start) and (
            self.end is None or first <= self.end
        )

    @property
    def first_day(self) -> dt.date | None:
        """The first UTC calendar day the interval touches (a whole-day event meets it)."""
        return None if self.start is None else self.start.astimezone(dt.UTC).date()

    @property
    def last_day(self) -> dt.date | None:
        return None if self.end is None else self.end.astimezone(dt.UTC).date()


@dataclass(frozen=True)
class PropertyFilter:
    """A plain equality (or `min_*` threshold) filter a collection declares in /ogc/api."""

    name: str
    kind: Literal["string", "integer"]
    description: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, raw: str) -> FilterValue:
        if self.kind == "integer":
            return _parse_bounded_int(self.name, raw, self.minimum, self.maximum)
        value = raw.strip()
        if not value:
            raise invalid_parameter(f"`{self.name}` must not be empty")
        if self.choices and value not in self.choices:
            raise invalid_parameter(f"`{self.name}` must be one of {', '.join(self.choices)}")
        return value


@dataclass(frozen=True)
class ItemsQuery:
    bbox: BBox | None = None
    datetime: TimeInterval | None = None
    limit: int = 100
    cursor: str | None = None
    properties: Mapping[str, FilterValue] = field(default_factory=dict)
    # The selection parameters as the client sent them, re-encoded into `self`/`next` links.
    selection: tuple[tuple[str, str], ...] = ()


def single_values(pairs: QueryPairs, allowed: set[str] | frozenset[str]) -> dict[str, str]:
    """Reject unknown and repeated parameters; return name -> value."""
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise unknown_parameter(f"unknown query parameter `{name}`; known: {known}")
        if name in values:
            raise invalid_parameter(f"`{name}` is given more than once")
        values[name] = value
    if FORMAT_PARAMETER in values and values[FORMAT_PARAMETER] not in FORMAT_VALUES:
        raise invalid_parameter("`f` must be json or geojson: it is the only encoding served")
    return values


def parse_items_query(
    pairs: QueryPairs,
    filters: Sequence[PropertyFilter],
    *,
    limit_default: int,
    limit_max: int,
    paged: bool = True,
) -> ItemsQuery:
    """The items (or export) request: bbox, datetime, filters and, when paged, limit/cursor."""
    by_name = {f.name: f for f in filters}
    allowed = {"bbox", "datetime", FORMAT_PARAMETER, *by_name}
    if paged:
        allowed |= {"limit", "cursor"}
    values = single_values(pairs, allowed)
    selection = tuple(
        (name, value) for name, value in pairs if name in {"bbox", "datetime", *by_name}
    )
    cursor = values.get("cursor")
    if cursor is not None and not cursor:
        raise invalid_parameter("`cursor` must not be empty; take it from a `next` link")
    return ItemsQuery(
        bbox=parse_bbox(values["bbox"]) if "bbox" in values else None,
        datetime=parse_datetime(values["datetime"]) if "datetime" in values else None,
        limit=parse_limit(values.get("limit"), limit_default, limit_max),
        cursor=cursor,
        properties={name: by_name[name].parse(values[name]) for name in by_name if name in values},
        selection=selection,
    )


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    """/req/core/fc-limit-response-1: above the maximum the maximum is used, not refused."""
    if raw is None:
        return min(default, maximum)
    return min(_parse_bounded_int("limit", raw, 1, None), maximum)


def parse_bbox(raw: str) -> BBox:
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise invalid_parameter(
            "`bbox` must be 4 numbers (minLon,minLat,maxLon,maxLat) or 6 with heights"
        )
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise invalid_parameter("`bbox` must contain only numbers") from None
    if not all(math.isfinite(n) for n in numbers):
        raise invalid_parameter("`bbox` numbers must be finite")
    if len(numbers) == 6:
        if numbers[2] > numbers[5]:
            raise invalid_parameter("`bbox` minimum height is above its maximum height")
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise invalid_parameter("`bbox` latitudes must lie within -90..90")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise invalid_parameter("`bbox` longitudes must lie within -180..180")
    if south > north:
        raise invalid_parameter("`bbox` minimum latitude is above its maximum latitude")
    return BBox(west, south, east, north)


def parse_datetime(raw: str) -> TimeInterval:
    """An RFC 3339 instant, or an interval `a/b`, `../b`, `a/..` (an empty side is open too).

    A date without a time (or with a bare `T`, as GDAL sends it) stands for the whole UTC day.
    """
    if "/" not in raw:
        return TimeInterval(_instant(raw, end_of_day=False), _instant(raw, end_of_day=True))
    left, _, right = raw.partition("/")
    if "/" in right:
        raise invalid_parameter("`datetime` holds at most one `/`")
    start = None if left in _OPEN else _instant(left, end_of_day=False)
    end = None if right in _OPEN else _instant(right, end_of_day=True)
    if start is None and end is None:
        raise invalid_parameter("`datetime` interval needs at least one bounded side")
    if start is not None and end is not None and start > end:
        raise invalid_parameter("`datetime` interval starts after it ends")
    return TimeInterval(start, end)


def _instant(text: str, *, end_of_day: bool) -> dt.datetime:
    match = _RFC3339.match(text)
    if match is None:
        raise invalid_parameter(
            f"`datetime` value {text!r} is not RFC 3339 (e.g. 2026-05-20T00:00:00Z)"
        )
    try:
        if match["time"] is None:
            day = dt.date.fromisoformat(match["date"])
            moment = dt.time.max if end_of_day else dt.time.min
            return dt.datetime.combine(day, moment, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_parameter(f"`datetime` value {text!r} is not a valid date") from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _parse_bounded_int(name: str, raw: str, minimum: int | None, maximum: int | None) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise invalid_parameter(f"`{name}` must be an integer")
    value = int(text)
    if minimum is not None and value < minimum:
        raise invalid_parameter(f"`{name}` must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise invalid_parameter(f"`{name}` must be at most {maximum}")
    return value
