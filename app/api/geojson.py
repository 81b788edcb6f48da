"""RFC 7946 serialisation shared by /hotspots, /events?format=geojson and the OGC API.

Every feature of a layer carries the same property keys (null when unknown), because GDAL and
QGIS take a layer's fields from its first page. Coordinates are [lon, lat], rounded to
COORDINATE_DECIMALS; no `crs` member; ids are strings or integers, never null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.api.http import json_bytes
from app.assessment.hotspots import Hotspot
from app.core.models import Event

GEOJSON_MEDIA_TYPE = "application/geo+json"
COORDINATE_DECIMALS = 5  # about 1 m: far finer than any gazetteer point

EVENT_PROPERTY_KEYS = (
    "title",
    "category",
    "event_date",
    "date_precision",
    "location_name",
    "location_precision",
    "severity",
    "claim_status",
    "confidence",
    "corroboration",
    "actors",
    "weapons",
    "first_reported_at",
    "last_reported_at",
)
HOTSPOT_PROPERTY_KEYS = (
    "label",
    "detail",
    "intensity",
    "event_count",
    "categories",
    "first_seen",
    "last_seen",
    "precision",
    "event_ids",
)


# What event lists read (/events as JSON, GeoJSON or CSV; OGC events items): every column but
# the merge key, the figures and the row's own timestamps. Plain rows of these, not ORM
# objects: a page is read once and serialised, and `figures` alone was a third of a page's
# JSON decoding.
EVENT_LIST_COLUMNS = tuple(
    column
    for column in Event.__table__.columns  # type: ignore[attr-defined]
    if column.key not in ("key", "figures", "created_at", "updated_at")
)


def iso_utc(value: dt.datetime | None) -> str | None:
    """RFC 3339 with a Z, second precision (GDAL types it DateTime)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def point(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    if lon is None or lat is None:
        return None
    return {
        "type": "Point",
        "coordinates": [round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)],
    }


def event_point_in_bbox(
    west: float, south: float, east: float, north: float
) -> sa.ColumnElement[bool]:
    """The event's point lies in the box; west > east is a box across the antimeridian."""
    if west <= east:
        lon_inside = Event.lon.between(west, east)
    else:
        lon_inside = sa.or_(Event.lon >= west, Event.lon <= east)
    return sa.and_(Event.lat.between(south, north), lon_inside)


def event_feature(event: Event) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "title": event.title,
        "category": event.category,
        "event_date": event.event_date.isoformat(),
        "date_precision": event.date_precision,
        "location_name": event.location_name,
        "location_precision": event.location_precision,
        "severity": event.severity,
        "claim_status": event.claim_status,
        "confidence": round(event.confidence, 3),
        "corroboration": event.corroboration,
        "actors": list(event.actors or []),
        "weapons": list(event.weapons or []),
        "first_reported_at": iso_utc(event.first_reported_at),
        "last_reported_at": iso_utc(event.last_reported_at),
    }
    return {
        "type": "Feature",
        "id": event.id,
        "geometry": point(event.lon, event.lat),
        "properties": properties,
    }


def hotspot_feature(hotspot: Hotspot) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "label": hotspot.label,
        "detail": hotspot.detail,
        "intensity": hotspot.intensity,
        "event_count": hotspot.event_count,
        "categories": list(hotspot.categories),
        "first_seen": iso_utc(hotspot.first_seen),
        "last_seen": iso_utc(hotspot.last_seen),
        "precision": hotspot.precision,
        "event_ids": list(hotspot.event_ids),
    }
    return {
        "type": "Feature",
        "id": hotspot.id,
        "geometry": point(hotspot.lon, hotspot.lat),
        "properties": properties,
    }


def feature_collection(features: Iterable[dict[str, Any]], **foreign: Any) -> dict[str, Any]:
    """A FeatureCollection; foreign members (links, numberMatched...) follow `features`."""
    return {"type": "FeatureCollection", "features": list(features), **foreign}


def feature_collection_bytes(features: Iterable[bytes], **foreign: Any) -> bytes:
    """`json_bytes(feature_collection(...))` from features already encoded by `json_bytes`:
    a layer reused across requests is encoded once, only the foreign members each time."""
    members = [b'"type":"FeatureCollection"', b'"features":[' + b",".join(features) + b"]"]
    members += [json_bytes(name) + b":" + json_bytes(value) for name, value in foreign.items()]
    return b"{" + b",".join(members) + b"}"
