"""The event timeline (keyset-paginated; JSON, GeoJSON, CSV) and one event with its evidence."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.api.deps import SessionDep
from app.api.geojson import (
    EVENT_LIST_COLUMNS,
    GEOJSON_MEDIA_TYPE,
    event_feature,
    event_point_in_bbox,
    feature_collection,
)
from app.api.http import MAX_AGE_STABLE, AppSettingsDep, conditional, json_response
from app.api.problems import PROBLEM_MEDIA_TYPE, Problem
from app.api.routes import params
from app.api.schemas import EventDetail, EventOut, EventPage, LocationOut, MentionOut
from app.core.config import Settings
from app.core.models import Article, Event, EventMention, Source

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
ERRORS = {400: {"description": "Invalid parameter", "content": {PROBLEM_MEDIA_TYPE: {}}}}
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
        href=f"{base}/events/{event.id}",
    )


def _instant(value: dt.datetime | None) -> str | None:
    """As pydantic writes an aware UTC datetime in JSON mode (Z, microseconds when present)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def event_json(event: Any, base: str) -> dict[str, Any]:
    """`event_out(event, base).model_dump(mode="json")`, built directly: a page holds up to
    `page_limit_max` events and model construction was most of its cost (the equality is
    tested in tests/api/test_events.py)."""
    location = None
    if event.location_name or event.lat is not None:
        location = {
            "name": event.location_name,
            "id": event.location_id,
            "lat": event.lat,
            "lon": event.lon,
            "precision": event.location_precision,
        }
    return {
        "id": event.id or 0,
        "title": event.title,
        "summary": event.summary,
        "category": event.category,
        "event_date": event.event_date.isoformat(),
        "date_precision": event.date_precision,
        "location": location,
        "actors": list(event.actors or []),
        "weapons": list(event.weapons or []),
        "severity": event.severity,
        "claim_status": event.claim_status,
        "confidence": round(event.confidence, 3),
        "corroboration": event.corroboration,
        "first_reported_at": _instant(event.first_reported_at),
        "last_reported_at": _instant(event.last_reported_at),
        "href": f"{base}/events/{event.id}",
    }


def _filters(
    settings: Settings,
    date_from: str | None,
    date_to: str | None,
    category: list[str] | None,
    actor: str | None,
    place: str | None,
    bbox: str | None,
    min_severity: int | None,
    claim_status: list[str] | None,
    q: str | None,
) -> list[Any]:
    where: list[Any] = []
    start, end = params.time_range(date_from, date_to, settings)
    if start is not None:
        where.append(Event.event_date >= start.date())
    if end is not None:
        # `end` is exclusive: an instant inside a day keeps that day.
        where.append(Event.event_date <= (end - dt.timedelta(microseconds=1)).date())
    if chosen := params.categories(category):
        where.append(Event.category.in_(chosen))
    if statuses := params.claim_statuses(claim_status):
        where.append(Event.claim_status.in_(statuses))
    if min_severity is not None:
        where.append(Event.severity >= min_severity)
    if text := params.text_param(actor, "actor"):
        where.append(sa.cast(Event.actors, sa.Text).ilike(params.like_pattern(text), escape="\\"))
    if text := params.text_param(place, "place"):
        pattern = params.like_pattern(text)
        where.append(
            sa.or_(Event.location_name.ilike(pattern, escape="\\"), Event.location_id == text)
        )
    if text := params.text_param(q, "q"):
        pattern = params.like_pattern(text)
        where.append(
            sa.or_(
                Event.title.ilike(pattern, escape="\\"), Event.summary.ilike(pattern, escape="\\")
            )
        )
    if box := params.bbox(bbox, settings):
        where.append(event_point_in_bbox(*box))
    return where


def _page(
    session: Session, where: list[Any], cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    query = sa.select(*EVENT_LIST_COLUMNS).where(*where)
    if cursor:
        day, row_id = params.cursor_day(cursor)
        # Row-value comparison walks ix_events_timeline (event_date, id) backwards.
        query = query.where(sa.tuple_(Event.event_date, Event.id) < sa.tuple_(day, row_id))
    query = query.order_by(Event.event_date.desc(), Event.id.desc()).limit(limit + 1)
    rows = list(session.execute(query))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], params.encode_cursor(last.event_date.isoformat(), last.id or 0)


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
            "; ".join(e.actors or []),
            "; ".join(e.weapons or []),
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
        "a point have a null geometry), `format=csv` a CSV table; both page the same way."
    ),
    response_model=EventPage,
    responses={
        200: {"content": {GEOJSON_MEDIA_TYPE: {}, "text/csv": {}}},
        **ERRORS,
    },
)
def list_events(
    request: Request,
    session: SessionDep,
    settings: AppSettingsDep,
    date_from: params.FromQuery = None,
    date_to: params.ToQuery = None,
    category: Annotated[
        list[str] | None,
        Query(description="Repeatable or comma-separated", examples=["missile_test,artillery"]),
    ] = None,
    actor: Annotated[str | None, Query(description="Substring of an actor name")] = None,
    place: Annotated[
        str | None, Query(description="Substring of the place name, or a gazetteer id")
    ] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    min_severity: Annotated[int | None, Query(ge=1, le=5)] = None,
    claim_status: Annotated[
        list[str] | None, Query(description="claimed, reported, confirmed (repeatable)")
    ] = None,
    q: Annotated[str | None, Query(description="Text in the title or summary")] = None,
    limit: params.LimitQuery = None,
    cursor: params.CursorQuery = None,
    format: Annotated[
        Literal["json", "geojson", "csv"] | None, Query(description="Default: json")
    ] = None,
) -> Response:
    fmt = params.wants(request, format, FORMATS)
    size = params.limit(limit, settings)
    where = _filters(
        settings, date_from, date_to, category, actor, place, bbox, min_severity, claim_status, q
    )
    events, next_cursor = _page(session, where, cursor, size)
    next_url = params.page_link(request, settings, next_cursor) if next_cursor else None
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    if fmt == "csv":
        return conditional(request, _csv(events), "text/csv; charset=utf-8", headers=headers)
    if fmt == "geojson":
        links = [{"rel": "next", "type": GEOJSON_MEDIA_TYPE, "href": next_url}] if next_url else []
        body = feature_collection(
            (event_feature(e) for e in events), numberReturned=len(events), links=links
        )
        return json_response(request, body, media_type=GEOJSON_MEDIA_TYPE, headers=headers)
    base = params.base_url(request, settings)
    page = {"limit": size, "next": next_url, "items": [event_json(e, base) for e in events]}
    return json_response(request, page, headers=headers)


def _mentions(session: Session, event_id: int) -> list[MentionOut]:
    rows = session.execute(
        sa.select(EventMention, Article, Source.name)
        .join(Article, Article.id == EventMention.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(EventMention.event_id == event_id)
        .order_by(Article.published_at, Article.id)
    )
    return [
        MentionOut(
            article_id=article.id,
            title=article.title,
            url=article.url,
            publisher=publisher,
            published_at=article.published_at,
            sentence=mention.sentence,
            evidence=list(mention.evidence or []),
            claim_status=mention.claim_status,
        )
        for mention, article, publisher in rows
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
    event = session.get(Event, event_id)
    if event is None:
        raise Problem(404, f"no event with id {event_id}")
    base = params.base_url(request, settings)
    detail = EventDetail(
        **event_out(event, base).model_dump(),
        figures=dict(event.figures or {}),
        mentions=_mentions(session, event_id),
    )
    return json_response(request, detail.model_dump(mode="json"), max_age=MAX_AGE_STABLE)
