"""Hotspots as an RFC 7946 FeatureCollection (the unpaged export GIS tools and web maps read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlmodel import Session

from app.api.cache import (
    ResponseCache,
    Version,
    cache_key,
    cached_response,
    data_version,
    serve_cached,
)
from app.api.geojson import GEOJSON_MEDIA_TYPE, feature_collection_bytes, hotspot_feature, iso_utc
from app.api.http import AppSettingsDep, app_settings, json_bytes, matches_if_none_match
from app.api.live import Held, WindowMemo
from app.api.problems import PROBLEM_MEDIA_TYPE, Problem
from app.api.routes import params
from app.assessment import methodology as m
from app.assessment.area import Area
from app.assessment.hotspots import HotspotResult
from app.assessment.scoring import day_bounds, load_span_bounds
from app.assessment.situation import ThreatLevel, assess_situation, span_needed
from app.core.config import Settings
from app.query.hotspots import HotspotQuery
from app.query.params import BBox

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
                "detail": "A missile launch (May 26) at Jongju, confirmed by an independent "
                "authority.",
                "intensity": 4,
                "event_count": 1,
                "categories": ["missile_test"],
                "first_seen": "2026-05-26T04:30:00Z",
                "last_seen": "2026-05-27T00:55:00Z",
                "precision": "city",
                "event_ids": [41],
            },
        }
    ],
    "omitted_events": 1,
    "window": {"from": "2026-05-21T00:00:00Z", "to": "2026-05-29T00:00:00Z"},
    "as_of": "2026-05-29T00:00:00Z",
    "computed_at": "2026-05-29T00:00:00Z",
    "threat_level": {"level": "High", "score": 63.5, "event_count": 10},
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
    threat_level: dict[str, Any] | None = None  # the same window's level, as /threat-level

    @classmethod
    def of(cls, result: HotspotResult, threat: ThreatLevel | None = None) -> HotspotLayer:
        return cls(
            features=[json_bytes(hotspot_feature(h)) for h in result.hotspots],
            places=[Place(h.intensity, h.lon, h.lat) for h in result.hotspots],
            omitted_events=result.omitted_events,
            threat_level=None
            if threat is None
            else {
                "level": threat.level,
                "score": threat.score,
                "event_count": threat.event_count,
            },
        )


def hotspot_layer(
    session: Session,
    *,
    days: tuple[dt.date, dt.date],
    known_at: dt.datetime,
    area: Area,
    categories: tuple[str, ...] | None,
) -> Held[HotspotLayer]:
    """A window's hotspot layer as known at `known_at`, and the instants at which it holds."""
    situation = assess_situation(session, *days, as_of=known_at, area=area, categories=categories)
    return Held(
        HotspotLayer.of(situation.hotspots, situation.threat),
        situation.known.since,
        situation.known.until,
    )


def hotspot_request(
    settings: Settings,
    date_from: str | None,
    date_to: str | None,
    bbox: str | None,
    min_intensity: int | None,
    category: list[str] | None,
    as_of: str | None,
) -> tuple[HotspotQuery, Area]:
    """The request as the query it is computed from (the response cache's key), and the area."""
    start, end = params.time_range(date_from, date_to, settings, default_days=DEFAULT_DAYS)
    assert start is not None and end is not None
    if end - start > dt.timedelta(days=settings.computed_window_max_days):
        # Hotspots are computed over every event of the window: its length bounds the work.
        raise params.bad(
            f"hotspots are computed over at most {settings.computed_window_max_days} days "
            "(WATCHFLOOR_COMPUTED_WINDOW_MAX_DAYS); narrow `from`..`to`"
        )
    box = params.bbox(bbox, settings)
    query = HotspotQuery(
        start=start,
        end=end,
        known_at=params.parse_instant(as_of, "as_of") if as_of else end,
        categories=tuple(params.categories(category)),
        bbox=None if box is None else BBox(*box),
        min_intensity=min_intensity,
    )
    return query, Area.from_settings(settings)


async def hotspot_generation(
    request: Request, query: HotspotQuery, area: Area
) -> tuple[tuple[dt.date, dt.date], tuple[Any, ...], Version, int | None]:
    """(the day span, the window memo's key, the data version, the generation of the layer
    that answers now: None when none does yet)."""
    # The grouping depends on whole days and on what is known: the default window moves every
    # minute, but its hotspots are computed once per day span, data and set of known reports
    # (app/api/live.py), then re-rendered.
    memo: WindowMemo = request.app.state.window_memo
    days = day_bounds(query.start, query.end)
    key = ("hotspots", days, query.categories, area)
    version = await data_version(request)
    return days, key, version, memo.generation(key, version, query.known_at)


# The parameters of /hotspots; `category` alone may repeat.
PARAMETERS = frozenset({"from", "to", "bbox", "min_intensity", "category", "as_of"})
INTENSITIES = {str(i): i for i in range(1, 6)}


async def held_answer(request: Request) -> Response | None:
    """The 304 for a client that holds the current answer, decided before FastAPI reads the
    parameters (its validation cost more than the rest of the answer): the parameters the
    cache key needs are parsed as the endpoint parses them, the data version is read (the
    answer is never older than the request), and the response cache says whether the body
    for that key is the one the client holds. Anything else (an unusual or invalid
    parameter, a body not cached yet, another validator) is left to the endpoint (None)."""
    asked = request.query_params
    items = asked.multi_items()
    for name, _ in items:
        if name not in PARAMETERS:
            return None
    one: dict[str, str] = {}
    for name, value in items:
        if name != "category":
            if name in one:
                return None
            one[name] = value
    raw_intensity = one.get("min_intensity")
    if raw_intensity is not None and raw_intensity not in INTENSITIES:
        return None
    try:
        query, area = hotspot_request(
            await app_settings(request),
            one.get("from"),
            one.get("to"),
            one.get("bbox"),
            None if raw_intensity is None else INTENSITIES[raw_intensity],
            asked.getlist("category") or None,
            one.get("as_of"),
        )
    except Problem:
        return None
    _, _, version, generation = await hotspot_generation(request, query, area)
    if generation is None:
        return None
    cache: ResponseCache = request.app.state.response_cache
    key = cache_key(request, version, (generation,), (query, area))
    cached = cache.get(key)
    if cached is None or not matches_if_none_match(
        request.headers.get("if-none-match"), cached.etag
    ):
        return None
    return await serve_cached(request, cache, key, cached, GEOJSON_MEDIA_TYPE)


class ConditionalFirstRoute(APIRoute):
    """/hotspots: a conditional request is answered by `held_answer` when it can be."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def conditional_first(request: Request) -> Response:
            if (
                request.headers.get("if-none-match")
                and (held := await held_answer(request)) is not None
            ):
                return held
            return await handler(request)

        return conditional_first


router = APIRouter(tags=["hotspots"], route_class=ConditionalFirstRoute)


@router.get(
    "/hotspots",
    operation_id="getHotspots",
    summary="Events grouped by place, as GeoJSON",
    description=(
        f"Default window: the last {DEFAULT_DAYS} days. The window's events as known at `as_of` "
        "(default: the window's end, as /threat-level?at= answers), grouped by place: the same "
        "hotspots as the report for that period and as_of. Each feature's properties carry "
        "label, detail (one sentence on what happened there), intensity (1-5, from the summed "
        "weight of the place's events in the window), event_count, categories, first_seen, "
        "last_seen, precision and event_ids. Only places inside the area of interest (setting "
        "WATCHFLOOR_AREA_OF_INTEREST) are drawn, and only where an event makes a hotspot on its "
        "own (visits, talks and announced plans do not); `omitted_events` counts the rest. "
        "`threat_level`: the same window's level, score and event count (as /threat-level). "
        "`computed_at`: `as_of`, except right after the data changed, when the previous "
        "layer is served while the new one is computed (WATCHFLOOR_STALE_WHILE_RECOMPUTE): "
        "then the instant its data was last current."
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
    as_of: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": params.DATE_OR_INSTANT},
            description="Count only what was published by this instant (default: the window's "
            "end, `to`)",
            examples=["2026-05-29T00:00:00Z"],
        ),
    ] = None,
) -> Response:
    query, area = hotspot_request(
        settings, date_from, date_to, bbox, min_intensity, category, as_of
    )
    memo: WindowMemo = request.app.state.window_memo
    days, key, version, generation = await hotspot_generation(request, query, area)

    # A picklable recipe: a background recomputation runs it in another process.
    layer_of = partial(
        hotspot_layer,
        days=days,
        known_at=query.known_at,
        area=area,
        categories=query.categories or None,
    )

    def compute(session: Session) -> bytes:
        served = memo.answer(
            session,
            key,
            load_span_bounds(*span_needed(*days)),
            version,
            query.known_at,
            layer_of,
        )
        layer = served.value
        features = (
            feature
            for place, feature in zip(layer.places, layer.features, strict=True)
            if query.keeps(place.intensity, place.lon, place.lat)
        )
        return feature_collection_bytes(
            features,
            omitted_events=layer.omitted_events,
            window={"from": iso_utc(query.start), "to": iso_utc(query.end)},
            as_of=iso_utc(query.known_at),
            # `as_of`, or, for the previous layer served while the window is recomputed,
            # the instant its data was last current.
            computed_at=iso_utc(served.stale_since or query.known_at),
            threat_level=layer.threat_level,
            methodology_version=m.METHODOLOGY_VERSION,
        )

    return await cached_response(
        request,
        compute,
        GEOJSON_MEDIA_TYPE,
        query=(query, area),
        inputs=(generation,),
        version=version,
        store=generation is not None,
    )
