"""Hotspots as an RFC 7946 FeatureCollection (the unpaged export GIS tools and web maps read)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.api.cache import cached_response, data_version
from app.api.geojson import GEOJSON_MEDIA_TYPE, feature_collection_bytes, hotspot_feature, iso_utc
from app.api.http import AppSettingsDep, json_bytes
from app.api.live import Held, WindowMemo
from app.api.problems import PROBLEM_MEDIA_TYPE
from app.api.routes import params
from app.assessment import methodology as m
from app.assessment.hotspots import HotspotResult, compute_hotspots
from app.assessment.scoring import day_bounds

router = APIRouter(tags=["hotspots"])

DEFAULT_DAYS = m.WINDOW_DAYS

EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "jongju",
            "geometry": {"type": "Point", "coordinates": [125.2103, 39.6933]},
            "properties": {
                "label": "Jongju",
                "detail": "North Korea fires ballistic missiles from Jongju (2026-05-26).",
                "intensity": 4,
                "event_count": 2,
                "categories": ["missile_test"],
                "first_seen": "2026-05-26T04:30:00Z",
                "last_seen": "2026-05-27T00:55:00Z",
                "precision": "city",
                "event_ids": [41, 44],
            },
        }
    ],
    "omitted_events": 1,
    "window": {"from": "2026-05-21T00:00:00Z", "to": "2026-05-29T00:00:00Z"},
}


@dataclass(frozen=True)
class Place:
    """What the filters read of a hotspot."""

    intensity: int
    lon: float
    lat: float


@dataclass(frozen=True)
class HotspotLayer:
    """A window's hotspots as served: each one's feature encoded once (a week's are ~350 KB),
    and what the filters read. Not the hotspots themselves: they list every event id."""

    features: list[bytes]
    places: list[Place]
    omitted_events: int

    @classmethod
    def of(cls, result: HotspotResult) -> HotspotLayer:
        return cls(
            features=[json_bytes(hotspot_feature(h)) for h in result.hotspots],
            places=[Place(h.intensity, h.lon, h.lat) for h in result.hotspots],
            omitted_events=result.omitted_events,
        )


def within(place: Place, box: params.Bbox) -> bool:
    min_lon, min_lat, max_lon, max_lat = box
    if not min_lat <= place.lat <= max_lat:
        return False
    if min_lon <= max_lon:
        return min_lon <= place.lon <= max_lon
    return place.lon >= min_lon or place.lon <= max_lon


@router.get(
    "/hotspots",
    operation_id="getHotspots",
    summary="Events grouped by place, as GeoJSON",
    description=(
        f"Default window: the last {DEFAULT_DAYS} days. Each feature's properties carry label, "
        "detail, intensity (1-5), event_count, categories, first_seen, last_seen, precision and "
        "event_ids. Events without a point are not drawn; `omitted_events` counts them."
    ),
    response_class=Response,
    responses={
        200: {"content": {GEOJSON_MEDIA_TYPE: {"example": EXAMPLE}}},
        400: {"description": "Invalid parameter", "content": {PROBLEM_MEDIA_TYPE: {}}},
    },
)
async def get_hotspots(
    request: Request,
    settings: AppSettingsDep,
    date_from: params.FromQuery = None,
    date_to: params.ToQuery = None,
    bbox: Annotated[
        str | None, Query(description="minLon,minLat,maxLon,maxLat", examples=["124,37,131,43"])
    ] = None,
    min_intensity: Annotated[int | None, Query(ge=1, le=5)] = None,
    category: Annotated[
        list[str] | None, Query(description="Repeatable or comma-separated category list")
    ] = None,
) -> Response:
    start, end = params.time_range(date_from, date_to, settings, default_days=DEFAULT_DAYS)
    assert start is not None and end is not None
    box = params.bbox(bbox, settings)
    chosen = params.categories(category)

    # The grouping depends on whole days only: the default window moves every minute, but its
    # hotspots are computed once per day span and data (app/api/live.py), then re-rendered.
    memo: WindowMemo = request.app.state.window_memo
    days = day_bounds(start, end)
    key = ("hotspots", days, tuple(chosen))
    version = await data_version(request)
    generation = memo.generation(key, version, end)

    def compute(session: Session) -> bytes:
        layer = memo.get(
            session,
            key,
            days,
            version,
            end,
            lambda s: Held(
                HotspotLayer.of(
                    compute_hotspots(s, start=start, end=end, categories=chosen or None)
                )
            ),
        )
        features = (
            feature
            for place, feature in zip(layer.places, layer.features, strict=True)
            if (min_intensity is None or place.intensity >= min_intensity)
            and (box is None or within(place, box))
        )
        return feature_collection_bytes(
            features,
            omitted_events=layer.omitted_events,
            window={"from": iso_utc(start), "to": iso_utc(end)},
            methodology_version=m.METHODOLOGY_VERSION,
        )

    return await cached_response(
        request,
        compute,
        GEOJSON_MEDIA_TYPE,
        inputs=(start, end, generation),
        version=version,
        store=generation is not None,
    )
