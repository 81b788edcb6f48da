"""Query parameter parsing shared by the routers; every failure is a 400 with a clear detail."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Annotated
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import Query, Request
from sqlmodel import Session

from app.api.problems import Problem
from app.assessment.methodology import CATEGORIES
from app.core.config import Settings
from app.core.models import CLAIM_STATUSES, Event

MIN_YEAR, MAX_YEAR = 1900, 2999  # beyond these a date is a typo, and date arithmetic overflows
MAX_TEXT_PARAM = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Bbox = tuple[float, float, float, float]

# Shapes declared in the OpenAPI document only (json_schema_extra): the parsers below check
# them and give each failure a detail naming the parameter, clearer than a pattern mismatch.
DATE_OR_INSTANT = r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$"
DAY = r"^\d{4}-\d{2}-\d{2}$"
FromQuery = Annotated[
    str | None,
    Query(
        alias="from",
        json_schema_extra={"pattern": DATE_OR_INSTANT},
        description="First day (YYYY-MM-DD) or an ISO 8601 instant; UTC",
        examples=["2026-05-21"],
    ),
]
ToQuery = Annotated[
    str | None,
    Query(
        alias="to",
        json_schema_extra={"pattern": DATE_OR_INSTANT},
        description="Last day (YYYY-MM-DD, inclusive) or an ISO 8601 instant; UTC",
        examples=["2026-05-28"],
    ),
]
DayFromQuery = Annotated[
    str | None,
    Query(alias="from", json_schema_extra={"pattern": DAY}, description="First day YYYY-MM-DD"),
]
DayToQuery = Annotated[
    str | None,
    Query(
        alias="to",
        json_schema_extra={"pattern": DAY},
        description="Last day YYYY-MM-DD (inclusive)",
    ),
]
LimitQuery = Annotated[
    int | None,
    Query(
        description="Page size; default WATCHFLOOR_PAGE_LIMIT_DEFAULT, at most "
        "WATCHFLOOR_PAGE_LIMIT_MAX (the document states this server's values)",
    ),
]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        json_schema_extra={"pattern": r"^[A-Za-z0-9_-]*$"},
        description="Opaque; from a previous page's `next`",
    ),
]


BAD_REQUEST: dict[int | str, dict[str, object]] = {
    400: {"description": "Invalid parameter", "content": {"application/problem+json": {}}}
}


def bad(detail: str) -> Problem:
    return Problem(400, detail, title="Invalid request")


def _check_year(value: dt.date, name: str) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise bad(f"`{name}` must be between {MIN_YEAR} and {MAX_YEAR}")


def parse_instant(value: str, name: str, *, end: bool = False) -> dt.datetime:
    """YYYY-MM-DD or an ISO 8601 date-time (no offset = UTC). A bare date as an end bound
    means the end of that day (the bound is exclusive internally)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            _check_year(day, name)
            moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            return moment + dt.timedelta(days=1) if end else moment
        moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise bad(
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
        raise bad(f"`{name}` must be a date YYYY-MM-DD, got {value[:40]!r}") from None
    _check_year(day, name)
    return day


def check_span(start: dt.datetime, end: dt.datetime, settings: Settings) -> None:
    if end <= start:
        raise bad("`to` is before `from`: the date range is inverted or empty")
    if end - start > dt.timedelta(days=settings.max_date_range_days):
        raise bad(f"the date range is longer than {settings.max_date_range_days} days; narrow it")


def time_range(
    date_from: str | None,
    date_to: str | None,
    settings: Settings,
    *,
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
        check_span(start, end, settings)
    return start, end


def text_param(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_TEXT_PARAM:
        raise bad(f"`{name}` is longer than {MAX_TEXT_PARAM} characters")
    if _CONTROL.search(text):
        raise bad(f"`{name}` contains control characters")
    return text


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with % and _ taken literally (escape '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def split_values(values: Iterable[str] | None) -> list[str]:
    """Repeated parameters and comma lists alike: ?category=a&category=b or ?category=a,b."""
    out: list[str] = []
    for value in values or []:
        out += [part.strip() for part in value.split(",") if part.strip()]
    return out


def categories(values: Iterable[str] | None) -> list[str]:
    chosen = split_values(values)
    unknown = [c for c in chosen if c not in CATEGORIES]
    if unknown:
        raise bad(f"unknown category {unknown[0][:40]!r}; known: {', '.join(CATEGORIES)}")
    return list(dict.fromkeys(chosen))


def claim_statuses(values: Iterable[str] | None) -> list[str]:
    chosen = split_values(values)
    unknown = [c for c in chosen if c not in CLAIM_STATUSES]
    if unknown:
        raise bad(f"unknown claim_status {unknown[0][:40]!r}; known: {', '.join(CLAIM_STATUSES)}")
    return list(dict.fromkeys(chosen))


def bbox(value: str | None, settings: Settings) -> Bbox | None:
    """minLon,minLat,maxLon,maxLat (WGS 84). minLon > maxLon crosses the antimeridian."""
    if value is None or not value.strip():
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise bad("`bbox` must be 4 numbers: minLon,minLat,maxLon,maxLat")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise bad("`bbox` must be 4 numbers: minLon,minLat,maxLon,maxLat") from None
    numbers = (min_lon, min_lat, max_lon, max_lat)
    if any(n != n or n in (float("inf"), float("-inf")) for n in numbers):
        raise bad("`bbox` numbers must be finite")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise bad("`bbox` longitudes must be within -180..180")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise bad("`bbox` latitudes must be within -90..90")
    if min_lat > max_lat:
        raise bad("`bbox` minLat is greater than maxLat")
    width = max_lon - min_lon if min_lon <= max_lon else 360 - (min_lon - max_lon)
    area = width * (max_lat - min_lat)
    if area > settings.max_bbox_area_deg2:
        raise bad(
            f"`bbox` covers {area:g} square degrees; the maximum is {settings.max_bbox_area_deg2:g}"
        )
    return min_lon, min_lat, max_lon, max_lat


def limit(value: int | None, settings: Settings) -> int:
    if value is None:
        return settings.page_limit_default
    if not 1 <= value <= settings.page_limit_max:
        raise bad(f"`limit` must be between 1 and {settings.page_limit_max}, got {value}")
    return value


# --- keyset cursors ----------------------------------------------------------------------------


def encode_cursor(key: str, row_id: int) -> str:
    raw = json.dumps([key, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[str, int]:
    """(sort key as ISO text, id); anything else is a 400."""
    try:
        padded = value + "=" * (-len(value) % 4)
        key, row_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(key, str) or not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError
        if not 0 <= row_id < 2**63:
            raise ValueError
        return key, row_id
    except (ValueError, TypeError, binascii.Error, UnicodeError, json.JSONDecodeError):
        raise bad("`cursor` is malformed; use the `next` link of a previous page") from None


def cursor_day(value: str) -> tuple[dt.date, int]:
    key, row_id = decode_cursor(value)
    try:
        return dt.date.fromisoformat(key), row_id
    except ValueError:
        raise bad("`cursor` is malformed; use the `next` link of a previous page") from None


def cursor_instant(value: str) -> tuple[dt.datetime, int]:
    key, row_id = decode_cursor(value)
    try:
        moment = dt.datetime.fromisoformat(key)
    except ValueError:
        raise bad("`cursor` is malformed; use the `next` link of a previous page") from None
    if moment.tzinfo is None:
        raise bad("`cursor` is malformed; use the `next` link of a previous page")
    return moment, row_id


def events_version(session: Session) -> int | None:
    """The newest event id: cheap (primary key index) and changes whenever an event is added."""
    return session.scalar(sa.select(sa.func.max(Event.id)))


def base_url(request: Request, settings: Settings) -> str:
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def page_link(request: Request, settings: Settings, cursor: str) -> str:
    """The same request with `cursor` replaced: an absolute URL."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    pairs.append(("cursor", cursor))
    return f"{base_url(request, settings)}{request.url.path}?{urlencode(pairs)}"


def wants(request: Request, fmt: str | None, allowed: dict[str, str]) -> str:
    """Pick a format from ?format= (must be one of `allowed`), else from Accept, else json.

    `allowed` maps format names to media types, e.g. {"json": "application/json", ...}."""
    if fmt:
        if fmt not in allowed:
            raise bad(f"`format` must be one of {', '.join(allowed)}, got {fmt[:40]!r}")
        return fmt
    accept = request.headers.get("accept", "")
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        for name, media_type in allowed.items():
            if media == media_type and name != "json":
                return name
        if media in ("application/json", "*/*", "application/*"):
            return "json"
    return "json"
