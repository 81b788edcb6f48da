"""Query parameters of the OGC API, parsed by hand so every bad value is an OGC 400.

FastAPI's own validation would answer 422 and refuse a `limit` above the maximum; OGC API -
Features wants 400 with `code`/`description` for invalid or unknown parameters and a clamped
`limit`. bbox, time and the event filters are parsed by the query layer (app/query), the same
code `/events` uses; this module adds only what is OGC's own: `limit` clamping, `f`, and the
collection's declared filters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.api.ogc.errors import invalid_parameter
from app.query.params import (
    BBox,
    QueryPairs,
    TimeInterval,
    group_pairs,
    parse_bbox,
    parse_int,
    parse_interval,
)

__all__ = [
    "BBox",
    "FilterValue",
    "ItemsQuery",
    "PropertyFilter",
    "QueryPairs",
    "TimeInterval",
    "parse_bbox",
    "parse_datetime",
    "parse_items_query",
    "parse_limit",
    "single_values",
]

FilterValue = Any

# `f` is accepted (as pygeoapi-style clients send it) but only for the one encoding we serve.
FORMAT_PARAMETER = "f"
FORMAT_VALUES = frozenset({"json", "geojson", "application/geo+json", "application/json"})
# The sync contract's parameter, on the layers that have a change order (events).
UPDATED_SINCE = "updated_since"

parse_datetime = parse_interval


class DeclaredFilter(Protocol):
    """A filter a collection declares: its parameter name, whether it may repeat, its parser."""

    @property
    def name(self) -> str: ...

    @property
    def repeatable(self) -> bool: ...

    @property
    def description(self) -> str: ...

    @property
    def schema(self) -> Mapping[str, Any]: ...

    def parse_values(self, values: Sequence[str]) -> Any: ...


@dataclass(frozen=True)
class PropertyFilter:
    """A plain equality (or `min_*` threshold) filter a collection declares in /ogc/api."""

    name: str
    kind: Literal["string", "integer"]
    description: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    repeatable: bool = False

    def parse(self, raw: str) -> FilterValue:
        if self.kind == "integer":
            return parse_int(self.name, raw, self.minimum, self.maximum)
        value = raw.strip()
        if not value:
            raise invalid_parameter(f"`{self.name}` must not be empty")
        if self.choices and value not in self.choices:
            raise invalid_parameter(
                f"unknown {self.name} {value[:40]!r}; known: {', '.join(self.choices)}"
            )
        return value

    def parse_values(self, values: Sequence[str]) -> FilterValue:
        return self.parse(values[-1])

    @property
    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.kind}
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@dataclass(frozen=True)
class ItemsQuery:
    bbox: BBox | None = None
    datetime: TimeInterval | None = None
    limit: int = 100
    cursor: str | None = None
    properties: Mapping[str, FilterValue] = field(default_factory=dict)
    # The selection parameters as the client sent them, re-encoded into `self`/`next` links.
    selection: tuple[tuple[str, str], ...] = ()
    updated_since: str | None = None


def single_values(pairs: QueryPairs, allowed: set[str] | frozenset[str]) -> dict[str, str]:
    """Reject unknown and repeated parameters; return name -> value."""
    values = {name: found[-1] for name, found in group_pairs(pairs, allowed).items()}
    if FORMAT_PARAMETER in values and values[FORMAT_PARAMETER] not in FORMAT_VALUES:
        raise invalid_parameter("`f` must be json or geojson: it is the only encoding served")
    return values


def parse_items_query(
    pairs: QueryPairs,
    filters: Sequence[DeclaredFilter],
    *,
    limit_default: int,
    limit_max: int,
    paged: bool = True,
    max_bbox_area: float | None = None,
    changes: bool = False,
) -> ItemsQuery:
    """The items (or export) request: bbox, datetime, filters and, when paged, limit/cursor;
    with `changes`, the sync contract's `updated_since` too."""
    by_name = {f.name: f for f in filters}
    selecting = {"bbox", "datetime", *by_name}
    if changes:
        selecting.add(UPDATED_SINCE)
    allowed = {FORMAT_PARAMETER, *selecting}
    if paged:
        allowed |= {"limit", "cursor"}
    grouped = group_pairs(pairs, allowed, repeatable=[f.name for f in filters if f.repeatable])
    values = single_values([(k, v[-1]) for k, v in grouped.items()], allowed)
    selection = tuple((name, value) for name, value in pairs if name in selecting)
    cursor = values.get("cursor")
    if cursor is not None and not cursor:
        raise invalid_parameter("`cursor` must not be empty; take it from a `next` link")
    return ItemsQuery(
        bbox=parse_bbox(values["bbox"], max_area=max_bbox_area) if "bbox" in values else None,
        datetime=parse_interval(values["datetime"]) if "datetime" in values else None,
        limit=parse_limit(values.get("limit"), limit_default, limit_max),
        cursor=cursor,
        properties={
            name: by_name[name].parse_values(found)
            for name, found in grouped.items()
            if name in by_name
        },
        selection=selection,
        updated_since=values.get(UPDATED_SINCE),
    )


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    """/req/core/fc-limit-response-1: above the maximum the maximum is used, not refused."""
    if raw is None:
        return min(default, maximum)
    return min(parse_int("limit", raw, 1, None), maximum)
