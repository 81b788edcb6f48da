"""Thin FastAPI adapter over the OGC core: links from the request, JSON out.

Query parameters are read from the raw request (never declared to FastAPI), so no request
can end in a 422: invalid and unknown parameters are OGC 400s from app.api.ogc.params.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Annotated, Any, TypeVar

import anyio
import sqlalchemy as sa
from fastapi import APIRouter, Path, Request, Response
from sqlmodel import Session

from app.api.cache import (
    CachedBody,
    HeldItem,
    HeldItems,
    ResponseCache,
    data_version,
    read,
    read_in_session,
    read_session,
    serve_cached,
)
from app.api.deps import SessionDep, SettingsDep
from app.api.http import json_bytes
from app.api.ogc import service
from app.api.ogc.errors import OGCError
from app.api.ogc.links import GEOJSON, JSON, OPENAPI_30, LinkBuilder, service_root
from app.api.ogc.params import single_values
from app.api.ogc.providers import EVENT_ID
from app.api.problems import problem_response
from app.core.config import Settings

logger = logging.getLogger(__name__)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Response | Awaitable[Response]])

CollectionId = Annotated[str, Path(alias="collectionId", description="`events` or `hotspots`")]
FeatureId = Annotated[str, Path(alias="featureId", description="A feature's `id`")]
SEE_API = "Parameters and responses: the OGC API definition at /ogc/api."

ogc_router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
export_router = APIRouter(prefix="/export", tags=["GeoJSON export"])


PROBLEM_CONTENT: dict[str, Any] = {"application/problem+json": {}}
ONLY_F = frozenset({"f"})  # the documents without parameters of their own
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid or unknown parameter (OGC `code`)", "content": PROBLEM_CONTENT},
    404: {"description": "No such collection or feature", "content": PROBLEM_CONTENT},
}


def ogc_get(
    target: APIRouter, path: str, *, media_type: str = JSON, **documented: Any
) -> Callable[[Endpoint], Endpoint]:
    """A documented GET whose body is `media_type` (HEAD, which `/vsicurl/` probes with first,
    is answered for every GET by app/api/rules.py)."""

    def register(endpoint: Endpoint) -> Endpoint:
        responses = {200: {"content": {media_type: {}}}, **ERROR_RESPONSES}
        target.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            response_class=Response,
            responses=responses,
            **documented,
        )
        return endpoint

    return register


def link_builder(request: Request, settings: Settings) -> LinkBuilder:
    return LinkBuilder(
        service_root(
            public_base_url=settings.public_base_url,
            scheme=request.url.scheme,
            host=request.headers.get("host") or request.url.netloc,
            headers=request.headers,
            root_path=request.scope.get("root_path", ""),
        )
    )


def respond(
    request: Request,
    media_type: str,
    build: Callable[[], dict[str, Any]],
    *,
    parameters: frozenset[str] | None = ONLY_F,
) -> Response:
    """Serialise `build()`; OGC errors become problem+json with `code` and `description`.
    `parameters`: the query parameters this resource takes (None: `build` checks them)."""
    try:
        if parameters is not None:
            single_values(request.query_params.multi_items(), parameters)
        body = build()
    except OGCError as exc:
        logger.info(
            "ogc request refused",
            extra={"path": request.url.path, "status": exc.status, "code": exc.code},
        )
        response: Response = problem_response(
            exc.status,
            exc.description,
            instance=request.url.path,
            code=exc.code,
            description=exc.description,
        )
    else:
        response = Response(json_bytes(body), media_type=media_type)
    return response


@ogc_get(ogc_router, "", operation_id="ogcLanding", summary="OGC landing page", description=SEE_API)
@ogc_get(ogc_router, "/", include_in_schema=False)
def landing(request: Request, settings: SettingsDep) -> Response:
    links = link_builder(request, settings)
    return respond(request, JSON, lambda: service.landing_page(links))


@ogc_get(
    ogc_router, "/conformance", operation_id="ogcConformance", summary="OGC conformance classes"
)
def conformance(request: Request) -> Response:
    return respond(request, JSON, service.conformance)


@ogc_get(
    ogc_router,
    "/api",
    media_type=OPENAPI_30,
    operation_id="ogcApiDefinition",
    summary="OGC API definition (OpenAPI 3.0)",
)
def api(request: Request, settings: SettingsDep) -> Response:
    links = link_builder(request, settings)
    return respond(request, OPENAPI_30, lambda: service.api_document(links, settings))


@ogc_get(
    ogc_router,
    "/collections",
    operation_id="ogcCollections",
    summary="OGC collections",
    description=SEE_API,
)
def collections(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    links = link_builder(request, settings)
    return respond(request, JSON, lambda: service.collections_document(session, links))


@ogc_get(
    ogc_router,
    "/collections/{collectionId}",
    operation_id="ogcCollection",
    summary="One OGC collection",
)
def collection(
    request: Request, collection_id: CollectionId, session: SessionDep, settings: SettingsDep
) -> Response:
    links = link_builder(request, settings)
    return respond(
        request, JSON, lambda: service.collection_document(session, links, collection_id)
    )


@ogc_get(
    ogc_router,
    "/collections/{collectionId}/queryables",
    media_type="application/schema+json",
    operation_id="ogcQueryables",
    summary="What an OGC collection's features can be filtered on (JSON Schema, Part 3)",
)
def queryables(request: Request, collection_id: CollectionId, settings: SettingsDep) -> Response:
    links = link_builder(request, settings)
    pairs = request.query_params.multi_items()
    return respond(
        request,
        "application/schema+json",
        lambda: service.queryables_document(links, collection_id, pairs),
        parameters=None,
    )


@ogc_get(
    ogc_router,
    "/collections/{collectionId}/items",
    media_type=GEOJSON,
    operation_id="ogcItems",
    summary="Features of an OGC collection (GeoJSON, paged)",
    description=SEE_API,
)
async def items(request: Request, collection_id: CollectionId, settings: SettingsDep) -> Response:
    links = link_builder(request, settings)
    pairs = request.query_params.multi_items()

    # One hop to a worker thread, not the framework's three (endpoint, session dependency in
    # and out). An events page is single statements: an autocommit session saves BEGIN and
    # COMMIT. Hotspots stream their rows through a server-side cursor: a transaction.
    def build(session: Session) -> Response:
        return respond(
            request,
            GEOJSON,
            lambda: service.items_document(session, links, settings, collection_id, pairs),
            parameters=None,
        )

    def answer() -> Response:
        if collection_id == "events":
            return read_in_session(build)
        with read_session() as session:
            return build(session)

    if collection_id != "events":
        return await anyio.to_thread.run_sync(answer)
    return await cached_events_page(request, links, answer)


async def cached_events_page(
    request: Request,
    links: LinkBuilder,
    answer: Callable[[], Response],
    *,
    per_second: bool = True,
) -> Response:
    """An events page (or one event: `per_second` False) rendered once per data version and
    second (a page's `timeStamp`), then served again: the version is read after the request
    arrived, so a page of older data is never served; a page read at a newer version than the
    key's is newer data, never older."""
    version = await data_version(request)
    second = dt.datetime.now(dt.UTC).replace(microsecond=0) if per_second else None
    key = (request.url.path, request.url.query, links.root, second, version)
    pages: ResponseCache = request.app.state.page_cache
    cached = pages.get(key)
    if cached is None:
        # Computed once for all the requests that miss this key together (under ingest the
        # version moves every few milliseconds: every client misses each new one at once).
        answered = await pages.once(
            ("answer", key), lambda: _cacheable(answer()), _keep(pages, key)
        )
        if isinstance(answered, Response):
            return answered  # a problem: answered as it is, never kept
        cached = answered
    return await serve_cached(request, pages, key, cached, GEOJSON)


def _cacheable(response: Response) -> CachedBody | Response:
    """A 200's body as a cached body; anything else (a problem) as the response itself."""
    if response.status_code != HTTPStatus.OK:
        return response
    return CachedBody.of(bytes(response.body))


def _keep(pages: ResponseCache, key: tuple[Any, ...]) -> Callable[[CachedBody | Response], None]:
    def keep(answered: CachedBody | Response) -> None:
        if isinstance(answered, CachedBody):
            pages.put(key, answered)

    return keep


@ogc_get(
    ogc_router,
    "/collections/{collectionId}/items/{featureId}",
    media_type=GEOJSON,
    operation_id="ogcItem",
    summary="One feature of an OGC collection (GeoJSON)",
)
async def item(
    request: Request,
    collection_id: CollectionId,
    feature_id: FeatureId,
    settings: SettingsDep,
) -> Response:
    links = link_builder(request, settings)
    pairs = request.query_params.multi_items()

    def build(session: Session) -> Response:
        return respond(
            request,
            GEOJSON,
            lambda: service.item_document(session, links, collection_id, feature_id, pairs),
            parameters=None,
        )

    def answer() -> Response:
        if collection_id == "events":
            return read_in_session(build)  # one statement: no transaction needed
        with read_session() as session:
            return build(session)

    if collection_id != "events":
        return await anyio.to_thread.run_sync(answer)
    if not EVENT_ID.fullmatch(feature_id):
        # Never a feature (the provider answers 404): kept per data version like a page.
        return await cached_events_page(request, links, answer, per_second=False)
    return await cached_event_item(request, links, int(feature_id), answer)


ROW_CHANGE = sa.text("SELECT change_seq FROM events WHERE id = :event_id")


def row_change(event_id: int) -> int | None:
    """The row's own change sequence (None: no such event): one primary-key read."""
    value = read(lambda conn: conn.execute(ROW_CHANGE, {"event_id": event_id}).scalar())
    return None if value is None else int(value)


async def cached_event_item(
    request: Request, links: LinkBuilder, event_id: int, answer: Callable[[], Response]
) -> Response:
    """One event as a feature: a function of that row alone (and of what was asked), not of
    the other events. It is rendered once per state of the row: every insert or update of a
    row draws a new change sequence for it (app/core/changes.py), so when the data version
    moved, one primary-key read of the row's change sequence says whether the held body is
    still the row's current one. The row is read after the request arrived (its version
    read), so a body of an older state of the row is never served."""
    version = await data_version(request)
    held_items: HeldItems = request.app.state.held_items
    key = (request.url.path, request.url.query, links.root)
    pages: ResponseCache = request.app.state.page_cache
    held = held_items.get(key, pages.ttl)
    if held is not None and held.version != version:
        known = held

        def check() -> HeldItem | None:
            return known if row_change(event_id) == known.change_seq else None

        def keep(current: HeldItem | None) -> None:
            if current is not None:
                current.version = version

        if await pages.once(("row", key, version), check, keep) is None:
            held = None
    if held is None:

        def render() -> HeldItem | Response:
            # The row's change sequence first, then the row: the body is of that state or a
            # later one, so a held body is never newer than it claims (it is re-read then).
            change = row_change(event_id)
            answered = _cacheable(answer())
            if isinstance(answered, Response):
                return answered
            # No row before the render but one at it (a racing insert): never matched again.
            return HeldItem(version, -1 if change is None else change, answered)

        def keep_rendered(rendered: HeldItem | Response) -> None:
            if isinstance(rendered, HeldItem) and pages.ttl > 0:
                held_items.put(key, rendered)

        rendered = await pages.once(("item", key, version), render, keep_rendered)
        if isinstance(rendered, Response):
            return rendered  # a problem: answered as it is, never kept
        held = rendered
    return await serve_cached(request, pages, ("item", key, held.change_seq), held.cached, GEOJSON)


@ogc_get(
    export_router,
    "/{collectionId}.geojson",
    media_type=GEOJSON,
    operation_id="exportLayer",
    summary="A whole layer as one plain GeoJSON FeatureCollection (unpaged, capped)",
    description=(
        "For Leaflet, MapLibre and 'add layer from URL'. Accepts bbox, datetime and the layer's "
        "filters. At most WATCHFLOOR_EXPORT_MAX_FEATURES features: over the cap the first ones "
        'in the layer\'s order are kept and the body says `"truncated": true`.'
    ),
)
def export(
    request: Request, collection_id: CollectionId, session: SessionDep, settings: SettingsDep
) -> Response:
    links = link_builder(request, settings)
    pairs = request.query_params.multi_items()
    return respond(
        request,
        GEOJSON,
        lambda: service.export_document(session, links, settings, collection_id, pairs),
        parameters=None,
    )


# The one router the application registers: /ogc and /export.
router = APIRouter()
router.include_router(ogc_router)
router.include_router(export_router)
