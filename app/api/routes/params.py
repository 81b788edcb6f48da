"""Query parameters of the routers: adapters over the query layer's one parser
(app/query/params.py, shared with the OGC API); every failure is a 400 with a clear detail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import Query, Request
from sqlmodel import Session

from app.api.problems import Problem
from app.core.categories import CATEGORIES
from app.core.config import Settings
from app.core.models import CLAIM_STATUSES, Event
from app.query import cursor as query_cursor
from app.query import params as query_params
from app.query.events import like_pattern
from app.query.params import split_values

__all__ = ["like_pattern", "split_values"]

_CONTROL = query_params._CONTROL  # admin.py checks feed URLs and titles with it
MIN_YEAR, MAX_YEAR = query_params.MIN_YEAR, query_params.MAX_YEAR
MAX_TEXT_PARAM = query_params.MAX_TEXT_PARAM

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


def parse_instant(value: str, name: str, *, end: bool = False) -> dt.datetime:
    return query_params.parse_instant(value, name, end=end)


def parse_day(value: str, name: str) -> dt.date:
    return query_params.parse_day(value, name)


def time_range(
    date_from: str | None,
    date_to: str | None,
    settings: Settings,
    *,
    default_days: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start, end) from optional `from`/`to` (app/query/params.py, shared with the OGC API)."""
    return query_params.parse_window(
        date_from,
        date_to,
        max_days=settings.max_date_range_days,
        default_days=default_days,
        now=now,
    )


def text_param(value: str | None, name: str) -> str | None:
    return query_params.parse_text(value, name)


def categories(values: Iterable[str] | None) -> list[str]:
    return list(query_params.parse_choices(values, "category", CATEGORIES))


def claim_statuses(values: Iterable[str] | None) -> list[str]:
    return list(query_params.parse_choices(values, "claim_status", CLAIM_STATUSES))


def bbox(value: str | None, settings: Settings) -> Bbox | None:
    """minLon,minLat,maxLon,maxLat (WGS 84). minLon > maxLon crosses the antimeridian."""
    if value is None or not value.strip():
        return None
    return query_params.parse_bbox(value, max_area=settings.max_bbox_area_deg2).as_tuple()


def limit(value: int | None, settings: Settings) -> int:
    if value is None:
        return settings.page_limit_default
    if not 1 <= value <= settings.page_limit_max:
        raise bad(f"`limit` must be between 1 and {settings.page_limit_max}, got {value}")
    return value


# --- keyset cursors (the one codec: app/query/cursor.py) ---------------------------------------


def encode_cursor(order: str, key: str, row_id: int) -> str:
    return query_cursor.encode_cursor(order, key, row_id)


def cursor_instant(order: str, value: str) -> tuple[dt.datetime, int]:
    moment, row_id = query_cursor.decode_cursor(value, order, dt.datetime, int)
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
