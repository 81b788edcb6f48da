"""The event timeline (keyset-paginated; JSON, GeoJSON, CSV) and one event with its evidence."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.api.cache import (
    CachedBody,
    ResponseCache,
    Version,
    data_version,
    read,
    serve_cached,
    versioned_etag,
)
from app.api.deps import SessionDep
from app.api.geojson import GEOJSON_MEDIA_TYPE, event_feature, feature_collection
from app.api.http import (
    MAX_AGE_STABLE,
    AppSettingsDep,
    json_bytes,
    json_response,
    matches_if_none_match,
    not_modified,
    strong_etag,
)
from app.api.problems import PROBLEM_MEDIA_TYPE, Problem
from app.api.routes import params
from app.api.schemas import (
    DeletedEventPage,
    EventDetail,
    EventOut,
    EventPage,
    LocationOut,
    MentionOut,
)
from app.core.config import Settings
from app.core.isotime import iso_z
from app.core.models import Event
from app.query.events import (
    EVENT_FILTERS,
    REPEATABLE,
    EventFilter,
    EventListRow,
    EventQuery,
    EventRepository,
    parse_filters,
    string_list,
    string_list_json,
)
from app.query.params import BBox, group_pairs, parse_int

router = APIRouter(tags=["events"], responses=params.BAD_REQUEST)

FORMATS = {"json": "application/json", "geojson": GEOJSON_MEDIA_TYPE, "csv": "text/csv"}
CSV_COLUMNS = (
    "id",
    "event_date",
    "category",
    "title",
    "severity",
    "claim_status",
    "confidence",
    "corroboration",
    "location_name",
    "lat",
    "lon",
    "actors",
    "weapons",
    "summary",
)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid parameter", "content": {PROBLEM_MEDIA_TYPE: {}}}
}
EventId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Event id")]


def event_out(event: Event, base: str) -> EventOut:
    location = None
    if event.location_name or event.lat is not None:
        location = LocationOut(
            name=event.location_name,
            id=event.location_id,
            lat=event.lat,
            lon=event.lon,
            precision=event.location_precision,
        )
    return EventOut(
        id=event.id or 0,
        title=event.title,
        summary=event.summary,
        category=event.category,
        event_date=event.event_date,
        date_precision=event.date_precision,
        location=location,
        actors=list(event.actors or []),
        weapons=list(event.weapons or []),
        severity=event.severity,
        claim_status=event.claim_status,  # type: ignore[arg-type]
        confidence=round(event.confidence, 3),
        corroboration=event.corroboration,
        first_reported_at=event.first_reported_at,
        last_reported_at=event.last_reported_at,
        updated_at=event.updated_at,
        href=f"{base}/events/{event.id}",
    )


def event_json(row: Any, base: str) -> dict[str, Any]:
    """One item of a page, for `json_bytes`: what `event_out(event, base)` serialises to,
    built directly from the page's row (EventListRow; dates and instants left to the encoder).
    A page holds up to `page_limit_max` events: model construction and per-value formatting
    were most of its cost (tests/api/test_events.py checks the served items against EventOut)."""
    r = EventListRow.of(row)
    location = None
    if r.location_name or r.lat is not None:
        location = {
            "name": r.location_name,
            "id": r.location_id,
            "lat": r.lat,
            "lon": r.lon,
            "precision": r.location_precision,
        }
    return {
        "id": r.id or 0,
        "title": r.title,
        "summary": r.summary,
        "category": r.category,
        "event_date": r.event_date,
        "date_precision": r.date_precision,
        "location": location,
        "actors": string_list_json(r.actors),
        "weapons": string_list_json(r.weapons),
        "severity": r.severity,
        "claim_status": r.claim_status,
        "confidence": round(r.confidence, 3),
        "corroboration": r.corroboration,
        "first_reported_at": r.first_reported_at,
        "last_reported_at": r.last_reported_at,
        "updated_at": r.updated_at,
        "href": f"{base}/events/{r.id}",
    }


# --- parsing: the request as the query layer's EventQuery --------------------------------------

WINDOW_PARAMETERS = ("from", "to")
PAGING_PARAMETERS = ("limit", "cursor")
LIST_PARAMETERS = (*WINDOW_PARAMETERS, "bbox", "updated_since", *PAGING_PARAMETERS, "format")


def allowed_parameters() -> list[str]:
    return [*LIST_PARAMETERS, *(f.name for f in EVENT_FILTERS)]


def parse_list_request(request: Request, settings: Settings) -> tuple[EventQuery, str | None]:
    """(the query, the `format` asked for): every parameter but `format` goes into the query."""
    grouped = group_pairs(
        request.query_params.multi_items(), allowed_parameters(), repeatable=REPEATABLE
    )

    def one(name: str) -> str | None:
        return grouped[name][-1] if name in grouped else None

    start, end = params.time_range(one("from"), one("to"), settings)
    box = params.bbox(one("bbox"), settings)
    query = EventQuery.build(
        filters=parse_filters(grouped),
        limit=params.limit(_int_or_none(one("limit")), settings),
        updated_since=one("updated_since"),
        cursor=one("cursor"),
        first_day=None if start is None else start.date(),
        # `end` is exclusive: an instant inside a day keeps that day.
        last_day=None if end is None else (end - dt.timedelta(microseconds=1)).date(),
        bbox=None if box is None else BBox(*box),
    )
    return query, one("format")


def _int_or_none(raw: str | None) -> int | None:
    return None if raw is None else parse_int("limit", raw)


def list_parameters_document() -> list[dict[str, Any]]:
    """The OpenAPI parameters of /events, from the same declarations the parser reads."""
    instant = {"type": "string", "pattern": params.DATE_OR_INSTANT}
    structural: list[dict[str, Any]] = [
        _parameter("from", "First day (YYYY-MM-DD) or an ISO 8601 instant; UTC", instant),
        _parameter("to", "Last day (YYYY-MM-DD, inclusive) or an ISO 8601 instant; UTC", instant),
        _parameter(
            "bbox",
            "minLon,minLat,maxLon,maxLat (WGS 84); events without a point are never inside",
            {"type": "string"},
        ),
        _parameter(
            "updated_since",
            "The sync contract: only events changed at or after this instant, in change order "
            "(oldest change first); page with `next`, poll again with `resume`",
            instant,
        ),
        _parameter(
            "limit",
            "Page size; default WATCHFLOOR_PAGE_LIMIT_DEFAULT, at most WATCHFLOOR_PAGE_LIMIT_MAX",
            {"type": "integer", "minimum": 1},
        ),
        _parameter(
            "cursor",
            "Opaque; from a previous page's `next` (or `resume`)",
            {"type": "string", "maxLength": 200, "pattern": r"^[A-Za-z0-9_-]*$"},
        ),
        _parameter("format", "Default: json", {"type": "string", "enum": list(FORMATS)}),
    ]
    return structural + [filter_parameter(f) for f in EVENT_FILTERS]


def filter_parameter(spec: EventFilter) -> dict[str, Any]:
    schema = dict(spec.schema)
    if spec.repeatable:
        schema = {"type": "array", "items": schema}
    return _parameter(spec.name, spec.description, schema, explode=spec.repeatable)


def _parameter(
    name: str, description: str, schema: dict[str, Any], *, explode: bool = False
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }
    if explode:
        document.update(style="form", explode=True)
    return document


def _csv(events: list[Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        row = [
            e.id,
            e.event_date.isoformat(),
            e.category,
            e.title,
            e.severity,
            e.claim_status,
            round(e.confidence, 3),
            e.corroboration,
            e.location_name or "",
            "" if e.lat is None else e.lat,
            "" if e.lon is None else e.lon,
            "; ".join(string_list(e.actors)),
            "; ".join(string_list(e.weapons)),
            e.summary or "",
        ]
        # A leading =, +, - or @ would run as a formula in a spreadsheet: quote it as text.
        writer.writerow([_csv_safe(v) for v in row])
    return buffer.getvalue().encode()


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@router.get(
    "/events",
    operation_id="listEvents",
    summary="The event timeline, newest first",
    description=(
        "Keyset-paginated by (event_date, id) descending: follow `next` (also in the Link "
        "header) until it is null. `format=geojson` gives a FeatureCollection (events without "
        "a point have a null geometry), `format=csv` a CSV table; both page the same way. "
        "With `updated_since` the order is the change order instead (the sync contract: "
        "oldest change first, every change exactly once, `resume` for the next poll); removed "
        "events are listed by /events/deleted."
    ),
    response_model=EventPage,
    responses={
        200: {"content": {GEOJSON_MEDIA_TYPE: {}, "text/csv": {}}},
        **ERRORS,
    },
    openapi_extra={"parameters": list_parameters_document()},
)
async def list_events(request: Request, settings: AppSettingsDep) -> Response:
    query, format = parse_list_request(request, settings)
    fmt = params.wants(request, format, FORMATS)
    base = params.base_url(request, settings)
    # Everything the body is rendered from besides the rows (the links repeat the query).
    identity = (request.url.path, request.url.query, base, fmt, query)
    media_type = PAGE_MEDIA_TYPES[fmt]

    def render() -> tuple[CachedBody, Version | None]:
        """The page as a cached body, and the data version its rows were read at (None: the
        body is not a function of the version alone)."""
        page = read(lambda conn: EventRepository(conn).page(query))
        body, headers = render_page(request, settings, query, fmt, base, page)
        links = tuple(headers.items())
        if query.versioned and page.version is not None:
            etag = versioned_etag(page.version, *identity)  # the version the rows were read at
            return CachedBody(body, etag, headers=links), page.version
        return CachedBody(body, strong_etag(body), headers=links), None

    if not query.versioned:
        unversioned, _ = await anyio.to_thread.run_sync(render)
        return await serve_cached(
            request, request.app.state.page_cache, (), unversioned, media_type
        )
    # The validator follows from the data version: a client that holds this page gets its
    # 304 before any query or rendering, and a page rendered at this version is served again.
    version = await data_version(request)
    etag = versioned_etag(version, *identity)
    if matches_if_none_match(request.headers.get("if-none-match"), etag):
        return not_modified(etag)
    pages: ResponseCache = request.app.state.page_cache
    key = (identity, version)
    cached = pages.get(key)
    if cached is None:
        rendered, read_at = await anyio.to_thread.run_sync(render)
        if read_at is not None:
            key = (identity, read_at)
            pages.put(key, rendered)
        cached = rendered
    return await serve_cached(request, pages, key, cached, media_type)


PAGE_MEDIA_TYPES = {**FORMATS, "csv": "text/csv; charset=utf-8"}


def render_page(
    request: Request, settings: Settings, query: EventQuery, fmt: str, base: str, page: Any
) -> tuple[bytes, dict[str, str]]:
    """The body of a page in `fmt` and its Link header."""
    events = page.rows
    next_url = params.page_link(request, settings, page.next_cursor) if page.next_cursor else None
    resume_url = (
        params.page_link(request, settings, page.resume_cursor) if page.resume_cursor else None
    )
    link_header = [f'<{next_url}>; rel="next"'] if next_url else []
    link_header += [f'<{resume_url}>; rel="resume"'] if resume_url else []
    headers = {"Link": ", ".join(link_header)} if link_header else {}
    if fmt == "csv":
        return _csv(events), headers
    if fmt == "geojson":
        links = [{"rel": "next", "type": GEOJSON_MEDIA_TYPE, "href": next_url}] if next_url else []
        if resume_url:
            links.append({"rel": "resume", "type": GEOJSON_MEDIA_TYPE, "href": resume_url})
        body = feature_collection(
            (event_feature(e) for e in events), numberReturned=len(events), links=links
        )
        return json_bytes(body), headers
    body_page: dict[str, Any] = {
        "limit": query.limit,
        "next": next_url,
        "items": [event_json(e, base) for e in events],
    }
    if resume_url:
        body_page["resume"] = resume_url
    return json_bytes(body_page), headers


DELETED_PARAMETERS = ("since", "limit", "cursor")


@router.get(
    "/events/deleted",
    operation_id="listDeletedEvents",
    summary="Events removed or merged into another, oldest removal first (the sync contract)",
    description=(
        "Each item: the removed event's `id`, `deleted_at` and `replaced_by` (the event that "
        "took over its articles, or null). `since`: removed at or after this instant. Page "
        "with `next`; poll again with `resume`. A poller applies these removals, then the "
        "changes of /events?updated_since=... (a re-created id comes back there)."
    ),
    response_model=DeletedEventPage,
    responses=ERRORS,
    openapi_extra={
        "parameters": [
            _parameter(
                "since",
                "Removed at or after this instant (YYYY-MM-DD or ISO 8601; UTC)",
                {"type": "string", "pattern": params.DATE_OR_INSTANT},
            ),
            _parameter("limit", "Page size", {"type": "integer", "minimum": 1}),
            _parameter("cursor", "Opaque; from `next` or `resume`", {"type": "string"}),
        ]
    },
)
def list_deleted_events(
    request: Request, session: SessionDep, settings: AppSettingsDep
) -> Response:
    grouped = group_pairs(request.query_params.multi_items(), DELETED_PARAMETERS)
    since_raw = grouped.get("since", [None])[-1]
    since = params.parse_instant(since_raw, "since") if since_raw else None
    limit_raw = grouped.get("limit", [None])[-1]
    size = params.limit(None if limit_raw is None else parse_int("limit", limit_raw), settings)
    page = EventRepository(session).deleted(since, grouped.get("cursor", [None])[-1], size)
    next_url = params.page_link(request, settings, page.next_cursor) if page.next_cursor else None
    body = {
        "limit": size,
        "next": next_url,
        "resume": params.page_link(request, settings, page.resume_cursor),
        "items": [
            {"id": row.id, "deleted_at": iso_z(row.deleted_at), "replaced_by": row.replaced_by}
            for row in page.rows
        ],
    }
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return json_response(request, body, headers=headers)


def _mentions(session: Session, event_id: int) -> list[MentionOut]:
    return [
        MentionOut(
            article_id=article.id or 0,
            title=article.title,
            url=article.url,
            publisher=publisher,
            published_at=article.published_at,
            sentence=mention.sentence,
            evidence=list(mention.evidence or []),
            claim_status=mention.claim_status,  # type: ignore[arg-type]
        )
        for mention, article, publisher in EventRepository(session).mentions(event_id)
    ]


@router.get(
    "/events/{event_id}",
    operation_id="getEvent",
    summary="One event with its evidence: the articles and sentences it came from",
    response_model=EventDetail,
    responses={404: {"description": "No such event", "content": {PROBLEM_MEDIA_TYPE: {}}}},
)
def get_event(
    request: Request, session: SessionDep, settings: AppSettingsDep, event_id: EventId
) -> Response:
    event = EventRepository(session).get(event_id)
    if event is None:
        raise Problem(404, f"no event with id {event_id}")
    base = params.base_url(request, settings)
    detail = EventDetail(
        **event_out(event, base).model_dump(),
        figures=dict(event.figures or {}),
        mentions=_mentions(session, event_id),
    )
    return json_response(request, detail.model_dump(mode="json"), max_age=MAX_AGE_STABLE)
