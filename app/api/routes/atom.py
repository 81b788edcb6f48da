"""`/events.atom`: the event timeline as Atom 1.0 with GeoRSS-Simple points, for feed readers
and GIS tools (GDAL's GeoRSS driver, QGIS, ArcGIS Online).

Same parameters, order and keyset paging as `/events`: the request is parsed into the query
layer's `EventQuery` and read through `EventRepository` (app/query/events.py), so a filter
added there is a filter here. With `updated_since`, entries come in change order (the sync
contract of /events). Entry ids (`urn:watchfloor:event:<id>`) never change when an event does;
an entry's `updated` is the event's `updated_at`, its `published` when it was first reported.
The feed's `updated` is its newest entry's, so an unchanged page is byte-identical and its
strong ETag answers `If-None-Match` with 304.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.geojson import COORDINATE_DECIMALS
from app.api.http import AppSettingsDep, conditional
from app.api.problems import PROBLEM_MEDIA_TYPE
from app.api.routes import params
from app.api.routes.events import list_parameters_document, parse_list_request
from app.query.events import EventRepository

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
    _add(entry, f"{{{ATOM}}}published", _stamp(event.first_reported_at or event.updated_at))
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
    openapi_extra={"parameters": [p for p in list_parameters_document() if p["name"] != "format"]},
    responses={
        200: {"content": {ATOM_MEDIA_TYPE: {}}},
        304: {"description": "Not modified"},
        400: {"description": "Invalid parameter", "content": {PROBLEM_MEDIA_TYPE: {}}},
    },
)
def events_atom(request: Request, session: SessionDep, settings: AppSettingsDep) -> Response:
    query, _ = parse_list_request(request, settings)
    page = EventRepository(session).page(query)
    events, next_cursor = page.rows, page.next_cursor
    base = params.base_url(request, settings)
    asked = f"?{request.url.query}" if request.url.query else ""
    next_url = params.page_link(request, settings, next_cursor) if next_cursor else None
    body = atom_document(
        events, base=base, self_url=f"{base}{request.url.path}{asked}", next_url=next_url
    )
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return conditional(request, body, f"{ATOM_MEDIA_TYPE}; charset=utf-8", headers=headers)
