"""`/events.atom`: the event timeline as Atom 1.0 with GeoRSS-Simple points, for feed readers
and GIS tools (GDAL's GeoRSS driver, QGIS, ArcGIS Online).

Same filters, order and keyset paging as `/events` (the filter parsing is the events route's
own, reused). Entry ids (`urn:watchfloor:event:<id>`) never change when an event does; an
entry's `updated` is the event's `updated_at` (seam: the change sequence of the query layer
will give a strictly increasing stamp). The feed's `updated` is its newest entry's, so an
unchanged page is byte-identical and its strong ETag answers `If-None-Match` with 304.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from xml.etree import ElementTree as ET

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.api.deps import SessionDep
from app.api.geojson import COORDINATE_DECIMALS, EVENT_LIST_COLUMNS
from app.api.http import AppSettingsDep, conditional
from app.api.problems import PROBLEM_MEDIA_TYPE
from app.api.routes import params
from app.api.routes.events import _filters as event_filters
from app.core.models import Event

ATOM = "http://www.w3.org/2005/Atom"
GEORSS = "http://www.georss.org/georss"
ATOM_MEDIA_TYPE = "application/atom+xml"
ENTRY_ID = "urn:watchfloor:event:{id}"
FEED_ID = "urn:watchfloor:events"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # XML 1.0 forbids these

ET.register_namespace("", ATOM)
ET.register_namespace("georss", GEORSS)

router = APIRouter(tags=["events"])


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _stamp(value: dt.datetime | None) -> str:
    """RFC 3339 in UTC, with the fraction of a second when there is one (two updates in one
    second still differ)."""
    return (value or EPOCH).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = _text(text)
    return element


def _entry(feed: ET.Element, event: Any, base: str) -> None:
    entry = _add(feed, f"{{{ATOM}}}entry")
    _add(entry, f"{{{ATOM}}}id", ENTRY_ID.format(id=event.id))
    _add(entry, f"{{{ATOM}}}title", event.title)
    _add(entry, f"{{{ATOM}}}updated", _stamp(event.updated_at))
    _add(entry, f"{{{ATOM}}}published", _stamp(event.created_at))
    # no `type`: readers take an untyped alternate as the entry's link (the event's JSON today)
    _add(entry, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/events/{event.id}")
    _add(entry, f"{{{ATOM}}}category", term=event.category)
    details = (
        f"{event.event_date.isoformat()} · severity {event.severity}/5 · {event.claim_status}"
        f"{' · ' + event.location_name if event.location_name else ''}"
    )
    summary = f"{event.summary}\n\n{details}" if event.summary else details
    _add(entry, f"{{{ATOM}}}summary", summary, type="text")
    if event.lat is not None and event.lon is not None:
        lat, lon = round(event.lat, COORDINATE_DECIMALS), round(event.lon, COORDINATE_DECIMALS)
        _add(entry, f"{{{GEORSS}}}point", f"{lat} {lon}")  # GeoRSS order: latitude longitude


def atom_document(events: list[Any], *, base: str, self_url: str, next_url: str | None) -> bytes:
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, f"{{{ATOM}}}id", FEED_ID)
    _add(feed, f"{{{ATOM}}}title", "Watchfloor: Korean Peninsula security events")
    _add(feed, f"{{{ATOM}}}updated", _stamp(max((e.updated_at for e in events), default=None)))
    author = _add(feed, f"{{{ATOM}}}author")
    _add(author, f"{{{ATOM}}}name", "Watchfloor")
    _add(feed, f"{{{ATOM}}}link", rel="self", type=ATOM_MEDIA_TYPE, href=self_url)
    _add(feed, f"{{{ATOM}}}link", rel="alternate", type="application/json", href=f"{base}/events")
    if next_url:
        _add(feed, f"{{{ATOM}}}link", rel="next", type=ATOM_MEDIA_TYPE, href=next_url)
    for event in events:
        _entry(feed, event, base)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _page(
    session: Session, where: list[Any], cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """The /events page (event_date, id descending) with the timestamps an entry needs."""
    columns = (*EVENT_LIST_COLUMNS, Event.created_at, Event.updated_at)
    query = sa.select(*columns).where(*where)
    if cursor:
        day, row_id = params.cursor_day(cursor)
        query = query.where(sa.tuple_(Event.event_date, Event.id) < sa.tuple_(day, row_id))
    order = (sa.desc(Event.event_date), sa.desc(Event.id))  # type: ignore[call-overload]
    query = query.order_by(*order).limit(limit + 1)
    rows = list(session.execute(query))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], params.encode_cursor(last.event_date.isoformat(), last.id)


@router.get(
    "/events.atom",
    operation_id="eventsAtom",
    summary="The event timeline as an Atom feed with GeoRSS points (same filters as /events)",
    description=(
        "Atom 1.0 (RFC 4287), newest event first, one `georss:point` (latitude longitude) per "
        "located event. Entry ids are stable across updates; `updated` is the event's last "
        "change. Paged like /events: follow `link rel=next`. ETag and If-None-Match (304)."
    ),
    response_class=Response,
    responses={
        200: {"content": {ATOM_MEDIA_TYPE: {}}},
        304: {"description": "Not modified"},
        400: {"description": "Invalid parameter", "content": {PROBLEM_MEDIA_TYPE: {}}},
    },
)
def events_atom(
    request: Request,
    session: SessionDep,
    settings: AppSettingsDep,
    date_from: params.FromQuery = None,
    date_to: params.ToQuery = None,
    category: Annotated[
        list[str] | None, Query(description="Repeatable or comma-separated")
    ] = None,
    actor: Annotated[str | None, Query(description="Substring of an actor name")] = None,
    place: Annotated[str | None, Query(description="Place name substring or gazetteer id")] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    min_severity: Annotated[int | None, Query(ge=1, le=5)] = None,
    claim_status: Annotated[
        list[str] | None, Query(description="claimed, reported, confirmed")
    ] = None,
    q: Annotated[str | None, Query(description="Text in the title or summary")] = None,
    limit: params.LimitQuery = None,
    cursor: params.CursorQuery = None,
) -> Response:
    size = params.limit(limit, settings)
    where = event_filters(
        settings, date_from, date_to, category, actor, place, bbox, min_severity, claim_status, q
    )
    events, next_cursor = _page(session, where, cursor, size)
    base = params.base_url(request, settings)
    query = f"?{request.url.query}" if request.url.query else ""
    next_url = params.page_link(request, settings, next_cursor) if next_cursor else None
    body = atom_document(
        events, base=base, self_url=f"{base}{request.url.path}{query}", next_url=next_url
    )
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return conditional(request, body, f"{ATOM_MEDIA_TYPE}; charset=utf-8", headers=headers)
