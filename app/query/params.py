"""The one parser of the parameters every read surface shares: bbox, time, limit, text, lists.

`/events`, `/hotspots`, `/threat-level`, the OGC API and the exports all read bbox and time
here; every failure is a `QueryError` (400) whose description names the parameter.
Framework-neutral: it takes strings, never a request.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.query.errors import invalid_parameter, unknown_parameter

MIN_YEAR, MAX_YEAR = 1900, 2999  # beyond these a date is a typo, and date arithmetic overflows
MAX_TEXT_PARAM = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[Zz]|[+-]\d{2}:\d{2})?"
# GDAL 3.6 sends a Date field's bound as `2026-05-20T` (a date with a bare T): a whole day too.
_RFC3339 = re.compile(rf"^(?P<date>{_DATE})(?:[Tt ](?P<time>{_TIME})|[Tt])?$")
_OPEN = {"", ".."}

QueryPairs = Sequence[tuple[str, str]]


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

    def as_tuple(self) -> tuple[float, float, float, float]:
        return self.west, self.south, self.east, self.north


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


# --- bbox ------------------------------------------------------------------------------------


def parse_bbox(raw: str, *, max_area: float | None = None) -> BBox:
    """minLon,minLat,maxLon,maxLat (or 6 numbers with heights), CRS84; minLon > maxLon crosses
    the antimeridian. With `max_area`, a larger box (square degrees) is refused."""
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
    box = BBox(west, south, east, north)
    if max_area is not None:
        width = east - west if west <= east else 360 - (west - east)
        area = width * (north - south)
        if area > max_area:
            raise invalid_parameter(
                f"`bbox` covers {area:g} square degrees; the maximum is {max_area:g}"
            )
    return box


# --- time ------------------------------------------------------------------------------------


def _check_year(value: dt.date, name: str) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise invalid_parameter(f"`{name}` must be between {MIN_YEAR} and {MAX_YEAR}")


def parse_instant(value: str, name: str, *, end: bool = False) -> dt.datetime:
    """YYYY-MM-DD or an ISO 8601 date-time (no offset = UTC), for `from`, `to`, `as_of`, `at`
    and `updated_since`. A bare date as an end bound means the end of that day (the bound is
    exclusive internally)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            _check_year(day, name)
            moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            return moment + dt.timedelta(days=1) if end else moment
        moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise invalid_parameter(
            f"`{name}` must be a date (YYYY-MM-DD) or an ISO 8601 date-time, got {value[:40]!r}"
        ) from None
    _check_year(moment.date(), name)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def parse_day(value: str, name: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise invalid_parameter(f"`{name}` must be a date YYYY-MM-DD, got {value[:40]!r}") from None
    _check_year(day, name)
    return day


def check_span(start: dt.datetime, end: dt.datetime, max_days: int) -> None:
    if end <= start:
        raise invalid_parameter("`to` is before `from`: the date range is inverted or empty")
    if end - start > dt.timedelta(days=max_days):
        raise invalid_parameter(f"the date range is longer than {max_days} days; narrow it")


def parse_window(
    date_from: str | None,
    date_to: str | None,
    *,
    max_days: int,
    default_days: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start, end) from optional `from`/`to`. With `default_days`, a missing bound is filled:
    `to` = the start of the current minute, `from` = `to` - default_days."""
    start = parse_instant(date_from, "from") if date_from else None
    end = parse_instant(date_to, "to", end=True) if date_to else None
    if default_days is not None:
        # The current minute, not the current microsecond: repeated requests get the same
        # window, so the same body and ETag.
        end = end or now or dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        start = start or end - dt.timedelta(days=default_days)
    if start is not None and end is not None:
        check_span(start, end, max_days)
    return start, end


def parse_interval(raw: str) -> TimeInterval:
    """OGC `datetime`: an RFC 3339 instant, or an interval `a/b`, `../b`, `a/..` (an empty side
    is open too). A date without a time (or with a bare `T`, as GDAL sends it) stands for the
    whole UTC day."""
    if "/" not in raw:
        return TimeInterval(_rfc3339(raw, end_of_day=False), _rfc3339(raw, end_of_day=True))
    left, _, right = raw.partition("/")
    if "/" in right:
        raise invalid_parameter("`datetime` holds at most one `/`")
    start = None if left in _OPEN else _rfc3339(left, end_of_day=False)
    end = None if right in _OPEN else _rfc3339(right, end_of_day=True)
    if start is None and end is None:
        raise invalid_parameter("`datetime` interval needs at least one bounded side")
    if start is not None and end is not None and start > end:
        raise invalid_parameter("`datetime` interval starts after it ends")
    return TimeInterval(start, end)


def _rfc3339(text: str, *, end_of_day: bool) -> dt.datetime:
    match = _RFC3339.match(text)
    if match is None:
        raise invalid_parameter(
            f"`datetime` value {text[:40]!r} is not RFC 3339 (e.g. 2026-05-20T00:00:00Z)"
        )
    try:
        if match["time"] is None:
            day = dt.date.fromisoformat(match["date"])
            _check_year(day, "datetime")
            moment = dt.time.max if end_of_day else dt.time.min
            return dt.datetime.combine(day, moment, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_parameter(f"`datetime` value {text[:40]!r} is not a valid date") from None
    _check_year(value.date(), "datetime")
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# --- numbers, text and lists -------------------------------------------------------------------


def parse_int(name: str, raw: str, minimum: int | None = None, maximum: int | None = None) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise invalid_parameter(f"`{name}` must be an integer")
    value = int(text)
    if minimum is not None and value < minimum:
        raise invalid_parameter(f"`{name}` must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise invalid_parameter(f"`{name}` must be at most {maximum}")
    return value


def parse_text(value: str | None, name: str) -> str | None:
    """A free-text value: trimmed, at most MAX_TEXT_PARAM characters, no control characters."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_TEXT_PARAM:
        raise invalid_parameter(f"`{name}` is longer than {MAX_TEXT_PARAM} characters")
    if _CONTROL.search(text):
        raise invalid_parameter(f"`{name}` contains control characters")
    return text


def split_values(values: Iterable[str] | None) -> list[str]:
    """Repeated parameters and comma lists alike: ?category=a&category=b or ?category=a,b."""
    out: list[str] = []
    for value in values or []:
        out += [part.strip() for part in value.split(",") if part.strip()]
    return out


def parse_choices(values: Iterable[str] | None, name: str, known: Sequence[str]) -> tuple[str, ...]:
    """A list of known values (repeatable or comma-separated); an unknown one is a 400 that
    lists the known ones."""
    chosen = split_values(values)
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise invalid_parameter(f"unknown {name} {unknown[0][:40]!r}; known: {', '.join(known)}")
    return tuple(dict.fromkeys(chosen))


def group_pairs(
    pairs: QueryPairs, allowed: Iterable[str], *, repeatable: Iterable[str] = ()
) -> dict[str, list[str]]:
    """name -> values; an unknown parameter, or a repeated one that is not a list, is a 400."""
    known = set(allowed)
    lists = set(repeatable)
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        if name not in known:
            raise unknown_parameter(
                f"unknown query parameter `{name[:40]}`; known: {', '.join(sorted(known))}"
            )
        if name in grouped and name not in lists:
            raise invalid_parameter(f"`{name}` is given more than once")
        grouped.setdefault(name, []).append(value)
    return grouped
