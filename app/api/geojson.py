"""RFC 7946 serialisation shared by /hotspots, /events?format=geojson and the OGC API.

Every feature of a layer carries the same property keys (null when unknown), because GDAL and
QGIS take a layer's fields from its first page. Coordinates are [lon, lat], rounded to
COORDINATE_DECIMALS; no `crs` member; ids are strings or integers, never null.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.api.http import json_bytes
from app.assessment.hotspots import Hotspot
from app.core.isotime import iso_z
from app.query.events import EventListRow, string_list_json

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


# The one ISO-Z formatter (app/core/isotime.py), under the name the GeoJSON writers use.
iso_utc = iso_z


def point(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    if lon is None or lat is None:
        return None
    return {
        "type": "Point",
        "coordinates": [round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)],
    }


def event_feature(row: Any) -> dict[str, Any]:
    """A page row (EventListRow, app/query/events.py) as a Feature, for `json_bytes`: its
    dates and instants left to the encoder (written as `iso_utc` writes them)."""
    r = EventListRow.of(row)
    properties: dict[str, Any] = {
        "title": r.title,
        "category": r.category,
        "event_date": r.event_date,
        "date_precision": r.date_precision,
        "location_name": r.location_name,
        "location_precision": r.location_precision,
        "severity": r.severity,
        "claim_status": r.claim_status,
        "confidence": round(r.confidence, 3),
        "corroboration": r.corroboration,
        "actors": string_list_json(r.actors),
        "weapons": string_list_json(r.weapons),
        "first_reported_at": r.first_reported_at,
        "last_reported_at": r.last_reported_at,
    }
    # `point(lon, lat)`, inline: this runs once per feature of every page.
    geometry = (
        None
        if r.lon is None or r.lat is None
        else {
            "type": "Point",
            "coordinates": [round(r.lon, COORDINATE_DECIMALS), round(r.lat, COORDINATE_DECIMALS)],
        }
    )
    return {"type": "Feature", "id": r.id, "geometry": geometry, "properties": properties}


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
